/**
 * The pure parts of the snapshot operations: snapshot
 * lookup by name and namespace, listing, the parent-link decisions of
 * snapshot removal, object-map names, and every check an operation makes
 * before it touches RADOS (the IoCtx here throws if anything is sent).
 * The RADOS paths themselves run against a real cluster in
 * test/interop/rbd-snapshot.test.ts.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Config } from '../../../../src/common/config.js';
import { isCephError } from '../../../../src/common/errors.js';
import { CEPH_NOSNAP } from '../../../../src/encoding/osd-types.js';
import type { IoCtx } from '../../../../src/rados/io-ctx.js';
import type { Rados } from '../../../../src/rados/rados.js';
import {
  ProtectionStatus,
  RbdFeature,
  RbdFlag,
  RbdOperationFeature,
  type ParentImageSpec,
  type SnapshotNamespace,
} from '../../../../src/cls/rbd/types.js';
import { ImageCtx, type ImageHeader, type SnapInfo } from '../../../../src/rbd/image-ctx.js';
import { snapshotCreate } from '../../../../src/rbd/operation/snapshot-create.js';
import { detachParentSpec } from '../../../../src/rbd/operation/snapshot-detach-child.js';
import { snapshotSetLimit } from '../../../../src/rbd/operation/snapshot-limit.js';
import {
  findSnapshotId,
  sameSnapshotNamespace,
  snapshotList,
} from '../../../../src/rbd/operation/snapshot-list.js';
import {
  nextSnapId,
  objectMapObjectName,
  rollbackSkippable,
} from '../../../../src/rbd/operation/snapshot-object-map.js';
import { snapshotProtect } from '../../../../src/rbd/operation/snapshot-protect.js';
import { snapshotPurge } from '../../../../src/rbd/operation/snapshot-purge.js';
import {
  isLastParentLink,
  snapshotRemove,
  snapshotRemoveById,
} from '../../../../src/rbd/operation/snapshot-remove.js';
import { snapshotRename } from '../../../../src/rbd/operation/snapshot-rename.js';
import { snapshotRollback } from '../../../../src/rbd/operation/snapshot-rollback.js';
import { snapshotUnprotect } from '../../../../src/rbd/operation/snapshot-unprotect.js';

const M = 1 << 20;

/** An IoCtx that fails the test if any operation reaches it. */
const noIo = new Proxy(
  { poolId: 1, namespace: '' },
  {
    get(target, prop) {
      if (prop in target) return target[prop as keyof typeof target];
      if (prop === 'dup') return () => noIo;
      if (prop === 'then') return undefined;
      return () => {
        throw new Error(`unexpected RADOS call ${String(prop)}`);
      };
    },
  },
) as unknown as IoCtx;

const PARENT_A: ParentImageSpec = { poolId: 1, poolNamespace: '', imageId: 'pa', snapId: 4n };
const PARENT_B: ParentImageSpec = { poolId: 2, poolNamespace: 'ns', imageId: 'pb', snapId: 9n };

function snap(id: bigint, name: string, extra: Partial<SnapInfo> = {}): SnapInfo {
  return {
    id,
    name,
    namespace: { type: 'user' },
    size: 8 * M,
    parent: null,
    protectionStatus: ProtectionStatus.UNPROTECTED,
    flags: 0n,
    timestampMs: Number(id) * 1000,
    childCount: 0,
    ...extra,
  };
}

function imageCtx(
  o: {
    snaps?: SnapInfo[];
    features?: bigint;
    parent?: ParentImageSpec;
    opFeatures?: bigint;
    readOnly?: boolean;
    overrides?: Record<string, string>;
  } = {},
): ImageCtx {
  const ictx = new ImageCtx({
    rados: {} as Rados,
    config: new Config({ environment: 'library' }),
    mdIoCtx: noIo,
    name: 'img',
    id: 'abc123',
    readOnly: o.readOnly ?? false,
  });
  const snaps = o.snaps ?? [];
  const header: ImageHeader = {
    size: 8 * M,
    order: 22,
    features: o.features ?? RbdFeature.LAYERING | RbdFeature.EXCLUSIVE_LOCK,
    incompatibleFeatures: 0n,
    flags: 0n,
    opFeatures: o.opFeatures ?? 0n,
    objectPrefix: 'rbd_data.abc123',
    dataPoolId: -1,
    layout: { objectSize: 4 * M, stripeUnit: 4 * M, stripeCount: 1 },
    snapSeq: snaps.reduce((m, s) => (s.id > m ? s.id : m), 0n),
    snapIds: snaps.map((s) => s.id).sort((a, b) => (a > b ? -1 : 1)),
    snaps: new Map(snaps.map((s) => [s.id, s])),
    parent: o.parent ? { spec: o.parent, overlap: 8 * M } : null,
    createTimestampMs: 0,
    accessTimestampMs: 0,
    modifyTimestampMs: 0,
    configOverrides: new Map(Object.entries(o.overrides ?? {})),
    lockOwners: [],
    lockTag: '',
    exclusiveLockHeld: false,
    snapLimit: undefined,
  };
  ictx.header = header;
  return ictx;
}

