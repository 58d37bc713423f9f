/**
 * The configuration of one Ceph entity (`md_config_t` + `ConfigValues`): typed
 * option values held per source level, metavariable expansion, observers, and
 * the `config show` / `config diff` / `config help` views the admin socket prints.
 *
 * Every option may hold a value at several levels at once; the highest level
 * wins and `config diff` shows them all:
 *
 *   default < mon < env < file < cmdline < override      (Ceph's CONF_* order)
 *
 * Changes follow Ceph's two-step protocol: `set()` records the value (debug_*
 * levels take effect at once), `applyChanges()` then tells each observer which
 * of its keys changed and reports the keys nobody observes. Once the entity has
 * started (`markStarted()`), options that cannot change at runtime refuse a new
 * value with EPERM unless an observer tracks them.
 */
import { hostname as osHostname } from 'node:os';
import { assert, CephError, isCephError } from './errors.js';
import type { ConfFile } from './conf-file.js';
import { normalizeKeyName } from './conf-file.js';
import type { Formatter } from './formatter.js';
import {
  canUpdateAtRuntime,
  optionFlagNames,
  optionValuesEqual,
  optionValueToString,
  parseOptionValue,
  type OptionSpec,
  type OptionType,
  type OptionValue,
} from './options/option.js';
import {
  OptionSchema,
  parseDebugLevels,
  type OptionName,
  type PacificOptionTypes,
} from './options/schema.js';

/** Where a value came from (`CONF_*`), lowest priority first. */
export const ConfigLevel = {
  DEFAULT: 0,
  MON: 1,
  ENV: 2,
  FILE: 3,
  CMDLINE: 4,
  OVERRIDE: 5,
  FINAL: 6,
} as const;
export type ConfigLevel = (typeof ConfigLevel)[keyof typeof ConfigLevel];

const levelNames = ['default', 'mon', 'env', 'file', 'cmdline', 'override', 'final'] as const;

/** `ceph_conf_level_name`. */
export function configLevelName(level: number): string {
  return levelNames[level] ?? '???';
}

/**
 * `CODE_ENVIRONMENT_*`: what kind of program this is. Daemons get the daemon
 * defaults (log to file, not stderr); libraries start silent (log_to_stderr
 * and err_to_stderr default to false, as librados does).
 */
export type CodeEnvironment = 'daemon' | 'utility' | 'utility_nodout' | 'library';

/** What `ConfigValues::set_value` reports. */
export type SetResult = 'no_change' | 'no_effect' | 'have_effect';

export interface ConfigInit {
  /** Entity name, TYPE.ID (default client.admin). */
  name?: string;
  /** Cluster name (default ceph). */
  cluster?: string;
  environment?: CodeEnvironment;
  schema?: OptionSchema;
  /** Host name for $host when the host option is empty (default: this machine's short name). */
  hostname?: string;
  /** Process id for $pid (default: this process). */
  pid?: number;
  /** $HOME for $home (default: process.env.HOME). */
  home?: string;
  /** The option $data_dir stands for (osd_data, mon_data, mgr_data…), if any. */
  dataDirOption?: string;
}

/** Observer callback: the subset of its keys that changed. */
export type ConfigObserver = (changed: ReadonlySet<string>, config: Config) => void;

interface ObserverEntry {
  keys: ReadonlySet<string>;
  fn: ConfigObserver;
}

const ENTITY_TYPES = new Set(['mon', 'mds', 'osd', 'client', 'mgr', 'auth']);

let nextConfigId = 1;

export class Config {
  readonly schema: OptionSchema;
  readonly environment: CodeEnvironment;
  readonly isDaemon: boolean;
  /** Entity type name: client, osd, mon… */
  readonly entityType: string;
  /** Entity id: admin, 3, a… */
  readonly entityId: string;
  private clusterName: string;
  /** --no-mon-config was given. */
  noMonConfig = false;

