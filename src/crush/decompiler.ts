/**
 * CrushCompiler::decompile (Pacific): the text form `crushtool -d` prints.
 *
 *   tunables that differ from the legacy defaults
 *   # devices / # types
 *   # buckets   depth first, children before parents, shadow (~class) buckets hidden
 *   # rules     (take of a shadow bucket prints as "take <bucket> class <class>")
 *   # choose_args
 *
 * Like Ceph, output stops where the map cannot be printed (a bucket cycle, a
 * take of an unnamed item); the error text goes to `err`.
 */
import { formatWeight3 } from './format.js';
import {
  CRUSH_LEGACY_ALLOWED_BUCKET_ALGS,
  CrushBucketAlg,
  CrushRuleOp,
  CrushRuleType,
  bucketItemWeight,
  crushBucketAlgName,
  crushHashName,
  type CrushMap,
} from './types.js';
import { sortedEntries } from './codec.js';

/** CrushWrapper::is_valid_crush_name: [A-Za-z0-9_.-]+. */
export function isValidCrushName(s: string): boolean {
  return /^[-_.0-9A-Za-z]+$/.test(s);
}

function typeName(map: CrushMap, t: number): string {
  const n = map.typeNames.get(t);
  if (n !== undefined) return n;
  return t === 0 ? 'device' : `type${t}`;
}

function itemName(map: CrushMap, id: number): string {
  const n = map.names.get(id);
  if (n !== undefined) return n;
  return id >= 0 ? `device${id}` : `bucket${-1 - id}`;
}

/** The unsigned 64-bit rendering Ceph's decompiler gives choose_args keys. */
function chooseArgsKey(key: number): string {
  return key >= 0 ? String(key) : BigInt.asUintN(64, BigInt(key)).toString();
}

/**
 * CrushWrapper::split_id_class: a shadow bucket "name~class" resolves to its
 * original bucket and class; undefined when the item has no name or an unknown class.
 */
export function splitIdClass(map: CrushMap, id: number): { id: number; classId: number } | undefined {
  const name = map.names.get(id);
  if (name === undefined) return undefined;
  const pos = name.indexOf('~');
  if (pos < 0) return { id, classId: -1 };
  const className = name.slice(pos + 1);
  let classId: number | undefined;
  for (const [cid, n] of map.classNames) if (n === className) classId = cid;
  if (classId === undefined) return undefined;
  const base = name.slice(0, pos);
  let baseId = 0; // get_item_id answers 0 for unknown names
  for (const [iid, n] of map.names) if (n === base) baseId = iid;
  return { id: baseId, classId };
}

class Stop extends Error {}

