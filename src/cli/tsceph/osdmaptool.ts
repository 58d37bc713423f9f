/**
 * `tsceph osdmaptool`: Ceph's osdmaptool — create, inspect and test OSD map
 * files — with Pacific 16.2.15's arguments, output, error messages and exit
 * codes.
 *
 *   no args → hint, exit 1; -h/--help → usage on stdout, exit 1
 *   → config options (global_init: -c, --osd-pool-default-size, ...)
 *   → tool options (unknown ones stay positional) → exactly one file name
 *   → [--range-first/last: read FILE/N maps, exit 0]
 *   → "osdmap file 'F'" → READ F (unless --createsimple/--clobber)
 *   → CREATESIMPLE → --mark-up-in (CRUSH weight 0 → 1.0) / --mark-out / --mark-up / --mark-in
 *   → --adjust-crush-weight (each: CRUSH reweight; with --save an empty incremental)
 *   → --clear-temp → --clean-temps → --import-crush → --export-crush
 *   → --test-map-object → --test-map-pg → --test-map-pgs[-dump[-all]]
 *   → "no action specified?" → bump epoch if modified → --print / --tree
 *   → WRITE F if modified
 *
 * Not supported (they print a note and exit 1): --upmap*, --health,
 * --test-crush, --test-random, --create-from-conf.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { parseCommonArgs } from '../../common/argparse.js';
import { Formatter } from '../../common/formatter.js';
import { isCephError, strerror } from '../../common/errors.js';
import {
  crushAdjustItemWeightf,
  crushItemWeightRaw,
  encodeCrushMap,
  crushMaxDevices,
  decodeCrushMap,
  formatGeneral,
} from '../../crush/index.js';
import type { UTime } from '../../encoding/types.js';
import {
  BUILD_SIMPLE_DEFAULTS,
  buildSimpleOsdMap,
  CEPH_OSD_IN,
  CEPH_OSD_OUT,
  CRUSH_ITEM_NONE,
  dumpOsdMap,
  formatIntVector,
  OSDMap,
  OSDMapIncremental,
  OsdState,
  printOsdMap,
  printOsdTree,
  printOsdTreeFormatted,
  type BuildSimpleConfig,
} from '../../osdmap/index.js';
import { formatFloat } from '../../osdmap/format.js';
import { ArgExit, ArgList } from './osdmaptool-args.js';

/** Where osdmaptool writes and what it takes from its surroundings; every part can be replaced in tests. */
export interface OsdmaptoolIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Source of `created`/`modified` for --createsimple. */
  clock: () => UTime;
  /** Environment (CEPH_CONF, CEPH_ARGS). */
  env: Record<string, string | undefined>;
}

const ME = 'osdmaptool';

const USAGE = [
  ' usage: [--print] <mapfilename>',
  '   --create-from-conf      creates an osd map with default configurations',
  '   --createsimple <numosd> [--clobber] [--pg-bits <bitsperosd>] [--pgp-bits <bits>] creates a relatively generic OSD map with <numosd> devices',
  '   --pgp-bits <bits>       pgp_num map attribute will be shifted by <bits>',
  '   --pg-bits <bits>        pg_num map attribute will be shifted by <bits>',
  '   --clobber               allows osdmaptool to overwrite <mapfilename> if it already exists',
  "   --export-crush <file>   write osdmap's crush map to <file>",
  "   --import-crush <file>   replace osdmap's crush map with <file>",
  '   --health                dump health checks',
  '   --test-map-pgs [--pool <poolid>] [--pg_num <pg_num>] [--range-first <first> --range-last <last>] map all pgs',
  '   --test-map-pgs-dump [--pool <poolid>] [--range-first <first> --range-last <last>] map all pgs',
  '   --test-map-pgs-dump-all [--pool <poolid>] [--range-first <first> --range-last <last>] map all pgs to osds',
  '   --mark-up-in            mark osds up and in (but do not persist)',
  '   --mark-out <osdid>      mark an osd as out (but do not persist)',
  '   --mark-up <osdid>       mark an osd as up (but do not persist)',
  '   --mark-in <osdid>       mark an osd as in (but do not persist)',
  '   --with-default-pool     include default pool when creating map',
  '   --clear-temp            clear pg_temp and primary_temp',
  '   --clean-temps           clean pg_temps',
  '   --test-random           do random placements',
  '   --test-map-pg <pgid>    map a pgid to osds',
  '   --test-map-object <objectname> [--pool <poolid>] map an object to osds',
  '   --upmap-cleanup <file>  clean up pg_upmap[_items] entries, writing',
  '                           commands to <file> [default: - for stdout]',
  '   --upmap <file>          calculate pg upmap entries to balance pg layout',
  '                           writing commands to <file> [default: - for stdout]',
  '   --upmap-max <max-count> set max upmap entries to calculate [default: 10]',
  '   --upmap-deviation <max-deviation>',
  '                           max deviation from target [default: 5]',
  '   --upmap-pool <poolname> restrict upmap balancing to 1 or more pools',
  '   --upmap-active          Act like an active balancer, keep applying changes until balanced',
  "   --dump <format>         displays the map in plain text when <format> is 'plain', 'json' if specified format is not supported",
  '   --tree                  displays a tree of the map',
  '   --test-crush [--range-first <first> --range-last <last>] map pgs to acting osds',
  '   --adjust-crush-weight <osdid:weight>[,<osdid:weight>,<...>] change <osdid> CRUSH <weight> (but do not persist)',
  '   --save                  write modified osdmap with upmap or crush-adjust changes',
  '',
].join('\n');

