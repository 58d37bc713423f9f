/**
 * Seeded random CRUSH maps in crushtool's text format, for comparing tsceph
 * with the real crushtool (test/interop/crushtool.test.ts) and for
 * regenerating the golden fixtures. The same seed always gives the same text.
 *
 * Maps vary: tunable profiles (legacy .. jewel and odd mixes), 4..40 devices
 * with gaps, 1..3 levels of buckets of every algorithm with random weights
 * (some zero), explicit or implicit bucket ids, device classes with rules
 * that take a class, firstn/indep choose and chooseleaf rules with set_*
 * steps and several takes, and choose_args weight sets with ids.
 */

/** mulberry32: a small, well-mixed 32-bit PRNG. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedMap {
  text: string;
  /** Rule ids in the map. */
  ruleIds: number[];
  /** Device ids in the map. */
  deviceIds: number[];
  /** choose_args ids in the map (empty when none). */
  chooseArgsIds: number[];
}

const TUNABLE_PROFILES: [string, number][][] = [
  [], // legacy (argonaut): nothing written
  [
    ['choose_local_tries', 0],
    ['choose_local_fallback_tries', 0],
    ['choose_total_tries', 50],
    ['chooseleaf_descend_once', 1],
  ], // bobtail
  [
    ['choose_local_tries', 0],
    ['choose_local_fallback_tries', 0],
    ['choose_total_tries', 50],
    ['chooseleaf_descend_once', 1],
    ['chooseleaf_vary_r', 1],
    ['straw_calc_version', 1],
  ], // firefly
  [
    ['choose_local_tries', 0],
    ['choose_local_fallback_tries', 0],
    ['choose_total_tries', 50],
    ['chooseleaf_descend_once', 1],
    ['chooseleaf_vary_r', 1],
    ['straw_calc_version', 1],
    ['allowed_bucket_algs', 54],
  ], // hammer
  [
    ['choose_local_tries', 0],
    ['choose_local_fallback_tries', 0],
    ['choose_total_tries', 50],
    ['chooseleaf_descend_once', 1],
    ['chooseleaf_vary_r', 1],
    ['chooseleaf_stable', 1],
    ['straw_calc_version', 1],
    ['allowed_bucket_algs', 54],
  ], // jewel / optimal
];

