/**
 * What every `rados` command handler gets: the process streams, the parsed
 * options, the connected cluster, the pool's IoCtx when -p was given, and the
 * settings rados.cc derives from its options before running a command.
 *
 * A handler returns either the `ret` rados.cc falls through with (a negative
 * errno makes the tool print "error N: ..." and exit 1) or an exit code it
 * returns directly, the way rados.cc's handlers `return 1` after printing
 * their own message.
 */
import type { Formatter } from '../../common/formatter.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import type { Rados } from '../../rados/rados.js';
import type { RadosOptionMap } from './options.js';
import { GENERIC_CLIENT_USAGE, RADOS_USAGE } from './usage.js';

/** The process's standard streams (replaceable in tests). */
export interface RadosIo {
  stdout(data: string | Buffer): void;
  /** Text for stderr, written as given (callers add the newline). */
  stderr(text: string): void;
  /** All of standard input (`put -`, `setxattr` without a value). */
  readStdin(): Promise<Buffer>;
  /** Resolves when a line (or end of file) arrives on stdin, or on SIGINT/SIGTERM: `rados watch`. */
  waitForEnter(): Promise<void>;
  /** Local host name as gethostname(2) reports it (bench object names). */
  hostname(): string;
  pid(): number;
}

/** A direct exit, bypassing rados.cc's final "error N" line. */
export interface ExitCode {
  exitCode: number;
}

export type CommandResult = number | ExitCode;

/** Numbers rados.cc derives from its options. */
export interface RadosSettings {
  concurrentIos: number;
  /** -b: bytes per read/write (default 4 MiB). */
  opSize: number;
  /** -O / --object-size: 0 means "same as the op size". */
  objectSize: number;
  maxObjects: number;
  /** --offset for put. */
  objOffset: number;
  objOffsetSpecified: boolean;
  /** -b or -O given (only write benchmarks accept them). */
  blockSizeSpecified: boolean;
  /** --write-object / --write-omap / --write-xattr bits. */
  benchWriteDest: number;
  cleanup: boolean;
  hints: boolean;
  reuseBench: boolean;
  noVerify: boolean;
  showTime: boolean;
  runName: string;
  prefix: string;
  forceFull: boolean;
  withClones: boolean;
}

export interface ToolContext {
  io: RadosIo;
  opts: RadosOptionMap;
  settings: RadosSettings;
  rados: Rados;
  /** Set when -p named a pool. */
  ioCtx: IoCtx | undefined;
  poolName: string | undefined;
  /** --format (undefined: plain text). */
  formatter: Formatter | undefined;
  /** --pretty-format. */
  prettyFormat: boolean;
  /** -o / --output. */
  output: string | undefined;
  /** --obj-name-file: the object name, which then is not a positional argument. */
  objName: string | undefined;
  /** --omap-key-file. */
  omapKey: string | undefined;
  /** --input-file. */
  inputFile: string;
  /** -N. */
  nspace: string;
  /** --all without --default: `ls` and `cleanup` span every namespace. */
  wildcard: boolean;
}

/** `usage(cerr); return 1;` — the generic options still go to stdout. */
export function usageError(io: RadosIo): ExitCode {
  io.stderr(RADOS_USAGE);
  io.stdout(GENERIC_CLIENT_USAGE);
  return { exitCode: 1 };
}

/** `cerr << line << std::endl; return 1;` */
export function fail(io: RadosIo, line: string): ExitCode {
  io.stderr(line + '\n');
  return { exitCode: 1 };
}

export function isExit(r: CommandResult): r is ExitCode {
  return typeof r === 'object';
}

/** The negative errno of a failure (CephError), rethrowing anything else. */
export function errnoOf(err: unknown): number {
  if (typeof err === 'object' && err !== null && 'errno' in err && typeof err.errno === 'number') {
    if (err.errno < 0) return err.errno;
  }
  throw err;
}

/** The negative errno of an error, or `fallback` (EIO) for one that carries none. */
export function errnoOr(err: unknown, fallback = -5): number {
  if (typeof err === 'object' && err !== null && 'errno' in err && typeof err.errno === 'number') {
    if (err.errno < 0) return err.errno;
  }
  return fallback;
}

/** Run a library call and turn a CephError into its negative errno (0 on success). */
export async function tryErrno<T>(call: () => Promise<T>): Promise<{ r: 0; value: T } | { r: number }> {
  try {
    return { r: 0, value: await call() };
  } catch (err) {
    return { r: errnoOf(err) };
  }
}

/** The IoCtx and pool name of a command that requires -p (checked by the caller). */
export function poolOf(ctx: ToolContext): { ioCtx: IoCtx; poolName: string } {
  if (!ctx.ioCtx || ctx.poolName === undefined) throw new Error('rados: command needs a pool');
  return { ioCtx: ctx.ioCtx, poolName: ctx.poolName };
}

export type CommandHandler = (ctx: ToolContext, nargs: string[]) => Promise<CommandResult>;