  private readonly values = new Map<string, Map<number, OptionValue>>();
  /** Expanded effective values by option name; any change clears it (expansions depend on other options). */
  private readonly cache = new Map<string, OptionValue>();
  private readonly changed = new Set<string>();
  private readonly observers = new Set<ObserverEntry>();
  private readonly subsysLevels = new Map<string, { log: number; gather: number }>();
  private started = false;
  private readonly hostname: string;
  private readonly pid: number;
  private readonly home: string | undefined;
  private readonly dataDirOption: string | undefined;
  private readonly configId = nextConfigId++;

  constructor(init: ConfigInit = {}) {
    this.schema = init.schema ?? OptionSchema.pacific();
    this.environment = init.environment ?? 'library';
    this.isDaemon = this.environment === 'daemon';
    const [type, id] = splitEntityName(init.name ?? 'client.admin');
    this.entityType = type;
    this.entityId = id;
    this.clusterName = init.cluster ?? 'ceph';
    this.hostname = init.hostname ?? osHostname();
    this.pid = init.pid ?? process.pid;
    this.home = 'home' in init ? init.home : process.env.HOME;
    this.dataDirOption = init.dataDirOption;

    for (const sub of this.schema.subsystems)
      this.subsysLevels.set(sub.name, { log: sub.log, gather: sub.gather });
    // validators may normalize a compiled-in default (rbd_default_features → "61"); keep that at the default level
    for (const name of this.schema.names()) {
      const opt = this.schema.get(name)!;
      if (opt.type !== 'str' || !opt.validator) continue;
      const def = this.schema.defaultOf(opt, this.isDaemon) as string;
      const normalized = opt.validator(def);
      if (normalized !== def) this.store(opt, normalized, ConfigLevel.DEFAULT);
    }
    // common_preinit: keyrings of osds and mdss live in their data dirs; libraries start silent
    if (this.entityType === 'osd') this.setDefault('keyring', '$osd_data/keyring');
    if (this.entityType === 'mds') this.setDefault('keyring', '$mds_data/keyring');
    if (this.environment === 'library' || this.environment === 'utility_nodout') {
      this.setDefault('log_to_stderr', 'false');
      this.setDefault('err_to_stderr', 'false');
      this.setDefault('log_flush_on_exit', 'false');
    }
    this.changed.clear();
  }

  /** The cluster name ($cluster). */
  get cluster(): string {
    return this.clusterName;
  }

  set cluster(name: string) {
    this.clusterName = name;
    this.cache.clear();
  }

  /** TYPE.ID, e.g. client.admin. */
  get name(): string {
    return `${this.entityType}.${this.entityId}`;
  }

  /** The sections this entity reads from ceph.conf, most specific first. */
  get sections(): string[] {
    return [this.name, this.entityType, 'global'];
  }

  /** The typed, metavariable-expanded value of a Pacific option (cached; treat objects as read-only). */
  get<K extends OptionName>(name: K): PacificOptionTypes[K] {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit as PacificOptionTypes[K];
    const value = this.expandedValue(this.requireOption(name), []);
    this.cache.set(name, value);
    return value as PacificOptionTypes[K];
  }

  /** The expanded value of any option (including ones other layers defined); ENOENT if unknown. */
  getValue(name: string): OptionValue {
    return this.expandedValue(this.requireOption(normalizeKeyName(name)), []);
  }

  /** The text `config get` prints for an option (`Option::to_str` of the expanded value). */
  getString(name: string): string {
    const opt = this.requireOption(normalizeKeyName(name));
    return optionValueToString(opt.type, this.expandedValue(opt, []));
  }

  /** Log and gather levels of a logging subsystem, as its debug_<subsys> option sets them. */
  subsystemLevels(subsys: string): { log: number; gather: number } {
    const levels = this.subsysLevels.get(subsys);
    assert(levels, `unknown logging subsystem '${subsys}'`);
    return levels;
  }

  /** The level the effective value of an option comes from. */
  sourceOf(name: string): ConfigLevel {
    const levels = this.values.get(this.requireOption(normalizeKeyName(name)).name);
    return (levels && levels.size > 0 ? Math.max(...levels.keys()) : ConfigLevel.DEFAULT) as ConfigLevel;
  }