export function generateCrushText(seed: number): GeneratedMap {
  const rnd = prng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number): boolean => rnd() < p;
  const weight = (): string => {
    if (chance(0.06)) return '0.000';
    if (chance(0.5)) return pick(['1.000', '2.000', '0.500', '1.500', '4.000']);
    return (int(1, 5000) / 1000).toFixed(3);
  };

  const out: string[] = ['# begin crush map'];
  const tunables = new Map<string, number>(pick(TUNABLE_PROFILES));
  if (chance(0.3)) tunables.set('chooseleaf_vary_r', int(0, 4));
  if (chance(0.2)) tunables.set('chooseleaf_stable', int(0, 1));
  if (chance(0.2)) tunables.set('choose_total_tries', pick([5, 19, 50, 100]));
  if (chance(0.15)) tunables.set('choose_local_tries', int(0, 3));
  if (chance(0.15)) tunables.set('choose_local_fallback_tries', int(0, 6));
  if (chance(0.15)) tunables.set('straw_calc_version', int(0, 1));
  if (chance(0.1)) tunables.set('chooseleaf_descend_once', int(0, 1));
  for (const [k, v] of tunables) out.push(`tunable ${k} ${v}`);

  // device classes rule out uniform and tree buckets: Ceph cannot clone an
  // empty uniform bucket, and tree shadow buckets carry uninitialized weights.
  const useClasses = chance(0.4);
  const classes = useClasses ? pick([['hdd', 'ssd'], ['hdd', 'ssd', 'nvme'], ['ssd']]) : [];
  const algs = useClasses
    ? ['straw2', 'straw2', 'straw2', 'straw', 'list']
    : ['straw2', 'straw2', 'straw2', 'straw', 'list', 'tree', 'uniform'];

  const numDevices = int(4, 40);
  const deviceIds: number[] = [];
  let next = 0;
  for (let i = 0; i < numDevices; i++) {
    if (chance(0.1)) next += int(1, 3); // gaps in the id space
    deviceIds.push(next++);
  }
  out.push('', '# devices');
  const deviceClass = new Map<number, string>();
  for (const d of deviceIds) {
    let line = `device ${d} osd.${d}`;
    if (useClasses && chance(0.9)) {
      const c = pick(classes);
      deviceClass.set(d, c);
      line += ` class ${c}`;
    }
    out.push(line);
  }

  const levels = int(1, 3); // bucket levels under the root
  const typeNames = ['osd', ...['host', 'rack', 'row'].slice(0, levels), 'root'];
  out.push('', '# types');
  typeNames.forEach((t, i) => out.push(`type ${i} ${t}`));

  // explicit ids sometimes, with gaps; otherwise the compiler assigns them
  const explicitIds = chance(0.6);
  let nextId = -1;
  const allocId = (): number => {
    if (chance(0.15)) nextId -= int(1, 4);
    return nextId--;
  };
  interface B {
    name: string;
    type: string;
    alg: string;
    id?: number;
    classIds: [string, number][];
    items: [string, string][];
  }
  const buckets: B[] = [];
  let children: string[] = deviceIds.map((d) => `osd.${d}`);
  for (let level = 1; level <= levels + 1; level++) {
    const type = typeNames[level]!;
    const isRoot = level === levels + 1;
    const groups: string[][] = [];
    const pool = [...children];
    while (pool.length > 0) {
      const n = isRoot ? pool.length : Math.min(pool.length, int(1, 5));
      groups.push(pool.splice(0, n));
    }
    const names: string[] = [];
    groups.forEach((g, gi) => {
      const alg = pick(algs);
      const name = isRoot ? 'default' : `${type}${gi}`;
      const w = alg === 'uniform' ? pick(['1.000', '0.500', '2.000', '0.730']) : undefined;
      const b: B = {
        name,
        type,
        alg,
        classIds: [],
        items: g.map((item) => [item, w ?? (level > 1 && chance(0.5) ? '' : weight())]),
      };
      if (explicitIds) b.id = allocId();
      if (useClasses && explicitIds && chance(0.7)) {
        for (const c of classes) b.classIds.push([c, allocId()]);
      }
      buckets.push(b);
      names.push(name);
    });
    children = names;
  }
  out.push('', '# buckets');
  for (const b of buckets) {
    out.push(`${b.type} ${b.name} {`);
    if (b.id !== undefined) out.push(`\tid ${b.id}\t\t# do not change unnecessarily`);
    for (const [c, id] of b.classIds) out.push(`\tid ${id} class ${c}\t\t# do not change unnecessarily`);
    out.push(`\talg ${b.alg}`);
    out.push('\thash 0\t# rjenkins1');
    for (const [item, w] of b.items) out.push(w === '' ? `\titem ${item}` : `\titem ${item} weight ${w}`);
    out.push('}');
  }

  // rules
  out.push('', '# rules');
  const ruleIds: number[] = [];
  const numRules = int(1, 5);
  let ruleId = 0;
  const domain = (): string => pick(typeNames.slice(0, typeNames.length - 1));
  const take = (): string => {
    const cls = useClasses && chance(0.5) ? ` class ${pick(classes)}` : '';
    const from = chance(0.85) ? 'default' : pick(buckets).name;
    return `\tstep take ${from}${cls}`;
  };
  for (let r = 0; r < numRules; r++) {
    if (chance(0.15)) ruleId += int(1, 3); // holes in the rule table
    const erasure = chance(0.35);
    const steps: string[] = [];
    if (chance(0.3)) steps.push(`\tstep set_chooseleaf_tries ${int(1, 5)}`);
    if (chance(0.3)) steps.push(`\tstep set_choose_tries ${int(1, 100)}`);
    if (chance(0.1)) steps.push(`\tstep set_chooseleaf_vary_r ${int(0, 3)}`);
    if (chance(0.1)) steps.push(`\tstep set_chooseleaf_stable ${int(0, 1)}`);
    if (chance(0.1)) steps.push(`\tstep set_choose_local_tries ${int(0, 2)}`);
    if (chance(0.1)) steps.push(`\tstep set_choose_local_fallback_tries ${int(0, 5)}`);
    const mode = erasure ? 'indep' : 'firstn';
    const shape = int(0, 3);
    steps.push(take());
    if (shape === 0) {
      steps.push(`\tstep chooseleaf ${mode} ${pick([0, 0, 1, 2, -1])} type ${domain()}`);
    } else if (shape === 1) {
      steps.push(`\tstep choose ${mode} ${pick([0, 0, 3, -1])} type osd`);
    } else if (shape === 2) {
      const upper = typeNames[int(1, typeNames.length - 2)]!;
      steps.push(`\tstep choose ${mode} ${pick([0, 2, 3])} type ${upper}`);
      steps.push(`\tstep chooseleaf ${mode} ${pick([1, 2])} type osd`);
    } else {
      steps.push(`\tstep chooseleaf ${mode} ${pick([1, 2])} type ${domain()}`);
      steps.push('\tstep emit');
      steps.push(take());
      steps.push(`\tstep chooseleaf ${mode} -1 type ${domain()}`);
    }
    steps.push('\tstep emit');
    out.push(`rule rule${r} {`);
    out.push(`\t${chance(0.2) ? 'ruleset' : 'id'} ${ruleId}`);
    out.push(`\ttype ${erasure ? 'erasure' : 'replicated'}`);
    out.push(`\tmin_size ${erasure ? int(1, 3) : 1}`);
    out.push(`\tmax_size ${erasure ? int(4, 20) : 10}`);
    out.push(...steps);
    out.push('}');
    ruleIds.push(ruleId);
    ruleId++;
  }

  // choose_args over some straw2 buckets
  const chooseArgsIds: number[] = [];
  const straw2 = buckets.filter((b) => b.alg === 'straw2' && b.id !== undefined);
  if (straw2.length > 0 && chance(0.4)) {
    out.push('', '# choose_args');
    const sets = int(1, 2);
    for (let s = 0; s < sets; s++) {
      const key = s === 0 ? pick([0, 1, 5]) : 100 + s;
      chooseArgsIds.push(key);
      out.push(`choose_args ${key} {`);
      const positions = int(1, 3);
      for (const b of straw2) {
        if (!chance(0.7)) continue;
        out.push('  {', `    bucket_id ${b.id}`);
        if (chance(0.85)) {
          out.push('    weight_set [');
          for (let p = 0; p < positions; p++) out.push(`      [ ${b.items.map(() => weight()).join(' ')} ]`);
          out.push('    ]');
        }
        if (chance(0.3)) out.push(`    ids [ ${b.items.map(() => -int(100, 200)).join(' ')} ]`);
        out.push('  }');
      }
      out.push('}');
    }
  }
  out.push('', '# end crush map', '');
  void deviceClass;
  return { text: out.join('\n'), ruleIds, deviceIds, chooseArgsIds };
}
