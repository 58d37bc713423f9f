/**
 * CrushCompiler::compile (Pacific): the text form back into a map.
 *
 *   read lines → strip '#' comments → squash whitespace → one string ("big")
 *     (remembering where each line starts, for error messages)
 *   → parse with crushtool's grammar:
 *       *(tunable | device | type) *(bucket | rule) *choose_args
 *     a parse error names the line after the last item that parsed
 *   → move buckets that contain later-defined buckets after them
 *   → semantic pass in file order: tunables, devices (+classes), types,
 *     buckets (ids, positions, weights), at the first rule the per-class
 *     shadow trees, rules, choose_args
 *   → finalize (max_devices)
 *
 * Error texts are Ceph's; the caller prints them to stderr.
 */
import {
  CrushBucketAlg,
  CrushRuleOp,
  CrushRuleType,
  emptyCrushMap,
  legacyTunables,
  type CrushBucket,
  type CrushChooseArg,
  type CrushChooseArgMap,
  type CrushMap,
  type CrushRule,
} from './types.js';
import { addBucket, addRule, calcStraws, makeBucket } from './builder.js';
import { formatGeneral } from './format.js';
import { finalizeCrushMap } from './wrapper.js';

// ---------------------------------------------------------------------------
// parse tree

interface Tunable {
  kind: 'tunable';
  name: string;
  value: string;
  end: number;
}
interface Device {
  kind: 'device';
  id: string;
  name: string;
  cls?: string;
  end: number;
}
interface BucketType {
  kind: 'type';
  id: string;
  name: string;
  end: number;
}
interface BucketIdLine {
  id: string;
  cls?: string;
}
interface BucketItem {
  name: string;
  /** "weight" and "pos" in the order written (the grammar allows weight, then pos). */
  weight?: string;
  pos?: string;
}
interface Bucket {
  kind: 'bucket';
  type: string;
  name: string;
  ids: BucketIdLine[];
  alg: string;
  hashes: string[];
  items: BucketItem[];
  end: number;
}
type Step =
  | { op: 'take'; item: string; cls?: string }
  | { op: 'set'; what: string; value: string }
  | { op: 'choose' | 'chooseleaf'; mode: string; n: string; type: string }
  | { op: 'emit' };
interface Rule {
  kind: 'rule';
  name?: string;
  id: string;
  type: string;
  minSize: string;
  maxSize: string;
  steps: Step[];
  end: number;
}
interface ChooseArgNode {
  bucketId: string;
  weightSet?: string[][];
  ids?: string[];
}
interface ChooseArgs {
  kind: 'choose_args';
  id: string;
  args: ChooseArgNode[];
  end: number;
}
type Item = Tunable | Device | BucketType | Bucket | Rule | ChooseArgs;

/** A backtracking scanner with Spirit's space skipping; every rule restores the position on failure. */
class Scanner {
  pos = 0;
  constructor(readonly s: string) {}

