/**
 * How Ceph's `operator<<` prints the small types of the OSD map: times,
 * floats (ostream's default `%g` with six digits), vectors, addresses.
 */
import { formatGeneral } from '../crush/index.js';
import { AddrType, type EntityAddr, type EntityAddrVec, type UTime } from '../encoding/types.js';
import { CRUSH_ITEM_NONE } from './constants.js';

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Times earlier than ten years after the epoch print raw, as durations. */
const RELATIVE_TIME_LIMIT_SEC = 60 * 60 * 24 * 365 * 10;

/** `operator<<(utime_t)` (`utime_t::localtime`): `2024-01-02T03:04:05.123456+0000` in the local zone. */
export function formatUTimeLocal(t: UTime): string {
  const usec = Math.floor(t.nsec / 1000);
  if (t.sec < RELATIVE_TIME_LIMIT_SEC) return `${t.sec}.${pad(usec, 6)}`;
  const d = new Date(t.sec * 1000);
  const offsetMin = -d.getTimezoneOffset();
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}T` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(usec, 6)}` +
    `${sign}${pad(Math.floor(abs / 60), 2)}${pad(abs % 60, 2)}`
  );
}

/**
 * A float or double through `ostream <<` with default flags: `%g`, six
 * significant digits, exact ties rounded to even as glibc does (0.2578125
 * prints 0.257812; 16.16 weights hit such ties often).
 */
export function formatFloat(v: number): string {
  return formatGeneral(v, 6);
}

/** `operator<<(vector<int>)`: `[1,2,3]`; CRUSH_ITEM_NONE prints as its number, 2147483647. */
export function formatIntVector(v: readonly number[]): string {
  return `[${v.join(',')}]`;
}

/** `pg_vector_string`: like a vector, but CRUSH_ITEM_NONE prints as `NONE`. */
export function formatPgVector(v: readonly number[]): string {
  return `[${v.map((o) => (o === CRUSH_ITEM_NONE ? 'NONE' : String(o))).join(',')}]`;
}

/**
 * `operator<<(entity_addr_t)`: `v2:1.2.3.4:6800/123`; type ANY (blocklist
 * entries) has no prefix and type NONE prints `-`.
 */
export function formatAddr(a: EntityAddr): string {
  if (a.type === AddrType.NONE) return '-';
  const prefix =
    a.type === AddrType.LEGACY
      ? 'v1:'
      : a.type === AddrType.MSGR2
        ? 'v2:'
        : a.type === AddrType.CIDR
          ? 'cidr:'
          : a.type === AddrType.ANY
            ? ''
            : 'unknown:';
  if (a.family === 0) return `${prefix}-/${a.nonce}`;
  const ip = a.family === 10 ? `[${a.ip}]` : a.ip;
  return `${prefix}${ip}:${a.port}/${a.nonce}`;
}

/** `operator<<(entity_addrvec_t)`: empty prints nothing, one address bare, more in brackets. */
export function formatAddrVec(v: EntityAddrVec): string {
  if (v.length === 0) return '';
  if (v.length === 1) return formatAddr(v[0]!);
  return `[${v.map(formatAddr).join(',')}]`;
}