const rejectsWith = (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (e) => isCephError(e, code as never), `expected ${code}`);

describe('snapshot-list', () => {
  const group: SnapshotNamespace = { type: 'group', groupPool: 1, groupId: 'g1', groupSnapshotId: 'gs1' };
  const trash: SnapshotNamespace = { type: 'trash', originalName: 'old', originalSnapshotNamespaceType: 0 };
  const ictx = imageCtx({
    snaps: [
      snap(7n, 'b', { protectionStatus: ProtectionStatus.PROTECTED }),
      snap(3n, 'a'),
      snap(9n, '1b4e-uuid', { namespace: trash, childCount: 2 }),
      snap(5n, 'a', { namespace: group }),
      snap(8n, 'c', { protectionStatus: ProtectionStatus.UNPROTECTING }),
    ],
  });

  it('snapshotList: user snapshots only, oldest first; UNPROTECTING is not protected', async () => {
    const list = await snapshotList(ictx);
    assert.deepEqual(
      list.map((s) => [s.id, s.name, s.protected]),
      [
        [3n, 'a', false],
        [7n, 'b', true],
        [8n, 'c', false],
      ],
    );
  });

  it('snapshotList all: every namespace; a trash snapshot carries its original name', async () => {
    const list = await snapshotList(ictx, { all: true });
    assert.deepEqual(
      list.map((s) => [s.id, s.namespaceType]),
      [
        [3n, 'user'],
        [5n, 'group'],
        [7n, 'user'],
        [8n, 'user'],
        [9n, 'trash'],
      ],
    );
    const t = list.find((s) => s.id === 9n)!;
    assert.deepEqual(t.trash, { originalName: 'old', originalNamespaceType: 'user' });
    assert.equal(t.childCount, 2);
  });

  it('findSnapshotId: by name within the namespace; a group snapshot needs its whole namespace', () => {
    assert.equal(findSnapshotId(ictx, 'a'), 3n);
    assert.equal(findSnapshotId(ictx, 'a', group), 5n);
    assert.equal(findSnapshotId(ictx, 'a', { ...group, groupSnapshotId: 'other' }), undefined);
    assert.equal(findSnapshotId(ictx, 'zz'), undefined);
    assert.equal(findSnapshotId(ictx, '1b4e-uuid'), undefined, 'trash names are not user names');
    assert.equal(
      findSnapshotId(ictx, '1b4e-uuid', {
        type: 'trash',
        originalName: '',
        originalSnapshotNamespaceType: 0,
      }),
      9n,
    );
  });

  it('sameSnapshotNamespace: mirror peers compare as a set; other fields exactly', () => {
    const m = (peers: string[], seqs: [bigint, bigint][] = []): SnapshotNamespace => ({
      type: 'mirror',
      state: 0,
      complete: true,
      mirrorPeerUuids: peers,
      primaryMirrorUuid: '',
      primarySnapId: CEPH_NOSNAP,
      lastCopiedObjectNumber: 0,
      snapSeqs: new Map(seqs),
    });
    assert.ok(sameSnapshotNamespace(m(['b', 'a']), m(['a', 'b'])));
    assert.ok(!sameSnapshotNamespace(m(['a']), m(['a', 'b'])));
    assert.ok(!sameSnapshotNamespace(m([], [[1n, 2n]]), m([], [[1n, 3n]])));
    assert.ok(!sameSnapshotNamespace({ type: 'user' }, m([])));
  });
});

describe('snapshot-object-map: names and order', () => {
  it('objectMapObjectName: head and %016x snapshot suffix', () => {
    assert.equal(objectMapObjectName('10297a8c0a04'), 'rbd_object_map.10297a8c0a04');
    assert.equal(objectMapObjectName('10297a8c0a04', 20n), 'rbd_object_map.10297a8c0a04.0000000000000014');
  });

  it('rollbackSkippable: nothing is skipped without an object map or with an invalid one (no reads)', async () => {
    assert.equal(await rollbackSkippable(imageCtx({ snaps: [snap(3n, 'a')] }), 3n), undefined);
    const invalid = imageCtx({
      features: RbdFeature.LAYERING | RbdFeature.EXCLUSIVE_LOCK | RbdFeature.OBJECT_MAP,
      snaps: [snap(3n, 'a', { flags: RbdFlag.OBJECT_MAP_INVALID })],
    });
    assert.equal(await rollbackSkippable(invalid, 3n), undefined);
  });

  it('nextSnapId: the next higher id, else the head', () => {
    assert.equal(nextSnapId([9n, 3n, 5n], 3n), 5n);
    assert.equal(nextSnapId([9n, 3n, 5n], 5n), 9n);
    assert.equal(nextSnapId([9n, 3n, 5n], 9n), CEPH_NOSNAP);
  });
});

