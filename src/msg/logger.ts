/**
 * The messenger's logging hook, kept trivial so the per-subsystem logger of
 * common/ can be wired in later: `level` is the highest debug level wanted
 * (Ceph's debug_ms), `debug` receives lines at or below it.
 */
export interface MsgLogger {
  /** Highest level that is emitted (0 = errors only, 1 = connection events, 20+ = per-frame). */
  readonly level: number;
  debug(level: number, message: string): void;
}

/** Drops everything except level-0 lines, which go to stderr (Ceph prints lderr). */
export const quietLogger: MsgLogger = {
  level: 0,
  debug(level, message) {
    if (level <= 0) process.stderr.write(`ms: ${message}\n`);
  },
};

/** Writes every line up to `level` to stderr, prefixed like Ceph's `-- ` messenger lines. */
export function stderrLogger(level: number): MsgLogger {
  return {
    level,
    debug(l, message) {
      if (l <= level) process.stderr.write(`ms ${l}: ${message}\n`);
    },
  };
}

/** Logs at `level` only when enabled, building the text lazily (per-message lines are hot). */
export function dout(log: MsgLogger, level: number, message: () => string): void {
  if (level <= log.level) log.debug(level, message());
}
