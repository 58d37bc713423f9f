/**
 * The `rados` command: Pacific's rados.cc flow in TypeScript.
 *
 *   parse argv (options.ts) → read option values (sizes, counts, files)
 *   → CONNECT (couldn't connect → exit 1) → [--create: create the pool]
 *   → [-p / --pgid: open the pool's IoCtx] → [--snap / --snapid: read at a pool snap]
 *   → [--object-locator, -N / --all] → run the command (one file per command group)
 *   → ret < 0: "error N: (N) strerror" and exit 1; else exit 0
 *
 * Errors in an option value end the tool with rados.cc's own `return -EINVAL`
 * (exit status 234, as the real tool's). Output goes through `RadosIo` so
 * tests can capture it.
 */
import { guardStdout } from '../common/stdout.js';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { createInterface } from 'node:readline';
import { parseCommonArgs } from '../../common/argparse.js';
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import { Rados } from '../../rados/rados.js';
import { ALL_NSPACES } from '../../rados/io-ctx.js';
import { cephVersionLine } from '../../common/version.js';
import {
  fail,
  isExit,
  tryErrno,
  usageError,
  type CommandHandler,
  type RadosIo,
  type RadosSettings,
  type ToolContext,
} from './context.js';
import { cppStrerror, strictIecStrtoll } from './format.js';
import {
  createFormatter,
  needUsage,
  parseRadosOptions,
  takeFormatShortOption,
  type RadosOptionMap,
} from './options.js';
import { GENERIC_CLIENT_USAGE, RADOS_USAGE } from './usage.js';
import { poolCommands } from './pools.js';
import { objectCommands } from './objects.js';
import { xattrCommands } from './xattr.js';
import { omapCommands } from './omap.js';
import { lockCommands } from './lock.js';
import { watchCommands } from './watch.js';
import { snapCommands } from './snaps.js';
import { benchCommands } from './bench.js';

const EINVAL = 22;

/** Commands of Pacific's rados that tsceph does not implement (yet). */
const UNSUPPORTED = [
  'load-gen',
  'list-inconsistent-pg',
  'list-inconsistent-obj',
  'list-inconsistent-snapset',
  'cache-flush',
  'cache-try-flush',
  'cache-evict',
  'cache-flush-evict-all',
  'cache-try-flush-evict-all',
  'set-redirect',
  'set-chunk',
  'tier-promote',
  'unset-manifest',
  'tier-flush',
  'tier-evict',
  'export',
  'import',
];

const notSupported: CommandHandler = (ctx, nargs) => {
  ctx.io.stderr(`rados: '${nargs[0]}' is not supported by tsceph\n`);
  return Promise.resolve(-95);
};

const COMMANDS: Record<string, CommandHandler> = {
  ...Object.fromEntries(UNSUPPORTED.map((c) => [c, notSupported])),
  ...poolCommands,
  ...objectCommands,
  ...xattrCommands,
  ...omapCommands,
  ...lockCommands,
  ...watchCommands,
  ...snapCommands,
  ...benchCommands,
};

export const processIo: RadosIo = {
  stdout: (data) => {
    guardStdout();
    process.stdout.write(data);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
  readStdin: () =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      process.stdin.on('data', (c: Buffer) => chunks.push(c));
      process.stdin.once('end', () => resolve(Buffer.concat(chunks)));
      process.stdin.once('error', reject);
    }),
  waitForEnter: () =>
    new Promise<void>((resolve) => {
      const rl = createInterface({ input: process.stdin });
      const done = () => {
        rl.close();
        process.off('SIGINT', done);
        process.off('SIGTERM', done);
        resolve();
      };
      rl.once('line', done);
      rl.once('close', done);
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    }),
  hostname: () => osHostname(),
  pid: () => process.pid,
};

/** Exit statuses are bytes: rados.cc's `return -EINVAL` from main exits with 234. */
function exitStatus(code: number): number {
  return ((code % 256) + 256) % 256;
}

