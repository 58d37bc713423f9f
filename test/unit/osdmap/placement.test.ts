/**
 * The pure pieces of placement and resend logic: stable mod, pg splits and
 * merges against their brute-force definitions, is_new_interval, object
 * locators (key, namespace, explicit hash), snap interval sets, and the
 * upmap / temp / affinity pipeline on a small map built by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CEPH_OSD_IN,
  CRUSH_ITEM_NONE,
  OSDMap,
  OsdState,
  PoolFlag,
  SnapIntervalSet,
  buildSimpleOsdMap,
  cbits,
  cephStableMod,
  cephStrHashLinux,
  cephStrHashRjenkins,
  isNewInterval,
  pgIsMergeSource,
  pgIsMergeTarget,
  pgIsSplit,
  pgParent,
  pgSplitChildren,
  primaryChanged,
  type IntervalState,
} from '../../../src/osdmap/index.js';

const mask = (n: number): number => ((1 << cbits(n - 1)) - 1) >>> 0;

test('osdmap hash: stable mod stays below b and only moves hashes into new pgs when b grows', () => {
  for (let b = 1; b <= 70; b++) {
    for (let x = 0; x < 300; x++) {
      const v = cephStableMod(x, b, mask(b));
      assert.ok(v < b, `stable_mod(${x}, ${b})`);
      const grown = cephStableMod(x, b + 1, mask(b + 1));
      assert.ok(grown === v || grown === b, `growing ${b} moves ${x} from ${v} to ${grown}`);
    }
  }
  // pg_num of 2^31 compares as a negative C int, as in Ceph
  assert.equal(cephStableMod(0x7fc1f406, 2 ** 31, 0x7fffffff), 0x3fc1f406);
});

test('osdmap hash: the string hashes are unsigned 32-bit and differ between types', () => {
  for (const s of ['', 'a', 'foo', 'x'.repeat(12), 'x'.repeat(25)]) {
    const r = cephStrHashRjenkins(s);
    const l = cephStrHashLinux(s);
    assert.ok(Number.isInteger(r) && r >= 0 && r < 2 ** 32);
    assert.ok(Number.isInteger(l) && l >= 0 && l < 2 ** 32);
    assert.equal(cephStrHashRjenkins(Buffer.from(s)), r);
  }
  assert.equal(cephStrHashLinux(''), 0);
  assert.notEqual(cephStrHashRjenkins('foo'), cephStrHashRjenkins('fop'));
});

test('osdmap interval: splits and merges agree with their definitions', () => {
  for (let oldN = 1; oldN <= 40; oldN++) {
    for (let newN = oldN + 1; newN <= 80; newN++) {
      for (let seed = 0; seed < oldN; seed++) {
        const pg = { pool: 3, seed };
        const brute: number[] = [];
        for (let s = oldN; s < newN; s++) if (cephStableMod(s, oldN, mask(oldN)) === seed) brute.push(s);
        assert.deepEqual(
          pgSplitChildren(pg, oldN, newN).map((c) => c.seed),
          brute,
          `children of ${seed} from ${oldN} to ${newN}`,
        );
        assert.equal(pgIsSplit(pg, oldN, newN), brute.length > 0);
        assert.equal(pgIsSplit(pg, newN, oldN), false, 'shrinking never splits');
        assert.equal(pgIsMergeTarget(pg, newN, oldN), brute.length > 0);
      }
      for (let seed = oldN; seed < newN; seed++) {
        assert.ok(pgIsMergeSource({ pool: 3, seed }, newN, oldN));
      }
    }
  }
  assert.deepEqual(pgParent({ pool: 1, seed: 0b1101 }), { pool: 1, seed: 0b101 });
});

function state(over: Partial<IntervalState> = {}): IntervalState {
  return {
    actingPrimary: 1,
    acting: [1, 2, 3],
    upPrimary: 1,
    up: [1, 2, 3],
    size: 3,
    minSize: 2,
    pgNum: 8,
    pgNumPending: 8,
    sortBitwise: true,
    recoveryDeletes: true,
    ...over,
  };
}

test('osdmap interval: is_new_interval notices what changes a pg interval, and only that', () => {
  const pg = { pool: 1, seed: 3 };
  assert.equal(isNewInterval(state(), state(), pg), false);
  assert.equal(isNewInterval(state(), state({ acting: [1, 3, 2] }), pg), true);
  assert.equal(isNewInterval(state(), state({ up: [1, 2] }), pg), true);
  assert.equal(isNewInterval(state(), state({ actingPrimary: 2 }), pg), true);
  assert.equal(isNewInterval(state(), state({ upPrimary: 2 }), pg), true);
  assert.equal(isNewInterval(state(), state({ size: 2 }), pg), true);
  assert.equal(isNewInterval(state(), state({ minSize: 1 }), pg), true);
  assert.equal(isNewInterval(state(), state({ pgNum: 16, pgNumPending: 16 }), pg), true, 'split of 3 → 11');
  assert.equal(
    isNewInterval(state(), state({ pgNum: 9, pgNumPending: 9 }), pg),
    false,
    '8 → 9 splits only pg 0',
  );
  assert.equal(isNewInterval(state(), state({ pgNumPending: 4 }), pg), true, 'pending merge source');
  assert.equal(
    isNewInterval(state(), state({ pgNumPending: 4 }), { pool: 1, seed: 1 }),
    true,
    'merge target',
  );
  assert.equal(isNewInterval(state(), state({ pgNumPending: 7 }), { pool: 1, seed: 1 }), false);
  assert.equal(isNewInterval(state(), state({ sortBitwise: false }), pg), true);
  assert.equal(isNewInterval(state(), state({ recoveryDeletes: false }), pg), true);
  assert.equal(isNewInterval(state(), state({ crushCount: 2 }), pg), true);
  assert.equal(primaryChanged(1, [1, 2], 1, [1, 3]), false);
  assert.equal(primaryChanged(1, [1, 2], 1, [2, 1]), true);
  assert.equal(primaryChanged(-1, [], 1, [1]), true);
  assert.equal(primaryChanged(-1, [], -1, []), false);
});

test('osdmap snaps: interval sets merge, subtract and print in hex like Ceph', () => {
  const s = new SnapIntervalSet();
  s.insert(1n, 2n);
  s.insert(5n, 1n);
  s.insert(3n, 2n); // bridges 1~2 and 5~1
  assert.equal(s.toString(), '[1~5]');
  s.insert(0x10n, 0x20n);
  assert.equal(s.toString(), '[1~5,10~20]');
  const t = new SnapIntervalSet([{ start: 2n, len: 2n }]);
  s.subtract(t);
  assert.equal(s.toString(), '[1~1,4~2,10~20]');
  assert.ok(s.contains(0x2fn) && !s.contains(0x30n) && !s.contains(2n));
  assert.equal(s.size, 35n);
});

/** Four OSDs on one host, one replicated and one EC pool, everything up and in. */
function smallMap(): OSDMap {
  const m = buildSimpleOsdMap(4, 3, 3, true, { sec: 1700000000, nsec: 0 });
  for (let o = 0; o < 4; o++) {
    m.setState(o, OsdState.EXISTS | OsdState.UP);
    m.setWeight(o, CEPH_OSD_IN);
  }
  const ec = m.getPool(1)!.clone();
  ec.type = 3;
  ec.size = 3;
  m.pools.set(2, ec);
  m.poolNames.set(2, 'ec');
  // the default rule is chooseleaf over hosts and there is one host: use an OSD-level rule instead
  m.crush.rules.get(0)!.steps[1] = { op: 2, arg1: 0, arg2: 0 };
  m.setCrush(m.crush);
  return m;
}