  /**
   * Set an option from text at a level (default: a runtime override), with
   * Ceph's parsing and validation. Throws ENOENT for an unknown option, EINVAL or
   * ERANGE for a bad value, EPERM for a startup-only option after start.
   */
  set(name: string, raw: string, level: ConfigLevel = ConfigLevel.OVERRIDE): SetResult {
    const key = normalizeKeyName(name);
    const opt = this.schema.get(key);
    if (!opt) throw new CephError('ENOENT', `Configuration option not found: '${name}'`);
    return this.setOption(opt, raw, level);
  }

  /** Set a value at the default level (what `set_val_default` does for program-specific defaults). */
  setDefault(name: string, raw: string): void {
    this.set(name, raw, ConfigLevel.DEFAULT);
  }

  /**
   * Remove the value an option has at a level. EINVAL for an unknown option (no
   * key normalization, like Ceph), ENOENT when nothing is set at that level.
   */
  rm(name: string, level: ConfigLevel = ConfigLevel.OVERRIDE): SetResult {
    const opt = this.schema.get(name);
    if (!opt) throw new CephError('EINVAL', `Configuration option not found: '${name}'`);
    const levels = this.values.get(opt.name);
    if (!levels || !levels.has(level))
      throw new CephError('ENOENT', `'${name}' has no value at level ${level}`);
    const matters = level >= Math.max(...levels.keys());
    levels.delete(level);
    this.cache.clear();
    if (!matters) return 'no_effect';
    this.refresh(opt);
    return 'have_effect';
  }

  /**
   * Watch some options. Observers are called from `applyChanges()` with the
   * subset of their keys that changed; an observed option may change at runtime
   * even if its schema says startup-only. Returns the unsubscribe function.
   */
  addObserver(keys: readonly string[], fn: ConfigObserver): () => void {
    for (const key of keys) assert(this.schema.has(key), `observer for unknown option '${key}'`);
    const entry: ObserverEntry = { keys: new Set(keys), fn };
    this.observers.add(entry);
    return () => {
      this.observers.delete(entry);
    };
  }

  isTracking(name: string): boolean {
    for (const o of this.observers) if (o.keys.has(name)) return true;
    return false;
  }

  /**
   * Deliver pending changes to observers. Returns the changed keys that no
   * observer tracks, sorted (what `config set` reports as "not observed").
   */
  applyChanges(): string[] {
    const changed = [...this.changed].sort(byteOrder);
    this.changed.clear();
    const unobserved = changed.filter((key) => !this.isTracking(key));
    for (const o of [...this.observers]) {
      const mine = new Set(changed.filter((key) => o.keys.has(key)));
      if (mine.size > 0) o.fn(mine, this);
    }
    return unobserved;
  }

  /** After this, startup-only options refuse changes (Ceph's `set_safe_to_start_threads`). */
  markStarted(): void {
    this.started = true;
  }

  /**
   * Apply a parsed ceph.conf at the file level: each option is looked up in
   * [TYPE.ID], [TYPE], [global]. Returns Ceph's warnings for values that did not
   * parse (those options keep their previous value).
   */
  applyConfFile(conf: ConfFile): string[] {
    const warnings: string[] = [];
    const sections = this.sections;
    for (const name of this.schema.names()) {
      const raw = conf.lookup(sections, name);
      if (raw === undefined) continue;
      try {
        this.setOption(this.schema.get(name)!, raw, ConfigLevel.FILE);
      } catch (err) {
        if (!isCephError(err)) throw err;
        warnings.push(`parse error setting '${name}' to '${raw}' (${err.message})`);
      }
    }
    return warnings;
  }

  /** `_expand_meta` on arbitrary text (config file search lists, `ceph-conf --lookup`). */
  expandMeta(text: string): string {
    return this.expand(text, undefined, []);
  }

