/**
 * Ceph-style logging (common/dout.h + log/Log.cc): per-subsystem levels from
 * the `debug_<subsys>` options, "N/M" meaning log up to N and keep up to M in a
 * memory ring that `log dump` (or a crash) writes out. Lines look exactly like
 * Ceph's:
 *
 *   2026-11-21T10:00:00.123+0000 7f0a3c1d2e00 20 monclient: message
 *   <local time with offset>     <thread>  <prio %2d> <message>
 *
 * An entry of priority p for subsystem s is
 *   gathered  when p ≤ max(N, M) of s      (kept in the recent ring)
 *   logged    when p ≤ N                   (written to log_file and maybe stderr)
 *   on stderr when logged and p ≤ 99 with log_to_stderr, p ≤ -1 with err_to_stderr
 * Errors use priority -1 and therefore always reach the log.
 *
 * Writes are buffered and flushed synchronously on the next tick, at 64 KiB,
 * on `flush()` and when the process exits, so a burst of debug lines costs one
 * write call.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { systemClock, type Clock } from './clock.js';
import { Config } from './config.js';

/** One gathered entry. */
interface Entry {
  stamp: number;
  prio: number;
  subsys: string;
  message: string;
}

export interface LogOptions {
  clock?: Clock;
  /** Where stderr lines go (default: process.stderr). */
  stderr?: (text: string) => void;
  /** The hex "thread id" column (default derived from the pid). */
  threadId?: string;
}

const FLUSH_BYTES = 64 * 1024;

/** Options the log follows at runtime. */
const LOG_OPTIONS = [
  'log_file',
  'log_to_file',
  'log_to_stderr',
  'err_to_stderr',
  'log_stderr_prefix',
  'log_max_recent',
  'log_coarse_timestamps',
] as const;

/** The log of one Ceph entity: formatting, sinks and the recent-entries ring. */
export class Log {
  readonly config: Config;
  private readonly clock: Clock;
  private readonly stderrWrite: (text: string) => void;
  readonly threadId: string;

  private fd: number | undefined;
  private openPath = '';
  private pendingFile: string[] = [];
  private pendingStderr: string[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  /** Ring of recent entries: `recent[(recentStart + i) % recent.length]`, oldest first. */
  private recent: Entry[] = [];
  private recentStart = 0;
  private stderrThreshold = -2;
  private maxRecent = 500;
  private coarse = true;
  private stderrPrefix = '';
  private readonly unobserve: () => void;
  private closed = false;

  constructor(config: Config, options: LogOptions = {}) {
    this.config = config;
    this.clock = options.clock ?? systemClock;
    this.stderrWrite = options.stderr ?? ((text) => process.stderr.write(text));
    this.threadId =
      options.threadId ?? (0x7f0000000000 + ((process.pid * 0x1000) % 0xffffffffff)).toString(16);
    this.readOptions();
    this.unobserve = config.addObserver([...LOG_OPTIONS], (changed) => {
      this.readOptions();
      if (changed.has('log_file') || changed.has('log_to_file')) this.reopen();
    });
    openLogs.add(this);
  }

  /** The file lines go to, '' when not logging to a file. */
  get logFile(): string {
    return this.config.get('log_to_file') ? this.config.get('log_file') : '';
  }

  /** Would an entry of this priority be kept at all? Check before building an expensive message. */
  shouldGather(subsys: string, prio: number): boolean {
    const { log, gather } = this.config.subsystemLevels(subsys);
    return prio <= Math.max(log, gather);
  }

  /** Record one entry (the caller already knows it should be gathered, or does not care). */
  submit(subsys: string, prio: number, message: string): void {
    const { log, gather } = this.config.subsystemLevels(subsys);
    if (prio > Math.max(log, gather)) return;
    const entry: Entry = { stamp: this.clock.now(), prio, subsys, message };
    if (this.recent.length < this.maxRecent) {
      this.recent.push(entry);
    } else {
      this.recent[this.recentStart] = entry;
      this.recentStart = (this.recentStart + 1) % this.recent.length;
    }
    if (prio > log) return;
    this.write(this.formatEntry(entry), prio <= this.stderrThreshold);
  }

  /** A logger for one subsystem with a message prefix (Ceph's dout_prefix). */
  logger(subsys: string, prefix = `${subsys}: `): Logger {
    this.config.subsystemLevels(subsys); // asserts the subsystem exists
    return new Logger(() => this, subsys, prefix);
  }

  /** Format an entry as a log line (without the trailing newline). */
  formatEntry(e: Entry): string {
    return `${formatLogStamp(e.stamp, this.coarse)} ${this.threadId} ${String(e.prio).padStart(2)} ${e.message}`;
  }

  /** `log reopen`: close and reopen the log file (after rotation). */
  reopen(): void {
    this.flush();
    this.closeFile();
    this.openFile();
  }

  /**
   * `log dump`: write the recent-entries ring (numbered back from 0 like a crash
   * dump), the subsystem levels and the log settings to the log.
   */
  dumpRecent(): void {
    this.flush();
    const lines: string[] = ['--- begin dump of recent events ---'];
    const entries = [...this.recent.slice(this.recentStart), ...this.recent.slice(0, this.recentStart)];
    this.recent = [];
    this.recentStart = 0;
    entries.forEach((e, i) => {
      lines.push(`${String(i - entries.length + 1).padStart(6)}> ${this.formatEntry(e)}`);
    });
    lines.push('--- logging levels ---');
    for (const sub of this.config.schema.subsystems) {
      const { log, gather } = this.config.subsystemLevels(sub.name);
      lines.push(`  ${String(log).padStart(2)}/${String(gather).padStart(2)} ${sub.name}`);
    }
    lines.push('  -2/-2 (syslog threshold)');
    lines.push(
      `  ${String(this.stderrThreshold).padStart(2)}/${String(this.stderrThreshold).padStart(2)} (stderr threshold)`,
    );
    lines.push('--- pthread ID / name mapping for recent threads ---');
    lines.push(`  ${this.threadId} / node`);
    lines.push(`  max_recent ${String(this.maxRecent).padStart(9)}`);
    lines.push(`  max_new    ${String(1000).padStart(9)}`);
    lines.push(`  log_file ${this.logFile}`);
    lines.push('--- end dump of recent events ---');
    for (const line of lines) this.write(line, this.stderrThreshold >= 99);
    this.flush();
  }

  /** Write buffered lines now. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pendingFile.length > 0) {
      const text = this.pendingFile.join('');
      this.pendingFile = [];
      if (this.fd === undefined && !this.closed) this.openFile();
      if (this.fd !== undefined) writeSync(this.fd, text);
    }
    if (this.pendingStderr.length > 0) {
      const text = this.pendingStderr.join('');
      this.pendingStderr = [];
      this.stderrWrite(text);
    }
    this.pendingBytes = 0;
  }

  /** Flush, close the file and stop following the config. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.closeFile();
    this.unobserve();
    openLogs.delete(this);
  }

  private write(line: string, toStderr: boolean): void {
    if (this.logFile !== '' && !this.closed) this.pendingFile.push(line + '\n');
    // Ceph's stderr stream gets the line (which ends in '\n') followed by std::endl
    if (toStderr) this.pendingStderr.push(`${this.stderrPrefix}${line}\n\n`);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        if (this.flushScheduled) this.flush();
      });
    }
  }

  private readOptions(): void {
    const c = this.config;
    this.stderrThreshold = c.get('log_to_stderr') ? 99 : c.get('err_to_stderr') ? -1 : -2;
    const maxRecent = Math.max(1, c.get('log_max_recent'));
    if (maxRecent !== this.maxRecent) {
      // keep the newest entries that still fit
      const ordered = [...this.recent.slice(this.recentStart), ...this.recent.slice(0, this.recentStart)];
      this.recent = ordered.slice(-maxRecent);
      this.recentStart = 0;
      this.maxRecent = maxRecent;
    }
    this.coarse = c.get('log_coarse_timestamps');
    this.stderrPrefix = c.get('log_stderr_prefix');
  }

  private openFile(): void {
    const path = this.logFile;
    if (path === '') return;
    try {
      this.fd = openSync(path, 'a', 0o644);
      this.openPath = path;
    } catch (err) {
      // Ceph reports this on stderr and keeps running without a log file
      this.stderrWrite(`failed to open log file '${path}': ${(err as Error).message}\n`);
    }
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    this.openPath = '';
  }

  /** The path of the open log file ('' when none is open). */
  get openFilePath(): string {
    return this.openPath;
  }
}

/**
 * A subsystem's logging handle: `log.debug(10, () => 'expensive ' + thing)`.
 * The message function runs only when the entry will be gathered.
 */
export class Logger {
  constructor(
    private readonly target: () => Log,
    readonly subsys: string,
    readonly prefix: string,
  ) {}