function usage(io: OsdmaptoolIo): never {
  io.stdout(USAGE);
  throw new ArgExit(1);
}

/** `cpp_strerror`: `(2) No such file or directory`. */
function cppStrerror(errno: number): string {
  const n = Math.abs(errno);
  const text = strerror(n);
  return text.startsWith('(') ? text : `(${n}) ${text}`;
}

function errnoOf(err: unknown): number {
  const code = (err as { errno?: unknown }).errno;
  return typeof code === 'number' ? Math.abs(code) : 5;
}

/** `bufferlist::read_file`: the contents, or Ceph's error text. */
async function readWholeFile(path: string): Promise<{ buf: Buffer } | { error: string; errno: number }> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) return { error: `can't read ${path}: ${cppStrerror(21)}`, errno: 21 };
    return { buf: await readFile(path) };
  } catch (err) {
    const n = errnoOf(err);
    return { error: `can't open ${path}: ${cppStrerror(n)}`, errno: n };
  }
}

/** `pg_t::parse`: sscanf("%llu.%x"), trailing text ignored. */
function parsePg(s: string): { pool: bigint; seed: number } | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)\.[ \t\n\v\f\r]*([+-]?)(?:0[xX])?([0-9a-fA-F]+)/.exec(s);
  if (!m) return undefined;
  const pool = BigInt.asUintN(64, BigInt(m[1]!));
  let seed = BigInt.asUintN(32, BigInt('0x' + m[3]!));
  if (m[2] === '-') seed = BigInt.asUintN(32, -seed);
  return { pool, seed: Number(seed) };
}

/** `operator<<(pg_t)` for a pool that may not fit an int64 lookup. */
function pgText(pool: bigint | number, seed: number): string {
  return `${pool}.${seed.toString(16)}`;
}

/** Options parsed from the command line. */
interface Options {
  print: boolean;
  printFormat: string;
  tree: boolean;
  treeFormat: string;
  createsimple: boolean;
  createpool: boolean;
  createFromConf: boolean;
  numOsd: number;
  pgBits: number;
  pgpBits: number;
  clobber: boolean;
  exportCrush: string;
  importCrush: string;
  testMapPg: string;
  testMapObject: string;
  adjustCrushWeight: string;
  testCrush: boolean;
  rangeFirst: number;
  rangeLast: number;
  pool: number;
  markUpIn: boolean;
  markedOut: number;
  markedUp: number;
  markedIn: number;
  clearTemp: boolean;
  cleanTemps: boolean;
  testMapPgs: boolean;
  testMapPgsDump: boolean;
  testMapPgsDumpAll: boolean;
  testRandom: boolean;
  upmapCleanup: boolean;
  upmap: boolean;
  health: boolean;
  upmapDeviation: number;
  pgNum: number;
  save: boolean;
}

