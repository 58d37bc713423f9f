/**
 * `tsceph monmaptool`: Ceph's monmaptool — create, edit and print monmap
 * files — with Pacific 16.2.15's arguments, output, error messages and exit
 * codes.
 *
 *   parse config options (--fsid, -c/--conf, -m/--mon-host, --mon-initial-members)
 *   → parse tool options (bad address → exit 255; misuse → usage hint, exit 1)
 *   → "monmap file F" → READ F (unless --create --clobber)
 *   → CREATE (new epoch 0 map, fsid) → --enable-all-features → GENERATE (mon_host)
 *   → --set-min-mon-release → --set-initial-members → --fsid
 *   → --add / --addv (by name order) → --rm (in order) → feature ops (in order)
 *   → PRINT → WRITE F when anything changed
 */
import { readFile, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { ConfFile } from '../../common/conf-file.js';
import { isCephError, strerror } from '../../common/errors.js';
import { AddrType, type EntityAddrVec } from '../../encoding/types.js';
import {
  CEPH_MON_PORT_IANA,
  CEPH_MON_PORT_LEGACY,
  compareAddrVecs,
  formatAddrVec,
  parseAddr,
  parseAddrVec,
  parseIpPortVec,
} from '../../mon/monmap-addr.js';
import {
  MON_FEATURES_PERSISTENT,
  MON_FEATURES_SUPPORTED,
  MonFeature,
  MonMap,
  addMonHostAddrs,
  cephReleaseFromName,
  cephReleaseName,
  compareCephStrings,
  decodeMonMapFromBuffer,
  encodeMonMapToBuffer,
  formatMonFeaturesWithValue,
  formatMonMapPlain,
  monFeatureByName,
  setInitialMembers,
  systemUTimeClock,
  type UTimeClock,
} from '../../mon/monmap.js';

/** Where monmaptool writes and what it takes from its surroundings; every part can be replaced in tests. */
export interface MonmaptoolIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Source of `created` / `last_changed` for --create and --generate. */
  clock: UTimeClock;
  /** Source of new fsids for --create. */
  randomUuid: () => string;
  /** Environment, for CEPH_CONF. */
  env: Record<string, string | undefined>;
}

const ME = 'monmaptool';

const USAGE =
  'usage: monmaptool [--print] [--create [--clobber] [--fsid uuid]]\n' +
  '        [--enable-all-features]\n' +
  '        [--generate] [--set-initial-members]\n' +
  '        [--add name 1.2.3.4:567] [--rm name]\n' +
  '        [--addv name [v2:1.2.4.5:567,v1:1.2.3.4:568]]\n' +
  '        [--feature-list [plain|parseable]]\n' +
  '        [--feature-set <value> [--optional|--persistent]]\n' +
  '        [--feature-unset <value> [--optional|--persistent]]\n' +
  '        [--set-min-mon-release <release-major-number>]\n' +
  '        <mapfilename>\n';

/** Ends the run with an exit status, the way Ceph's tool calls exit() from deep inside. */
class Exit {
  constructor(readonly code: number) {}
}

/** `cpp_strerror`: `(2) No such file or directory`. */
function cppStrerror(errno: number): string {
  const n = Math.abs(errno);
  const text = strerror(n);
  return text.startsWith('(') ? text : `(${n}) ${text}`;
}

function errnoOf(err: unknown): number {
  const n = (err as { errno?: unknown }).errno;
  return typeof n === 'number' ? Math.abs(n) : 5; // EIO when the platform gave no number
}

/** The exit status of `return r` from main: the low byte of the int. */
function exitStatus(r: number): number {
  return r & 0xff;
}

/** Ceph option spelling: after the leading `--`, dashes and underscores are the same. */
function normalizeOption(arg: string): string {
  if (!arg.startsWith('--')) return arg;
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg : arg.slice(0, eq);
  return '--' + name.slice(2).replace(/-/g, '_') + (eq < 0 ? '' : arg.slice(eq));
}