  /** Would a debug message at this level be kept? */
  enabled(level: number): boolean {
    return this.target().shouldGather(this.subsys, level);
  }

  debug(level: number, message: string | (() => string)): void {
    const log = this.target();
    if (!log.shouldGather(this.subsys, level)) return;
    log.submit(this.subsys, level, this.prefix + (typeof message === 'string' ? message : message()));
  }

  /** An error (`derr`/`lderr`): priority -1, always logged. */
  error(message: string | (() => string)): void {
    this.debug(-1, message);
  }

  /** A logger for the same subsystem with a different prefix (e.g. "monclient(hunting): "). */
  withPrefix(prefix: string): Logger {
    return new Logger(this.target, this.subsys, prefix);
  }
}

/** Ceph's log time stamp: local time with offset, milliseconds (coarse) or microseconds. */
export function formatLogStamp(ms: number, coarse = true): string {
  const d = new Date(Math.floor(ms));
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const offsetMin = -d.getTimezoneOffset();
  const sign = offsetMin >= 0 ? '+' : '-';
  const off = Math.abs(offsetMin);
  const fraction = coarse ? pad(d.getMilliseconds(), 3) : pad(Math.floor((ms * 1000) % 1_000_000), 6);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${fraction}` +
    `${sign}${pad(Math.floor(off / 60))}${pad(off % 60)}`
  );
}

/** Logs with buffered lines to write when the process exits (one exit handler for all). */
const openLogs = new Set<Log>();
process.on('exit', () => {
  for (const log of openLogs) log.flush();
});

let defaultLog: Log | undefined;

/**
 * Make `log` the process default that `logger(subsys)` handles write to.
 * Daemons and CLIs call this once with their context's log.
 */
export function setDefaultLog(log: Log): void {
  defaultLog = log;
}

/** The process default log (created on first use with library defaults: quiet unless configured). */
export function getDefaultLog(): Log {
  defaultLog ??= new Log(new Config({ environment: 'library' }));
  return defaultLog;
}

/**
 * A logger for a subsystem of the process default log, resolved at each call,
 * so module-level `const log = logger('monc')` follows `setDefaultLog` later.
 */
export function logger(subsys: string, prefix = `${subsys}: `): Logger {
  return new Logger(getDefaultLog, subsys, prefix);
}
