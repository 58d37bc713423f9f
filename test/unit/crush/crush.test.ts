/**
 * Unit tests of the crush layer's pieces: number formatting, the codec on
 * garbage, CrushWrapper-style queries, the builder, the mapper's edge cases
 * and crushtool's argument parsing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCephError } from '../../../src/common/errors.js';
import {
  CRUSH_ITEM_NONE,
  CrushBucketAlg,
  CrushRuleOp,
  buildCrushMap,
  calcStraws,
  compileCrushMap,
  crushAdjustItemWeight,
  crushAdjustItemWeightf,
  crushDoRule,
  crushFindRule,
  crushItemName,
  crushItemWeight,
  crushItemWeightRaw,
  crushLn,
  crushMaxDevices,
  crushRuleExists,
  crushTypeName,
  decodeCrushMap,
  encodeCrushMap,
  formatFixed,
  formatGeneral,
  formatWeight3,
  makeBucket,
  emptyCrushMap,
  floatWeightToFixed,
  type CrushMap,
} from '../../../src/crush/index.js';
import {
  argValueType,
  dashesToUnderscores,
  strictStrtol,
  ArgList,
} from '../../../src/cli/tsceph/crushtool-args.js';
import { prng } from './crush-gen.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), '../../../../test/fixtures/crush');
const fixture = (f: string): Buffer => readFileSync(join(dir, f));

test('crush format: %.3f rounds exact binary ties to even, like printf', () => {
  assert.equal(formatFixed(0.0625, 3), '0.062');
  assert.equal(formatFixed(0.1875, 3), '0.188');
  assert.equal(formatFixed(1.0005, 3), '1.000');
  assert.equal(formatFixed(2.5, 3), '2.500');
  assert.equal(formatFixed(-0.0001, 3), '-0.000');
  assert.equal(formatWeight3(0x1000), '0.062');
  assert.equal(formatWeight3(0x10000), '1.000');
  assert.equal(formatWeight3(0x80000000), '-32768.000'); // Ceph prints the weight as an int
});

test('crush format: ostream float output is %g with 6 significant digits', () => {
  assert.equal(formatGeneral(12.75), '12.75');
  assert.equal(formatGeneral(256), '256');
  assert.equal(formatGeneral(1e-5), '1e-05');
  assert.equal(formatGeneral(123456789), '1.23457e+08');
  assert.equal(formatGeneral(0.0001234), '0.0001234');
  assert.equal(formatGeneral(1234567), '1.23457e+06');
  assert.equal(formatGeneral(Math.fround(1024 / 3)), '341.333');
  assert.equal(formatGeneral(0), '0');
});

test('crush ln: crush_ln spans [0, 2^48] and grows with its input', () => {
  assert.equal(crushLn(0), 0); // 2^44 * log2(1)
  assert.ok(Math.abs(crushLn(1) - 2 ** 44) < 2 ** 30); // 2^44 * log2(2)
  assert.ok(Math.abs(crushLn(0xffff) - 2 ** 48) < 2 ** 32);
  for (let u = 1; u < 0x10000; u += 97) assert.ok(crushLn(u) >= crushLn(u - 1));
});

test('crush codec: garbage and truncated maps are refused with EINVAL or EBADMSG, never a crash', () => {
  assert.throws(
    () => decodeCrushMap(Buffer.from('nonsense!')),
    (e) => isCephError(e, 'EINVAL'),
  );
  const good = fixture('seed-3.bin');
  const rnd = prng(7);
  for (let n = 0; n < 300; n++) {
    const cut = good.subarray(0, Math.floor(rnd() * good.length));
    const mangled = Buffer.from(good);
    for (let k = 0; k < 4; k++) mangled[Math.floor(rnd() * mangled.length)] = Math.floor(rnd() * 256);
    for (const buf of [cut, mangled]) {
      try {
        decodeCrushMap(buf);
      } catch (e) {
        assert.ok(
          isCephError(e, 'EINVAL') || isCephError(e, 'EBADMSG') || isCephError(e, 'EOVERFLOW'),
          String(e),
        );
      }
    }
  }
});

test('crush codec: a map cut after its names decodes with legacy tunables (old encodings)', () => {
  const full = decodeCrushMap(fixture('build-straw2.bin'));
  const bytes = encodeCrushMap(full);
  // drop everything after the rule names: tunables (4 x u32, u8, u8, u32, u8) and four empty class/choose_args maps
  const old = bytes.subarray(0, bytes.length - 23 - 16);
  const m = decodeCrushMap(old);
  assert.equal(m.tunables.chooseTotalTries, 19);
  assert.equal(m.tunables.chooseLocalTries, 2);
  assert.equal(m.tunables.allowedBucketAlgs, 22);
  assert.deepEqual([...m.names], [...full.names]);
});

test('crush wrapper: names, types, rules and max devices of a built map', () => {
  const m = decodeCrushMap(fixture('build-straw2.bin'));
  assert.equal(crushMaxDevices(m), 12);
  assert.equal(crushItemName(m, 3), 'osd.3');
  assert.equal(crushItemName(m, -1), 'host0');
  assert.equal(crushItemName(m, 99), undefined);
  assert.equal(crushTypeName(m, 2), 'rack');
  assert.ok(crushRuleExists(m, 0));
  assert.ok(!crushRuleExists(m, 1));
  assert.ok(!crushRuleExists(m, -1));
});

test('crush wrapper: crushItemWeight is the weight in the first bucket holding the item, 0 if none', () => {
  const m = decodeCrushMap(fixture('build-straw2.bin'));
  assert.equal(crushItemWeight(m, 0), 1);
  assert.equal(crushItemWeight(m, -1), 3); // a bucket's own weight
  assert.equal(crushItemWeight(m, 1000), 0);
  const c = compileCrushMap(
    'device 0 osd.0\ndevice 1 osd.1\ntype 0 osd\ntype 1 root\n' +
      'root r {\n id -1\n alg straw2\n item osd.0 weight 0.3\n item osd.1 weight 2.5\n}\n',
  );
  assert.equal(crushItemWeight(c.map!, 0), Math.fround(Math.trunc(Math.fround(0.3) * 0x10000) / 0x10000));
  assert.equal(crushItemWeight(c.map!, 1), 2.5);
});

test('crush wrapper: crushFindRule matches ruleset, type and [min_size, max_size] (Pacific)', () => {
  const c = compileCrushMap(
    'device 0 osd.0\ntype 0 osd\ntype 1 root\nroot r {\n id -1\n alg straw2\n item osd.0\n}\n' +
      'rule a {\n id 0\n type replicated\n min_size 1\n max_size 3\n step take r\n step emit\n}\n' +
      'rule b {\n id 1\n type erasure\n min_size 3\n max_size 6\n step take r\n step emit\n}\n',
  );
  const m = c.map!;
  assert.equal(crushFindRule(m, 0, 1, 2), 0);
  assert.equal(crushFindRule(m, 0, 1, 4), -1); // size above max_size: no mapping in Pacific
  assert.equal(crushFindRule(m, 0, 3, 2), -1); // wrong type
  assert.equal(crushFindRule(m, 1, 3, 6), 1);
  assert.equal(crushFindRule(m, 2, 1, 1), -1);
  // a legacy map whose rule 0 carries ruleset 5
  m.rules.get(0)!.ruleset = 5;
  assert.equal(crushFindRule(m, 5, 1, 2), 0);
  assert.equal(crushFindRule(m, 0, 1, 2), -1);
});

test('crush mapper: device weights (16.16) mark devices out; indep rules keep NONE holes', () => {
  const m = decodeCrushMap(fixture('build-straw2.bin'));
  const full = new Array<number>(12).fill(0x10000);
  const before = crushDoRule(m, 0, 1234, 3, full);
  assert.equal(before.length, 3);
  const out = [...full];
  out[before[0]!] = 0;
  const after = crushDoRule(m, 0, 1234, 3, out);
  assert.ok(!after.includes(before[0]!));
  // a short weight vector puts the missing devices out
  assert.ok(crushDoRule(m, 0, 1234, 3, [0x10000, 0x10000]).every((d) => d < 2));
  // an indep rule over too few hosts leaves holes
  const c = compileCrushMap(
    'device 0 osd.0\ndevice 1 osd.1\ntype 0 osd\ntype 1 host\ntype 2 root\n' +
      'host h0 {\n id -2\n alg straw2\n item osd.0\n}\nhost h1 {\n id -3\n alg straw2\n item osd.1\n}\n' +
      'root r {\n id -1\n alg straw2\n item h0\n item h1\n}\n' +
      'rule ec {\n id 0\n type erasure\n min_size 1\n max_size 6\n step take r\n step chooseleaf indep 0 type host\n step emit\n}\n',
  );
  const got = crushDoRule(c.map!, 0, 42, 4, [0x10000, 0x10000]);
  assert.equal(got.length, 4);
  assert.equal(got.filter((d) => d === CRUSH_ITEM_NONE).length, 2);
});

test('crush mapper: choose_args are looked up by pool id, then DEFAULT_CHOOSE_ARGS', () => {
  const text =
    'device 0 osd.0\ndevice 1 osd.1\ntype 0 osd\ntype 1 root\n' +
    'root r {\n id -1\n alg straw2\n item osd.0 weight 1.0\n item osd.1 weight 1.0\n}\n' +
    'rule a {\n id 0\n type replicated\n min_size 1\n max_size 3\n step take r\n step choose firstn 1 type osd\n step emit\n}\n' +
    'choose_args 7 {\n {\n bucket_id -1\n weight_set [\n [ 0.0 1.0 ]\n ]\n }\n}\n';
  const m = compileCrushMap(text).map!;
  const w = [0x10000, 0x10000];
  const count = (pool?: number): number => {
    let n = 0;
    for (let x = 0; x < 200; x++) if (crushDoRule(m, 0, x, 1, w, pool)[0] === 1) n++;
    return n;
  };
  assert.equal(count(7), 200); // pool 7's set gives osd.0 no weight
  const canonical = count(3);
  assert.ok(canonical > 50 && canonical < 150); // no set for pool 3, none for -1: item weights
  m.chooseArgs.set(-1, m.chooseArgs.get(7)!);
  assert.equal(count(3), 200); // falls back to -1
  assert.equal(count(), 200);
});

test('crush mapper: a tree descent past the last item reads what Ceph reads there (glibc heap layout)', () => {
  // Ceph's shadow tree buckets carry uninitialized node weights (realloc), which can
  // steer bucket_tree_choose to a leaf slot past items[size-1]. crush_decode calloc'd
  // exactly `size` slots, then node_weights: past the items come calloc's zeroed
  // slack, the next chunk's size word (node_weights' chunk, or a recycled 32-byte
  // one behind a minimum-size chunk), then node_weights itself. Each expectation was
  // measured with crushtool --test on maps with node weights forced this way.
  const devices = 200;
  const mapWithTree = (size: number): CrushMap => {
    let text = 'tunable choose_local_tries 0\ntunable choose_local_fallback_tries 0\n';
    for (let o = 0; o < devices; o++) text += `device ${o} osd.${o}\n`;
    // the tree is decoded after other buckets, as shadow trees always are
    text += 'type 0 osd\ntype 1 root\n';
    for (let h = 0; h < 4; h++) {
      text += `root h${h} {\n id ${-1 - h}\n alg straw2\n`;
      for (let o = h * 25; o < h * 25 + 25; o++) text += ` item osd.${o} weight 1.0\n`;
      text += '}\n';
    }
    text += 'root t {\n id -10\n alg tree\n';
    for (let i = 0; i < size; i++) text += ` item osd.${100 + i} weight 1.0\n`;
    text +=
      '}\nrule r {\n id 0\n type replicated\n min_size 1\n max_size 3\n' +
      ' step take t\n step choose firstn 1 type osd\n step emit\n}\n';
    const r = compileCrushMap(text);
    assert.equal(r.err, '');
    return r.map!;
  };
  /** Map x=0 through a tree of `size` items whose weights force `slot`; `plant` sets other nodes. */
  const forceLeaf = (size: number, slot: number, plant: Record<number, number> = {}): number[] => {
    const m = mapWithTree(size);
    const b = m.buckets.get(-10)!;
    assert.equal(b.alg, CrushBucketAlg.TREE);
    if (b.alg !== CrushBucketAlg.TREE) return [];
    for (const [node, w] of Object.entries(plant)) b.nodeWeights[Number(node)] = w;
    const leaf = 2 * slot + 1;
    let n = b.numNodes >> 1;
    while ((n & 1) === 0) {
      const half = (n & -n) >> 1;
      b.nodeWeights[n] = 0x10000;
      // a left child heavier than its parent always wins; a weightless one never does
      b.nodeWeights[n - half] = leaf < n ? 0xffffffff : 0;
      n = leaf < n ? n - half : n + half;
    }
    const weights = new Array<number>(devices).fill(0x10000);
    return crushDoRule(decodeCrushMap(encodeCrushMap(m)), 0, 0, 1, weights);
  };
  assert.deepEqual(forceLeaf(3, 2), [102]); // the path itself is right
  assert.deepEqual(forceLeaf(3, 3), [0]); // calloc slack
  assert.deepEqual(forceLeaf(5, 5), [0]);
  assert.deepEqual(forceLeaf(5, 6), [33]); // a recycled 32-byte chunk's size word, 0x21
  assert.deepEqual(forceLeaf(5, 7), [0]); // its high half
  assert.deepEqual(forceLeaf(9, 9), [0]);
  assert.deepEqual(forceLeaf(9, 10), [145]); // node_weights' chunk: 32 nodes, 144 bytes, | PREV_INUSE
  assert.deepEqual(forceLeaf(9, 11), [0]);
  assert.deepEqual(forceLeaf(9, 12, { 0: 7 }), [7]); // node_weights[0], read as an item
  assert.deepEqual(forceLeaf(9, 13, { 1: 8 }), [8]);
  assert.deepEqual(forceLeaf(9, 13, { 1: 0xfffff }), []); // a weight past the devices: a bad item
});

