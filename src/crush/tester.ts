/**
 * CrushTester::test (Pacific): run a range of inputs through a range of
 * rules and replica counts and print what crushtool --test prints
 * (mappings, bad mappings, statistics, utilization, choose-tries histogram).
 *
 *   weights: --weight overrides, else 1.0 for devices some bucket holds, else 0
 *   for each rule in [min_rule, max_rule] (matching --ruleset) and num_rep:
 *     for each x (split in batches): map through crush_do_rule with choose_args 0
 *       (falling back to DEFAULT_CHOOSE_ARGS); --pool-id salts x like a PG seed
 */
import { formatGeneral } from './format.js';
import { crushHash32_2 } from './hash.js';
import { crushDoRuleRaw } from './mapper.js';
import { CRUSH_HASH_RJENKINS1, CRUSH_ITEM_NONE, type CrushMap } from './types.js';
import { crushChooseArgsWithFallback } from './wrapper.js';

/** What crushtool's --test options set (CrushTester's fields; -1 means "not given"). */
export interface CrushTesterOptions {
  minRule: number;
  maxRule: number;
  ruleset: number;
  minX: number;
  maxX: number;
  minRep: number;
  maxRep: number;
  poolId: number;
  numBatches: number;
  /** device id -> 16.16 weight (--weight). */
  deviceWeight: Map<number, number>;
  outputMappings: boolean;
  outputBadMappings: boolean;
  outputStatistics: boolean;
  outputUtilization: boolean;
  outputUtilizationAll: boolean;
  outputChooseTries: boolean;
}

export function defaultTesterOptions(): CrushTesterOptions {
  return {
    minRule: -1,
    maxRule: -1,
    ruleset: -1,
    minX: -1,
    maxX: -1,
    minRep: -1,
    maxRep: -1,
    poolId: -1,
    numBatches: 1,
    deviceWeight: new Map(),
    outputMappings: false,
    outputBadMappings: false,
    outputStatistics: false,
    outputUtilization: false,
    outputUtilizationAll: false,
    outputChooseTries: false,
  };
}

/** CrushTester::set_device_weight: float weight in [0, 1] to 16.16, truncated and clamped. */
export function testerDeviceWeight(f: number): number {
  let w = Math.trunc(Math.fround(Math.fround(f) * 0x10000));
  if (!Number.isFinite(w)) w = 0;
  if (w < 0) w = 0;
  if (w > 0x10000) w = 0x10000;
  return w;
}

/**
 * A C++ ostream: writing a null `const char*` (an unnamed rule) sets badbit,
 * after which the stream swallows everything.
 */
export interface TesterStream {
  write(s: string): void;
  /** Where the few diagnostic lines go (crushtool's cerr). */
  writeErr?(s: string): void;
  /** Mark the stream failed; later writes are dropped. */
  fail(): void;
}

/** CrushTester::get_maximum_affected_by_rule: the fewest buckets of a type the rule chooses among. */
export function maximumAffectedByRule(map: CrushMap, ruleId: number): number {
  const rule = map.rules.get(ruleId);
  const affectedTypes: number[] = [];
  const replicationsByType = new Map<number, number>();
  for (const step of rule?.steps ?? []) {
    if (step.op >= 2 && step.op !== 4) {
      affectedTypes.push(step.arg2);
      replicationsByType.set(step.arg2, step.arg1);
    }
  }
  const maxOfType = new Map<number, number>();
  for (const t of affectedTypes) {
    for (const id of map.names.keys()) {
      // get_bucket_type of a device answers -ENOENT
      const bt = id < 0 ? (map.buckets.get(id)?.type ?? -2) : -2;
      if (bt === t) maxOfType.set(t, (maxOfType.get(t) ?? 0) + 1);
    }
  }
  for (const t of affectedTypes) {
    const rep = replicationsByType.get(t) ?? 0;
    if (rep > 0 && rep < (maxOfType.get(t) ?? 0)) maxOfType.set(t, rep);
  }
  let maxAffected = Math.max(map.maxBuckets, map.maxDevices);
  for (const t of affectedTypes) {
    const m = maxOfType.get(t) ?? 0;
    if (m > 0 && m < maxAffected) maxAffected = m;
  }
  return maxAffected;
}

function vec(v: readonly number[]): string {
  return `[${v.join(',')}]`;
}

