/**
 * Ceph's error vocabulary: one error class carrying the errno name and the
 * negative number that Ceph puts on the wire (Linux numbering, which is what
 * Ceph's daemons use). Ceph-specific aliases (EBLOCKLISTED, EOLDSNAPC) keep
 * their own names but share Linux numbers, exactly as Ceph's headers do.
 */

/** Linux errno numbers, plus the aliases Ceph defines in include/rados.h and friends. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENOMSG: 42,
  ENODATA: 61,
  ETIME: 62,
  ENOLINK: 67,
  EPROTO: 71,
  EBADMSG: 74,
  EOVERFLOW: 75,
  EILSEQ: 84,
  ERESTART: 85,
  EUSERS: 87,
  ENOTSOCK: 88,
  EMSGSIZE: 90,
  EOPNOTSUPP: 95,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTDOWN: 112,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
  ESTALE: 116,
  EUCLEAN: 117,
  EDQUOT: 122,
  ECANCELED: 125,
  EKEYREJECTED: 129,
  EOWNERDEAD: 130,
  ENOTRECOVERABLE: 131,
  /** Ceph: the client has been blocklisted by the cluster (shares ESHUTDOWN's number). */
  EBLOCKLISTED: 108,
  /** Ceph: write with an outdated snap context under ORDERSNAP (shares ERESTART's number). */
  EOLDSNAPC: 85,
  /** Ceph uses ENOTSUP and EOPNOTSUPP interchangeably; Linux gives both 95. */
  ENOTSUP: 95,
} as const;

export type ErrnoName = keyof typeof Errno;

/** Names to print for a number, preferring the Linux name (what Ceph's CLI prints via strerror/errorcode). */
const nameByNumber = new Map<number, ErrnoName>();
for (const [name, num] of Object.entries(Errno) as [ErrnoName, number][]) {
  if (!nameByNumber.has(num)) nameByNumber.set(num, name);
}

/** The errno name Linux gives a (positive or negative) number, or `E<num>` when unknown. */
export function errnoName(code: number): string {
  return nameByNumber.get(Math.abs(code)) ?? `E${Math.abs(code)}`;
}

/** Linux strerror() texts for the codes Ceph's tools commonly print. */
const strerrorText: Partial<Record<number, string>> = {
  1: 'Operation not permitted',
  2: 'No such file or directory',
  5: 'Input/output error',
  8: 'Exec format error',
  11: 'Resource temporarily unavailable',
  12: 'Cannot allocate memory',
  13: 'Permission denied',
  16: 'Device or resource busy',
  17: 'File exists',
  20: 'Not a directory',
  21: 'Is a directory',
  22: 'Invalid argument',
  28: 'No space left on device',
  30: 'Read-only file system',
  34: 'Numerical result out of range',
  36: 'File name too long',
  38: 'Function not implemented',
  39: 'Directory not empty',
  61: 'No data available',
  71: 'Protocol error',
  74: 'Bad message',
  85: 'Interrupted system call should be restarted',
  95: 'Operation not supported',
  104: 'Connection reset by peer',
  107: 'Transport endpoint is not connected',
  108: 'Cannot send after transport endpoint shutdown',
  110: 'Connection timed out',
  111: 'Connection refused',
  116: 'Stale file handle',
  125: 'Operation canceled',
};

/** strerror() of a (positive or negative) errno, as Ceph's cpp_strerror prints it. */
export function strerror(code: number): string {
  const n = Math.abs(code);
  return strerrorText[n] ?? `(${n}) Unknown error ${n}`;
}

/**
 * The one error type of tsceph. `code` is the errno name, `errno` the
 * negative number Ceph would return for it. Tests check `code`, never text.
 */
export class CephError extends Error {
  readonly code: string;
  readonly errno: number;

  constructor(code: ErrnoName | number, message?: string, options?: { cause?: unknown }) {
    const num = typeof code === 'number' ? -Math.abs(code) : -Errno[code];
    const name = typeof code === 'number' ? errnoName(code) : code;
    super(message ?? strerror(num), options);
    this.name = 'CephError';
    this.code = name;
    this.errno = num;
  }

  /** Build an error from a negative return value received on the wire. */
  static fromReturnValue(r: number, message?: string): CephError {
    return new CephError(r, message);
  }
}

/** True when `err` is a CephError with the given errno name (or number). */
export function isCephError(err: unknown, code?: ErrnoName | number): err is CephError {
  if (!(err instanceof CephError)) return false;
  if (code === undefined) return true;
  return typeof code === 'number'
    ? err.errno === -Math.abs(code)
    : err.code === code || err.errno === -Errno[code];
}

/** An assertion that stays on in production: a programmer mistake, not an expected failure. */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new Error(`assert: ${message}`);
}