  private skip(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }
  /** str_p: skip, then the exact characters (no word boundary, as in Spirit). */
  lit(t: string): boolean {
    const save = this.pos;
    this.skip();
    if (this.s.startsWith(t, this.pos)) {
      this.pos += t.length;
      return true;
    }
    this.pos = save;
    return false;
  }
  private re(r: RegExp): string | undefined {
    const save = this.pos;
    this.skip();
    r.lastIndex = this.pos;
    const m = r.exec(this.s);
    if (m === null) {
      this.pos = save;
      return undefined;
    }
    this.pos += m[0].length;
    return m[0];
  }
  name(): string | undefined {
    return this.re(/[A-Za-z0-9_.-]+/y);
  }
  posint(): string | undefined {
    return this.re(/\d+/y);
  }
  integer(): string | undefined {
    return this.re(/-?\d+/y);
  }
  negint(): string | undefined {
    return this.re(/-\d+/y);
  }
  real(): string | undefined {
    return this.re(/[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/y);
  }
  /** Try a rule; on failure rewind. */
  attempt<T>(f: () => T | undefined): T | undefined {
    const save = this.pos;
    const r = f();
    if (r === undefined) this.pos = save;
    return r;
  }
}

function parseTunable(sc: Scanner): Tunable | undefined {
  if (!sc.lit('tunable')) return undefined;
  const name = sc.name();
  if (name === undefined) return undefined;
  const value = sc.posint();
  if (value === undefined) return undefined;
  return { kind: 'tunable', name, value, end: sc.pos };
}

function parseDevice(sc: Scanner): Device | undefined {
  if (!sc.lit('device')) return undefined;
  const id = sc.posint();
  if (id === undefined) return undefined;
  const name = sc.name();
  if (name === undefined) return undefined;
  const cls = sc.attempt(() => (sc.lit('class') ? sc.name() : undefined));
  return { kind: 'device', id, name, cls, end: sc.pos };
}

function parseType(sc: Scanner): BucketType | undefined {
  if (!sc.lit('type')) return undefined;
  const id = sc.posint();
  if (id === undefined) return undefined;
  const name = sc.name();
  if (name === undefined) return undefined;
  return { kind: 'type', id, name, end: sc.pos };
}

function parseBucket(sc: Scanner): Bucket | undefined {
  const type = sc.name();
  if (type === undefined) return undefined;
  const name = sc.name();
  if (name === undefined || !sc.lit('{')) return undefined;
  const ids: BucketIdLine[] = [];
  for (;;) {
    const idl = sc.attempt<BucketIdLine>(() => {
      if (!sc.lit('id')) return undefined;
      const id = sc.negint();
      if (id === undefined) return undefined;
      const cls = sc.attempt(() => (sc.lit('class') ? sc.name() : undefined));
      return { id, cls };
    });
    if (idl === undefined) break;
    ids.push(idl);
  }
  const alg = sc.attempt(() => (sc.lit('alg') ? sc.name() : undefined));
  if (alg === undefined) return undefined;
  const hashes: string[] = [];
  for (;;) {
    const h = sc.attempt(() => {
      if (!sc.lit('hash')) return undefined;
      return sc.integer() ?? (sc.lit('rjenkins1') ? 'rjenkins1' : undefined);
    });
    if (h === undefined) break;
    hashes.push(h);
  }
  const items: BucketItem[] = [];
  for (;;) {
    const it = sc.attempt<BucketItem>(() => {
      if (!sc.lit('item')) return undefined;
      const iname = sc.name();
      if (iname === undefined) return undefined;
      const item: BucketItem = { name: iname };
      const w = sc.attempt(() => (sc.lit('weight') ? sc.real() : undefined));
      if (w !== undefined) item.weight = w;
      const p = sc.attempt(() => (sc.lit('pos') ? sc.posint() : undefined));
      if (p !== undefined) item.pos = p;
      return item;
    });
    if (it === undefined) break;
    items.push(it);
  }
  if (!sc.lit('}')) return undefined;
  return { kind: 'bucket', type, name, ids, alg, hashes, items, end: sc.pos };
}

const SET_STEPS = [
  'set_choose_tries',
  'set_choose_local_tries',
  'set_choose_local_fallback_tries',
  'set_chooseleaf_tries',
  'set_chooseleaf_vary_r',
  'set_chooseleaf_stable',
];

function parseStep(sc: Scanner): Step | undefined {
  if (!sc.lit('step')) return undefined;
  const take = sc.attempt<Step>(() => {
    if (!sc.lit('take')) return undefined;
    const item = sc.name();
    if (item === undefined) return undefined;
    const cls = sc.attempt(() => (sc.lit('class') ? sc.name() : undefined));
    return { op: 'take', item, cls };
  });
  if (take) return take;
  for (const what of SET_STEPS) {
    const s = sc.attempt<Step>(() => {
      if (!sc.lit(what)) return undefined;
      const value = sc.posint();
      return value === undefined ? undefined : { op: 'set', what, value };
    });
    if (s) return s;
  }
  for (const op of ['choose', 'chooseleaf'] as const) {
    const s = sc.attempt<Step>(() => {
      if (!sc.lit(op)) return undefined;
      const mode = sc.lit('indep') ? 'indep' : sc.lit('firstn') ? 'firstn' : undefined;
      if (mode === undefined) return undefined;
      const n = sc.integer();
      if (n === undefined || !sc.lit('type')) return undefined;
      const type = sc.name();
      return type === undefined ? undefined : { op, mode, n, type };
    });
    if (s) return s;
  }
  if (sc.lit('emit')) return { op: 'emit' };
  return undefined;
}

function parseRule(sc: Scanner): Rule | undefined {
  if (!sc.lit('rule')) return undefined;
  const name = sc.attempt(() => sc.name());
  if (!sc.lit('{')) return undefined;
  if (!sc.lit('id') && !sc.lit('ruleset')) return undefined;
  const id = sc.posint();
  if (id === undefined || !sc.lit('type')) return undefined;
  const type = sc.lit('replicated') ? 'replicated' : sc.lit('erasure') ? 'erasure' : undefined;
  if (type === undefined || !sc.lit('min_size')) return undefined;
  const minSize = sc.posint();
  if (minSize === undefined || !sc.lit('max_size')) return undefined;
  const maxSize = sc.posint();
  if (maxSize === undefined) return undefined;
  const steps: Step[] = [];
  for (;;) {
    const s = sc.attempt(() => parseStep(sc));
    if (s === undefined) break;
    steps.push(s);
  }
  if (steps.length === 0 || !sc.lit('}')) return undefined;
  return { kind: 'rule', name, id, type, minSize, maxSize, steps, end: sc.pos };
}

function parseChooseArgs(sc: Scanner): ChooseArgs | undefined {
  if (!sc.lit('choose_args')) return undefined;
  const id = sc.posint();
  if (id === undefined || !sc.lit('{')) return undefined;
  const args: ChooseArgNode[] = [];
  for (;;) {
    const a = sc.attempt<ChooseArgNode>(() => {
      if (!sc.lit('{') || !sc.lit('bucket_id')) return undefined;
      const bucketId = sc.negint();
      if (bucketId === undefined) return undefined;
      const node: ChooseArgNode = { bucketId };
      const ws = sc.attempt(() => {
        if (!sc.lit('weight_set') || !sc.lit('[')) return undefined;
        const sets: string[][] = [];
        for (;;) {
          const v = sc.attempt(() => {
            if (!sc.lit('[')) return undefined;
            const vals: string[] = [];
            for (;;) {
              const r = sc.real();
              if (r === undefined) break;
              vals.push(r);
            }
            return sc.lit(']') ? vals : undefined;
          });
          if (v === undefined) break;
          sets.push(v);
        }
        return sc.lit(']') ? sets : undefined;
      });
      if (ws !== undefined) node.weightSet = ws;
      const ids = sc.attempt(() => {
        if (!sc.lit('ids') || !sc.lit('[')) return undefined;
        const vals: string[] = [];
        for (;;) {
          const r = sc.integer();
          if (r === undefined) break;
          vals.push(r);
        }
        return sc.lit(']') ? vals : undefined;
      });
      if (ids !== undefined) node.ids = ids;
      return sc.lit('}') ? node : undefined;
    });
    if (a === undefined) break;
    args.push(a);
  }
  if (!sc.lit('}')) return undefined;
  return { kind: 'choose_args', id, args, end: sc.pos };
}

/** The whole map: the position where parsing stopped tells whether it all parsed. */
function parseCrush(big: string): { items: Item[]; stop: number } {
  const sc = new Scanner(big);
  const items: Item[] = [];
  let stop = 0;
  const star = (alts: ((s: Scanner) => Item | undefined)[]): void => {
    for (;;) {
      let got: Item | undefined;
      for (const alt of alts) {
        got = sc.attempt(() => alt(sc));
        if (got !== undefined) break;
      }
      if (got === undefined) return;
      items.push(got);
      stop = sc.pos;
    }
  };
  star([parseTunable, parseDevice, parseType]);
  star([parseBucket, parseRule]);
  star([parseChooseArgs]);
  // trailing whitespace is skipped before checking that everything was consumed
  let end = stop;
  while (end < big.length && /\s/.test(big[end]!)) end++;
  return { items, stop: end === big.length ? big.length : stop };
}

// ---------------------------------------------------------------------------
// numbers as Ceph's compiler reads them

/** int_node: strtol, then narrowed to int. */
function intNode(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  let v = BigInt(m[1]!);
  const max = 2n ** 63n - 1n;
  if (v > max) v = max;
  if (v < -max - 1n) v = -max - 1n;
  return Number(BigInt.asIntN(32, v));
}

/** float_node: strtof. */
function floatNode(s: string): number {
  return Math.fround(Number.parseFloat(s));
}

/** A 16.16 weight from text: float * (float)0x10000, then converted to unsigned. */
function weightNode(s: string): number {
  const f = Math.fround(floatNode(s) * 0x10000);
  if (!Number.isFinite(f)) return 0;
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(f))));
}