/**
 * A cursor over the argument vector with Ceph's ceph_argparse matching: a flag
 * matches exactly (modulo dash/underscore), an option with a value takes
 * `--opt=value` or `--opt value`; matched arguments are removed, everything
 * else stays as a positional argument.
 */
class ArgCursor {
  i = 0;
  constructor(
    readonly args: string[],
    private readonly io: MonmaptoolIo,
  ) {}

  get done(): boolean {
    return this.i >= this.args.length;
  }

  get current(): string {
    return this.args[this.i]!;
  }

  /** Remove and return the current argument (undefined at the end). */
  take(): string | undefined {
    if (this.done) return undefined;
    return this.args.splice(this.i, 1)[0];
  }

  /** True when the current argument is one of the flags `names`. */
  matches(...names: string[]): boolean {
    const a = normalizeOption(this.current);
    return names.some((n) => normalizeOption(n) === a);
  }

  /** Take the current argument when it is one of the flags `names`. */
  flag(...names: string[]): boolean {
    if (!this.matches(...names)) return false;
    this.take();
    return true;
  }

  withArg(...names: string[]): string | undefined {
    const a = normalizeOption(this.current);
    for (const n of names) {
      const norm = normalizeOption(n);
      if (a.startsWith(norm + '=')) {
        this.take();
        return a.slice(norm.length + 1);
      }
      if (a === norm) {
        this.take();
        const value = this.take();
        if (value === undefined) {
          this.io.stderr(`Option ${n} requires an argument.\n`);
          throw new Exit(1);
        }
        return value;
      }
    }
    return undefined;
  }
}

/** The configuration monmaptool reads (Ceph's global_init for a client, no default config file). */
interface ToolConfig {
  fsid?: string;
  monHost?: string;
  monInitialMembers?: string;
}

/** `uuid_d::parse` (boost string_generator): 32 hex digits, dashes in the usual places, optional braces. */
function parseUuid(text: string): string | undefined {
  const inner = text.startsWith('{') && text.endsWith('}') ? text.slice(1, -1) : text;
  const dashed = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(inner);
  if (!dashed && !/^[0-9a-fA-F]{32}$/.test(inner)) return undefined;
  const h = inner.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** The sections a client (`client.admin`) reads, most specific first. */
const CLIENT_SECTIONS = ['client.admin', 'client', 'global'];

/**
 * Take the config options Ceph's global_init would consume out of `args`
 * and resolve them against the config file named by -c/--conf or CEPH_CONF.
 */
async function parseConfigOptions(args: string[], io: MonmaptoolIo): Promise<ToolConfig> {
  const cli: ToolConfig = {};
  let confPath = io.env['CEPH_CONF'];
  let rawFsid: string | undefined;
  const cursor = new ArgCursor(args, io);
  while (!cursor.done) {
    if (cursor.current === '--') break;
    let v: string | undefined;
    if ((v = cursor.withArg('-c', '--conf')) !== undefined) confPath = v;
    else if ((v = cursor.withArg('--fsid')) !== undefined) rawFsid = v;
    else if ((v = cursor.withArg('-m', '--mon-host')) !== undefined) cli.monHost = v;
    else if ((v = cursor.withArg('--mon-initial-members')) !== undefined) cli.monInitialMembers = v;
    else if (/^--debug[-_]/.test(cursor.current)) {
      if (cursor.current.includes('=')) cursor.take();
      else cursor.withArg(cursor.current);
    } else cursor.i++;
  }
  const cfg: ToolConfig = {};
  const path = confPath?.split(/[ ,;]+/).find((p) => p !== '');
  if (path !== undefined) {
    try {
      const conf = ConfFile.load(path);
      const fsid = conf.lookup(CLIENT_SECTIONS, 'fsid');
      if (fsid !== undefined) cfg.fsid = parseUuid(fsid);
      cfg.monHost = conf.lookup(CLIENT_SECTIONS, 'mon_host');
      cfg.monInitialMembers = conf.lookup(CLIENT_SECTIONS, 'mon_initial_members');
    } catch (err) {
      if (!isCephError(err)) throw err;
      const message = err.message;
      if (isCephError(err, 'EINVAL')) {
        io.stderr(`global_init: error reading config file. ${message}\n\n`);
        throw new Exit(1);
      }
      // Ceph logs this (with a timestamp) and carries on without the file
      io.stderr(`Errors while parsing config file!\n\n${message}\n\n`);
    }
  }
  if (rawFsid !== undefined) {
    const fsid = parseUuid(rawFsid);
    if (fsid === undefined) io.stderr(`parse error setting 'fsid' to '${rawFsid}'\n\n`);
    else cfg.fsid = fsid;
  }
  if (cli.monHost !== undefined) cfg.monHost = cli.monHost;
  if (cli.monInitialMembers !== undefined) cfg.monInitialMembers = cli.monInitialMembers;
  if (cfg.fsid === ZERO_UUID) delete cfg.fsid;
  return cfg;
}

/** One --feature-* operation, applied in command-line order. */
interface FeatureOp {
  op: 'set' | 'unset' | 'list';
  /** Which feature set a set/unset changes (persistent unless --optional follows). */
  target: 'persistent' | 'optional';
  /** For list: how to print. */
  format: 'plain' | 'parseable';
  feature: bigint;
}

/** `strict_strtoll(s, 10)`: a whole decimal integer in int64 range, else the message Ceph gives. */
function strictStrtoll(s: string): { value: bigint } | { error: string } {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)$/.exec(s);
  if (!m) return { error: `Expected option value to be integer, got '${s}'` };
  const v = BigInt(m[1]!);
  if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n)
    return { error: `The option value '${s}' seems to be invalid` };
  return { value: BigInt.asUintN(64, v) };
}