function parseToolArgs(args: string[], io: OsdmaptoolIo): Options {
  const o: Options = {
    print: false,
    printFormat: '',
    tree: false,
    treeFormat: '',
    createsimple: false,
    createpool: false,
    createFromConf: false,
    numOsd: 0,
    pgBits: 6,
    pgpBits: 6,
    clobber: false,
    exportCrush: '',
    importCrush: '',
    testMapPg: '',
    testMapObject: '',
    adjustCrushWeight: '',
    testCrush: false,
    rangeFirst: -1,
    rangeLast: -1,
    pool: -1,
    markUpIn: false,
    markedOut: -1,
    markedUp: -1,
    markedIn: -1,
    clearTemp: false,
    cleanTemps: false,
    testMapPgs: false,
    testMapPgsDump: false,
    testMapPgsDumpAll: false,
    testRandom: false,
    upmapCleanup: false,
    upmap: false,
    health: false,
    upmapDeviation: 5,
    pgNum: -1,
    save: false,
  };
  const c = new ArgList(args, io.stderr);
  const failOnErr = (): void => {
    if (c.err) {
      io.stderr(`${c.err}\n`);
      throw new ArgExit(1);
    }
  };
  let v: string | undefined;
  let n: number | undefined;
  // the tool parses every string option into one `val`: an option given last,
  // without its value, sees whatever an earlier option left there
  let val = '';
  while (!c.done) {
    if (c.doubleDash()) break;
    else if (c.flag('-p', '--print')) o.print = true;
    else if ((v = c.withArgErr(val, '--dump')) !== undefined) {
      val = v;
      o.print = true;
      if (v !== '' && v !== 'plain') o.printFormat = v;
    } else if ((v = c.withArgErr(val, '--tree')) !== undefined) {
      val = v;
      o.tree = true;
      if (v !== '' && v !== 'plain') o.treeFormat = v;
    } else if ((n = c.withInt(o.pgBits, '--osd-pg-bits')) !== undefined) o.pgBits = n;
    else if ((n = c.withInt(o.pgpBits, '--osd-pgp-bits')) !== undefined) o.pgpBits = n;
    else if (c.withArg('--upmap-cleanup') !== undefined) o.upmapCleanup = true;
    else if (c.withArg('--upmap') !== undefined) {
      o.upmapCleanup = true;
      o.upmap = true;
    } else if (c.withInt(10, '--upmap-max') !== undefined) {
      // only used by --upmap
    } else if ((n = c.withInt(o.upmapDeviation, '--upmap-deviation')) !== undefined) o.upmapDeviation = n;
    else if ((v = c.withArg('--upmap-pool')) !== undefined) {
      val = v; // only used by --upmap
    } else if ((n = c.withInt(o.numOsd, '--createsimple')) !== undefined) {
      o.numOsd = n;
      failOnErr();
      o.createsimple = true;
    } else if (c.flag('--upmap-active')) {
      // only used by --upmap
    } else if (c.flag('--health')) o.health = true;
    else if (c.flag('--with-default-pool')) o.createpool = true;
    else if (c.flag('--create-from-conf')) o.createFromConf = true;
    else if (c.flag('--mark-up-in')) o.markUpIn = true;
    else if ((v = c.withArg('--mark-out')) !== undefined) o.markedOut = stoi((val = v), io);
    else if ((v = c.withArg('--mark-up')) !== undefined) o.markedUp = stod((val = v), io);
    else if ((v = c.withArg('--mark-in')) !== undefined) o.markedIn = stod((val = v), io);
    else if (c.flag('--clear-temp')) o.clearTemp = true;
    else if (c.flag('--clean-temps')) o.cleanTemps = true;
    else if (c.flag('--test-map-pgs')) o.testMapPgs = true;
    else if (c.flag('--test-map-pgs-dump')) o.testMapPgsDump = true;
    else if (c.flag('--test-map-pgs-dump-all')) o.testMapPgsDumpAll = true;
    else if (c.flag('--test-random')) o.testRandom = true;
    else if (c.flag('--clobber')) o.clobber = true;
    else if ((n = c.withInt(o.pgBits, '--pg_bits')) !== undefined) {
      o.pgBits = n;
      failOnErr();
    } else if ((n = c.withInt(o.pgpBits, '--pgp_bits')) !== undefined) {
      o.pgpBits = n;
      failOnErr();
    } else if ((v = c.withArg('--export_crush')) !== undefined) o.exportCrush = val = v;
    else if ((v = c.withArg('--import_crush')) !== undefined) o.importCrush = val = v;
    else if ((v = c.withArg('--test_map_pg')) !== undefined) o.testMapPg = val = v;
    else if ((v = c.withArg('--test_map_object')) !== undefined) o.testMapObject = val = v;
    else if (c.flag('--test_crush')) o.testCrush = true;
    else if ((v = c.withArgErr(val, '--pg_num')) !== undefined) {
      val = v;
      const m = /^[ \t\n\v\f\r]*[+-]?\d+$/.exec(v);
      if (!m) {
        io.stderr(`error parsing integer value Expected option value to be integer, got '${v}'\n`);
        throw new ArgExit(1);
      }
      o.pgNum = Number(v.trim());
    } else if ((n = c.withInt(o.rangeFirst, '--range_first')) !== undefined) o.rangeFirst = n;
    else if ((n = c.withInt(o.rangeLast, '--range_last')) !== undefined) o.rangeLast = n;
    else if ((n = c.withInt(o.pool, '--pool')) !== undefined) {
      o.pool = n;
      failOnErr();
    } else if ((v = c.withArgErr(val, '--adjust-crush-weight')) !== undefined) o.adjustCrushWeight = val = v;
    else if (c.flag('--save')) o.save = true;
    else c.skip();
  }
  return o;
}