// ---------------------------------------------------------------------------
// semantic pass

/** CrushCompiler's state next to the map being built. */
class Compiler {
  readonly map: CrushMap = emptyCrushMap(legacyTunables());
  err = '';
  private readonly itemId = new Map<string, number>();
  private readonly idItem = new Map<number, string>();
  private readonly itemWeight = new Map<number, number>();
  private readonly typeId = new Map<string, number>();
  private readonly ruleId = new Map<string, number>();
  /** bucket -> class -> shadow id, as written in "id -N class C" lines. */
  private readonly classBucket = new Map<number, Map<number, number>>();

  constructor(private readonly verbose: number) {}

  private classIdOf(name: string): number | undefined {
    for (const [id, n] of this.map.classNames) if (n === name) return id;
    return undefined;
  }

  /** get_or_create_class_id: new classes get one more than the highest id. */
  private getOrCreateClassId(name: string): number {
    const c = this.classIdOf(name);
    if (c !== undefined) return c;
    let id = 0;
    for (const k of this.map.classNames.keys()) if (k + 1 > id) id = k + 1;
    this.map.classNames.set(id, name);
    return id;
  }

  private nameExists(name: string): boolean {
    for (const n of this.map.names.values()) if (n === name) return true;
    return false;
  }

  private itemIdOf(name: string): number {
    let found = 0;
    for (const [id, n] of this.map.names) if (n === name) found = id;
    return found;
  }