test('crush adjust: a device weight reaches its host and root, in the class shadow tree too', () => {
  const r = compileCrushMap(
    'device 0 osd.0 class ssd\ndevice 1 osd.1 class hdd\ndevice 2 osd.2 class ssd\n' +
      'type 0 osd\ntype 1 host\ntype 2 root\n' +
      'host a {\n id -2\n alg straw2\n item osd.0 weight 1.0\n item osd.1 weight 1.0\n}\n' +
      'host b {\n id -3\n alg list\n item osd.2 weight 2.0\n}\n' +
      'root r {\n id -1\n alg straw2\n item a\n item b\n}\n' +
      'rule s {\n id 0\n type replicated\n min_size 1\n max_size 3\n step take r class ssd\n step chooseleaf firstn 0 type host\n step emit\n}\n',
  );
  assert.equal(r.err, '');
  const m = r.map!;
  const shadow = (id: number): number =>
    m.classBuckets.get(id)!.get([...m.classNames].find(([, n]) => n === 'ssd')![0])!;
  assert.equal(crushAdjustItemWeightf(m, 0, 3.5), 2); // host a and its ssd shadow
  assert.equal(crushItemWeightRaw(m, 0), 0x38000);
  assert.equal(m.buckets.get(-2)!.weight, 0x48000);
  assert.equal(m.buckets.get(-1)!.weight, 0x68000);
  assert.equal(m.buckets.get(shadow(-2))!.weight, 0x38000);
  assert.equal(m.buckets.get(shadow(-1))!.weight, 0x58000);
  assert.equal(crushAdjustItemWeight(m, 9, 0x10000), 0); // Ceph's -ENOENT
  // Ceph's float arithmetic: (int)(w * (float)0x10000), refused when it does not fit 16.16
  assert.equal(floatWeightToFixed(0.3333333), 21845);
  assert.equal(floatWeightToFixed(Infinity), -0x80000000);
  for (const bad of [-2, NaN, 40000]) {
    assert.throws(
      () => crushAdjustItemWeightf(m, 0, bad),
      (e: unknown) => isCephError(e) && e.code === 'EOVERFLOW',
    );
  }
  assert.equal(crushItemWeightRaw(m, 0), 0x38000);
  crushAdjustItemWeightf(m, 0, Infinity); // slips through validate_weightf, as in Ceph
  assert.equal(crushItemWeightRaw(m, 0), 0x80000000);
});