function parseFeatureValue(s: string, io: MonmaptoolIo): bigint {
  const byName = monFeatureByName(s);
  if (byName !== MonFeature.NONE) return byName;
  const r = strictStrtoll(s);
  if ('error' in r) {
    io.stderr(`unknown features name '${s}' or unable to parse value: ${r.error}\n`);
    helpfulExit(io);
  }
  return r.value;
}

function helpfulExit(io: MonmaptoolIo): never {
  io.stderr(`${ME} -h for usage\n`);
  throw new Exit(1);
}

function listFeatures(map: MonMap, format: 'plain' | 'parseable', io: MonmaptoolIo): void {
  const w = formatMonFeaturesWithValue;
  if (format === 'plain') {
    io.stdout(
      'MONMAP FEATURES:\n' +
        `    persistent: ${w(map.persistentFeatures)}\n` +
        `    optional:   ${w(map.optionalFeatures)}\n` +
        `    required:   ${w(map.requiredFeatures())}\n` +
        '\n' +
        'AVAILABLE FEATURES:\n' +
        `    supported:  ${w(MON_FEATURES_SUPPORTED)}\n` +
        `    persistent: ${w(MON_FEATURES_PERSISTENT)}\n`,
    );
  } else {
    io.stdout(
      `monmap:persistent:${w(map.persistentFeatures)}\n` +
        `monmap:optional:${w(map.optionalFeatures)}\n` +
        `monmap:required:${w(map.requiredFeatures())}\n` +
        `available:supported:${w(MON_FEATURES_SUPPORTED)}\n` +
        `available:persistent:${w(MON_FEATURES_PERSISTENT)}\n`,
    );
  }
}

/** What --add does with an address given without a full vector: pick the protocol(s) from the port. */
function addrsForAdd(map: MonMap, addr: EntityAddrVec[number]): EntityAddrVec {
  const nautilus = (map.persistentFeatures & MonFeature.NAUTILUS) !== 0n;
  if (addr.port === 0) {
    const v1 = { ...addr, type: AddrType.LEGACY, port: CEPH_MON_PORT_LEGACY };
    return nautilus ? [{ ...addr, type: AddrType.MSGR2, port: CEPH_MON_PORT_IANA }, v1] : [v1];
  }
  if (addr.port === CEPH_MON_PORT_LEGACY) return [{ ...addr, type: AddrType.LEGACY }];
  return [nautilus ? { ...addr, type: AddrType.MSGR2 } : addr];
}