/** `std::stoi`: a leading int; anything else (or a value past int) would throw and abort the real tool. */
function stoi(s: string, io: OsdmaptoolIo): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  const value = m ? Number(m[1]) : NaN;
  if (!m || value > 0x7fffffff || value < -0x80000000) {
    const what = m ? 'out_of_range' : 'invalid_argument';
    io.stderr(`terminate called after throwing an instance of 'std::${what}'\n  what():  stoi\n`);
    throw new ArgExit(134);
  }
  return value;
}

/**
 * `std::stof`: strtof on a leading number (decimal, hex, inf, nan); nothing
 * parsed throws invalid_argument, a result strtof flags ERANGE (overflow, or
 * underflow below the smallest normal float) throws out_of_range; either
 * kills the real tool.
 */
function stof(s: string, io: OsdmaptoolIo): number {
  const die = (what: string): never => {
    io.stderr(`terminate called after throwing an instance of 'std::${what}'\n  what():  stof\n`);
    throw new ArgExit(134);
  };
  const text = s.replace(/^[ \t\n\v\f\r]+/, '');
  let value: number;
  let m: RegExpExecArray | null;
  if ((m = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/.exec(text))) {
    const [whole, frac = ''] = m[2]!.split('.');
    const digits = (whole ?? '') + frac;
    value = parseInt(digits || '0', 16) * 2 ** (Number(m[3] ?? 0) - 4 * frac.length);
    if (m[1] === '-') value = -value;
  } else if ((m = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text))) {
    value = Number(m[0]);
  } else if ((m = /^([+-]?)(?:inf(?:inity)?|nan)/i.exec(text))) {
    const body = m[0].replace(/^[+-]/, '').toLowerCase();
    value = body === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
    return value;
  } else {
    return die('invalid_argument');
  }
  const f = Math.fround(value);
  if (!Number.isFinite(f) || (f !== 0 && Math.abs(f) < 2 ** -126) || (f === 0 && value !== 0)) {
    return die('out_of_range');
  }
  return f;
}