test('crush builder: straw lengths for both straw_calc_versions', () => {
  // equal weights get equal straws; a zero weight gets none
  assert.deepEqual(calcStraws([0x10000, 0x10000, 0x10000], 1), [0x10000, 0x10000, 0x10000]);
  assert.deepEqual(calcStraws([0x10000, 0], 0)[1], 0);
  const v0 = calcStraws([0x10000, 0x20000, 0x20000, 0x30000], 0);
  const v1 = calcStraws([0x10000, 0x20000, 0x20000, 0x30000], 1);
  assert.equal(v0[0], 0x10000);
  assert.equal(v1[0], 0x10000);
  assert.notDeepEqual(v0, v1); // version 1 fixes the equal-weight run
  assert.ok(v1[3]! > v1[1]! && v1[1]! === v1[2]);
});

test('crush builder: tree buckets keep node weights; uniform buckets need a weight', () => {
  const m = emptyCrushMap();
  const t = makeBucket(m, CrushBucketAlg.TREE, 0, 1, [0, 1, 2], [0x10000, 0x20000, 0x30000])!;
  assert.equal(t.alg, CrushBucketAlg.TREE);
  if (t.alg === CrushBucketAlg.TREE) {
    assert.equal(t.numNodes, 8);
    assert.equal(t.nodeWeights[4], 0x60000); // root
    assert.equal(t.weight, 0x60000);
  }
  assert.equal(makeBucket(m, CrushBucketAlg.UNIFORM, 0, 1, [0, 1], [0, 0]), undefined); // zero weight: Ceph asserts
  assert.equal(makeBucket(m, CrushBucketAlg.UNIFORM, 0, 1, [], [])?.weight, 0); // an empty one is fine (shadow copies)
});

