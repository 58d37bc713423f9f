/**
 * cls/rbd codecs against golden bytes from real Pacific: every `rbd` class
 * call the real `rbd` 16.2.15 CLI made (input it encoded, output the real
 * OSD's class returned) decodes and re-encodes byte for byte, and so does
 * every header/directory/trash/children value the real OSD stored
 * (test/fixtures/cls-rbd, made by capture.sh).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isCephError } from '../../../../src/common/errors.js';
import { Decoder } from '../../../../src/encoding/decoder.js';
import { encode } from '../../../../src/encoding/encoder.js';
import { decodeUTime, encodeUTime } from '../../../../src/encoding/types.js';
import { OsdOp } from '../../../../src/msg/messages/osd-op-codes.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../../../src/rados/operation.js';
import {
  CEPH_NOSNAP,
  ClsResult,
  decodeChildImageSpecs,
  decodeClsRbdParentVersioned,
  decodeClsRbdSnapWithLayout,
  decodeRbdInput,
  decodeRbdOutput,
  decodeSnapshotNamespace,
  decodeTrashImageSpec,
  encodeChildImageSpecs,
  encodeClsRbdParent,
  encodeClsRbdSnap,
  encodeRbdInput,
  encodeRbdOutput,
  encodeSnapshotNamespace,
  encodeTrashImageSpec,
  getFeaturesStart,
  getSnapContextStart,
  ProtectionStatus,
  RBD_FEATURES_ALL,
  RBD_METHODS,
  rbdChildrenKey,
  RbdFeature,
  RbdOperationFeature,
  snapChildrenKey,
  snapIdFromKey,
  snapshotAdd,
  snapshotKey,
  SNAP_LIMIT_NONE,
  TrashImageSource,
  TrashImageState,
  type RbdMethodName,
  type SnapshotNamespace,
} from '../../../../src/cls/rbd/index.js';

interface Call {
  oid: string;
  method: string;
  input: string;
  output: string;
  rval: number;
  result: number;
  opIndex: number;
  numOps: number;
}
interface Golden {
  cases: Record<string, { command: string; stdout: string; calls: Call[] }>;
  objects: Record<string, { data: string; omap: Record<string, string> }>;
}
const golden = JSON.parse(
  readFileSync(new URL('../../../../../test/fixtures/cls-rbd/pacific-rbd.json', import.meta.url), 'utf8'),
) as Golden;
const hex = (s: string) => Buffer.from(s, 'hex');
const allCalls = Object.values(golden.cases).flatMap((c) => c.calls);
const isRbdMethod = (m: string): m is RbdMethodName => Object.hasOwn(RBD_METHODS, m);
const callsOf = (caseName: string, method: string) => {
  const calls = golden.cases[caseName]?.calls.filter((c) => c.method === method) ?? [];
  assert.ok(calls.length > 0, `${caseName} made no ${method} call`);
  return calls;
};
const headerOf = (prefix: string) => {
  const keyHex = Buffer.from(prefix).toString('hex');
  const oid = Object.keys(golden.objects).find(
    (o) =>
      o.startsWith('rbd_header.') && Object.keys(golden.objects[o]!.omap).some((k) => k.startsWith(keyHex)),
  );
  assert.ok(oid, `no header with key ${prefix}`);
  return golden.objects[oid]!;
};
const omapValue = (obj: { omap: Record<string, string> }, key: string | Buffer) => {
  const v = obj.omap[Buffer.from(key).toString('hex')];
  assert.ok(v !== undefined, `missing omap key ${key.toString()}`);
  return hex(v);
};

describe('cls/rbd: golden calls of the real rbd CLI', () => {
  it('every captured call of a known method re-encodes its input byte for byte', () => {
    let n = 0;
    for (const c of allCalls) {
      if (!isRbdMethod(c.method)) continue;
      const input = hex(c.input);
      const decoded = decodeRbdInput(c.method, input);
      assert.deepEqual(encodeRbdInput(c.method, decoded), input, `${c.method} input on ${c.oid}`);
      n++;
    }
    assert.ok(n > 1000, `only ${n} calls`);
  });

  it("every successful call's output from the real OSD re-encodes byte for byte", () => {
    for (const c of allCalls) {
      if (!isRbdMethod(c.method) || c.rval < 0 || !(c.result >= 0)) continue;
      const output = hex(c.output);
      const decoded = decodeRbdOutput(c.method, output);
      assert.deepEqual(encodeRbdOutput(c.method, decoded), output, `${c.method} output on ${c.oid}`);
    }
  });

  it('the fixture covers the methods librbd uses to create, open, snapshot, clone, trash and flatten', () => {
    const seen = new Set(allCalls.map((c) => c.method));
    for (const m of [
      'create',
      'get_features',
      'set_features',
      'get_size',
      'set_size',
      'get_snapcontext',
      'get_object_prefix',
      'get_data_pool',
      'get_flags',
      'set_flags',
      'op_features_get',
      'op_features_set',
      'get_stripe_unit_count',
      'set_stripe_unit_count',
      'get_create_timestamp',
      'get_access_timestamp',
      'get_modify_timestamp',
      'get_id',
      'set_id',
      'dir_get_id',
      'dir_get_name',
      'dir_list',
      'dir_add_image',
      'dir_remove_image',
      'dir_rename_image',
      'snapshot_get',
      'snapshot_add',
      'snapshot_remove',
      'snapshot_rename',
      'snapshot_trash_add',
      'get_protection_status',
      'set_protection_status',
      'snapshot_get_limit',
      'snapshot_set_limit',
      'metadata_list',
      'metadata_set',
      'metadata_remove',
      'metadata_get',
      'parent_get',
      'parent_overlap_get',
      'parent_attach',
      'parent_detach',
      'child_attach',
      'child_detach',
      'children_list',
      'add_child',
      'remove_child',
      'get_children',
      'sparse_copyup',
      'object_map_load',
      'object_map_save',
      'object_map_resize',
      'object_map_update',
      'object_map_snap_add',
      'trash_add',
      'trash_remove',
      'trash_list',
      'trash_get',
      'trash_state_set',
      'image_group_get',
      'get_all_features',
      'sparsify',
      'snap_list',
      'snap_add',
      'snap_remove',
      'snap_rename',
    ]) {
      assert.ok(seen.has(m), `no captured ${m}`);
    }
  });

  it('create: size, order, default features 61, object prefix, data pool -1 / the data pool id', () => {
    const [c] = callsOf('create', 'create');
    const input = decodeRbdInput('create', hex(c!.input));
    assert.equal(input.size, 64 << 20);
    assert.equal(input.order, 22);
    assert.equal(input.features, 61n);
    assert.equal(input.objectPrefix, `rbd_data.${c!.oid.slice('rbd_header.'.length)}`);
    assert.equal(input.dataPoolId, -1);
    const dp = decodeRbdInput('create', hex(callsOf('create_data_pool', 'create')[0]!.input));
    assert.ok(dp.dataPoolId >= 0);
    assert.equal(dp.features & RbdFeature.DATA_POOL, RbdFeature.DATA_POOL);
    assert.equal(dp.objectPrefix.split('.').length, 3, 'rbd_data.<pool>.<id>');
    const all = decodeRbdOutput('get_all_features', hex(callsOf('create', 'get_all_features')[0]!.output));
    assert.equal(all, RBD_FEATURES_ALL);
  });

  it('our builders encode exactly what librbd sent (get_features, snapshot_add)', () => {
    const gf = callsOf('snap_create', 'get_features').find((c) => c.input.endsWith('00'))!;
    const op = new ObjectReadOperation();
    getFeaturesStart(op, false);
    const indata = op.ops[0]!.indata;
    assert.equal(op.ops[0]!.op, OsdOp.CALL);
    assert.deepEqual(indata, Buffer.concat([Buffer.from('rbdget_features'), hex(gf.input)]));

    const sa = callsOf('snap_create', 'snapshot_add')[0]!;
    const { snapId } = decodeRbdInput('snapshot_add', hex(sa.input));
    const w = new ObjectWriteOperation();
    snapshotAdd(w, snapId, 's1');
    assert.deepEqual(w.ops[0]!.indata, Buffer.concat([Buffer.from('rbdsnapshot_add'), hex(sa.input)]));
  });

  it('get_features: read-write opens must know every enabled feature, read-only ones only layering', () => {
    // librbd's first get_features of an open is read-only (the image's state probe); the open itself follows.
    const rw = callsOf('snap_create', 'get_features')[1]!;
    assert.deepEqual(decodeRbdInput('get_features', hex(rw.input)), { snapId: CEPH_NOSNAP, readOnly: false });
    assert.deepEqual(decodeRbdOutput('get_features', hex(rw.output)), { features: 61n, incompatible: 61n });
    const ro = callsOf('info', 'get_features')[0]!;
    assert.deepEqual(decodeRbdInput('get_features', hex(ro.input)), { snapId: CEPH_NOSNAP, readOnly: true });
    assert.deepEqual(decodeRbdOutput('get_features', hex(ro.output)), { features: 61n, incompatible: 1n });
  });

  it('get_snapcontext after a snapshot: seq then ids newest first', () => {
    const cs = callsOf('snap_ls_all', 'get_snapcontext');
    const snapc = decodeRbdOutput('get_snapcontext', hex(cs.at(-1)!.output));
    assert.ok(snapc.snaps.length >= 2);
    assert.ok(snapc.snaps[0]! > snapc.snaps[1]!);
    assert.ok(snapc.seq >= snapc.snaps[0]!);
  });

  it('snapshot_get: user snapshot, then the trash namespace of a removed snapshot a clone uses', () => {
    const infos = callsOf('snap_ls_all', 'snapshot_get').map((c) =>
      decodeRbdOutput('snapshot_get', hex(c.output)),
    );
    const user = infos.find((s) => s.name === 's1r');
    assert.ok(user);
    assert.deepEqual(user.snapshotNamespace, { type: 'user' });
    assert.equal(user.imageSize, 64 << 20);
    assert.equal(user.childCount, 1, 'the clone v2 child c2 (c1 is clone v1; c3 comes later)');
    const trashed = infos.find((s) => s.snapshotNamespace.type === 'trash');
    assert.ok(trashed);
    assert.deepEqual(trashed.snapshotNamespace, {
      type: 'trash',
      originalName: 's2',
      originalSnapshotNamespaceType: 0,
    });
    assert.match(trashed.name, /^[0-9a-f-]{36}$/);
    assert.match(golden.cases.snap_ls_all!.stdout, new RegExp(`trash \\(s2\\)`));
  });

  it('clone v2: parent_attach, child_attach and the clone-child op feature', () => {
    const pa = decodeRbdInput('parent_attach', hex(callsOf('clone_v2', 'parent_attach')[0]!.input));
    assert.equal(pa.parent.poolNamespace, '');
    assert.equal(pa.overlap, 64 << 20);
    assert.equal(pa.reattach, false);
    const ca = decodeRbdInput('child_attach', hex(callsOf('clone_v2', 'child_attach')[0]!.input));
    assert.equal(ca.snapId, pa.parent.snapId);
    assert.equal(ca.child.poolId, pa.parent.poolId);
    const ofs = decodeRbdInput('op_features_set', hex(callsOf('clone_v2', 'op_features_set')[0]!.input));
    assert.deepEqual(ofs, {
      opFeatures: RbdOperationFeature.CLONE_CHILD,
      mask: RbdOperationFeature.CLONE_CHILD,
    });
    const children = decodeRbdOutput('children_list', hex(callsOf('children', 'children_list')[0]!.output));
    assert.ok(children.some((c) => c.imageId === ca.child.imageId));
  });

  it('clone v1: add_child on rbd_children and get_children', () => {
    const ac = callsOf('clone_v1', 'add_child')[0]!;
    assert.equal(ac.oid, 'rbd_children');
    const input = decodeRbdInput('add_child', hex(ac.input));
    // The other get_children calls hit ENOENT (no v1 child of that snapshot): result -2, no output.
    const got = callsOf('children', 'get_children').find((c) => c.result === 0)!;
    assert.deepEqual(decodeRbdOutput('get_children', hex(got.output)), [input.childId]);
  });

  it('object map calls: resize to the object count, update ranges with an optional current state', () => {
    const r = decodeRbdInput('object_map_resize', hex(callsOf('create', 'object_map_resize')[0]!.input));
    assert.deepEqual(r, { objectCount: 16, defaultState: 0 });
    const updates = callsOf('bench_write', 'object_map_update').map((c) =>
      decodeRbdInput('object_map_update', hex(c.input)),
    );
    assert.ok(updates.some((u) => u.currentObjectState !== undefined || u.newObjectState === 1));
    const load = hex(callsOf('snap_create', 'object_map_load')[0]!.output);
    assert.ok(load.length > 0);
  });

  it('trash: trash_add spec (user, name, deferment), trash_state_set, trash_list', () => {
    const add = decodeRbdInput('trash_add', hex(callsOf('trash_mv', 'trash_add')[0]!.input));
    assert.equal(add.spec.source, TrashImageSource.USER);
    assert.equal(add.spec.name, 't1');
    assert.equal(add.spec.state, TrashImageState.MOVING);
    // `--expires-at 2030-01-01` as the real CLI parsed it (one second short of midnight UTC).
    assert.ok(Math.abs(add.spec.defermentEndTime.sec - Date.UTC(2030, 0, 1) / 1000) <= 1);
    assert.ok(add.spec.deletionTime.sec < add.spec.defermentEndTime.sec);
    const st = decodeRbdInput('trash_state_set', hex(callsOf('trash_mv', 'trash_state_set')[0]!.input));
    assert.deepEqual(st, { id: add.id, state: TrashImageState.NORMAL, expectState: TrashImageState.MOVING });
    const list = decodeRbdOutput('trash_list', hex(callsOf('trash_ls', 'trash_list')[0]!.output));
    assert.equal(list.get(add.id)?.name, 't1');
  });

  it('metadata_set, metadata_list and metadata_get', () => {
    const set = decodeRbdInput('metadata_set', hex(callsOf('meta_set', 'metadata_set')[0]!.input));
    assert.deepEqual([...set], [['conf_rbd_cache', Buffer.from('false')]]);
    const got = decodeRbdOutput('metadata_get', hex(callsOf('meta_get', 'metadata_get')[0]!.output));
    assert.equal(got, 'false');
    const lists = callsOf('meta_list', 'metadata_list').map((c) =>
      decodeRbdOutput('metadata_list', hex(c.output)),
    );
    assert.ok(lists.some((m) => m.get('user_key')?.toString() === 'some value'));
  });

  it('snapshot limit: set 10, get, clear with UINT64_MAX', () => {
    assert.equal(
      decodeRbdInput('snapshot_set_limit', hex(callsOf('snap_limit_set', 'snapshot_set_limit')[0]!.input)),
      10n,
    );
    assert.equal(
      decodeRbdInput('snapshot_set_limit', hex(callsOf('snap_limit_clear', 'snapshot_set_limit')[0]!.input)),
      SNAP_LIMIT_NONE,
    );
  });

  it('format 1: snap_add, snap_list (names, sizes, seq), snap_rename, snap_remove', () => {
    const add = decodeRbdInput('snap_add', hex(callsOf('old_snap_create', 'snap_add')[0]!.input));
    assert.equal(add.name, 'o1');
    const list = decodeRbdOutput('snap_list', hex(callsOf('old_snap_ls', 'snap_list')[0]!.output));
    assert.deepEqual(
      list.snaps.map((s) => s.name),
      ['o2', 'o1'],
    );
    assert.equal(list.snaps[1]!.id, add.snapId);
    assert.equal(list.snaps[0]!.imageSize, 8 << 20);
    assert.equal(list.seq, list.snaps[0]!.id);
    assert.deepEqual(
      decodeRbdInput('snap_rename', hex(callsOf('old_snap_rename', 'snap_rename')[0]!.input)),
      {
        snapId: add.snapId,
        dstName: 'o1r',
      },
    );
    assert.equal(decodeRbdInput('snap_remove', hex(callsOf('old_snap_rm', 'snap_remove')[0]!.input)), 'o2');
  });
});

describe('cls/rbd: values the real OSD stored', () => {
  it('every snapshot_<id> record (cls_rbd_snap v8) re-encodes byte for byte', () => {
    let n = 0;
    for (const obj of Object.values(golden.objects)) {
      for (const [k, v] of Object.entries(obj.omap)) {
        const key = hex(k).toString();
        if (!key.startsWith('snapshot_')) continue;
        const { snap, layout } = decodeClsRbdSnapWithLayout(new Decoder(hex(v)));
        assert.deepEqual(layout, { structV: 8, compat: 8, parentVersion: 2 });
        assert.equal(snapIdFromKey(key), snap.id);
        assert.equal(snapshotKey(snap.id), key);
        assert.deepEqual(
          encode((e) => encodeClsRbdSnap(e, snap, layout)),
          hex(v),
        );
        n++;
      }
    }
    assert.ok(n >= 2);
  });

  it('the parent snapshot: protected, its clone v2 child counted and listed in snap_children_<id>', () => {
    const hdr = headerOf('snap_children_');
    const snaps = Object.entries(hdr.omap)
      .filter(([k]) => hex(k).toString().startsWith('snapshot_'))
      .map(([, v]) => decodeClsRbdSnapWithLayout(new Decoder(hex(v))).snap);
    const s1 = snaps.find((s) => s.name === 's1r')!;
    assert.equal(s1.protectionStatus, ProtectionStatus.PROTECTED);
    // c2 (c3 was flattened and detached before the dump; c1 is a v1 clone, in rbd_children).
    assert.equal(s1.childCount, 1);
    const raw = omapValue(hdr, snapChildrenKey(s1.id));
    const children = decodeChildImageSpecs(new Decoder(raw));
    assert.equal(children.length, 1);
    assert.deepEqual(
      encode((e) => encodeChildImageSpecs(e, children)),
      raw,
    );
    const other = { ...children[0]!, imageId: '0' + children[0]!.imageId };
    const sorted = encode((e) => encodeChildImageSpecs(e, [children[0]!, other]));
    assert.deepEqual(decodeChildImageSpecs(new Decoder(sorted))[0], other, 'sorted as a std::set');
    const trashed = snaps.find((s) => s.snapshotNamespace.type === 'trash')!;
    assert.equal(trashed.childCount, 1);
    const opFeatures = new Decoder(omapValue(hdr, 'op_features')).u64();
    assert.equal(opFeatures, RbdOperationFeature.CLONE_PARENT | RbdOperationFeature.SNAP_TRASH);
    assert.equal(new Decoder(omapValue(hdr, 'snap_limit')).u64(), 10n);
    assert.equal(omapValue(hdr, 'metadata_conf_rbd_cache').toString(), 'false');
  });

  it('parent keys of clones (cls_rbd_parent v2, head overlap present) re-encode byte for byte', () => {
    let n = 0;
    for (const obj of Object.values(golden.objects)) {
      const v = obj.omap[Buffer.from('parent').toString('hex')];
      if (!v) continue;
      const { parent, version } = decodeClsRbdParentVersioned(new Decoder(hex(v)));
      assert.equal(version, 2);
      assert.equal(parent.headOverlap, 64 << 20);
      assert.equal(parent.poolNamespace, '');
      assert.deepEqual(
        encode((e) => encodeClsRbdParent(e, parent, version)),
        hex(v),
      );
      n++;
    }
    assert.equal(n, 3, 'c1 (v1 clone), c2 and c4');
  });

  it('rbd_children: key = (pool, image id, snap id), value = set of child ids', () => {
    const obj = golden.objects.rbd_children!;
    const [[k, v]] = Object.entries(obj.omap) as [[string, string]];
    const key = new Decoder(hex(k));
    const poolId = key.i64Number();
    const imageId = key.string();
    const snapId = key.u64();
    assert.deepEqual(rbdChildrenKey(poolId, imageId, snapId), hex(k));
    assert.equal(decodeRbdOutput('get_children', hex(v)).length, 1);
  });

  it('rbd_trash entries (TrashImageSpec v2) and rbd_directory / rbd_id values', () => {
    for (const v of Object.values(golden.objects.rbd_trash!.omap)) {
      const spec = decodeTrashImageSpec(new Decoder(hex(v)));
      assert.equal(spec.name, 't1');
      assert.equal(spec.state, TrashImageState.NORMAL);
      assert.deepEqual(
        encode((e) => encodeTrashImageSpec(e, spec)),
        hex(v),
      );
    }
    const dir = golden.objects.rbd_directory!.omap;
    const img1Id = new Decoder(hex(dir[Buffer.from('name_img1').toString('hex')]!)).string();
    assert.equal(new Decoder(hex(dir[Buffer.from(`id_${img1Id}`).toString('hex')]!)).string(), 'img1');
    assert.equal(new Decoder(hex(golden.objects['rbd_id.img1']!.data)).string(), img1Id);
  });

  it('scalar header keys: size/order/features/snap_seq/timestamps/stripe/data pool', () => {
    const striped = headerOf('stripe_unit');
    assert.equal(new Decoder(omapValue(striped, 'stripe_unit')).u64(), 65536n);
    assert.equal(new Decoder(omapValue(striped, 'stripe_count')).u64(), 4n);
    assert.equal(
      new Decoder(omapValue(striped, 'features')).u64(),
      RbdFeature.LAYERING | RbdFeature.STRIPINGV2,
    );
    assert.equal(new Decoder(omapValue(striped, 'order')).u8(), 22);
    const ts = omapValue(striped, 'create_timestamp');
    assert.deepEqual(
      encode((e) => encodeUTime(e, decodeUTime(new Decoder(ts)))),
      ts,
    );
    const dp = headerOf('data_pool_id');
    assert.ok(new Decoder(omapValue(dp, 'data_pool_id')).i64Number() > 0);
  });
});

describe('cls/rbd: codecs', () => {
  it('snapshot namespaces: u32 type first inside a v1 envelope; unknown types keep their bytes', () => {
    const cases: [SnapshotNamespace, string][] = [
      [{ type: 'user' }, '01010400000000000000'],
      [
        { type: 'group', groupPool: 2, groupId: 'g', groupSnapshotId: 'gs' },
        '01011700000001000000' + '0200000000000000' + '0100000067' + '020000006773',
      ],
      [
        { type: 'trash', originalName: 's', originalSnapshotNamespaceType: 0 },
        '01010d00000002000000' + '0100000073' + '00000000',
      ],
    ];
    for (const [ns, bytes] of cases) {
      const enc = encode((e) => encodeSnapshotNamespace(e, ns));
      assert.equal(enc.toString('hex'), bytes, ns.type);
      assert.deepEqual(decodeSnapshotNamespace(new Decoder(enc)), ns);
    }
    const mirror: SnapshotNamespace = {
      type: 'mirror',
      state: 0,
      complete: true,
      mirrorPeerUuids: ['b', 'a'],
      primaryMirrorUuid: '',
      primarySnapId: CEPH_NOSNAP,
      lastCopiedObjectNumber: 7,
      snapSeqs: new Map([
        [5n, 3n],
        [1n, 2n],
      ]),
    };
    const enc = encode((e) => encodeSnapshotNamespace(e, mirror));
    const back = decodeSnapshotNamespace(new Decoder(enc));
    assert.ok(back.type === 'mirror');
    assert.deepEqual(back.mirrorPeerUuids, ['a', 'b'], 'a std::set');
    assert.deepEqual([...back.snapSeqs.keys()], [1n, 5n], 'a std::map');
    const unknown = Buffer.from('01010600000009000000abcd', 'hex');
    const u = decodeSnapshotNamespace(new Decoder(unknown));
    assert.deepEqual(u, { type: 'unknown', typeCode: 9, raw: Buffer.from('abcd', 'hex') });
    assert.deepEqual(
      encode((e) => encodeSnapshotNamespace(e, u)),
      unknown,
    );
  });

  it('a legacy (pre-Nautilus, compat 1) cls_rbd_snap with its parent copy round-trips', () => {
    const snap = {
      id: 3n,
      name: 'old',
      imageSize: 1024,
      protectionStatus: ProtectionStatus.PROTECTED,
      parent: { poolId: 1, poolNamespace: '', imageId: 'p', snapId: 2n, headOverlap: 512 },
      flags: 1n,
      timestamp: { sec: 5, nsec: 6 },
      snapshotNamespace: { type: 'user' } as const,
      childCount: 0,
      parentOverlap: undefined,
    };
    const layout = { structV: 7, compat: 1, parentVersion: 1 as const };
    const enc = encode((e) => encodeClsRbdSnap(e, snap, layout));
    const back = decodeClsRbdSnapWithLayout(new Decoder(enc));
    assert.deepEqual(back.layout, layout);
    assert.deepEqual(back.snap, snap);
  });

  it('optional trailing inputs decode to the OSD defaults when absent', () => {
    assert.deepEqual(decodeRbdInput('get_features', Buffer.alloc(8, 0xff).fill(0xfe, 0, 1)), {
      snapId: CEPH_NOSNAP,
      readOnly: false,
    });
    const noNs = Buffer.concat([encode((e) => e.string('s').u64(4))]);
    assert.deepEqual(decodeRbdInput('snapshot_add', noNs).snapshotNamespace, { type: 'user' });
  });

  it('ClsResult: the op error, EBADMSG for garbage, EBADMSG for an invalid snap context', () => {
    const op = new ObjectReadOperation();
    const r = getFeaturesStart(op, true);
    r.slot.rval = -2;
    assert.throws(
      () => r.get(),
      (e) => isCephError(e, 'ENOENT'),
    );
    const g = new ClsResult(op.exec('rbd', 'get_size'), 'get_size', (out) =>
      decodeRbdOutput('get_size', out),
    );
    g.slot.value = Buffer.from([22]);
    assert.throws(
      () => g.get(),
      (e) => isCephError(e, 'EBADMSG'),
    );
    const s = getSnapContextStart(op);
    s.slot.value = encodeRbdOutput('get_snapcontext', { seq: 3n, snaps: [2n, 4n] });
    assert.throws(
      () => s.get(),
      (e) => isCephError(e, 'EBADMSG'),
    );
    s.slot.value = encodeRbdOutput('get_snapcontext', { seq: 4n, snaps: [4n, 2n] });
    assert.deepEqual(s.get(), { seq: 4n, snaps: [4n, 2n] });
  });
});