/** `std::stod` truncated to int, as the tool assigns it. */
function stod(s: string, io: OsdmaptoolIo): number {
  const m = /^[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(s);
  if (!m) {
    io.stderr("terminate called after throwing an instance of 'std::invalid_argument'\n  what():  stod\n");
    throw new ArgExit(134);
  }
  return Math.trunc(Number(m[1]));
}

function unsupported(io: OsdmaptoolIo, what: string): never {
  io.stderr(`${ME}: ${what} is not supported by tsceph\n`);
  throw new ArgExit(1);
}

/** The configuration values --createsimple reads, from the parsed Ceph config. */
function buildConfig(config: { getValue(name: string): unknown }): BuildSimpleConfig {
  const cfg: Record<string, unknown> = { ...BUILD_SIMPLE_DEFAULTS };
  for (const k of Object.keys(BUILD_SIMPLE_DEFAULTS)) {
    try {
      const v = config.getValue(k);
      cfg[k] = typeof v === 'bigint' ? Number(v) : v;
    } catch {
      // unknown option in our schema: keep Pacific's default
    }
  }
  return cfg as unknown as BuildSimpleConfig;
}

/** `--test-map-pgs*`: map every pg of the pools and print Ceph's statistics. */
function testMapPgs(map: OSDMap, o: Options, io: OsdmaptoolIo): void {
  if (o.pool !== -1 && !map.havePgPool(o.pool)) {
    io.stderr(`There is no pool ${o.pool}\n`);
    throw new ArgExit(1);
  }
  const n = map.maxOsd;
  const count = new Array<number>(n).fill(0);
  const firstCount = new Array<number>(n).fill(0);
  const primaryCount = new Array<number>(n).fill(0);
  const size = new Array<number>(30).fill(0);
  let maxSize = 0;
  let out = '';
  for (const id of [...map.pools.keys()].sort((a, b) => a - b)) {
    if (o.pool !== -1 && id !== o.pool) continue;
    const pool = map.pools.get(id)!;
    if (o.pgNum > 0) pool.setPgNum(o.pgNum);
    out += `pool ${id} pg_num ${pool.pgNum}\n`;
    for (let i = 0; i < pool.pgNum; i++) {
      const pg = { pool: id, seed: i };
      let osds: number[];
      let primary: number;
      if (o.testMapPgsDumpAll) {
        const raw = map.pgToRawOsds(pg);
        const r = map.pgToUpActing(pg);
        osds = r.acting;
        primary = r.actingPrimary;
        out +=
          `${pgText(id, i)} raw (${formatIntVector(raw.raw)}, p${raw.primary})` +
          ` up (${formatIntVector(r.up)}, p${r.upPrimary})` +
          ` acting (${formatIntVector(r.acting)}, p${r.actingPrimary})\n`;
      } else {
        const r = map.pgToActingOsds(pg);
        osds = r.acting;
        primary = r.primary;
        if (o.testMapPgsDump) out += `${pgText(id, i)}\t${formatIntVector(osds)}\t${primary}\n`;
      }
      size[osds.length] = (size[osds.length] ?? 0) + 1;
      if (maxSize < osds.length) maxSize = osds.length;
      for (const osd of osds) if (osd !== CRUSH_ITEM_NONE) count[osd] = (count[osd] ?? 0) + 1;
      if (osds.length && osds[0] !== CRUSH_ITEM_NONE) firstCount[osds[0]!] = (firstCount[osds[0]!] ?? 0) + 1;
      if (primary >= 0) primaryCount[primary] = (primaryCount[primary] ?? 0) + 1;
    }
  }
  let total = 0;
  let inCount = 0;
  let minOsd = -1;
  let maxOsd = -1;
  out += '#osd\tcount\tfirst\tprimary\tc wt\twt\n';
  const counted = (i: number): boolean => map.isIn(i) && (crushItemWeightRaw(map.crush, i) ?? -2) > 0;
  for (let i = 0; i < n; i++) {
    if (!counted(i)) continue;
    inCount++;
    const cw = Math.fround(Math.fround(crushItemWeightRaw(map.crush, i)! | 0) / 0x10000);
    out += `osd.${i}\t${count[i]}\t${firstCount[i]}\t${primaryCount[i]}\t${formatFloat(cw)}\t${formatFloat(map.getWeightf(i))}\n`;
    total += count[i]!;
    if (count[i] && (minOsd < 0 || count[i]! < count[minOsd]!)) minOsd = i;
    if (count[i] && (maxOsd < 0 || count[i]! > count[maxOsd]!)) maxOsd = i;
  }
  const avg = inCount ? Math.floor(total / inCount) : 0;
  let dev = 0;
  for (let i = 0; i < n; i++) {
    if (!counted(i)) continue;
    dev += (avg - count[i]!) * (avg - count[i]!);
  }
  // 0/0 on x86 is a NaN with the sign bit set: printed "-nan"
  const fmt = (x: number): string => (Number.isNaN(x) ? '-nan' : formatFloat(x));
  const div = (a: number, b: number): number =>
    b === 0 ? (a === 0 || Number.isNaN(a) ? NaN : Infinity) : a / b;
  dev = inCount ? Math.sqrt(dev / inCount) : NaN;
  const edev = inCount ? Math.sqrt((total / inCount) * (1.0 - 1.0 / inCount)) : NaN;
  out += ` in ${inCount}\n`;
  out += ` avg ${avg} stddev ${fmt(dev)} (${fmt(div(dev, avg))}x) (expected ${fmt(edev)} ${fmt(div(edev, avg))}x))\n`;
  if (minOsd >= 0) out += ` min osd.${minOsd} ${count[minOsd]}\n`;
  if (maxOsd >= 0) out += ` max osd.${maxOsd} ${count[maxOsd]}\n`;
  for (let i = 0; i <= maxSize; i++) if (size[i]) out += `size ${i}\t${size[i]}\n`;
  io.stdout(out);
}

async function run(argv: string[], io: OsdmaptoolIo): Promise<number> {
  if (argv.length === 0) {
    io.stderr(`${ME}: -h or --help for usage\n`);
    return 1;
  }
  if (argv.some((a) => a === '-h' || a === '--help')) usage(io);

  let common;
  try {
    common = parseCommonArgs(argv, io.env, { noDefaultConfigFile: true });
  } catch (err) {
    if (isCephError(err)) {
      io.stderr(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const args = common.rest;
  const o = parseToolArgs(args, io);
  if (args.length === 0) {
    io.stderr(`${ME}: must specify osdmap filename\n`);
    usage(io);
  } else if (args.length > 1) {
    io.stderr(`${ME}: too many arguments\n`);
    usage(io);
  }
  if (o.upmapDeviation < 1) {
    io.stderr(`${ME}: upmap-deviation must be >= 1\n`);
    usage(io);
  }
  const fn = args[0]!;

  if (o.rangeFirst >= 0 && o.rangeLast >= 0) {
    for (let i = o.rangeFirst; i <= o.rangeLast; i++) {
      const s = `${fn}/${i}`;
      const r = await readWholeFile(s);
      if ('error' in r) {
        io.stderr(`unable to read ${s}: ${cppStrerror(r.errno)}\n`);
        return 1;
      }
      io.stdout(`${s} got ${r.buf.length} bytes\n`);
      OSDMap.decode(r.buf);
    }
    return 0;
  }

  let map = new OSDMap();
  io.stderr(`${ME}: osdmap file '${fn}'\n`);
  if (!o.createsimple && !o.createFromConf && !o.clobber) {
    const r = await readWholeFile(fn);
    if ('error' in r) {
      io.stderr(`${ME}: couldn't open ${fn}: ${r.error}\n`);
      return 255;
    }
    try {
      map = OSDMap.decode(r.buf);
    } catch (err) {
      if (!isCephError(err)) throw err;
      io.stderr(`${ME}: error decoding osdmap '${fn}'\n`);
      return 255;
    }
  } else if ((o.createsimple || o.createFromConf) && !o.clobber) {
    const exists = await stat(fn).then(
      () => true,
      () => false,
    );
    if (exists) {
      io.stderr(`${ME}: ${fn} exists, --clobber to overwrite\n`);
      return 255;
    }
  }

  let modified = false;
  if (o.createsimple || o.createFromConf) {
    if (o.createFromConf) unsupported(io, '--create-from-conf');
    if (o.numOsd < 1) {
      io.stderr(`${ME}: osd count must be > 0\n`);
      return 1;
    }
    const cfg = buildConfig(common.config as unknown as { getValue(name: string): unknown });
    map = buildSimpleOsdMap(o.numOsd, o.pgBits, o.pgpBits, o.createpool, io.clock(), cfg);
    modified = true;
  }

  if (o.markUpIn) {
    io.stdout('marking all OSDs up and in\n');
    for (let i = 0; i < map.maxOsd; i++) {
      map.setState(i, map.getState(i) | OsdState.UP);
      map.setWeight(i, CEPH_OSD_IN);
      // an OSD CRUSH would never pick gets weight 1.0 (in memory, shadow trees and weight sets too)
      if (crushItemWeightRaw(map.crush, i) === 0) {
        crushAdjustItemWeightf(map.crush, i, 1.0);
        map.setCrush(map.crush); // a map written later carries the CRUSH map re-encoded, as Ceph's does
      }
    }
  }
  if (o.markedOut >= 0 && o.markedOut < map.maxOsd) {
    io.stdout(`marking OSD@${o.markedOut} as out\n`);
    map.setState(o.markedOut, map.getState(o.markedOut) | OsdState.UP);
    map.setWeight(o.markedOut, CEPH_OSD_OUT);
  }
  if (o.markedUp >= 0 && o.markedUp < map.maxOsd) {
    io.stdout(`marking OSD@${o.markedUp} as up\n`);
    map.setState(o.markedUp, map.getState(o.markedUp) | OsdState.UP);
  }
  if (o.markedIn >= 0 && o.markedIn < map.maxOsd) {
    // Pacific prints and marks the --mark-up OSD here (a bug kept for fidelity)
    io.stdout(`marking OSD@${o.markedUp} as up\n`);
    if (o.markedUp >= 0) map.setWeight(o.markedUp, CEPH_OSD_IN);
  }
  for (const piece of o.adjustCrushWeight.split(',')) {
    if (piece === '') continue;
    const colon = piece.indexOf(':');
    if (colon < 0) {
      io.stderr(`${ME}: use ':' as separator of osd id and its weight\n`);
      usage(io);
    }
    const osd = stoi(piece.slice(0, colon), io);
    const weight = stof(piece.slice(colon + 1), io);
    try {
      crushAdjustItemWeightf(map.crush, osd, weight);
    } catch (err) {
      // Pacific ignores the refusal (EOVERFLOW) and reports the adjustment anyway
      if (!isCephError(err)) throw err;
    }
    map.setCrush(map.crush);
    io.stdout(`Adjusted osd.${osd} CRUSH weight to ${formatGeneral(weight)}\n`);
    if (o.save) {
      // an empty incremental: the epoch moves on and `modified` becomes its zero stamp
      const inc = new OSDMapIncremental(map.epoch + 1);
      inc.fsid = map.fsid;
      map.applyIncremental(inc);
      modified = true;
    }
  }
  if (o.clearTemp) {
    io.stdout('clearing pg/primary temp\n');
    map.pgTemp.clear();
    map.primaryTemp.clear();
  }
  if (o.cleanTemps) {
    // Pacific computes the cleanup into a pending incremental it never applies or prints
    io.stdout('cleaning pg temps\n');
  }
  if (o.upmap || o.upmapCleanup) unsupported(io, o.upmap ? '--upmap' : '--upmap-cleanup');

  if (o.importCrush !== '') {
    const r = await readWholeFile(o.importCrush);
    if ('error' in r) {
      io.stderr(`${ME}: error reading crush map from ${o.importCrush}: ${r.error}\n`);
      return 1;
    }
    let maxDevices: number;
    try {
      maxDevices = crushMaxDevices(decodeCrushMap(r.buf));
    } catch (err) {
      if (!isCephError(err)) throw err;
      io.stderr(`terminate called after throwing an instance of 'ceph::buffer::v15_2_0::malformed_input'\n`);
      io.stderr(`  what():  ${err.message}\n`);
      return 134;
    }
    if (maxDevices > map.maxOsd) {
      io.stderr(`${ME}: crushmap max_devices ${maxDevices} > osdmap max_osd ${map.maxOsd}\n`);
      return 1;
    }
    // apply an incremental carrying only the new crush map
    const inc = new OSDMapIncremental(map.epoch + 1);
    inc.fsid = map.fsid;
    inc.crush = r.buf;
    map.applyIncremental(inc);
    io.stdout(`${ME}: imported ${r.buf.length} byte crush map from ${o.importCrush}\n`);
    modified = true;
  }

  if (o.exportCrush !== '') {
    try {
      await writeFile(o.exportCrush, encodeCrushMap(map.crush), { mode: 0o644 });
    } catch {
      io.stderr(`${ME}: error writing crush map to ${o.importCrush}\n`);
      return 1;
    }
    io.stdout(`${ME}: exported crush map to ${o.exportCrush}\n`);
  }

  if (o.testMapObject !== '') {
    if (o.pool === -1) {
      io.stdout(`${ME}: assuming pool 1 (use --pool to override)\n`);
      o.pool = 1;
    }
    if (!map.havePgPool(o.pool)) {
      io.stderr(`There is no pool ${o.pool}\n`);
      return 1;
    }
    const raw = map.objectLocatorToPg(Buffer.from(o.testMapObject, 'utf8'), {
      pool: o.pool,
      key: '',
      nspace: '',
      hash: -1,
    });
    const pg = map.rawPgToPg(raw);
    const { acting } = map.pgToActingOsds(pg);
    io.stdout(` object '${o.testMapObject}' -> ${pgText(pg.pool, pg.seed)} -> ${formatIntVector(acting)}\n`);
  }
  if (o.testMapPg !== '') {
    const parsed = parsePg(o.testMapPg);
    if (!parsed) {
      io.stderr(`${ME}: failed to parse pg '${o.testMapPg}\n`);
      usage(io);
    }
    const label = pgText(parsed.pool, parsed.seed);
    io.stdout(` parsed '${o.testMapPg}' -> ${label}\n`);
    const poolId = Number(BigInt.asIntN(64, parsed.pool));
    const pg = { pool: poolId, seed: parsed.seed };
    const raw = map.pgToRawOsds(pg);
    const r = map.pgToUpActing(pg);
    io.stdout(
      `${label} raw (${formatIntVector(raw.raw)}, p${raw.primary})` +
        ` up (${formatIntVector(r.up)}, p${r.upPrimary})` +
        ` acting (${formatIntVector(r.acting)}, p${r.actingPrimary})\n`,
    );
  }
  if (o.testMapPgs || o.testMapPgsDump || o.testMapPgsDumpAll) {
    if (o.testRandom) unsupported(io, '--test-random');
    testMapPgs(map, o, io);
  }
  if (o.testCrush) unsupported(io, '--test-crush');

  if (
    !o.print &&
    !o.health &&
    !o.tree &&
    !modified &&
    o.exportCrush === '' &&
    o.importCrush === '' &&
    o.testMapPg === '' &&
    o.testMapObject === '' &&
    !o.testMapPgs &&
    !o.testMapPgsDump &&
    !o.testMapPgsDumpAll &&
    o.adjustCrushWeight === '' &&
    !o.upmap &&
    !o.upmapCleanup
  ) {
    io.stderr(`${ME}: no action specified?\n`);
    usage(io);
  }

  if (modified) map.epoch++;
  if (o.health) unsupported(io, '--health');
  if (o.print) {
    if (o.printFormat) {
      const f = Formatter.create(o.printFormat, 'json');
      f.openObjectSection('osdmap');
      dumpOsdMap(f, map);
      f.closeSection();
      io.stdout(f.flush());
    } else {
      io.stdout(printOsdMap(map));
    }
  }
  if (o.tree) {
    io.stdout(o.treeFormat ? printOsdTreeFormatted(map, o.treeFormat) : printOsdTree(map));
  }
  if (modified) {
    const bytes = map.encode();
    io.stdout(`${ME}: writing epoch ${map.epoch} to ${fn}\n`);
    try {
      await writeFile(fn, bytes, { mode: 0o644 });
    } catch (err) {
      const e = cppStrerror(errnoOf(err));
      io.stderr(`bufferlist::write_file(${fn}): failed to open file: ${e}\n`);
      io.stderr(`${ME}: error writing to '${fn}': ${e}\n`);
      return 1;
    }
  }
  return 0;
}

function nowUTime(): UTime {
  const ms = Date.now();
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: (ms - sec * 1000) * 1e6 };
}

/**
 * Run osdmaptool with `argv` (the arguments after the program name). Output
 * goes to `io` (process stdout/stderr by default); resolves to the exit status.
 */
export async function osdmaptoolMain(argv: string[], io: Partial<OsdmaptoolIo> = {}): Promise<number> {
  const full: OsdmaptoolIo = {
    stdout: io.stdout ?? ((s) => process.stdout.write(s)),
    stderr: io.stderr ?? ((s) => process.stderr.write(s)),
    clock: io.clock ?? nowUTime,
    env: io.env ?? process.env,
  };
  try {
    return await run(argv, full);
  } catch (err) {
    if (err instanceof ArgExit) return err.code;
    throw err;
  }
}
