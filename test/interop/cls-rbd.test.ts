/**
 * Our `rbd` (and `version`) class client against a real Pacific OSD: every
 * builder runs against the real class on real objects, its errno and output
 * are checked, and what we wrote is read back with the REAL `rbd` CLI
 * (`rbd info`, `ls`, `snap ls`, `children`, `image-meta get`, `trash ls`):
 * an image whose directory entry, id object and header we made through the
 * class is an image real librbd opens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Config } from '../../src/common/config.js';
import { isCephError } from '../../src/common/errors.js';
import { Rados } from '../../src/rados/rados.js';
import type { IoCtx } from '../../src/rados/io-ctx.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../src/rados/operation.js';
import * as cls from '../../src/cls/rbd/index.js';
import {
  CEPH_NOSNAP,
  DirectoryState,
  ObjectMapState,
  ProtectionStatus,
  RBD_DIRECTORY,
  RbdFeature,
  RbdFlag,
  RbdOperationFeature,
  SNAP_LIMIT_NONE,
  TrashImageSource,
  TrashImageState,
} from '../../src/cls/rbd/index.js';
import {
  VersionCond,
  versionCheckOn,
  versionIncCondOn,
  versionIncOn,
  versionRead,
  versionSetOn,
} from '../../src/cls/version/index.js';
import { haveRealCeph, startRealCluster } from '../helpers/real-cluster.js';

const execFileAsync = promisify(execFile);
const skip = haveRealCeph() ? false : 'real Ceph not installed';

/** ENOEXEC (a feature the header lacks): not in common/errors' name table yet, so by number. */
const ENOEXEC = 8;
const rejectsWith = async (p: Promise<unknown>, code: string | number) =>
  assert.rejects(p, (e) => {
    assert.ok(
      isCephError(e, code as never),
      `expected ${code}, got ${String((e as { code?: string }).code)} ${String(e)}`,
    );
    return true;
  });

/** A fresh image id as librbd makes them: lowercase hex. */
const newId = () => randomBytes(6).toString('hex');
const DEFAULT_FEATURES =
  RbdFeature.LAYERING |
  RbdFeature.EXCLUSIVE_LOCK |
  RbdFeature.OBJECT_MAP |
  RbdFeature.FAST_DIFF |
  RbdFeature.DEEP_FLATTEN;
const MiB = 1 << 20;

/**
 * Create a format 2 image the way librbd's CreateRequest does, with our builders only:
 * rbd_id.<name> (create + set_id), the directory entry, the header, the object map.
 */
async function createImage(
  io: IoCtx,
  name: string,
  sizeBytes: number,
  features = DEFAULT_FEATURES,
): Promise<string> {
  const id = newId();
  const idOp = new ObjectWriteOperation().create(true);
  cls.setId(idOp, id);
  await io.operate(`rbd_id.${name}`, idOp);
  await cls.dirAddImageOn(io, RBD_DIRECTORY, name, id);
  const hdr = new ObjectWriteOperation().create(true);
  cls.create(hdr, sizeBytes, 22, features, `rbd_data.${id}`);
  await io.operate(`rbd_header.${id}`, hdr);
  if ((features & RbdFeature.OBJECT_MAP) !== 0n) {
    const om = new ObjectWriteOperation();
    cls.objectMapResize(om, Math.ceil(sizeBytes / (4 * MiB)), ObjectMapState.NONEXISTENT);
    await io.operate(`rbd_object_map.${id}`, om);
  }
  return id;
}