  /** `config show`: name, cluster, then every option's expanded value as text, sorted by name. */
  show(f: Formatter): void {
    f.dumpString('name', this.name);
    f.dumpString('cluster', this.cluster);
    for (const name of this.schema.names()) {
      const opt = this.schema.get(name)!;
      f.dumpString(name, optionValueToString(opt.type, this.expandedValue(opt, [])));
    }
  }

  /** `config diff`: every option with a value at some level, with each level and the final value. */
  diff(f: Formatter): void {
    for (const name of this.schema.names()) {
      const levels = this.values.get(name);
      if (!levels || levels.size === 0) continue;
      const opt = this.schema.get(name)!;
      const ordered = [...levels.entries()].sort(([a], [b]) => a - b);
      f.openObjectSection(name);
      if (ordered[0]![0] !== ConfigLevel.DEFAULT) {
        dumpTypedValue(f, 'default', opt.type, this.schema.defaultOf(opt, this.isDaemon));
      }
      for (const [level, value] of ordered) dumpTypedValue(f, configLevelName(level), opt.type, value);
      dumpTypedValue(f, 'final', opt.type, this.expandedValue(opt, []));
      f.closeSection();
    }
  }

  /** The values set at any level except the compiled-in defaults: name → text of the effective value. */
  overrides(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, levels] of this.values) {
      if (levels.size === 0) continue;
      const opt = this.schema.get(name)!;
      out.set(name, optionValueToString(opt.type, this.expandedValue(opt, [])));
    }
    return out;
  }

  private requireOption(name: string): OptionSpec {
    const opt = this.schema.get(name);
    if (!opt) throw new CephError('ENOENT', `Configuration option not found: '${name}'`);
    return opt;
  }

  private setOption(opt: OptionSpec, raw: string, level: number): SetResult {
    const value = parseOptionValue(opt, raw);
    if (this.started && !canUpdateAtRuntime(opt) && !this.isTracking(opt.name)) {
      if (!optionValuesEqual(opt.type, value, this.rawValue(opt))) {
        throw new CephError('EPERM', `Configuration option '${opt.name}' may not be modified at runtime`);
      }
    }
    return this.store(opt, value, level);
  }

  private store(opt: OptionSpec, value: OptionValue, level: number): SetResult {
    let levels = this.values.get(opt.name);
    if (!levels) {
      levels = new Map();
      this.values.set(opt.name, levels);
    }
    const previous = levels.get(level);
    if (levels.has(level) && optionValuesEqual(opt.type, previous!, value)) return 'no_change';
    levels.set(level, value);
    this.cache.clear();
    if (Math.max(...levels.keys()) > level) return 'no_effect';
    this.refresh(opt);
    return 'have_effect';
  }

  /** A new effective value: debug levels apply now, other options wait for applyChanges(). */
  private refresh(opt: OptionSpec): void {
    if (opt.subsys !== undefined) {
      const text = this.expandedValue(opt, []) as string;
      this.subsysLevels.set(opt.subsys, parseDebugLevels(text));
    } else {
      this.changed.add(opt.name);
    }
  }

  /** The effective value before metavariable expansion (`_get_val_nometa`). */
  private rawValue(opt: OptionSpec): OptionValue {
    const levels = this.values.get(opt.name);
    if (levels && levels.size > 0) return levels.get(Math.max(...levels.keys()))!;
    return this.schema.defaultOf(opt, this.isDaemon);
  }

  private expandedValue(opt: OptionSpec, stack: OptionSpec[]): OptionValue {
    const raw = this.rawValue(opt);
    return typeof raw === 'string' ? this.expand(raw, opt, stack) : raw;
  }

  /**
   * Ceph's metavariable expansion: $cluster $type $id $num $name $host $pid
   * $cctid $home $data_dir, and any option name (expanded recursively); ${var}
   * works too. Unknown names stay as written. A reference loop makes the inner
   * expansion yield "$<option>" and stops there. $home replaces everything
   * before it, which is what Pacific does.
   */
  private expand(text: string, opt: OptionSpec | undefined, stack: OptionSpec[]): string {
    if (!text.includes('$')) return text;
    if (opt) stack.push(opt);
    try {
      let out = '';
      let last = 0;
      for (const m of text.matchAll(/\$(?:\{([a-z_]*)\}|([a-z_]*))/g)) {
        out += text.slice(last, m.index);
        last = m.index + m[0].length;
        const variable = m[1] ?? m[2] ?? '';
        if (variable === '') {
          out += '$';
          continue;
        }
        switch (variable) {
          case 'type':
            out += this.entityType;
            continue;
          case 'cluster':
            out += this.cluster;
            continue;
          case 'name':
            out += this.name;
            continue;
          case 'host': {
            const host = this.rawValue(this.schema.get('host')!) as string;
            out += host !== '' ? host : this.hostname.split('.')[0];
            continue;
          }
          case 'num':
          case 'id':
            out += this.entityId;
            continue;
          case 'pid':
            out += String(this.pid);
            continue;
          case 'cctid':
            out += String(this.configId);
            continue;
          case 'home':
            out = this.home ?? '';
            continue;
        }
        const target = this.schema.get(variable === 'data_dir' ? (this.dataDirOption ?? '') : variable);
        if (!target) {
          out += m[0];
          continue;
        }
        if (stack.includes(target)) return `$${target.name}`;
        out += optionValueToString(target.type, this.expandedValue(target, stack));
      }
      return out + text.slice(last);
    } finally {
      if (opt) stack.pop();
    }
  }
}