test('crush builder: --build makes a replicated_rule over the last layer', () => {
  const r = buildCrushMap(6, [
    { name: 'host', bucketType: 'straw2', size: 2 },
    { name: 'root', bucketType: 'straw2', size: 0 },
  ]);
  const m = r.map!;
  const rule = m.rules.get(0)!;
  assert.deepEqual(
    rule.steps.map((s) => s.op),
    [CrushRuleOp.TAKE, CrushRuleOp.CHOOSELEAF_FIRSTN, CrushRuleOp.EMIT],
  );
  assert.equal(m.ruleNames.get(0), 'replicated_rule');
  assert.equal(crushItemName(m, rule.steps[0]!.arg1), 'root');
  assert.equal(buildCrushMap(2, [{ name: 'h', bucketType: 'nope', size: 1 }]).code, 1);
});

test('crushtool args: dashes and underscores compare alike after the first two characters', () => {
  assert.equal(dashesToUnderscores('--num-rep'), '--num_rep');
  assert.equal(dashesToUnderscores('--x=a-b'), '--x=a-b');
  assert.equal(dashesToUnderscores('-i'), '-i');
  const a = new ArgList(['--num-rep=3', '--show_mappings', 'rest']);
  assert.deepEqual(a.withArg('--num_rep'), { value: '3' });
  assert.equal(a.flag('--show-mappings'), true);
  assert.equal(a.current, 'rest');
  assert.deepEqual(new ArgList(['-i']).withArg('-i', '--infn'), {
    error: 'Option -i requires an argument.\n',
  });
});

test('crushtool args: value classification and strict integers', () => {
  assert.deepEqual(argValueType('-3'), { isOption: false, isNumeric: true });
  assert.deepEqual(argValueType('--x'), { isOption: true, isNumeric: false });
  assert.deepEqual(argValueType('abc'), { isOption: false, isNumeric: false });
  assert.deepEqual(argValueType('1.5'), { isOption: false, isNumeric: true });
  assert.deepEqual(strictStrtol('12'), { value: 12, err: '' });
  assert.equal(strictStrtol('1.5').err, "Expected option value to be integer, got '1.5'");
  assert.equal(strictStrtol('99999999999').err, "The option value '99999999999' seems to be invalid");
});