test('osdmap placement: object locators hash the key or the name, with the namespace, or take the hash', () => {
  const m = smallMap();
  const pool = m.getPool(1)!;
  const byName = m.objectLocatorToPg('obj', { pool: 1, key: '', nspace: '', hash: -1 });
  assert.deepEqual(byName, { pool: 1, seed: cephStrHashRjenkins('obj') });
  const byKey = m.objectLocatorToPg('obj', { pool: 1, key: 'k', nspace: '', hash: -1 });
  assert.equal(byKey.seed, cephStrHashRjenkins('k'));
  const inNs = m.objectLocatorToPg('obj', { pool: 1, key: '', nspace: 'ns', hash: -1 });
  assert.equal(inNs.seed, cephStrHashRjenkins('ns\x1fobj'));
  assert.equal(inNs.seed, pool.hashKey('obj', 'ns'));
  assert.deepEqual(m.objectLocatorToPg('obj', { pool: 1, key: '', nspace: 'ns', hash: 77 }), {
    pool: 1,
    seed: 77,
  });
  assert.throws(() => m.objectLocatorToPg('obj', { pool: 9, key: '', nspace: '', hash: -1 }));
  assert.deepEqual(m.rawPgToPg(byName), { pool: 1, seed: cephStableMod(byName.seed, 32, 31) });
  assert.equal(m.lookupPool('rbd'), 1);
  assert.equal(m.lookupPool('nope'), -1);
});