/** The decompiled text (and whatever error text Ceph would print to cerr). */
export function decompileCrushMap(map: CrushMap): { text: string; err: string; ok: boolean } {
  const out: string[] = [];
  let err = '';
  const t = map.tunables;
  const w = (s: string): void => {
    out.push(s);
  };
  try {
    w('# begin crush map\n');
    if (t.chooseLocalTries !== 2) w(`tunable choose_local_tries ${t.chooseLocalTries}\n`);
    if (t.chooseLocalFallbackTries !== 5)
      w(`tunable choose_local_fallback_tries ${t.chooseLocalFallbackTries}\n`);
    if (t.chooseTotalTries !== 19) w(`tunable choose_total_tries ${t.chooseTotalTries}\n`);
    if (t.chooseleafDescendOnce !== 0) w(`tunable chooseleaf_descend_once ${t.chooseleafDescendOnce}\n`);
    if (t.chooseleafVaryR !== 0) w(`tunable chooseleaf_vary_r ${t.chooseleafVaryR}\n`);
    if (t.chooseleafStable !== 0) w(`tunable chooseleaf_stable ${t.chooseleafStable}\n`);
    if (t.strawCalcVersion !== 0) w(`tunable straw_calc_version ${t.strawCalcVersion}\n`);
    if (t.allowedBucketAlgs !== CRUSH_LEGACY_ALLOWED_BUCKET_ALGS)
      w(`tunable allowed_bucket_algs ${t.allowedBucketAlgs >>> 0}\n`);

    w('\n# devices\n');
    for (let i = 0; i < map.maxDevices; i++) {
      const name = map.names.get(i);
      if (name === undefined) continue;
      let line = `device ${i} ${name}`;
      const cls = map.classMap.get(i);
      if (cls !== undefined && map.classNames.has(cls)) line += ` class ${map.classNames.get(cls)}`;
      w(`${line}\n`);
    }

    w('\n# types\n');
    let n = map.typeNames.size;
    // Ceph walks up from 0 until it has printed every name (negative ids would never be reached)
    for (let i = 0; n > 0 && i <= 0x7fffffff; i++) {
      const name = map.typeNames.get(i);
      if (name === undefined) {
        if (i === 0) w('type 0 osd\n');
        if (i > 0xffff && [...map.typeNames.keys()].every((k) => k < i)) break;
        continue;
      }
      n--;
      w(`type ${i} ${name}\n`);
    }

    w('\n# buckets\n');
    const state = new Map<number, 'progress' | 'done'>();
    const decompileBucket = (cur: number): void => {
      if (cur === 0 || !map.buckets.has(cur)) return;
      const s = state.get(cur);
      if (s === 'done') return;
      if (s === 'progress') {
        err +=
          'decompile_crush_bucket: logic error: tried to decompile a bucket that is already being decompiled\n';
        throw new Stop();
      }
      state.set(cur, 'progress');
      const b = map.buckets.get(cur)!;
      for (const item of b.items) {
        const d = state.get(item);
        if (d === undefined) decompileBucket(item);
        else if (d === 'progress') {
          err +=
            `decompile_crush_bucket: error: while trying to output bucket ${cur}, we found out that it ` +
            'contains one of the buckets that contain it. This is not allowed. The buckets must form a ' +
            'directed acyclic graph.\n';
          throw new Stop();
        }
      }
      decompileBucketImpl(cur);
      state.set(cur, 'done');
    };
    const decompileBucketImpl = (id: number): void => {
      const name = map.names.get(id);
      if (name !== undefined && !isValidCrushName(name)) return; // shadow buckets
      const b = map.buckets.get(id)!;
      w(`${typeName(map, b.type)} ${itemName(map, id)} {\n`);
      w(`\tid ${id}\t\t# do not change unnecessarily\n`);
      const classIds = map.classBuckets.get(id);
      if (classIds !== undefined) {
        for (const [c, cid] of sortedEntries(classIds)) {
          w(`\tid ${cid} class ${map.classNames.get(c) ?? ''}\t\t# do not change unnecessarily\n`);
        }
      }
      w(`\t# weight ${formatWeight3(b.weight)}\n`);
      const size = b.items.length;
      let line = `\talg ${crushBucketAlgName(b.alg)}`;
      let dopos = false;
      if (b.alg === CrushBucketAlg.UNIFORM) {
        line += `\t# do not change bucket size (${size}) unnecessarily`;
        dopos = true;
      } else if (b.alg === CrushBucketAlg.LIST) {
        line += '\t# add new items at the end; do not change order unnecessarily';
      } else if (b.alg === CrushBucketAlg.TREE) {
        line += '\t# do not change pos for existing items unnecessarily';
        dopos = true;
      }
      w(`${line}\n`);
      w(`\thash ${b.hash}\t# ${crushHashName(b.hash)}\n`);
      for (let j = 0; j < size; j++) {
        const item = b.items[j]!;
        w(
          `\titem ${itemName(map, item)} weight ${formatWeight3(bucketItemWeight(b, j))}${dopos ? ` pos ${j}` : ''}\n`,
        );
      }
      w('}\n');
    };
    for (let bucket = -1; bucket > -1 - map.maxBuckets; --bucket) decompileBucket(bucket);

    w('\n# rules\n');
    for (let i = 0; i < map.maxRules; i++) {
      const r = map.rules.get(i);
      if (r === undefined) continue;
      w(`rule ${map.ruleNames.get(i) ?? ''} {\n`);
      w(`\tid ${i}\n`);
      if (i !== r.ruleset) {
        w(`\t# WARNING: ruleset ${r.ruleset} != id ${i}; this will not recompile to the same map\n`);
      }
      if (r.type === CrushRuleType.REPLICATED) w('\ttype replicated\n');
      else if (r.type === CrushRuleType.ERASURE) w('\ttype erasure\n');
      else w(`\ttype ${r.type}\n`);
      w(`\tmin_size ${r.minSize}\n`);
      w(`\tmax_size ${r.maxSize}\n`);
      for (const step of r.steps) {
        switch (step.op) {
          case CrushRuleOp.NOOP:
            w('\tstep noop\n');
            break;
          case CrushRuleOp.TAKE: {
            const split = splitIdClass(map, step.arg1);
            if (split === undefined) {
              out.push('\tstep take ');
              throw new Stop();
            }
            const item = split.classId >= 0 ? split.id : step.arg1;
            let line = `\tstep take ${itemName(map, item)}`;
            if (split.classId >= 0) {
              const cn = map.classNames.get(split.classId);
              line += cn !== undefined ? ` class ${cn}` : ` # unexpected class ${split.classId}`;
            }
            w(`${line}\n`);
            break;
          }
          case CrushRuleOp.EMIT:
            w('\tstep emit\n');
            break;
          case CrushRuleOp.SET_CHOOSE_TRIES:
            w(`\tstep set_choose_tries ${step.arg1}\n`);
            break;
          case CrushRuleOp.SET_CHOOSE_LOCAL_TRIES:
            w(`\tstep set_choose_local_tries ${step.arg1}\n`);
            break;
          case CrushRuleOp.SET_CHOOSE_LOCAL_FALLBACK_TRIES:
            w(`\tstep set_choose_local_fallback_tries ${step.arg1}\n`);
            break;
          case CrushRuleOp.SET_CHOOSELEAF_TRIES:
            w(`\tstep set_chooseleaf_tries ${step.arg1}\n`);
            break;
          case CrushRuleOp.SET_CHOOSELEAF_VARY_R:
            w(`\tstep set_chooseleaf_vary_r ${step.arg1}\n`);
            break;
          case CrushRuleOp.SET_CHOOSELEAF_STABLE:
            w(`\tstep set_chooseleaf_stable ${step.arg1}\n`);
            break;
          case CrushRuleOp.CHOOSE_FIRSTN:
            w(`\tstep choose firstn ${step.arg1} type ${typeName(map, step.arg2)}\n`);
            break;
          case CrushRuleOp.CHOOSE_INDEP:
            w(`\tstep choose indep ${step.arg1} type ${typeName(map, step.arg2)}\n`);
            break;
          case CrushRuleOp.CHOOSELEAF_FIRSTN:
            w(`\tstep chooseleaf firstn ${step.arg1} type ${typeName(map, step.arg2)}\n`);
            break;
          case CrushRuleOp.CHOOSELEAF_INDEP:
            w(`\tstep chooseleaf indep ${step.arg1} type ${typeName(map, step.arg2)}\n`);
            break;
          default:
            break;
        }
      }
      w('}\n');
    }

    if (map.chooseArgs.size > 0) {
      w('\n# choose_args\n');
      for (const [key, args] of sortedEntries(map.chooseArgs)) {
        w(`choose_args ${chooseArgsKey(key)} {\n`);
        for (let i = 0; i < map.maxBuckets; i++) {
          const arg = args.get(-1 - i);
          if (arg === undefined || (arg.ids.length === 0 && arg.weightSet.length === 0)) continue;
          w('  {\n');
          w(`    bucket_id ${-1 - i}\n`);
          if (arg.weightSet.length > 0) {
            w('    weight_set [\n');
            for (const ws of arg.weightSet) w(`      [ ${ws.map((x) => `${formatWeight3(x)} `).join('')}]\n`);
            w('    ]\n');
          }
          if (arg.ids.length > 0) w(`    ids [ ${arg.ids.map((x) => `${x} `).join('')}]\n`);
          w('  }\n');
        }
        w('}\n');
      }
    }
    w('\n# end crush map\n');
    return { text: out.join(''), err, ok: true };
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return { text: out.join(''), err, ok: false };
  }
}