  tunable(t: Tunable): number {
    const val = intNode(t.value);
    const tu = this.map.tunables;
    switch (t.name) {
      case 'choose_local_tries':
        tu.chooseLocalTries = val >>> 0;
        break;
      case 'choose_local_fallback_tries':
        tu.chooseLocalFallbackTries = val >>> 0;
        break;
      case 'choose_total_tries':
        tu.chooseTotalTries = val >>> 0;
        break;
      case 'chooseleaf_descend_once':
        tu.chooseleafDescendOnce = val ? 1 : 0;
        break;
      case 'chooseleaf_vary_r':
        tu.chooseleafVaryR = val & 0xff;
        break;
      case 'chooseleaf_stable':
        tu.chooseleafStable = val & 0xff;
        break;
      case 'straw_calc_version':
        tu.strawCalcVersion = val & 0xff;
        break;
      case 'allowed_bucket_algs':
        tu.allowedBucketAlgs = val >>> 0;
        break;
      default:
        this.err += `tunable ${t.name} not recognized\n`;
        return -1;
    }
    if (this.verbose) this.err += `tunable ${t.name} ${val}\n`;
    return 0;
  }

  device(d: Device): number {
    const id = intNode(d.id);
    this.map.names.set(id, d.name);
    if (this.itemId.has(d.name)) {
      this.err += `item ${d.name} defined twice\n`;
      return -1;
    }
    this.itemId.set(d.name, id);
    this.idItem.set(id, d.name);
    if (this.verbose) this.err += `device ${id} '${d.name}'`;
    if (d.cls !== undefined) {
      this.map.classMap.set(id, this.getOrCreateClassId(d.cls));
      if (this.verbose) this.err += ` class '${d.cls}'\n`;
    } else if (this.verbose) {
      this.err += '\n';
    }
    return 0;
  }

  type(t: BucketType): number {
    const id = intNode(t.id);
    if (this.verbose) this.err += `type ${id} '${t.name}'\n`;
    this.typeId.set(t.name, id);
    this.map.typeNames.set(id, t.name);
    return 0;
  }

  /** find_used_bucket_ids: ids named on each bucket's first "id" line are taken before any bucket is built. */
  reserveIds(items: Item[]): void {
    for (const it of items) {
      if (it.kind === 'bucket' && it.ids.length > 0) this.idItem.set(intNode(it.ids[0]!.id), '');
    }
  }

