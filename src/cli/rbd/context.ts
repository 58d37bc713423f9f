/**
 * What every `rbd` command handler gets: the process streams, the parsed
 * Ceph configuration and the way to reach librbd. Handlers return what
 * Ceph's actions return — 0 or a negative errno, whose absolute value is the
 * exit status.
 */
import type { Config } from '../../common/config.js';
import type { LibrbdConnector } from './librbd-api.js';
import type { VariablesMap } from './program-options.js';

/** The process's standard streams (replaceable in tests). */
export interface RbdIo {
  /** Write to stdout; resolves when the data may be followed by more (back-pressure for export -). */
  stdout(data: string | Buffer): void | Promise<void>;
  /** Text for stderr, written as given. */
  stderr(text: string): void;
  /** Standard input in chunks (import -, import-diff -). */
  stdin(): AsyncIterable<Buffer>;
  /** Resolves when a line (or end of file) arrives on stdin, or on SIGINT/SIGTERM: `rbd watch`. */
  waitForEnter(): Promise<void>;
  /** Seconds since the epoch (trash deferment, `rbd trash ls` times). */
  now(): number;
  /** Monotonic milliseconds (bench). */
  monotonicMs(): number;
  /** The local timezone offset rules: strftime/ctime go through this (tests pin it). */
  localTime(seconds: number): LocalTime;
}

/** `struct tm` fields as localtime_r fills them. */
export interface LocalTime {
  year: number;
  /** 0..11 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday */
  weekday: number;
}

export interface RbdContext {
  io: RbdIo;
  config: Config;
  librbd: LibrbdConnector;
  /** Arguments Ceph's global_init consumed (for the deprecated-option warnings). */
  globalInitArgs: string[];
}

/** An action's handler: Ceph's `execute(vm, ceph_global_init_args)`. */
export type Execute = (vm: VariablesMap, ctx: RbdContext) => Promise<number>;