/** `MonMap::build_initial(for_mkfs=true)` from the configuration; returns 0 or a negative errno. */
function buildInitial(map: MonMap, cfg: ToolConfig, io: MonmaptoolIo): number {
  if (cfg.fsid !== undefined) map.fsid = cfg.fsid;
  const monHost = cfg.monHost ?? '';
  if (monHost !== '') {
    const addrvecs = parseIpPortVec(monHost, AddrType.ANY);
    // Host names would be resolved through DNS here; tsceph does not resolve them.
    if (addrvecs === null || addrvecs.length === 0) {
      io.stderr(`unable to parse addrs in '${monHost}'\n`);
      return addrvecs === null ? -22 : -2;
    }
    addMonHostAddrs(map, addrvecs, true);
  }
  if (map.size === 0) {
    io.stderr('unable to get monitor info from DNS SRV with service name: ceph-mon\n');
    return -2;
  }
  map.created = io.clock();
  map.lastChanged = { ...map.created };
  map.calcLegacyRanks();
  return 0;
}

/** `get_str_list`: items separated by spaces, tabs, commas or semicolons. */
function strList(s: string): string[] {
  return s.split(/[;, \t]+/).filter((x) => x !== '');
}

/** Options parsed from the command line. */
interface ToolOptions {
  print: boolean;
  create: boolean;
  clobber: boolean;
  enableAllFeatures: boolean;
  generate: boolean;
  filter: boolean;
  minMonRelease: number;
  modified: boolean;
  showFeatures: boolean;
  /** --add, by name (std::map: later duplicates win, applied in name order). */
  add: Map<string, EntityAddrVec[number]>;
  addv: Map<string, EntityAddrVec>;
  rm: string[];
  features: FeatureOp[];
}

function parseToolOptions(args: string[], io: MonmaptoolIo): ToolOptions | number {
  const o: ToolOptions = {
    print: false,
    create: false,
    clobber: false,
    enableAllFeatures: false,
    generate: false,
    filter: false,
    minMonRelease: -1,
    modified: false,
    showFeatures: false,
    add: new Map(),
    addv: new Map(),
    rm: [],
    features: [],
  };
  const c = new ArgCursor(args, io);
  while (!c.done) {
    let v: string | undefined;
    if (c.current === '--') {
      c.take();
      break;
    } else if (c.flag('-p', '--print')) o.print = true;
    else if (c.flag('--create')) o.create = true;
    else if (c.flag('--enable-all-features')) o.enableAllFeatures = true;
    else if (c.flag('--clobber')) o.clobber = true;
    else if (c.flag('--generate')) o.generate = true;
    else if (c.flag('--set-initial-members')) o.filter = true;
    else if ((v = c.withArg('--set-min-mon-release')) !== undefined) o.minMonRelease = cephReleaseFromName(v);
    else if (c.matches('--add', '--addv')) {
      const vector = c.matches('--addv');
      c.take();
      const name = c.take();
      const text = c.take();
      if (name === undefined || text === undefined) helpfulExit(io);
      const parsed = vector ? parseAddrVec(text) : parseAddr(text);
      if (parsed === null) {
        io.stderr(`${ME}: invalid ip:port '${text}'\n`);
        return exitStatus(-1);
      }
      if (vector) o.addv.set(name, parsed as EntityAddrVec);
      else o.add.set(name, parsed as EntityAddrVec[number]);
      o.modified = true;
    } else if ((v = c.withArg('--rm')) !== undefined) {
      o.rm.push(v);
      o.modified = true;
    } else if (c.flag('--feature-list')) {
      const next = c.done ? undefined : c.current;
      const format = next === 'parseable' ? 'parseable' : 'plain';
      if (next === 'plain' || next === 'parseable') c.take();
      o.features.push({ op: 'list', target: 'persistent', format, feature: 0n });
      o.showFeatures = true;
    } else if ((v = c.withArg('--feature-set')) !== undefined) {
      o.features.push({
        op: 'set',
        target: 'persistent',
        format: 'plain',
        feature: parseFeatureValue(v, io),
      });
    } else if ((v = c.withArg('--feature-unset')) !== undefined) {
      o.features.push({
        op: 'unset',
        target: 'persistent',
        format: 'plain',
        feature: parseFeatureValue(v, io),
      });
    } else if (c.flag('--optional')) {
      if (o.features.length === 0) helpfulExit(io);
      o.features[o.features.length - 1]!.target = 'optional';
    } else if (c.flag('--persistent')) {
      if (o.features.length === 0) helpfulExit(io);
      o.features[o.features.length - 1]!.target = 'persistent';
    } else c.i++;
  }
  if (args.length === 0) {
    io.stderr(`${ME}: must specify monmap filename\n`);
    helpfulExit(io);
  } else if (args.length > 1) {
    io.stderr(`${ME}: too many arguments\n`);
    helpfulExit(io);
  }
  return o;
}