  bucket(b: Bucket): number {
    const type = this.typeId.get(b.type);
    if (type === undefined) {
      this.err += `bucket type '${b.type}' is not defined\n`;
      return -1;
    }
    if (this.itemId.has(b.name)) {
      this.err += `bucket or device '${b.name}' is already defined\n`;
      return -1;
    }
    let id = 0;
    const classIds = new Map<number, number>();
    for (const idl of b.ids) {
      const maybe = intNode(idl.id);
      if (this.verbose) this.err += `bucket ${b.name} id ${maybe}`;
      if (idl.cls !== undefined) {
        const cid = this.getOrCreateClassId(idl.cls);
        if (classIds.has(cid)) {
          this.err += `duplicate device class ${idl.cls} for bucket ${b.name}\n`;
          return -34;
        }
        classIds.set(cid, maybe);
        if (this.verbose) this.err += ` class '${idl.cls}'\n`;
      } else {
        id = maybe;
        if (this.verbose) this.err += '\n';
      }
    }
    const algs: Record<string, number> = {
      uniform: CrushBucketAlg.UNIFORM,
      list: CrushBucketAlg.LIST,
      tree: CrushBucketAlg.TREE,
      straw: CrushBucketAlg.STRAW,
      straw2: CrushBucketAlg.STRAW2,
    };
    const alg = algs[b.alg];
    if (alg === undefined) {
      this.err += `unknown bucket alg '${b.alg}'\n\n`;
      return -22;
    }
    let hash = 0;
    for (const h of b.hashes) hash = h === 'rjenkins1' ? 0 : intNode(h);
    const usedPos = new Set<number>();
    let size = 0;
    for (const item of b.items) {
      size++;
      if (item.pos !== undefined) {
        const pos = intNode(item.pos);
        if (usedPos.has(pos)) {
          this.err += `item '${item.name}' in bucket '${b.name}' has explicit pos ${pos}, which is occupied\n`;
          return -1;
        }
        usedPos.add(pos);
      }
    }
    if (usedPos.size > 0) size = Math.max(size, Math.max(...usedPos));
    const items = new Array<number>(size).fill(0);
    const weights = new Array<number>(size).fill(0);
    let curpos = 0;
    let bucketWeight = 0;
    let uniformWeight: number | undefined;
    for (const item of b.items) {
      const itemid = this.itemId.get(item.name);
      if (itemid === undefined) {
        this.err += `item '${item.name}' in bucket '${b.name}' is not defined\n`;
        return -1;
      }
      let weight = this.itemWeight.get(itemid) ?? 0x10000;
      let pos = -1;
      if (item.weight !== undefined) {
        weight = weightNode(item.weight);
        if (weight > 100 * 0x10000 && itemid >= 0) {
          this.err += 'device weight limited to 100\n';
          return -34;
        } else if (weight > 65535 * 0x10000 && itemid < 0) {
          this.err += 'bucket weight limited to 65535 to prevent overflow\n';
          return -34;
        }
      }
      if (item.pos !== undefined) pos = intNode(item.pos);
      if (alg === CrushBucketAlg.UNIFORM) {
        if (uniformWeight === undefined) uniformWeight = weight;
        else if (uniformWeight !== weight) {
          this.err +=
            `item '${item.name}' in uniform bucket '${b.name}' has weight ${weight} but previous item(s) have ` +
            `weight ${formatGeneral(Math.fround(uniformWeight / 0x10000))}; uniform bucket items must all have ` +
            'identical weights.\n';
          return -1;
        }
      }
      if (pos >= size) {
        this.err += `item '${item.name}' in bucket '${b.name}' has pos ${pos} >= size ${size}\n`;
        return -1;
      }
      if (pos < 0) {
        while (usedPos.has(curpos)) curpos++;
        pos = curpos++;
      }
      items[pos] = itemid;
      weights[pos] = weight;
      if (0xffffffff - weight < bucketWeight) {
        this.err +=
          'oh no! our bucket weights are overflowing all over the place, better lower the item weights\n';
        return -34;
      }
      bucketWeight = (bucketWeight + weight) >>> 0;
    }
    if (id === 0) {
      for (id = -1; this.idItem.has(id); id--);
    }
    for (const [cid, shadow] of classIds) {
      let m = this.classBucket.get(id);
      if (m === undefined) this.classBucket.set(id, (m = new Map()));
      m.set(cid, shadow);
    }
    if (this.verbose) {
      this.err += `bucket ${b.name} (${id}) ${size} items and weight ${formatGeneral(Math.fround(bucketWeight / 0x10000))}\n`;
    }
    this.idItem.set(id, b.name);
    this.itemId.set(b.name, id);
    this.itemWeight.set(id, bucketWeight);
    const made = makeBucket(this.map, alg, hash, type, items, weights);
    if (made === undefined) {
      // Ceph asserts (and dies) when the bucket cannot be made
      this.err += `add_bucket failed: cannot make ${b.alg} bucket '${b.name}'\n`;
      return -22;
    }
    const r = addBucket(this.map, id, made);
    if (r < 0) {
      this.err += r === -17 ? `Duplicate bucket id ${id}\n` : `add_bucket failed (${-r})\n`;
      return r;
    }
    this.map.names.set(id, b.name);
    return 0;
  }

