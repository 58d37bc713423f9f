/**
 * OSDMap::Incremental fields the live fixtures do not exercise, built by
 * hand: encode → decode → encode is stable (including the stretch-mode and
 * range-blocklist versions of the OSD part), and applying them changes the
 * map the way Ceph's apply_incremental does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CEPH_OSD_IN,
  CephRelease,
  OSDMap,
  OSDMapIncremental,
  OsdMapFlag,
  OsdState,
  SnapIntervalSet,
  buildSimpleCrushMap,
  buildSimpleOsdMap,
  decodeOSDMapIncremental,
} from '../../../src/osdmap/index.js';
import { encodeCrushMap } from '../../../src/crush/index.js';

const FSID = '11111111-2222-3333-4444-555555555555';
const addr = (ip: string, port: number, nonce: number) => ({ type: 3, nonce, family: 2, ip, port });
const v2 = (ip: string, port: number, nonce: number) => [{ type: 2, nonce, family: 2, ip, port }];

function baseMap(): OSDMap {
  const m = buildSimpleOsdMap(4, 3, 3, true, { sec: 1700000000, nsec: 0 });
  m.fsid = FSID;
  m.epoch = 10;
  m.requireOsdRelease = CephRelease.PACIFIC;
  for (let o = 0; o < 4; o++) {
    m.setState(o, OsdState.EXISTS | OsdState.UP);
    m.setWeight(o, CEPH_OSD_IN);
  }
  return OSDMap.decode(m.encode());
}

test('osdmap incremental: every field survives encode → decode → encode', () => {
  const inc = new OSDMapIncremental(11);
  inc.fsid = FSID;
  inc.modified = { sec: 1700000100, nsec: 5 };
  inc.newFlags = OsdMapFlag.NOOUT | OsdMapFlag.SORTBITWISE;
  inc.newMaxOsd = 6;
  inc.newPoolMax = 3;
  inc.newPoolNames.set(1, 'renamed');
  inc.oldPools = [7];
  inc.newUpClient.set(4, v2('127.0.0.1', 6800, 9));
  inc.newHbBackUp.set(4, v2('127.0.0.1', 6801, 9));
  inc.newHbFrontUp.set(4, v2('127.0.0.1', 6802, 9));
  inc.newUpCluster.set(4, v2('127.0.0.1', 6803, 9));
  inc.newState.set(2, OsdState.UP);
  inc.newWeight.set(4, CEPH_OSD_IN);
  inc.newPgTemp.set({ pool: 1, seed: 3 }, [2, 1]);
  inc.newPrimaryTemp.set({ pool: 1, seed: 4 }, 3);
  inc.newPrimaryAffinity.set(1, 0x8000);
  inc.newErasureCodeProfiles.set('p', new Map([['k', '2']]));
  inc.oldErasureCodeProfiles = ['default'];
  inc.newPgUpmap.set({ pool: 1, seed: 5 }, [0, 1, 3]);
  inc.newPgUpmapItems.set({ pool: 1, seed: 6 }, [[0, 3]]);
  inc.newRemovedSnaps.set(1, new SnapIntervalSet([{ start: 2n, len: 3n }]));
  inc.newLastUpChange = { sec: 1700000100, nsec: 0 };
  inc.newUpThru.set(0, 11);
  inc.newLastCleanInterval.set(0, [3, 9]);
  inc.newLost.set(3, 11);
  inc.newBlocklist = [{ addr: addr('10.0.0.1', 0, 5), expires: { sec: 1700003700, nsec: 0 } }];
  inc.newUuid.set(4, 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
  inc.newNearfullRatio = 0.85;
  inc.newRequireMinCompatClient = CephRelease.LUMINOUS;
  inc.newRequireOsdRelease = CephRelease.PACIFIC;
  inc.newCrushNodeFlags.set(-1, OsdState.NOOUT);
  inc.changeStretchMode = true;
  inc.stretchModeEnabled = true;
  inc.newStretchBucketCount = 2;
  inc.newStretchModeBucket = 8;
  inc.newRangeBlocklist = [
    { addr: { type: 4, nonce: 24, family: 2, ip: '192.168.5.0', port: 0 }, expires: { sec: 1, nsec: 0 } },
  ];
  const buf = inc.encode();
  const back = decodeOSDMapIncremental(buf);
  assert.deepEqual(back.encode(), buf);
  assert.equal(
    buf[buf.indexOf(Buffer.from([11, 1]), 20)],
    11,
    'OSD part written as v11 for range blocklists',
  );
  assert.deepEqual(back.newPgUpmapItems.get({ pool: 1, seed: 6 }), [[0, 3]]);
  assert.equal(back.newRemovedSnaps.get(1)!.toString(), '[2~3]');
  assert.equal(Math.fround(0.85), back.newNearfullRatio);
  assert.ok(back.stretchModeEnabled && back.changeStretchMode);
});

test('osdmap incremental: applying changes OSDs, pools, temps, upmaps, snaps and blocklists', () => {
  const m = baseMap();
  const inc = new OSDMapIncremental(11);
  inc.fsid = FSID;
  inc.modified = { sec: 1700000100, nsec: 0 };
  inc.newMaxOsd = 6;
  inc.newPoolNames.set(1, 'renamed');
  inc.newUpClient.set(4, v2('127.0.0.1', 6800, 9));
  inc.newHbBackUp.set(4, v2('127.0.0.1', 6801, 9));
  inc.newHbFrontUp.set(4, v2('127.0.0.1', 6802, 9));
  inc.newWeight.set(4, CEPH_OSD_IN);
  inc.newState.set(2, 0); // 0 means UP: mark down
  inc.newPgTemp.set({ pool: 1, seed: 3 }, [1, 0]);
  inc.newPgUpmap.set({ pool: 1, seed: 5 }, [0, 1, 3]);
  inc.newRemovedSnaps.set(1, new SnapIntervalSet([{ start: 2n, len: 3n }]));
  inc.newBlocklist = [{ addr: addr('10.0.0.1', 0, 5), expires: { sec: 1700003700, nsec: 0 } }];
  inc.newLost.set(3, 11);
  inc.newFullRatio = 0.95;
  inc.crush = encodeCrushMap(buildSimpleCrushMap(6));
  m.applyIncremental(inc);
  assert.equal(m.epoch, 11);
  assert.equal(m.maxOsd, 6);
  assert.ok(m.isUp(4) && m.isIn(4) && m.getInfo(4).upFrom === 11);
  assert.ok(m.exists(2) && m.isDown(2) && m.getInfo(2).downAt === 11);
  assert.deepEqual(m.osdXinfo[2]!.downStamp, { sec: 1700000100, nsec: 0 });
  assert.equal(m.getPoolName(1), 'renamed');
  assert.equal(m.lookupPool('renamed'), 1);
  assert.deepEqual(m.pgTemp.get({ pool: 1, seed: 3 }), [1, 0]);
  assert.equal(m.removedSnapsQueue.get(1)!.toString(), '[2~3]');
  assert.ok(m.isBlocklisted({ type: 2, nonce: 5, family: 2, ip: '10.0.0.1', port: 0 }));
  assert.ok(!m.isBlocklisted({ type: 2, nonce: 6, family: 2, ip: '10.0.0.1', port: 0 }));
  assert.equal(m.getInfo(3).lostAt, 11);
  assert.equal(m.fullRatio, Math.fround(0.95));
  assert.equal(m.crushVersion, 2, 'a new CRUSH map bumps crush_version once OSDs are Luminous+');
  assert.equal(m.crush.maxDevices, 6);

  // the next epoch undoes most of it
  const undo = new OSDMapIncremental(12);
  undo.fsid = FSID;
  undo.newPgTemp.set({ pool: 1, seed: 3 }, []);
  undo.oldPgUpmap = [{ pool: 1, seed: 5 }];
  undo.newPurgedSnaps.set(1, new SnapIntervalSet([{ start: 2n, len: 3n }]));
  undo.oldBlocklist = [addr('10.0.0.1', 0, 5)];
  undo.oldPools = [1];
  undo.newState.set(4, OsdState.EXISTS); // destroy osd.4: everything about it is forgotten
  m.applyIncremental(undo);
  assert.equal(m.pgTemp.size, 0);
  assert.equal(m.pgUpmap.size, 0);
  assert.equal(m.removedSnapsQueue.size, 0);
  assert.equal(m.blocklist.length, 0);
  assert.equal(m.getPool(1), undefined);
  assert.equal(m.lookupPool('renamed'), -1);
  assert.ok(!m.exists(4));
  assert.deepEqual(m.getAddrs(4), []);
  // the map still encodes and decodes to the same thing
  assert.deepEqual(OSDMap.decode(m.encode()).encode(), m.encode());
});