/** Read and decode the map file: 0, a negative errno, or 'corrupt' when it does not decode. */
async function readMap(path: string): Promise<{ map: MonMap } | { errno: number } | 'corrupt'> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    return { errno: -errnoOf(err) };
  }
  try {
    return { map: decodeMonMapFromBuffer(buf) };
  } catch {
    return 'corrupt';
  }
}

async function run(argv: string[], io: MonmaptoolIo): Promise<number> {
  const args = [...argv];
  if (args.length === 0) {
    io.stderr(`${ME}: -h or --help for usage\n`);
    return 1;
  }
  if (args.some((a) => a === '-h' || a === '--help')) {
    io.stdout(USAGE);
    return 0;
  }
  const cfg = await parseConfigOptions(args, io);
  const parsed = parseToolOptions(args, io);
  if (typeof parsed === 'number') return parsed;
  const o = parsed;
  const fn = args[0]!;
  let map = new MonMap();
  io.stdout(`${ME}: monmap file ${fn}\n`);

  let r = 0;
  if (!(o.create && o.clobber)) {
    const read = await readMap(fn);
    if (read === 'corrupt') {
      io.stderr(`${ME}: unable to read monmap file\n`);
      return exitStatus(-1);
    }
    if ('errno' in read) r = read.errno;
    else map = read.map;
  }
  if (!o.create && r < 0) {
    io.stderr(`${ME}: couldn't open ${fn}: ${cppStrerror(r)}\n`);
    return exitStatus(-1);
  } else if (o.create && !o.clobber && r === 0) {
    io.stderr(`${ME}: ${fn} exists, --clobber to overwrite\n`);
    return exitStatus(-1);
  }

  let modified = o.modified;
  if (o.create) {
    map.epoch = 0;
    map.created = io.clock();
    map.lastChanged = { ...map.created };
    if (cfg.fsid === undefined) {
      map.fsid = io.randomUuid();
      io.stdout(`${ME}: generated fsid ${map.fsid}\n`);
    }
    modified = true;
  }
  if (o.enableAllFeatures) {
    map.persistentFeatures = MON_FEATURES_PERSISTENT;
    modified = true;
  }
  if (o.generate) {
    const g = buildInitial(map, cfg, io);
    if (g < 0) return exitStatus(g);
  }
  if (o.minMonRelease > 0) {
    map.minMonRelease = o.minMonRelease;
    io.stdout(`setting min_mon_release = ${cephReleaseName(o.minMonRelease)}\n`);
    modified = true;
  }
  if (o.filter) {
    const initialMembers = strList(cfg.monInitialMembers ?? '');
    if (initialMembers.length > 0) {
      io.stdout(`initial_members ${initialMembers.join(',')}, filtering seed monmap\n`);
      const removed = setInitialMembers(map, initialMembers)
        .sort(compareAddrVecs)
        .filter((av, i, all) => i === 0 || compareAddrVecs(all[i - 1]!, av) !== 0);
      io.stdout(`removed ${removed.map(formatAddrVec).join(',')}\n`);
    }
    modified = true;
  }
  if (cfg.fsid !== undefined) {
    map.fsid = cfg.fsid;
    io.stdout(`${ME}: set fsid to ${map.fsid}\n`);
    modified = true;
  }

  const byName = <V>(m: Map<string, V>): [string, V][] =>
    [...m].sort((x, y) => compareCephStrings(x[0], y[0]));
  for (const [name, addr] of byName(o.add)) {
    if (map.contains(name)) {
      io.stderr(`${ME}: map already contains mon.${name}\n`);
      helpfulExit(io);
    }
    const addrs = addrsForAdd(map, addr);
    if (map.containsAddrs(addrs)) {
      io.stderr(`${ME}: map already contains ${formatAddrVec(addrs)}\n`);
      helpfulExit(io);
    }
    map.add(name, addrs);
  }
  for (const [name, addrs] of byName(o.addv)) {
    if (map.contains(name)) {
      io.stderr(`${ME}: map already contains mon.${name}\n`);
      helpfulExit(io);
    }
    if (map.containsAddrs(addrs)) {
      io.stderr(`${ME}: map already contains ${formatAddrVec(addrs)}\n`);
      helpfulExit(io);
    }
    map.add(name, addrs);
  }
  for (const name of o.rm) {
    io.stdout(`${ME}: removing ${name}\n`);
    if (!map.contains(name)) {
      io.stderr(`${ME}: map does not contain ${name}\n`);
      helpfulExit(io);
    }
    map.remove(name);
  }

  for (const f of o.features) {
    if (f.op === 'list') {
      listFeatures(map, f.format, io);
      continue;
    }
    modified = true;
    const current = f.target === 'optional' ? map.optionalFeatures : map.persistentFeatures;
    const next = f.op === 'set' ? current | f.feature : current & ~f.feature;
    if (f.target === 'optional') map.optionalFeatures = BigInt.asUintN(64, next);
    else map.persistentFeatures = BigInt.asUintN(64, next);
  }

  if (!o.print && !modified && !o.showFeatures) {
    io.stderr('no action specified\n');
    helpfulExit(io);
  }
  if (o.print) io.stdout(formatMonMapPlain(map));
  if (modified) {
    io.stdout(`${ME}: writing epoch ${map.epoch} to ${fn} (${map.size} monitors)\n`);
    try {
      await writeFile(fn, encodeMonMapToBuffer(map), { mode: 0o644 });
    } catch (err) {
      const e = cppStrerror(errnoOf(err));
      io.stderr(`bufferlist::write_file(${fn}): failed to open file: ${e}\n`);
      io.stderr(`${ME}: error writing to '${fn}': ${e}\n`);
      return 1;
    }
  }
  return 0;
}

/**
 * Run monmaptool with `argv` (the arguments after the program name). Output
 * goes to `io` (process stdout/stderr by default); resolves to the exit status.
 */
export async function monmaptoolMain(argv: string[], io: Partial<MonmaptoolIo> = {}): Promise<number> {
  const full: MonmaptoolIo = {
    stdout: io.stdout ?? ((s) => process.stdout.write(s)),
    stderr: io.stderr ?? ((s) => process.stderr.write(s)),
    clock: io.clock ?? systemUTimeClock,
    randomUuid: io.randomUuid ?? randomUUID,
    env: io.env ?? process.env,
  };
  try {
    return await run(argv, full);
  } catch (err) {
    if (err instanceof Exit) return err.code;
    throw err;
  }
}