  rule(r: Rule): number {
    const rname = r.name ?? '';
    if (r.name !== undefined && this.ruleId.has(r.name)) {
      this.err += `rule name '${r.name}' already defined\n\n`;
      return -1;
    }
    const ruleno = intNode(r.id);
    const type = r.type === 'replicated' ? CrushRuleType.REPLICATED : CrushRuleType.ERASURE;
    if (ruleno >= 0 && ruleno < this.map.maxRules && this.map.rules.has(ruleno)) {
      this.err += `rule ${ruleno} already exists\n`;
      return -1;
    }
    const rule: CrushRule = {
      ruleset: ruleno & 0xff,
      type,
      minSize: intNode(r.minSize) & 0xff,
      maxSize: intNode(r.maxSize) & 0xff,
      steps: [],
    };
    const got = addRule(this.map, rule, ruleno);
    if (got !== ruleno) {
      this.err += `unable to add rule id ${ruleno} for rule '${rname}'\n`;
      return -1;
    }
    if (rname.length > 0) {
      this.map.ruleNames.set(ruleno, rname);
      this.ruleId.set(rname, ruleno);
    }
    for (const s of r.steps) {
      switch (s.op) {
        case 'take': {
          let id = this.itemId.get(s.item);
          if (id === undefined) {
            this.err += `in rule '${rname}' item '${s.item}' not defined\n`;
            return -1;
          }
          let c = -1;
          if (s.cls !== undefined) {
            const cid = this.classIdOf(s.cls);
            if (cid === undefined) return -22;
            c = cid;
            const shadows = this.map.classBuckets.get(id);
            if (shadows === undefined) {
              this.err += `in rule '${rname}' step take ${s.item} has no class information\n`;
              return -22;
            }
            const shadow = shadows.get(c);
            if (shadow === undefined) {
              this.err += `in rule '${rname}' step take ${s.item} no matching bucket for class ${s.cls}\n`;
              return -22;
            }
            id = shadow;
          }
          if (this.verbose) {
            this.err += `rule ${rname} take ${s.item}`;
            this.err += c < 0 ? '\n' : ` remapped to ${this.map.names.get(id) ?? ''}\n`;
          }
          rule.steps.push({ op: CrushRuleOp.TAKE, arg1: id, arg2: 0 });
          break;
        }
        case 'set': {
          const ops: Record<string, number> = {
            set_choose_tries: CrushRuleOp.SET_CHOOSE_TRIES,
            set_choose_local_tries: CrushRuleOp.SET_CHOOSE_LOCAL_TRIES,
            set_choose_local_fallback_tries: CrushRuleOp.SET_CHOOSE_LOCAL_FALLBACK_TRIES,
            set_chooseleaf_tries: CrushRuleOp.SET_CHOOSELEAF_TRIES,
            set_chooseleaf_vary_r: CrushRuleOp.SET_CHOOSELEAF_VARY_R,
            set_chooseleaf_stable: CrushRuleOp.SET_CHOOSELEAF_STABLE,
          };
          rule.steps.push({ op: ops[s.what]!, arg1: intNode(s.value), arg2: 0 });
          break;
        }
        case 'choose':
        case 'chooseleaf': {
          const t = this.typeId.get(s.type);
          if (t === undefined) {
            this.err += `in rule '${rname}' type '${s.type}' not defined\n`;
            return -1;
          }
          const firstn = s.mode === 'firstn';
          const op =
            s.op === 'choose'
              ? firstn
                ? CrushRuleOp.CHOOSE_FIRSTN
                : CrushRuleOp.CHOOSE_INDEP
              : firstn
                ? CrushRuleOp.CHOOSELEAF_FIRSTN
                : CrushRuleOp.CHOOSELEAF_INDEP;
          rule.steps.push({ op, arg1: intNode(s.n), arg2: t });
          break;
        }
        case 'emit':
          rule.steps.push({ op: CrushRuleOp.EMIT, arg1: 0, arg2: 0 });
          break;
      }
    }
    return 0;
  }

  chooseArgs(c: ChooseArgs): number {
    const index = intNode(c.id);
    if (this.map.chooseArgs.has(index)) {
      this.err += `${index} duplicated\n`;
      return -1;
    }
    const args: CrushChooseArgMap = new Map();
    for (const a of c.args) {
      const bucketId = intNode(a.bucketId);
      if (-1 - bucketId < 0 || -1 - bucketId >= this.map.maxBuckets) {
        this.err += `${bucketId} is out of range\n`;
        return -1;
      }
      const bucket = this.map.buckets.get(bucketId);
      if (bucket === undefined) {
        this.err += `${bucketId} does not exist\n`;
        return -1;
      }
      let arg = args.get(bucketId);
      if (arg === undefined) args.set(bucketId, (arg = { weightSet: [], ids: [] } as CrushChooseArg));
      if (a.weightSet !== undefined) {
        const sets: number[][] = [];
        for (const ws of a.weightSet) {
          if (ws.length !== bucket.items.length) {
            this.err += `${bucketId} needs exactly ${bucket.items.length} weights but got ${ws.length}\n`;
            return -1;
          }
          sets.push(ws.map(weightNode));
        }
        arg.weightSet = sets;
      }
      if (a.ids !== undefined) {
        if (a.ids.length !== bucket.items.length) {
          this.err += `${bucketId} needs exactly ${bucket.items.length} ids but got ${a.ids.length}\n`;
          return -1;
        }
        arg.ids = a.ids.map(intNode);
      }
    }
    this.map.chooseArgs.set(index, args);
    return 0;
  }

  /** CrushWrapper::populate_classes: a shadow copy of every root for every class. */
  populateClasses(): void {
    const used = new Set<number>();
    for (const m of this.classBucket.values()) for (const id of m.values()) used.add(id);
    const roots: number[] = [];
    const contained = new Set<number>();
    for (const b of this.map.buckets.values()) for (const item of b.items) contained.add(item);
    for (let i = 0; i < this.map.maxBuckets; i++) {
      const b = this.map.buckets.get(-1 - i);
      if (b === undefined || contained.has(b.id)) continue;
      const name = this.map.names.get(b.id);
      if (name !== undefined && !/^[-_.0-9A-Za-z]+$/.test(name)) continue; // shadow
      roots.push(b.id);
    }
    roots.sort((x, y) => x - y);
    const classes = [...this.map.classNames.keys()].sort((x, y) => x - y);
    for (const r of roots) {
      for (const c of classes) {
        if (this.cloneForClass(r, c, used) === undefined) return;
      }
    }
  }