test('cls rbd/version client against a real OSD, checked with the real rbd CLI', { skip }, async (t) => {
  const cluster = await startRealCluster({
    name: 'cls-rbd',
    basePort: 48000,
    osds: 1,
    objectStore: 'memstore',
    rbdPool: true,
  });
  t.after(() => cluster.stop());
  const rbd = async (...args: string[]) =>
    (await execFileAsync('rbd', ['-c', cluster.confPath, ...args])).stdout;
  const rbdJson = async <T>(...args: string[]) => JSON.parse(await rbd(...args, '--format', 'json')) as T;
  const config = new Config({ environment: 'library' });
  config.set('mon_host', `[${cluster.monAddr}]`);
  const rados = await Rados.connect(config);
  t.after(() => rados.shutDown());
  const io = await rados.ioCtx('rbd');
  const poolId = io.poolId;

  const parentId = await createImage(io, 'parent', 64 * MiB);
  const hdr = `rbd_header.${parentId}`;

  await t.test('an image made through the class is one the real rbd CLI opens', async () => {
    assert.equal(await cls.getId(io, 'rbd_id.parent'), parentId);
    assert.equal(await cls.dirGetId(io, RBD_DIRECTORY, 'parent'), parentId);
    assert.equal(await cls.dirGetName(io, RBD_DIRECTORY, parentId), 'parent');
    assert.deepEqual([...(await cls.dirList(io, RBD_DIRECTORY))], [['parent', parentId]]);
    assert.match(await rbd('ls', 'rbd'), /^parent$/m);
    const info = await rbdJson<{
      id: string;
      size: number;
      order: number;
      features: string[];
      block_name_prefix: string;
    }>('info', 'rbd/parent');
    assert.equal(info.id, parentId);
    assert.equal(info.size, 64 * MiB);
    assert.equal(info.order, 22);
    assert.equal(info.block_name_prefix, `rbd_data.${parentId}`);
    assert.deepEqual(info.features, [
      'layering',
      'exclusive-lock',
      'object-map',
      'fast-diff',
      'deep-flatten',
    ]);
  });

  await t.test('header getters, alone and in one compound read as librbd refreshes', async () => {
    assert.deepEqual(await cls.getSize(io, hdr), { order: 22, size: 64 * MiB });
    assert.deepEqual(await cls.getFeatures(io, hdr, false), { features: 61n, incompatible: 61n });
    assert.deepEqual(await cls.getFeatures(io, hdr, true), { features: 61n, incompatible: 1n });
    assert.equal(await cls.getObjectPrefix(io, hdr), `rbd_data.${parentId}`);
    assert.equal(await cls.getDataPool(io, hdr), -1);
    assert.equal(await cls.getFlags(io, hdr), 0n);
    assert.equal(await cls.opFeaturesGet(io, hdr), 0n);
    assert.equal(await cls.getAllFeatures(io, hdr), cls.RBD_FEATURES_ALL);
    assert.deepEqual(await cls.imageGroupGet(io, hdr), { poolId: -1, groupId: '' });
    assert.equal(await cls.snapshotGetLimit(io, hdr), SNAP_LIMIT_NONE);
    assert.deepEqual(await cls.getSnapContext(io, hdr), { seq: 0n, snaps: [] });
    assert.deepEqual(await cls.parentGet(io, hdr), cls.noParentImageSpec());
    assert.equal(await cls.parentOverlapGet(io, hdr, CEPH_NOSNAP), undefined);
    const created = await cls.getCreateTimestamp(io, hdr);
    assert.ok(Math.abs(created.sec - Date.now() / 1000) < 120);
    assert.deepEqual(await cls.getModifyTimestamp(io, hdr), created);
    await rejectsWith(cls.getStripeUnitCount(io, hdr), ENOEXEC);

    const op = new ObjectReadOperation();
    const size = cls.getSizeStart(op, CEPH_NOSNAP);
    const features = cls.getFeaturesStart(op, false);
    const snapc = cls.getSnapContextStart(op);
    const flags = cls.getFlagsStart(op, CEPH_NOSNAP);
    const meta = cls.metadataListStart(op, '', 64);
    const parent = cls.parentGetStart(op);
    const group = cls.imageGroupGetStart(op);
    await io.operateRead(hdr, op);
    assert.equal(size.get().size, 64 * MiB);
    assert.equal(features.get().features, 61n);
    assert.equal(snapc.get().seq, 0n);
    assert.equal(flags.get(), 0n);
    assert.equal(meta.get().size, 0);
    assert.equal(parent.get().poolId, -1);
    assert.equal(group.get().poolId, -1);
  });

  await t.test('header setters: size, features, flags, op features, timestamps, stripe', async () => {
    await cls.setSizeOn(io, hdr, 32 * MiB);
    assert.equal((await rbdJson<{ size: number }>('info', 'rbd/parent')).size, 32 * MiB);
    await cls.setSizeOn(io, hdr, 64 * MiB);
    await cls.setFeaturesOn(io, hdr, 0n, RbdFeature.FAST_DIFF);
    assert.ok(!(await rbdJson<{ features: string[] }>('info', 'rbd/parent')).features.includes('fast-diff'));
    await rejectsWith(cls.setFeaturesOn(io, hdr, RbdFeature.DEEP_FLATTEN, RbdFeature.DEEP_FLATTEN), 'EINVAL');
    await rejectsWith(cls.setFeaturesOn(io, hdr, 0n, RbdFeature.OPERATIONS), 'EINVAL');
    await cls.setFeaturesOn(io, hdr, RbdFeature.FAST_DIFF, RbdFeature.FAST_DIFF);
    await cls.setFlagsOn(io, hdr, CEPH_NOSNAP, RbdFlag.FAST_DIFF_INVALID, RbdFlag.FAST_DIFF_INVALID);
    assert.equal(await cls.getFlags(io, hdr), RbdFlag.FAST_DIFF_INVALID);
    assert.match(
      (await rbdJson<{ flags: string[] }>('info', 'rbd/parent')).flags.join(','),
      /fast diff invalid/,
    );
    await cls.setFlagsOn(io, hdr, CEPH_NOSNAP, 0n, RbdFlag.FAST_DIFF_INVALID);
    await rejectsWith(cls.opFeaturesSetOn(io, hdr, 1n << 10n, 1n << 10n), 'EINVAL');
    await cls.opFeaturesSetOn(io, hdr, RbdOperationFeature.GROUP, RbdOperationFeature.GROUP);
    assert.equal(await cls.opFeaturesGet(io, hdr), RbdOperationFeature.GROUP);
    assert.equal(
      (await cls.getFeatures(io, hdr, false)).features & RbdFeature.OPERATIONS,
      RbdFeature.OPERATIONS,
    );
    await cls.opFeaturesSetOn(io, hdr, 0n, RbdOperationFeature.GROUP);
    assert.equal((await cls.getFeatures(io, hdr, false)).features, 61n);
    const before = await cls.getAccessTimestamp(io, hdr);
    await new Promise((r) => setTimeout(r, 1100));
    await cls.setAccessTimestampOn(io, hdr);
    await cls.setModifyTimestampOn(io, hdr);
    assert.ok((await cls.getAccessTimestamp(io, hdr)).sec > before.sec);
    assert.ok((await cls.getModifyTimestamp(io, hdr)).sec > before.sec);

    const stripedId = await createImage(io, 'striped', 16 * MiB, RbdFeature.LAYERING | RbdFeature.STRIPINGV2);
    const sh = `rbd_header.${stripedId}`;
    assert.deepEqual(await cls.getStripeUnitCount(io, sh), { stripeUnit: 4 * MiB, stripeCount: 1 });
    await rejectsWith(cls.setStripeUnitCountOn(io, sh, 3000, 2), 'EINVAL');
    await cls.setStripeUnitCountOn(io, sh, 65536, 8);
    assert.deepEqual(await cls.getStripeUnitCount(io, sh), { stripeUnit: 65536, stripeCount: 8 });
    const info = await rbdJson<{ stripe_unit: number; stripe_count: number }>('info', 'rbd/striped');
    assert.deepEqual([info.stripe_unit, info.stripe_count], [65536, 8]);
    await rejectsWith(cls.createOn(io, sh, MiB, 22, 1n, 'rbd_data.x'), 'EEXIST');
  });

  let snapId = 0n;
  await t.test(
    'snapshots: add, get, rename, protect, limit, remove — as the real rbd sees them',
    async () => {
      snapId = await io.selfManagedSnapCreate();
      await cls.snapshotAddOn(io, hdr, snapId, 's1');
      await rejectsWith(cls.snapshotAddOn(io, hdr, snapId, 's1'), 'EEXIST');
      const info = await cls.snapshotGet(io, hdr, snapId);
      assert.equal(info.name, 's1');
      assert.deepEqual(info.snapshotNamespace, { type: 'user' });
      assert.equal(info.imageSize, 64 * MiB);
      assert.equal(info.childCount, 0);
      assert.deepEqual(await cls.getSnapshotTimestamp(io, hdr, snapId), info.timestamp);
      assert.deepEqual(await cls.getSnapContext(io, hdr), { seq: snapId, snaps: [snapId] });
      assert.deepEqual(await cls.getSize(io, hdr, snapId), { order: 22, size: 64 * MiB });
      await rejectsWith(cls.snapshotGet(io, hdr, CEPH_NOSNAP), 'EINVAL');
      await rejectsWith(cls.snapshotAddOn(io, hdr, snapId - 1n, 'stale'), 'ESTALE');

      await cls.snapshotRenameOn(io, hdr, snapId, 'first');
      assert.equal(await cls.getSnapshotName(io, hdr, snapId), 'first');
      await cls.setProtectionStatusOn(io, hdr, snapId, ProtectionStatus.PROTECTED);
      assert.equal(await cls.getProtectionStatus(io, hdr, snapId), ProtectionStatus.PROTECTED);
      const snaps = await rbdJson<{ id: number; name: string; protected: string }[]>(
        'snap',
        'ls',
        'rbd/parent',
      );
      assert.deepEqual(
        snaps.map((s) => [BigInt(s.id), s.name, s.protected]),
        [[snapId, 'first', 'true']],
      );
      await rejectsWith(cls.snapshotRemoveOn(io, hdr, snapId), 'EBUSY');

      await cls.snapshotSetLimitOn(io, hdr, 1n);
      assert.equal(await cls.snapshotGetLimit(io, hdr), 1n);
      await rejectsWith(cls.snapshotAddOn(io, hdr, await io.selfManagedSnapCreate(), 'over'), 'EDQUOT');
      await cls.snapshotSetLimitOn(io, hdr, SNAP_LIMIT_NONE);
      assert.equal(await cls.snapshotGetLimit(io, hdr), SNAP_LIMIT_NONE);

      // a snapshot flag (the snapshot's object map invalid) and a snapshot moved to the trash namespace
      const s2 = await io.selfManagedSnapCreate();
      await cls.snapshotAddOn(io, hdr, s2, 's2');
      await cls.setFlagsOn(io, hdr, s2, RbdFlag.OBJECT_MAP_INVALID, RbdFlag.OBJECT_MAP_INVALID);
      assert.equal(await cls.getFlags(io, hdr, s2), RbdFlag.OBJECT_MAP_INVALID);
      await cls.snapshotTrashAddOn(io, hdr, s2);
      const trashed = await cls.snapshotGet(io, hdr, s2);
      assert.deepEqual(trashed.snapshotNamespace, {
        type: 'trash',
        originalName: 's2',
        originalSnapshotNamespaceType: 0,
      });
      assert.equal(
        (await cls.opFeaturesGet(io, hdr)) & RbdOperationFeature.SNAP_TRASH,
        RbdOperationFeature.SNAP_TRASH,
      );
      const all = await rbdJson<{ name: string; namespace: { type: string; original_name?: string } }[]>(
        'snap',
        'ls',
        '--all',
        'rbd/parent',
      );
      assert.ok(all.some((s) => s.namespace.type === 'trash' && s.namespace.original_name === 's2'));
      await cls.snapshotRemoveOn(io, hdr, s2);
      assert.equal(await cls.opFeaturesGet(io, hdr), 0n);
      // a group-namespace snapshot goes in and comes back as we encoded it
      const s3 = await io.selfManagedSnapCreate();
      const groupNs = { type: 'group', groupPool: poolId, groupId: 'g1', groupSnapshotId: 'gs1' } as const;
      await cls.snapshotAddOn(io, hdr, s3, 'gsnap', groupNs);
      assert.deepEqual((await cls.snapshotGet(io, hdr, s3)).snapshotNamespace, groupNs);
      await cls.snapshotRemoveOn(io, hdr, s3);
    },
  );

  await t.test('metadata: set, list, get, remove; the real rbd image-meta reads ours', async () => {
    await cls.metadataSetOn(
      io,
      hdr,
      new Map([
        ['conf_rbd_cache', Buffer.from('false')],
        ['a_key', Buffer.from('v')],
      ]),
    );
    assert.deepEqual(
      [...(await cls.metadataList(io, hdr))].map(([k, v]) => [k, v.toString()]),
      [
        ['a_key', 'v'],
        ['conf_rbd_cache', 'false'],
      ],
    );
    assert.deepEqual([...(await cls.metadataList(io, hdr, 'a_key', 10)).keys()], ['conf_rbd_cache']);
    assert.equal(await cls.metadataGet(io, hdr, 'a_key'), 'v');
    assert.equal((await rbd('image-meta', 'get', 'rbd/parent', 'conf_rbd_cache')).trim(), 'false');
    await cls.metadataRemoveOn(io, hdr, 'a_key');
    await rejectsWith(cls.metadataGet(io, hdr, 'a_key'), 'ENOENT');
  });

  await t.test('clone v2: parent_attach + child_attach make a clone real rbd lists and opens', async () => {
    const childId = await createImage(io, 'child2', 64 * MiB, RbdFeature.LAYERING);
    const ch = `rbd_header.${childId}`;
    const spec = { poolId, poolNamespace: '', imageId: parentId, snapId };
    await cls.parentAttachOn(io, ch, spec, 128 * MiB);
    await rejectsWith(cls.parentAttachOn(io, ch, spec, 64 * MiB), 'EEXIST');
    await cls.parentAttachOn(io, ch, spec, 32 * MiB, true);
    assert.deepEqual(await cls.parentGet(io, ch), spec);
    assert.equal(await cls.parentOverlapGet(io, ch, CEPH_NOSNAP), 32 * MiB);
    assert.deepEqual(await cls.getParent(io, ch, CEPH_NOSNAP), { parent: spec, overlap: 32 * MiB });
    const op = new ObjectWriteOperation();
    cls.opFeaturesSet(op, RbdOperationFeature.CLONE_CHILD, RbdOperationFeature.CLONE_CHILD);
    await io.operate(ch, op);
    await cls.childAttachOn(io, hdr, snapId, { poolId, poolNamespace: '', imageId: childId });
    await rejectsWith(
      cls.childAttachOn(io, hdr, snapId, { poolId, poolNamespace: '', imageId: childId }),
      'EEXIST',
    );
    assert.deepEqual(await cls.childrenList(io, hdr, snapId), [
      { poolId, poolNamespace: '', imageId: childId },
    ]);
    assert.equal((await cls.snapshotGet(io, hdr, snapId)).childCount, 1);
    assert.equal(await cls.opFeaturesGet(io, hdr), RbdOperationFeature.CLONE_PARENT);
    assert.match(await rbd('children', 'rbd/parent@first'), /^rbd\/child2$/m);
    const info = await rbdJson<{
      parent: { pool: string; image: string; snapshot: string; overlap: number };
    }>('info', 'rbd/child2');
    assert.deepEqual(info.parent.image, 'parent');
    assert.deepEqual(info.parent.snapshot, 'first');
    assert.equal(info.parent.overlap, 32 * MiB);
    // a snapshot of the clone keeps only the overlap (normalised parent)
    const cs = await io.selfManagedSnapCreate();
    await cls.snapshotAddOn(io, ch, cs, 'cs');
    assert.equal(await cls.parentOverlapGet(io, ch, cs), 32 * MiB);
    await cls.snapshotRemoveOn(io, ch, cs);

    await cls.childDetachOn(io, hdr, snapId, { poolId, poolNamespace: '', imageId: childId });
    await rejectsWith(cls.childrenList(io, hdr, snapId), 'ENOENT');
    assert.equal(await cls.opFeaturesGet(io, hdr), 0n);
    await cls.parentDetachOn(io, ch);
    assert.deepEqual(await cls.parentGet(io, ch), cls.noParentImageSpec());
    assert.equal(await cls.opFeaturesGet(io, ch), 0n);
    await rejectsWith(cls.parentDetachOn(io, ch), 'ENOENT');
  });

  await t.test('clone v1: set_parent, add_child/get_children on rbd_children, remove both', async () => {
    const childId = await createImage(io, 'child1', 64 * MiB, RbdFeature.LAYERING);
    const ch = `rbd_header.${childId}`;
    const spec = { poolId, poolNamespace: '', imageId: parentId, snapId };
    await cls.setParentOn(io, ch, spec, 64 * MiB);
    assert.deepEqual(await cls.getParent(io, ch, CEPH_NOSNAP), { parent: spec, overlap: 64 * MiB });
    await cls.addChildOn(io, cls.RBD_CHILDREN, spec, childId);
    await rejectsWith(cls.addChildOn(io, cls.RBD_CHILDREN, spec, childId), 'EEXIST');
    assert.deepEqual(await cls.getChildren(io, cls.RBD_CHILDREN, spec), [childId]);
    const stored = await io.omapGetAll(cls.RBD_CHILDREN);
    assert.deepEqual(
      [...stored.keys()].map((k) => Buffer.from(k, 'utf8')),
      [cls.rbdChildrenKey(poolId, parentId, snapId)],
    );
    assert.match(await rbd('children', 'rbd/parent@first'), /^rbd\/child1$/m);
    assert.throws(
      () => cls.setParent(new ObjectWriteOperation(), { ...spec, poolNamespace: 'ns' }, 1),
      (e) => isCephError(e, 'EXDEV'),
    );
    await cls.removeChildOn(io, cls.RBD_CHILDREN, spec, childId);
    await rejectsWith(cls.getChildren(io, cls.RBD_CHILDREN, spec), 'ENOENT');
    await cls.removeParentOn(io, ch);
    assert.equal((await cls.getParent(io, ch, CEPH_NOSNAP)).parent.poolId, -1);
  });

  await t.test('directory: rename, remove, state; errors as Ceph answers them', async () => {
    const id = await cls.dirGetId(io, RBD_DIRECTORY, 'child1');
    await cls.dirRenameImageOn(io, RBD_DIRECTORY, 'child1', 'renamed', id);
    assert.match(await rbd('ls', 'rbd'), /^renamed$/m);
    await rejectsWith(cls.dirAddImageOn(io, RBD_DIRECTORY, 'renamed', newId()), 'EEXIST');
    await rejectsWith(cls.dirAddImageOn(io, RBD_DIRECTORY, 'other', id), 'EBADF');
    await rejectsWith(cls.dirAddImageOn(io, RBD_DIRECTORY, 'bad', 'not-alnum'), 'EINVAL');
    // ESTALE when name and id map to other entries (a rename raced); ENOENT for an unknown id
    await rejectsWith(cls.dirRemoveImageOn(io, RBD_DIRECTORY, 'renamed', parentId), 'ESTALE');
    await rejectsWith(cls.dirRemoveImageOn(io, RBD_DIRECTORY, 'renamed', 'ffff'), 'ENOENT');
    await cls.dirRemoveImageOn(io, RBD_DIRECTORY, 'renamed', id);
    await rejectsWith(cls.dirGetId(io, RBD_DIRECTORY, 'renamed'), 'ENOENT');
    await rejectsWith(cls.getId(io, 'rbd_id.nothing'), 'ENOENT');

    const dir = 'cls_rbd_test_directory';
    await cls.dirStateSetOn(io, dir, DirectoryState.READY);
    await cls.dirStateAssertOn(io, dir, DirectoryState.READY);
    await rejectsWith(cls.dirStateAssertOn(io, dir, DirectoryState.ADD_DISABLED), 'ENOENT');
    await cls.dirStateSetOn(io, dir, DirectoryState.ADD_DISABLED);
    const op = new ObjectWriteOperation();
    cls.dirStateAssert(op, DirectoryState.READY);
    cls.dirAddImage(op, 'x', newId());
    await rejectsWith(io.operate(dir, op), 'ENOENT');
    await cls.dirStateSetOn(io, dir, DirectoryState.READY);
    await cls.dirAddImageOn(io, dir, 'x', 'abc');
    await rejectsWith(cls.dirStateSetOn(io, dir, DirectoryState.ADD_DISABLED), 'EBUSY');
  });

  await t.test('object map: load, update, snap add/remove, save, resize', async () => {
    const om = `rbd_object_map.${parentId}`;
    const empty = await cls.objectMapLoad(io, om);
    await cls.objectMapUpdateOn(io, om, 0, 1, ObjectMapState.EXISTS);
    const one = await cls.objectMapLoad(io, om);
    const at = one.findIndex((b, i) => b !== empty[i]);
    assert.ok(at >= 0, 'the update changed the loaded map');
    assert.equal(one[at], ObjectMapState.EXISTS << 6, 'object 0 is the top two bits of the first data byte');
    // only objects in the current state change
    await cls.objectMapUpdateOn(io, om, 0, 2, ObjectMapState.PENDING, ObjectMapState.NONEXISTENT);
    assert.equal(
      (await cls.objectMapLoad(io, om))[at],
      (ObjectMapState.EXISTS << 6) | (ObjectMapState.PENDING << 4),
    );
    await cls.objectMapUpdateOn(io, om, 1, 2, ObjectMapState.NONEXISTENT);
    await rejectsWith(cls.objectMapUpdateOn(io, om, 0, 10_000, ObjectMapState.EXISTS), 'ERANGE');
    await cls.objectMapSnapAddOn(io, om);
    assert.equal((await cls.objectMapLoad(io, om))[at], ObjectMapState.EXISTS_CLEAN << 6);
    await cls.objectMapSnapRemoveOn(io, om, one);
    assert.equal((await cls.objectMapLoad(io, om))[at], ObjectMapState.EXISTS << 6);
    await cls.objectMapSaveOn(io, om, empty);
    assert.deepEqual(await cls.objectMapLoad(io, om), empty);
    await cls.objectMapUpdateOn(io, om, 15, 16, ObjectMapState.EXISTS);
    await rejectsWith(cls.objectMapResizeOn(io, om, 8, ObjectMapState.NONEXISTENT), 'ESTALE');
    await cls.objectMapResizeOn(io, om, 32, ObjectMapState.NONEXISTENT);
    assert.ok((await cls.objectMapLoad(io, om)).length > empty.length);
    await cls.objectMapSaveOn(io, om, empty);
    await rbd('object-map', 'check', 'rbd/parent');
    await rejectsWith(cls.objectMapSaveOn(io, om, Buffer.from([1, 2, 3])), 'EINVAL');
    await rejectsWith(cls.objectMapLoad(io, 'rbd_object_map.none'), 'ENOENT');
  });

  await t.test(
    'trash: move an image there as librbd does, get, list (real rbd trash ls), state, remove',
    async () => {
      const id = await createImage(io, 'gone', 8 * MiB, RbdFeature.LAYERING);
      const spec = {
        source: TrashImageSource.USER,
        name: 'gone',
        deletionTime: { sec: Math.floor(Date.now() / 1000), nsec: 0 },
        defermentEndTime: { sec: Math.floor(Date.now() / 1000), nsec: 0 },
        state: TrashImageState.NORMAL,
      };
      await cls.trashAddOn(io, id, spec);
      await cls.dirRemoveImageOn(io, RBD_DIRECTORY, 'gone', id);
      await io.remove('rbd_id.gone');
      await rejectsWith(cls.trashAddOn(io, id, spec), 'EEXIST');
      assert.deepEqual(await cls.trashGet(io, id), spec);
      assert.deepEqual([...(await cls.trashList(io))], [[id, spec]]);
      const listed = await rbdJson<{ id: string; name: string; source: string }[]>(
        'trash',
        'ls',
        '--long',
        'rbd',
      );
      assert.deepEqual(
        listed.map((e) => [e.id, e.name, e.source]),
        [[id, 'gone', 'USER']],
      );
      await cls.trashStateSetOn(io, id, TrashImageState.REMOVING, TrashImageState.NORMAL);
      await cls.trashStateSetOn(io, id, TrashImageState.REMOVING, TrashImageState.NORMAL);
      await rejectsWith(
        cls.trashStateSetOn(io, id, TrashImageState.RESTORING, TrashImageState.MOVING),
        'ESTALE',
      );
      assert.equal((await cls.trashGet(io, id)).state, TrashImageState.REMOVING);
      await cls.trashRemoveOn(io, id);
      await rejectsWith(cls.trashGet(io, id), 'ENOENT');
      await rejectsWith(cls.trashRemoveOn(io, id), 'ENOENT');
    },
  );

  await t.test('data objects: copyup, sparse_copyup, assert_snapc_seq, sparsify', async () => {
    const data = `rbd_data.${parentId}.0000000000000003`;
    await cls.copyupOn(io, data, Buffer.from('parent bytes'));
    await cls.copyupOn(io, data, Buffer.from('ignored: the object exists'));
    assert.equal((await io.read(data, 0)).toString(), 'parent bytes');
    const sparse = `rbd_data.${parentId}.0000000000000004`;
    await cls.sparseCopyupOn(
      io,
      sparse,
      [
        { offset: 0, length: 2 },
        { offset: 10, length: 3 },
      ],
      Buffer.from('abxyz'),
    );
    const got = await io.read(sparse, 0);
    assert.equal(got.length, 13);
    assert.equal(got.subarray(0, 2).toString() + got.subarray(10).toString(), 'abxyz');
    await rejectsWith(
      cls.sparseCopyupOn(
        io,
        `rbd_data.${parentId}.0000000000000005`,
        [{ offset: 0, length: 9 }],
        Buffer.from('ab'),
      ),
      'EINVAL',
    );
    const empty = `rbd_data.${parentId}.0000000000000006`;
    await cls.sparseCopyupOn(io, empty, [], Buffer.alloc(0));
    assert.equal((await io.stat(empty)).size, 0);

    await cls.assertSnapcSeqOn(io, data, 1n, cls.AssertSnapcSeqState.GT_SNAPSET_SEQ);
    await rejectsWith(cls.assertSnapcSeqOn(io, data, 1n, cls.AssertSnapcSeqState.LE_SNAPSET_SEQ), 'ERANGE');

    const zeros = `rbd_data.${parentId}.0000000000000007`;
    await io.write(zeros, Buffer.alloc(8192));
    await cls.sparsifyOn(io, zeros, 4096, true);
    await rejectsWith(io.stat(zeros), 'ENOENT');
    await rejectsWith(cls.sparsifyOn(io, zeros, 4096, true), 'ENOENT');
  });

  await t.test(
    'format 1 header: snap_add, snap_list, snap_rename, snap_remove (real rbd snap ls agrees)',
    async () => {
      const header = Buffer.alloc(112);
      header.write('<<< Rados Block Device Image >>>\n', 0);
      header.write('rb.0.1.2', 40);
      header.write('RBD', 64);
      header.write('001.005', 68);
      header.writeUInt8(22, 76);
      header.writeBigUInt64LE(8n * BigInt(MiB), 80);
      await io.writeFull('old.rbd', header);
      const o1 = await io.selfManagedSnapCreate();
      const o2 = await io.selfManagedSnapCreate();
      await cls.oldSnapshotAddOn(io, 'old.rbd', o1, 'o1');
      await cls.oldSnapshotAddOn(io, 'old.rbd', o2, 'o2');
      await rejectsWith(cls.oldSnapshotAddOn(io, 'old.rbd', o2 + 1n, 'o1'), 'EEXIST');
      await rejectsWith(cls.oldSnapshotAddOn(io, 'old.rbd', o1, 'o3'), 'ESTALE');
      assert.deepEqual(await cls.oldSnapshotList(io, 'old.rbd'), {
        seq: o2,
        snaps: [
          { id: o2, imageSize: 8 * MiB, name: 'o2' },
          { id: o1, imageSize: 8 * MiB, name: 'o1' },
        ],
      });
      await cls.oldSnapshotRenameOn(io, 'old.rbd', o1, 'first');
      await cls.oldSnapshotRemoveOn(io, 'old.rbd', 'o2');
      const snaps = await rbdJson<{ id: number; name: string }[]>('snap', 'ls', 'rbd/old');
      assert.deepEqual(
        snaps.map((s) => [BigInt(s.id), s.name]),
        [[o1, 'first']],
      );
    },
  );

  await t.test('version class: read, inc, set, conditions', async () => {
    const oid = 'versioned';
    await io.create(oid, false);
    assert.deepEqual(await versionRead(io, oid), { ver: 0n, tag: '' });
    await versionIncOn(io, oid);
    const v = await versionRead(io, oid);
    assert.equal(v.ver, 2n, 'a first inc starts the version at 1 and bumps it');
    assert.equal(v.tag.length, 24);
    await versionCheckOn(io, oid, v, VersionCond.EQ);
    await rejectsWith(versionCheckOn(io, oid, { ver: 3n, tag: v.tag }, VersionCond.GE), 'ECANCELED');
    await versionIncCondOn(io, oid, v, VersionCond.EQ);
    await rejectsWith(versionIncCondOn(io, oid, v, VersionCond.EQ), 'ECANCELED');
    assert.equal((await versionRead(io, oid)).ver, 3n);
    await versionSetOn(io, oid, { ver: 42n, tag: 'mine' });
    assert.deepEqual(await versionRead(io, oid), { ver: 42n, tag: 'mine' });
  });
});