export async function main(
  argv: string[],
  io: RadosIo = processIo,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  if (argv.length === 0) {
    io.stderr('rados: -h or --help for usage\n');
    return 1;
  }
  if (needUsage(argv)) {
    io.stdout(RADOS_USAGE + GENERIC_CLIENT_USAGE);
    return 0;
  }
  if (argv.includes('--version')) {
    io.stdout(cephVersionLine() + '\n');
    return 0;
  }
  const pre = takeFormatShortOption(argv);
  let common;
  try {
    common = parseCommonArgs(pre.args, env, { environment: 'utility' });
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const opts: RadosOptionMap = new Map();
  if (pre.format !== undefined) opts.set('format', pre.format);
  const parsed = parseRadosOptions(common.rest, opts, pre.lastValue);
  if ('kind' in parsed) {
    if (parsed.kind === 'usage') return usageError(io).exitCode;
    io.stderr(parsed.message + '\n');
    return 1;
  }
  if (parsed.nargs.length === 0) {
    io.stderr('rados: you must give an action. Try --help\n');
    return 1;
  }
  return exitStatus(await radosToolCommon(opts, parsed.nargs, common.config, io));
}

type Config = ReturnType<typeof parseCommonArgs>['config'];

/** An option's value through `strict_iecstrtoll`, truncated to the C type rados.cc stores it in. */
function iecOption(
  io: RadosIo,
  opts: RadosOptionMap,
  key: string,
  bits: number,
  signed: boolean,
): number | undefined | null {
  const text = opts.get(key);
  if (text === undefined) return undefined;
  const r = strictIecStrtoll(text);
  if ('error' in r) {
    io.stderr(`Invalid value for ${key}: ${r.error}\n`);
    return null;
  }
  const v = signed ? BigInt.asIntN(bits, r.value) : BigInt.asUintN(bits, r.value);
  return Number(v);
}

/** rados.cc `rados_tool_common`: everything after the command line is parsed. */
async function radosToolCommon(
  opts: RadosOptionMap,
  nargs: string[],
  config: Config,
  io: RadosIo,
): Promise<number> {
  const settings: RadosSettings = {
    concurrentIos: 16,
    opSize: 1 << 22,
    objectSize: 0,
    maxObjects: 0,
    objOffset: 0,
    objOffsetSpecified: false,
    blockSizeSpecified: false,
    benchWriteDest: 0,
    cleanup: !opts.has('no-cleanup'),
    hints: !opts.has('no-hints'),
    reuseBench: opts.has('reuse-bench'),
    noVerify: opts.has('no-verify'),
    showTime: opts.has('show-time'),
    runName: opts.get('run-name') ?? '',
    prefix: opts.get('prefix') ?? '',
    forceFull: opts.has('force-full'),
    withClones: opts.has('with-clones'),
  };
  // the numeric options, in rados.cc's order: the first bad one ends the tool
  const numeric: [key: string, bits: number, signed: boolean, set: (v: number) => void][] = [
    ['concurrent-ios', 32, true, (v) => (settings.concurrentIos = v)],
    [
      'block-size',
      32,
      false,
      (v) => {
        settings.opSize = v;
        settings.blockSizeSpecified = true;
      },
    ],
    [
      'object-size',
      32,
      false,
      (v) => {
        settings.objectSize = v;
        settings.blockSizeSpecified = true;
      },
    ],
    ['max-objects', 32, false, (v) => (settings.maxObjects = v)],
    [
      'offset',
      64,
      false,
      (v) => {
        settings.objOffset = v;
        settings.objOffsetSpecified = true;
      },
    ],
  ];
  for (const [key, bits, signed, set] of numeric) {
    const v = iecOption(io, opts, key, bits, signed);
    if (v === null) return -EINVAL;
    if (v !== undefined) set(v);
  }
  let snapId = CEPH_NOSNAP;
  {
    const v = opts.get('snapid');
    if (v !== undefined) {
      const r = strictIecStrtoll(v);
      if ('error' in r) {
        io.stderr(`Invalid value for snapid: ${r.error}\n`);
        return -EINVAL;
      }
      snapId = BigInt.asUintN(64, r.value);
    }
  }
  // load-gen's options are validated even though tsceph does not run load-gen
  for (const [key, bits, signed] of [
    ['min-object-size', 64, false],
    ['max-object-size', 64, false],
    ['min-op-len', 64, false],
    ['max-op-len', 64, false],
    ['max-ops', 64, false],
    ['max-backlog', 64, false],
    ['target-throughput', 64, false],
    ['read-percent', 64, true],
    ['num-objects', 64, false],
    ['run-length', 32, true],
  ] as const) {
    if (iecOption(io, opts, key, bits, signed) === null) return -EINVAL;
  }
  let formatter;
  const format = opts.get('format');
  if (format !== undefined) {
    formatter = createFormatter(format);
    if (!formatter) {
      io.stderr(`unrecognized format: ${format}\n`);
      return -EINVAL;
    }
  }
  for (const [flagName, bit] of [
    ['write-dest-obj', 2],
    ['write-dest-omap', 4],
    ['write-dest-xattr', 8],
  ] as const) {
    if (opts.has(flagName)) settings.benchWriteDest |= bit;
  }
  let omapKey: string | undefined;
  let objName: string | undefined;
  for (const [key, set] of [
    ['omap-key-file', (s: string) => (omapKey = s)],
    ['obj-name-file', (s: string) => (objName = s)],
  ] as const) {
    const path = opts.get(key);
    if (path === undefined) continue;
    try {
      set(readFileSync(path).toString('utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).errno ?? -5;
      io.stderr(`can't open ${path}: ${cppStrerror(code)}\n`);
      return 1;
    }
  }
  if (iecOption(io, opts, 'offset_align', 64, false) === null) return -EINVAL;

  let rados: Rados;
  try {
    rados = await Rados.connect(config);
  } catch (err) {
    const errno = (err as { errno?: number }).errno ?? -5;
    io.stderr(`couldn't connect to cluster: ${cppStrerror(errno)}\n`);
    return 1;
  }
  try {
    return await runCommand(rados, opts, nargs, io, {
      settings,
      formatter,
      omapKey,
      objName,
      snapId,
    });
  } finally {
    await rados.shutDown();
  }
}

async function runCommand(
  rados: Rados,
  opts: RadosOptionMap,
  nargs: string[],
  io: RadosIo,
  parsed: {
    settings: RadosSettings;
    formatter: ToolContext['formatter'];
    omapKey: string | undefined;
    objName: string | undefined;
    snapId: bigint;
  },
): Promise<number> {
  let poolName = opts.get('pool');
  if (opts.has('create')) {
    if (poolName === undefined) {
      io.stderr('--create-pool requested but pool_name was not specified!\n');
      return usageError(io).exitCode;
    }
    const r = await tryErrno(() => rados.poolCreate(poolName!));
    if (r.r < 0) return fail(io, `error creating pool ${poolName}: ${cppStrerror(r.r)}`).exitCode;
  }
  const pgidText = opts.get('pgid');
  let pgid: { pool: number; seed: number } | undefined;
  if (pgidText !== undefined) {
    pgid = parsePgId(pgidText);
    let mismatch = false;
    if (pgid && poolName !== undefined) {
      const id = await tryErrno(() => rados.poolLookup(poolName!));
      mismatch = id.r < 0 || !('value' in id) || id.value !== pgid.pool;
    }
    if (!pgid || mismatch) return fail(io, 'invalid pgid').exitCode;
  }
  let ioCtx;
  if (poolName !== undefined || pgid) {
    const target = poolName ?? pgid!.pool;
    const r = await tryErrno(() => rados.ioCtx(target));
    if (!('value' in r)) {
      const what = poolName ?? `with id ${pgid!.pool}`;
      return fail(io, `error opening pool ${what}: ${cppStrerror(r.r)}`).exitCode;
    }
    ioCtx = r.value;
    poolName = ioCtx.poolName;
    if (opts.has('striper')) {
      // libradosstriper is not part of tsceph
      return fail(io, `error opening pool ${poolName} with striper interface: ${cppStrerror(-95)}`).exitCode;
    }
  }
  let snapId = parsed.snapId;
  const snapName = opts.get('snap');
  if (snapName !== undefined) {
    if (opts.get('pool') === undefined) return fail(io, 'pool name must be specified with --snap').exitCode;
    const pool = rados.objecter.osdmap.getPool(ioCtx!.poolId);
    const id = pool?.snapExists(snapName) ?? 0n;
    if (id === 0n) {
      return fail(io, `error looking up snap '${snapName}': ${cppStrerror(-2)}`).exitCode;
    }
    snapId = id;
  }
  const oloc = opts.get('object_locator') ?? '';
  if (oloc !== '') {
    if (opts.get('pool') === undefined)
      return fail(io, 'pool name must be specified with --object-locator').exitCode;
    ioCtx!.locatorKey = oloc;
  }
  const nspace = opts.get('namespace') ?? '';
  let wildcard = false;
  if (opts.has('namespace')) {
    if (opts.get('pool') === undefined)
      return fail(io, 'pool name must be specified with --namespace').exitCode;
    ioCtx!.setNamespace(nspace);
  } else if (opts.has('all') && !opts.has('default')) {
    wildcard = true;
  }
  if (snapId !== CEPH_NOSNAP) {
    if (opts.get('pool') === undefined) return fail(io, 'pool name must be specified with --snapid').exitCode;
    const snap = rados.objecter.osdmap.getPool(ioCtx!.poolId)?.snaps.get(snapId);
    if (!snap) return fail(io, `snapid ${snapId} doesn't exist in pool ${ioCtx!.poolName}`).exitCode;
    ioCtx!.setReadSnap(snapId);
    io.stdout(`selected snap ${snapId} '${snap.name}'\n`);
  }

  const ctx: ToolContext = {
    io,
    opts,
    settings: parsed.settings,
    rados,
    ioCtx,
    poolName,
    formatter: parsed.formatter,
    prettyFormat: opts.has('pretty-format'),
    output: opts.get('output'),
    objName: parsed.objName,
    omapKey: parsed.omapKey,
    inputFile: opts.get('input_file') ?? '',
    nspace,
    wildcard,
  };
  // `ls` lists every namespace only when asked to
  if (wildcard && nargs[0] === 'ls') ioCtx?.setNamespace(ALL_NSPACES);

  const handler = COMMANDS[nargs[0]!];
  let ret: number;
  if (!handler) {
    io.stderr(`unrecognized command ${nargs[0]}; -h or --help for usage\n`);
    ret = -EINVAL;
  } else {
    const result = await handler(ctx, nargs);
    if (isExit(result)) return result.exitCode;
    ret = result;
  }
  if (ret < 0) io.stderr(`error ${-ret}: ${cppStrerror(ret)}\n`);
  return ret < 0 ? 1 : 0;
}

/** `pg_t::parse`: "POOL.SEEDHEX". */
function parsePgId(text: string): { pool: number; seed: number } | undefined {
  const m = /^(\d+)\.([0-9a-fA-F]+)$/.exec(text);
  if (!m) return undefined;
  return { pool: Number(m[1]), seed: parseInt(m[2]!, 16) };
}

export { EINVAL };