  /** CrushWrapper::device_class_clone: the shadow of `original` holding only devices of `cls`. */
  private cloneForClass(original: number, cls: number, used: Set<number>): number | undefined {
    const map = this.map;
    const itemName = map.names.get(original);
    const className = map.classNames.get(cls);
    if (itemName === undefined || className === undefined) return undefined;
    const copyName = `${itemName}~${className}`;
    if (this.nameExists(copyName)) return this.itemIdOf(copyName);
    const orig = map.buckets.get(original);
    if (orig === undefined) return undefined;
    const copy = makeBucket(map, orig.alg, orig.hash, orig.type, [], []);
    if (copy === undefined)
      throw new Error(`crush: cannot clone ${orig.alg} bucket ${itemName} (Ceph asserts here)`);
    for (let i = 0; i < orig.items.length; i++) {
      const item = orig.items[i]!;
      const weight = bucketItemWeightOf(orig, i);
      if (item >= 0) {
        if (map.classMap.get(item) !== cls) continue;
        if (bucketAddItem(map, copy, item, weight) !== 0) return undefined;
      } else {
        const child = this.cloneForClass(item, cls, used);
        if (child === undefined) return undefined;
        if (bucketAddItem(map, copy, child, map.buckets.get(child)!.weight) !== 0) return undefined;
      }
    }
    let bno = this.classBucket.get(original)?.get(cls);
    if (bno === undefined) {
      bno = -1;
      while ((-1 - bno < map.maxBuckets && map.buckets.has(bno)) || used.has(bno)) --bno;
    }
    if (addBucket(map, bno, copy) < 0) return undefined;
    const clone = copy.id;
    map.classMap.set(clone, cls);
    map.names.set(clone, copyName);
    let m = map.classBuckets.get(original);
    if (m === undefined) map.classBuckets.set(original, (m = new Map()));
    m.set(cls, clone);
    return clone;
  }
}

function bucketItemWeightOf(b: CrushBucket, pos: number): number {
  switch (b.alg) {
    case CrushBucketAlg.UNIFORM:
      return b.itemWeight;
    case CrushBucketAlg.TREE:
      return b.nodeWeights[((pos + 1) << 1) - 1] ?? 0;
    default:
      return b.itemWeights[pos] ?? 0;
  }
}

/**
 * crush_bucket_add_item: append an item, keeping each algorithm's derived
 * fields. Returns 0, or Ceph's error: -EINVAL when a uniform bucket gets an
 * item of another weight, -ERANGE when a weight sum would overflow u32.
 */
function bucketAddItem(map: CrushMap, b: CrushBucket, item: number, weight: number): number {
  weight >>>= 0;
  const unsafe = (a: number): boolean => 0xffffffff - weight < a >>> 0;
  switch (b.alg) {
    case CrushBucketAlg.UNIFORM:
      if (b.itemWeight >>> 0 !== weight) return -22;
      if (unsafe(b.weight)) return -34;
      b.items.push(item);
      b.weight = (b.weight + weight) >>> 0;
      return 0;
    case CrushBucketAlg.LIST: {
      const n = b.sumWeights.length;
      if (n > 0 && unsafe(b.sumWeights[n - 1]!)) return -34;
      b.items.push(item);
      b.itemWeights.push(weight);
      b.sumWeights.push(n > 0 ? (b.sumWeights[n - 1]! + weight) >>> 0 : weight);
      b.weight = (b.weight + weight) >>> 0;
      return 0;
    }
    case CrushBucketAlg.TREE: {
      const newsize = b.items.length + 1;
      let depth = 1;
      for (let t = newsize - 1; t; t >>= 1) depth++;
      const nodes = 1 << depth;
      // Ceph reallocates without clearing; the new slots are zero here
      while (b.nodeWeights.length < nodes) b.nodeWeights.push(0);
      b.numNodes = nodes & 0xff;
      let node = (newsize << 1) - 1;
      b.nodeWeights[node] = weight;
      const root = nodes / 2;
      if (depth >= 2 && node - 1 === root) b.nodeWeights[root] = b.nodeWeights[root / 2]!;
      for (let j = 1; j < depth; j++) {
        let h = 0;
        for (let n = node; (n & 1) === 0; n >>= 1) h++;
        node = node & (1 << (h + 1)) ? node - (1 << h) : node + (1 << h);
        if (unsafe(b.nodeWeights[node]!)) return -34;
        b.nodeWeights[node] = (b.nodeWeights[node]! + weight) >>> 0;
      }
      if (unsafe(b.weight)) return -34;
      b.items.push(item);
      b.weight = (b.weight + weight) >>> 0;
      return 0;
    }
    case CrushBucketAlg.STRAW:
      if (unsafe(b.weight)) return -34;
      b.items.push(item);
      b.itemWeights.push(weight);
      b.weight = (b.weight + weight) >>> 0;
      b.straws = calcStraws(b.itemWeights, map.tunables.strawCalcVersion);
      return 0;
    case CrushBucketAlg.STRAW2:
      if (unsafe(b.weight)) return -34;
      b.items.push(item);
      b.itemWeights.push(weight);
      b.weight = (b.weight + weight) >>> 0;
      return 0;
  }
}