describe('snapshot-remove: parent links', () => {
  const linked = (id: bigint, spec: ParentImageSpec) => snap(id, `s${id}`, { parent: { spec, overlap: M } });

  it('isLastParentLink: the head still reads through the parent: keep the link', () => {
    const ictx = imageCtx({ snaps: [linked(3n, PARENT_A)], parent: PARENT_A });
    assert.equal(isLastParentLink(ictx, 3n), false);
  });

  it('isLastParentLink: flattened head, another snapshot shares the parent: keep the link', () => {
    const ictx = imageCtx({ snaps: [linked(3n, PARENT_A), linked(4n, PARENT_A)] });
    assert.equal(isLastParentLink(ictx, 3n), false);
  });

  it('isLastParentLink: flattened head, the only snapshot on that parent: detach', () => {
    const ictx = imageCtx({ snaps: [linked(3n, PARENT_A), linked(4n, PARENT_B)], parent: PARENT_B });
    assert.equal(isLastParentLink(ictx, 3n), true);
    assert.equal(isLastParentLink(ictx, 4n), false);
  });

  it('isLastParentLink: a snapshot without a parent never detaches', () => {
    assert.equal(isLastParentLink(imageCtx({ snaps: [snap(3n, 'a')] }), 3n), false);
  });

  it('detachParentSpec: the oldest snapshot decides, else the head, else none', () => {
    assert.deepEqual(
      detachParentSpec(imageCtx({ snaps: [linked(8n, PARENT_B), linked(3n, PARENT_A)] })),
      PARENT_A,
    );
    assert.deepEqual(detachParentSpec(imageCtx({ parent: PARENT_B })), PARENT_B);
    assert.equal(detachParentSpec(imageCtx({ snaps: [snap(3n, 'a')], parent: PARENT_B })), undefined);
    assert.equal(detachParentSpec(imageCtx()), undefined);
  });
});

describe('snapshot operations: checks made before any RADOS call', () => {
  const withSnaps = () =>
    imageCtx({
      snaps: [snap(3n, 'a'), snap(4n, 'p', { protectionStatus: ProtectionStatus.PROTECTED })],
      opFeatures: RbdOperationFeature.CLONE_PARENT,
    });

  it('snapshotCreate: EEXIST for a taken user name; EROFS read-only or at a snapshot', async () => {
    await rejectsWith(snapshotCreate(withSnaps(), 'a'), 'EEXIST');
    await rejectsWith(snapshotCreate(imageCtx({ readOnly: true }), 'x'), 'EROFS');
    const atSnap = withSnaps();
    atSnap.snapId = 3n;
    await rejectsWith(snapshotCreate(atSnap, 'x'), 'EROFS');
  });

  it('snapshotRemove: ENOENT for a missing name; EBUSY while protected', async () => {
    await rejectsWith(snapshotRemove(withSnaps(), 'zz'), 'ENOENT');
    await rejectsWith(snapshotRemove(withSnaps(), 'p'), 'EBUSY');
    await rejectsWith(snapshotRemoveById(withSnaps(), 99n), 'ENOENT');
  });

  it('snapshotRename: ENOENT source; EEXIST target (itself included)', async () => {
    await rejectsWith(snapshotRename(withSnaps(), 'zz', 'b'), 'ENOENT');
    await rejectsWith(snapshotRename(withSnaps(), 'a', 'p'), 'EEXIST');
    await rejectsWith(snapshotRename(withSnaps(), 'a', 'a'), 'EEXIST');
  });

  it('snapshotProtect: ENOSYS without layering (as real Pacific); ENOENT; EBUSY when protected', async () => {
    await rejectsWith(
      snapshotProtect(imageCtx({ features: RbdFeature.EXCLUSIVE_LOCK, snaps: [snap(3n, 'a')] }), 'a'),
      'ENOSYS',
    );
    await rejectsWith(snapshotProtect(withSnaps(), 'zz'), 'ENOENT');
    await rejectsWith(snapshotProtect(withSnaps(), 'p'), 'EBUSY');
  });

  it('snapshotUnprotect: ENOENT; EINVAL when already unprotected (before the layering check)', async () => {
    await rejectsWith(snapshotUnprotect(withSnaps(), 'zz'), 'ENOENT');
    await rejectsWith(snapshotUnprotect(withSnaps(), 'a'), 'EINVAL');
    await rejectsWith(
      snapshotUnprotect(imageCtx({ features: RbdFeature.EXCLUSIVE_LOCK, snaps: [snap(3n, 'a')] }), 'a'),
      'EINVAL',
    );
  });

  it('snapshotRollback: EROFS when open at a snapshot; ENOENT for a missing one', async () => {
    const atSnap = withSnaps();
    atSnap.snapId = 3n;
    await rejectsWith(snapshotRollback(atSnap, 'a'), 'EROFS');
    await rejectsWith(snapshotRollback(withSnaps(), 'zz'), 'ENOENT');
  });

  it('snapshotSetLimit / snapshotPurge: EROFS on a read-only image; a negative limit is EINVAL', async () => {
    await rejectsWith(snapshotSetLimit(imageCtx({ readOnly: true }), 3), 'EROFS');
    await rejectsWith(snapshotSetLimit(imageCtx(), -1), 'EINVAL');
    await rejectsWith(snapshotPurge(imageCtx({ readOnly: true })), 'EROFS');
  });
});