/** CrushTester::test. Returns 0 (Ceph's test() never fails on these paths). */
export function runCrushTester(map: CrushMap, opts: CrushTesterOptions, out: TesterStream): number {
  let { minRule, maxRule, minX, maxX } = opts;
  if (minRule < 0 || maxRule < 0) {
    minRule = 0;
    maxRule = map.maxRules - 1;
  }
  if (minX < 0 || maxX < 0) {
    minX = 0;
    maxX = 1023;
  }
  const present = new Set<number>();
  for (const b of map.buckets.values()) for (const item of b.items) present.add(item);
  const weight: number[] = [];
  for (let o = 0; o < map.maxDevices; o++) {
    const dw = opts.deviceWeight.get(o);
    if (dw !== undefined) weight.push(dw);
    else weight.push(present.has(o) ? 0x10000 : 0);
  }
  if (opts.outputUtilizationAll) {
    // crushtool prints this one line to stderr
    const line = `devices weights (hex): [${weight.map((w) => w.toString(16)).join(',')}]\n`;
    if (out.writeErr) out.writeErr(line);
    else out.write(line);
  }

  const chooseTries = opts.outputChooseTries
    ? new Array<number>(map.tunables.chooseTotalTries + 1).fill(0)
    : undefined;
  const chooseArgs = crushChooseArgsWithFallback(map, 0);

  for (let r = minRule; r < map.maxRules && r <= maxRule; r++) {
    const rule = map.rules.get(r);
    if (rule === undefined) {
      if (opts.outputStatistics) out.write(`rule ${r} dne\n`);
      continue;
    }
    if (opts.ruleset >= 0 && rule.ruleset !== opts.ruleset) continue;
    let minr = opts.minRep;
    let maxr = opts.maxRep;
    if (minr < 0 || maxr < 0) {
      minr = rule.minSize;
      maxr = rule.maxSize;
    }
    const ruleName = map.ruleNames.get(r);
    const nameOf = (): string => {
      if (ruleName === undefined) out.fail();
      return ruleName ?? '';
    };
    if (opts.outputStatistics) {
      out.write(`rule ${r} (`);
      out.write(`${nameOf()}), x = ${minX}..${maxX}, numrep = ${minr}..${maxr}\n`);
    }
    for (let nr = minr; nr <= maxr; nr++) {
      const per = new Array<number>(map.maxDevices).fill(0);
      const sizes = new Map<number, number>();
      const numObjects = maxX - minX + 1;
      let objectsPerBatch = Math.trunc(numObjects / opts.numBatches);
      let batchMin = minX;
      let batchMax = minX + objectsPerBatch - 1;
      let totalWeight = 0;
      for (let i = 0; i < per.length; i++) totalWeight = (totalWeight + weight[i]!) | 0;
      if (totalWeight === 0) continue;
      const expectedObjects = Math.fround(Math.min(nr, maximumAffectedByRule(map, r)) * numObjects);
      const proportional = per.map((_, i) => Math.fround(Math.fround(weight[i]!) / Math.fround(totalWeight)));
      const expected = proportional.map((p) => Math.fround(p * expectedObjects));
      for (let batch = 0; batch < opts.numBatches; batch++) {
        if (batch === opts.numBatches - 1) {
          batchMax = maxX;
          objectsPerBatch = batchMax - batchMin + 1;
        }
        for (let x = batchMin; x <= batchMax; x++) {
          let realX = x;
          if (opts.poolId !== -1) realX = crushHash32_2(CRUSH_HASH_RJENKINS1, x, opts.poolId) | 0;
          const result = nr > 0 ? crushDoRuleRaw(map, r, realX, nr, weight, { chooseArgs, chooseTries }) : [];
          if (opts.outputMappings) out.write(`CRUSH rule ${r} x ${x} ${vec(result)}\n`);
          let hasNone = false;
          for (const item of result) {
            if (item !== CRUSH_ITEM_NONE) {
              // Ceph indexes its per-device counters with whatever came out (buckets included)
              if (item >= 0 && item < per.length) per[item]!++;
            } else {
              hasNone = true;
            }
          }
          sizes.set(result.length, (sizes.get(result.length) ?? 0) + 1);
          if (opts.outputBadMappings && (result.length !== nr || hasNone)) {
            out.write(`bad mapping rule ${r} x ${x} num_rep ${nr} result ${vec(result)}\n`);
          }
        }
        batchMin = batchMax + 1;
        batchMax = batchMin + objectsPerBatch - 1;
      }
      if (opts.outputUtilization && !opts.outputStatistics) {
        for (let i = 0; i < per.length; i++) out.write(`  device ${i}:\t${per[i]}\n`);
      }
      if (opts.outputStatistics) {
        for (const [size, count] of [...sizes.entries()].sort((a, b) => a[0] - b[0])) {
          out.write(`rule ${r} (`);
          out.write(`${nameOf()}) num_rep ${nr} result size == ${size}:\t${count}/${maxX - minX + 1}\n`);
        }
        for (let i = 0; i < per.length; i++) {
          const line = `  device ${i}:\t\t stored : ${per[i]}\t expected : ${formatGeneral(expected[i]!)}\n`;
          if (opts.outputUtilization) {
            if (expected[i]! > 0 && per[i]! > 0) out.write(line);
          } else if (opts.outputUtilizationAll) {
            out.write(line);
          }
        }
      }
    }
  }
  if (chooseTries !== undefined) {
    for (let i = 0; i < map.tunables.chooseTotalTries; i++) {
      out.write(`${String(i).padStart(2)}: ${String(chooseTries[i]).padStart(9)}\n`);
    }
  }
  return 0;
}