function splitEntityName(name: string): [string, string] {
  const dot = name.indexOf('.');
  const type = dot < 0 ? '' : name.slice(0, dot);
  if (!ENTITY_TYPES.has(type) || dot === name.length - 1) {
    throw new CephError(
      'EINVAL',
      `error parsing '${name}': expected string of the form TYPE.ID, valid types are: auth, mon, osd, mds, mgr, client`,
    );
  }
  return [type, name.slice(dot + 1)];
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Dump a value the way Ceph's config code does: numbers and bools typed, everything else as text. */
export function dumpTypedValue(f: Formatter, name: string, type: OptionType, value: OptionValue): void {
  switch (type) {
    case 'bool':
      f.dumpBool(name, value as boolean);
      return;
    case 'int':
      f.dumpInt(name, value as number);
      return;
    case 'uint':
      f.dumpUnsigned(name, value as number);
      return;
    case 'float':
      f.dumpFloat(name, value as number);
      return;
    default:
      f.dumpString(name, optionValueToString(type, value));
  }
}

/** `Option::dump`: one option's schema, as `config help <option>` prints it. */
export function dumpOptionSchema(f: Formatter, opt: OptionSpec): void {
  f.openObjectSection('option');
  f.dumpString('name', opt.name);
  f.dumpString('type', opt.type);
  f.dumpString('level', opt.level);
  f.dumpString('desc', opt.desc);
  f.dumpString('long_desc', opt.longDesc);
  dumpTypedValue(f, 'default', opt.type, opt.default);
  if (opt.daemonDefault === undefined) f.dumpString('daemon_default', '');
  else dumpTypedValue(f, 'daemon_default', opt.type, opt.daemonDefault);
  f.array('tags', () => opt.tags.forEach((t) => f.dumpString('tag', t)));
  f.array('services', () => opt.services.forEach((s) => f.dumpString('service', s)));
  f.array('see_also', () => opt.seeAlso.forEach((s) => f.dumpString('see_also', s)));
  if (opt.type === 'str')
    f.array('enum_values', () => opt.enumValues.forEach((v) => f.dumpString('enum_value', v)));
  for (const [key, bound] of [
    ['min', opt.min],
    ['max', opt.max],
  ] as const) {
    if (bound === undefined) f.dumpString(key, '');
    else if (typeof bound === 'bigint') f.dumpInt(key, bound);
    else dumpTypedValue(f, key, opt.type, bound);
  }
  f.dumpBool('can_update_at_runtime', canUpdateAtRuntime(opt));
  f.array('flags', () => optionFlagNames(opt.flags).forEach((n) => f.dumpString('option', n)));
  f.closeSection();
}