test('osdmap placement: upmaps, temps, down OSDs and affinity shape up and acting sets', () => {
  const m = smallMap();
  const pg = { pool: 1, seed: 5 };
  const base = m.pgToUpActing(pg);
  assert.equal(base.up.length, 3);
  assert.deepEqual(base.acting, base.up);
  assert.equal(base.upPrimary, base.up[0]);
  const [a, b, c] = base.up as [number, number, number];
  const spare = [0, 1, 2, 3].find((o) => !base.up.includes(o))!;

  // pg_upmap_items swaps one OSD; pg_upmap replaces the set; an out target voids both
  m.pgUpmapItems.set(pg, [[b, spare]]);
  assert.deepEqual(m.pgToUpActing(pg).up, [a, spare, c]);
  m.pgUpmap.set(pg, [c, b, a]);
  assert.deepEqual(m.pgToUpActing(pg).up, [c, spare, a], 'items apply on top of the explicit set');
  m.osdWeight[a] = 0;
  const crushOnly = m.pgToRawOsds(pg).raw;
  assert.deepEqual(m.pgToUpActing(pg).up, crushOnly, 'an out target voids the explicit set and the items');
  m.osdWeight[a] = CEPH_OSD_IN;
  m.pgUpmap.delete(pg);
  m.pgUpmapItems.delete(pg);

  // a down OSD leaves a replicated set; an EC set keeps its slot as NONE
  m.setState(b, OsdState.EXISTS);
  assert.deepEqual(m.pgToUpActing(pg).up, [a, c]);
  const ecRaw = m.pgToRawOsds({ pool: 2, seed: 5 }).raw;
  const ecUp = m.pgToUpActing({ pool: 2, seed: 5 }).up;
  assert.deepEqual(
    ecUp,
    ecRaw.map((o) => (o === b ? CRUSH_ITEM_NONE : o)),
  );
  m.setState(b, OsdState.EXISTS | OsdState.UP);

  // pg_temp wins for acting; primary_temp picks the acting primary
  m.pgTemp.set(pg, [spare, a]);
  let r = m.pgToUpActing(pg);
  assert.deepEqual(r.acting, [spare, a]);
  assert.equal(r.actingPrimary, spare);
  assert.deepEqual(r.up, base.up);
  m.primaryTemp.set(pg, a);
  r = m.pgToUpActing(pg);
  assert.equal(r.actingPrimary, a);
  m.pgTemp.delete(pg);
  m.primaryTemp.delete(pg);

  // affinity 0 on the first OSD: another OSD becomes primary and moves to the front
  m.setPrimaryAffinity(a, 0);
  r = m.pgToUpActing(pg);
  assert.notEqual(r.upPrimary, a);
  assert.equal(r.up[0], r.upPrimary);
  assert.deepEqual([...r.up].sort(), [...base.up].sort());
  // an EC pool keeps positions: the primary is whichever shard was picked
  m.setPrimaryAffinity(a, 0x10000);

  // pools that do not exist map to nothing
  assert.deepEqual(m.pgToUpActing({ pool: 42, seed: 0 }), {
    up: [],
    upPrimary: -1,
    acting: [],
    actingPrimary: -1,
  });
  assert.ok(m.getPool(1)!.hasFlag(PoolFlag.HASHPSPOOL));
});
