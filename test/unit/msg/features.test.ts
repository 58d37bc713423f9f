import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CEPH_FEATURES_ALL,
  CephFeature,
  CephFeatureMask,
  FeatureIncarnation,
  featureNames,
  hasFeature,
  sanitizeFeatures,
} from '../../../src/encoding/features.js';

test('features: CEPH_FEATURES_ALL → 0x3f01cfbdfffdffff, what Pacific 16.2.15 daemons and clients advertise', () => {
  assert.equal(CEPH_FEATURES_ALL, 0x3f01cfbdfffdffffn);
});

test('features: retired bits, OS_PERF_STAT_NS and the sentinels are not advertised', () => {
  for (const bit of [17, 33, 38, 44, 45, 49, 50, 51, 52, 53, 54, 55, 62, 63]) {
    assert.equal(CEPH_FEATURES_ALL & (1n << BigInt(bit)), 0n, `bit ${bit}`);
  }
});

test('features: incarnation masks → SERVER_PACIFIC needs JEWEL and MIMIC bits too', () => {
  assert.equal(CephFeatureMask.SERVER_PACIFIC, (1n << 20n) | FeatureIncarnation.INCARNATION_3);
  assert.equal(CephFeatureMask.SERVER_LUMINOUS, (1n << 21n) | FeatureIncarnation.INCARNATION_2);
  assert.equal(CephFeatureMask.MSG_ADDR2, CephFeature.MSG_ADDR2);
  assert.ok(hasFeature(CEPH_FEATURES_ALL, 'SERVER_PACIFIC'));
  // the bare bit without SERVER_JEWEL/SERVER_MIMIC is an older feature that reused it
  assert.ok(!hasFeature(1n << 20n, 'SERVER_PACIFIC'));
  assert.ok(!hasFeature(CEPH_FEATURES_ALL & ~CephFeature.SERVER_MIMIC, 'SERVER_PACIFIC'));
});

test('features: the mon requires of clients what its SERVER_IDENT said (crush tunables, hashpspool, addr2)', () => {
  const required = 0x0c01020042040000n; // captured from ceph-mon 16.2.15
  assert.equal(
    required,
    CephFeature.CRUSH_TUNABLES |
      CephFeature.CRUSH_TUNABLES2 |
      CephFeature.OSDHASHPSPOOL |
      CephFeature.CRUSH_TUNABLES3 |
      CephFeature.CRUSH_V4 |
      CephFeature.CRUSH_TUNABLES5 |
      CephFeature.MSG_ADDR2,
  );
  assert.equal(required & ~CEPH_FEATURES_ALL, 0n);
});

test('features: sanitize maps RESERVED_BROKEN to everything through OSD_SNAPMAPPER', () => {
  assert.equal(sanitizeFeatures(1n << 63n), 0x1ffffffffn);
  assert.equal(sanitizeFeatures(CEPH_FEATURES_ALL), CEPH_FEATURES_ALL);
});

test('features: names of a mask list one name per bit in bit order', () => {
  const names = featureNames(CephFeature.UID | CephFeature.MSG_ADDR2 | CephFeature.SERVER_PACIFIC);
  assert.deepEqual(names, ['UID', 'SERVER_PACIFIC', 'FS_BTIME']);
});