/**
 * adjust_bucket_item_place: a bucket that holds a bucket defined after it is
 * swapped with it. Like Ceph, the name → position table is not updated
 * after a swap.
 */
function adjustBucketItemPlace(items: Item[]): string | undefined {
  const buckets: string[] = [];
  const posOf = new Map<string, number>();
  const contents = new Map<string, Set<string>>();
  items.forEach((it, i) => {
    if (it.kind !== 'bucket') return;
    buckets.push(it.name);
    posOf.set(it.name, i);
    contents.set(it.name, new Set(it.items.map((x) => x.name)));
  });
  for (let i = 0; i < buckets.length; i++) {
    for (let j = i + 1; j < buckets.length; j++) {
      if (contents.get(buckets[i]!)!.has(buckets[j]!)) {
        if (contents.get(buckets[j]!)!.has(buckets[i]!)) {
          return `bucket  '${buckets[i]}' and bucket '${buckets[j]}' are included each other\n`;
        }
        const a = posOf.get(buckets[i]!)!;
        const b = posOf.get(buckets[j]!)!;
        const t = items[a]!;
        items[a] = items[b]!;
        items[b] = t;
      }
    }
  }
  return undefined;
}

/**
 * Compile crushtool's text format. `err` holds what Ceph prints to stderr
 * (parse errors as "<file>:<line> error: parse error at '<rest>'").
 */
export function compileCrushMap(
  text: string,
  filename = '<input>',
  verbose = 0,
): { map?: CrushMap; err: string } {
  let big = '';
  const linePos = new Map<number, number>();
  const lineVal = new Map<number, string>();
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let lineNo = 1;
  let err = '';
  for (let str of lines) {
    lineVal.set(lineNo, str);
    const hash = str.indexOf('#');
    if (hash >= 0) str = str.slice(0, hash);
    if (verbose > 1) err += `${lineNo}: ${str}\n`;
    // squash runs of whitespace to one space, dropping leading and trailing ones
    let stripped = '';
    let white = false;
    for (const ch of str) {
      if (/\s/.test(ch) && ch !== '\n') {
        white = true;
        continue;
      }
      if (white && stripped.length > 0) stripped += ' ';
      white = false;
      stripped += ch;
    }
    if (stripped.length > 0 && big.length > 0 && big[big.length - 1] !== ' ') big += ' ';
    linePos.set(big.length, lineNo);
    lineNo++;
    big += stripped;
  }
  if (verbose > 2) err += `whole file is: "${big}"\n`;

  const { items, stop } = parseCrush(big);
  if (stop !== big.length) {
    // the line whose start is the last one at or before the stop position
    let bestStart = -1;
    let line = 1;
    for (const [start, l] of linePos) {
      if (start <= stop && start > bestStart) {
        bestStart = start;
        line = l;
      }
    }
    if (bestStart < 0) {
      bestStart = Math.min(...linePos.keys());
      line = linePos.get(bestStart)!;
    }
    const raw = lineVal.get(line) ?? '';
    return { err: `${err}${filename}:${line} error: parse error at '${raw.slice(stop - bestStart)}'\n` };
  }
  const adjustErr = adjustBucketItemPlace(items);
  if (adjustErr !== undefined) return { err: err + adjustErr };

  const c = new Compiler(verbose);
  c.reserveIds(items);
  let sawRule = false;
  for (const it of items) {
    let r = 0;
    switch (it.kind) {
      case 'tunable':
        r = c.tunable(it);
        break;
      case 'device':
        r = c.device(it);
        break;
      case 'type':
        r = c.type(it);
        break;
      case 'bucket':
        if (sawRule) {
          c.err += 'buckets must be defined before rules\n';
          r = -1;
        } else {
          r = c.bucket(it);
        }
        break;
      case 'rule':
        if (!sawRule) {
          sawRule = true;
          c.populateClasses();
        }
        r = c.rule(it);
        break;
      case 'choose_args':
        r = c.chooseArgs(it);
        break;
    }
    if (r < 0) return { err: err + c.err };
  }
  finalizeCrushMap(c.map);
  return { map: c.map, err: err + c.err };
}
