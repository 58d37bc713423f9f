import { CephError } from '../common/errors.js';
import type { Decoder } from './decoder.js';
import type { Encoder } from './encoder.js';

/** Entity types (`CEPH_ENTITY_TYPE_*`): the kind of daemon or client a name refers to. */
export const EntityType = {
  MON: 0x01,
  MDS: 0x02,
  OSD: 0x04,
  CLIENT: 0x08,
  MGR: 0x10,
  AUTH: 0x20,
  ANY: 0xff,
} as const;
export type EntityType = (typeof EntityType)[keyof typeof EntityType];

const entityTypeNames: Record<number, string> = {
  0x01: 'mon',
  0x02: 'mds',
  0x04: 'osd',
  0x08: 'client',
  0x10: 'mgr',
  0x20: 'auth',
  0xff: 'any',
};

export function entityTypeName(type: number): string {
  return entityTypeNames[type] ?? 'unknown';
}

export function entityTypeFromName(name: string): number {
  for (const [num, n] of Object.entries(entityTypeNames)) if (n === name) return Number(num);
  throw new CephError('EINVAL', `unknown entity type '${name}'`);
}

/** `entity_name_t`: a u8 type and an i64 number (client.4123, osd.3). */
export interface EntityNameT {
  type: number;
  /** The number; -1 (`NEW`) for a client that has no global id yet. */
  num: bigint;
}

export function encodeEntityNameT(e: Encoder, n: EntityNameT): void {
  e.u8(n.type).i64(n.num);
}

export function decodeEntityNameT(d: Decoder): EntityNameT {
  return { type: d.u8(), num: d.i64() };
}

export function formatEntityNameT(n: EntityNameT): string {
  return `${entityTypeName(n.type)}.${n.num}`;
}

/** `EntityName` (auth): a u32 type and a string id (client.admin, mon.a). */
export interface EntityName {
  type: number;
  id: string;
}

export function encodeEntityName(e: Encoder, n: EntityName): void {
  e.u32(n.type).string(n.id);
}

export function decodeEntityName(d: Decoder): EntityName {
  return { type: d.u32(), id: d.string() };
}

export function formatEntityName(n: EntityName): string {
  return `${entityTypeName(n.type)}.${n.id}`;
}

/** Parse `client.admin`, `mon.a`, `osd.3` into an EntityName. */
export function parseEntityName(s: string): EntityName {
  const dot = s.indexOf('.');
  if (dot <= 0) throw new CephError('EINVAL', `invalid entity name '${s}': expected TYPE.ID`);
  return { type: entityTypeFromName(s.slice(0, dot)), id: s.slice(dot + 1) };
}

/** `entity_addr_t::type`: which protocol an address speaks. */
export const AddrType = {
  NONE: 0,
  LEGACY: 1,
  MSGR2: 2,
  ANY: 3,
  CIDR: 4,
} as const;
export type AddrType = (typeof AddrType)[keyof typeof AddrType];

const AF_INET = 2;
const AF_INET6 = 10;

/** `entity_addr_t`: protocol type, nonce and a socket address. */
export interface EntityAddr {
  type: number;
  /** Distinguishes incarnations of a daemon bound to the same ip:port. */
  nonce: number;
  /** 0 when the address is blank (no sockaddr). */
  family: number;
  /** Textual IP ('127.0.0.1', '::1'); '' for blank. */
  ip: string;
  port: number;
}

export function blankAddr(type: number = AddrType.NONE): EntityAddr {
  return { type, nonce: 0, family: 0, ip: '', port: 0 };
}

export function makeAddr(type: number, ip: string, port: number, nonce = 0): EntityAddr {
  return { type, nonce, family: ip.includes(':') ? AF_INET6 : AF_INET, ip, port };
}

function ipv4ToBytes(ip: string, out: Buffer, at: number): void {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new CephError('EINVAL', `invalid IPv4 address '${ip}'`);
  }
  for (let i = 0; i < 4; i++) out[at + i] = parts[i]!;
}

function ipv6ToBytes(ip: string, out: Buffer, at: number): void {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups =
    tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new CephError('EINVAL', `invalid IPv6 address '${ip}'`);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), at + i * 2));
}

function bytesToIpv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** The length of the sockaddr Ceph encodes for this address: a blank one still sends the whole 28-byte union. */
function sockaddrLen(a: EntityAddr): number {
  if (a.family === AF_INET) return 16;
  return 28;
}

/**
 * Encode with MSG_ADDR2 semantics (what every Nautilus+ peer uses): marker u8 1,
 * then a v1 struct of type, nonce, u32 sockaddr length and the sockaddr with its
 * family little-endian and port/address in network order.
 */
export function encodeEntityAddr(e: Encoder, a: EntityAddr): void {
  e.u8(1);
  e.struct(1, 1, (s) => {
    s.u32(a.type).u32(a.nonce);
    const len = sockaddrLen(a);
    s.u32(len);
    const sa = Buffer.alloc(len);
    sa.writeUInt16LE(a.family, 0);
    if (a.family === AF_INET || a.family === AF_INET6) sa.writeUInt16BE(a.port, 2);
    if (a.family === AF_INET) ipv4ToBytes(a.ip, sa, 4);
    else if (a.family === AF_INET6) ipv6ToBytes(a.ip, sa, 8); // sin6_flowinfo (4 bytes) precedes the address
    s.bytes(sa);
  });
}

/** Legacy (pre-ADDR2) entity_addr_t: u32 0, u32 nonce, 128-byte sockaddr_storage with big-endian family. */
function decodeLegacyAddrBody(d: Decoder): EntityAddr {
  d.u32(); // legacy type field, always 0
  const nonce = d.u32();
  const ss = d.bytes(128);
  const family = ss.readUInt16BE(0);
  const port = ss.readUInt16BE(2);
  if (family === AF_INET)
    return { type: AddrType.LEGACY, nonce, family, ip: [...ss.subarray(4, 8)].join('.'), port };
  if (family === AF_INET6)
    return { type: AddrType.LEGACY, nonce, family, ip: bytesToIpv6(ss.subarray(8, 24)), port };
  return { type: AddrType.NONE, nonce, family: 0, ip: '', port: 0 };
}

export function decodeEntityAddr(d: Decoder): EntityAddr {
  const marker = d.u8();
  if (marker === 0) {
    // legacy encoding: the marker byte was the first byte of a u32 0 type field
    d.offset -= 1;
    return decodeLegacyAddrBody(d);
  }
  if (marker !== 1) throw new CephError('EBADMSG', `entity_addr_t: unknown marker ${marker}`);
  return d.struct('entity_addr_t', 1, (s) => {
    const type = s.u32();
    const nonce = s.u32();
    const len = s.u32();
    if (len === 0) return { type, nonce, family: 0, ip: '', port: 0 };
    const sa = s.bytes(len);
    const family = len >= 2 ? sa.readUInt16LE(0) : -1;
    if (family === 0 && len <= 28) return { type, nonce, family: 0, ip: '', port: 0 };
    const port = len >= 4 ? sa.readUInt16BE(2) : 0;
    if (family === AF_INET && len >= 8)
      return { type, nonce, family, ip: [...sa.subarray(4, 8)].join('.'), port };
    if (family === AF_INET6 && len >= 24)
      return { type, nonce, family, ip: bytesToIpv6(sa.subarray(8, 24)), port };
    throw new CephError('EBADMSG', `entity_addr_t: unsupported family ${family} (len ${len})`);
  });
}

/** Ceph's text form: `v2:127.0.0.1:3300/0`, `v1:[::1]:6789/123`, `-` for blank. */
export function formatEntityAddr(a: EntityAddr): string {
  const prefix =
    a.type === AddrType.LEGACY
      ? 'v1:'
      : a.type === AddrType.MSGR2
        ? 'v2:'
        : a.type === AddrType.ANY
          ? 'any:'
          : '';
  if (a.family === 0) return `${prefix}-/${a.nonce}`;
  const ip = a.family === AF_INET6 ? `[${a.ip}]` : a.ip;
  return `${prefix}${ip}:${a.port}/${a.nonce}`;
}

/**
 * Parse Ceph's text form of an address: optional `v1:`/`v2:`/`any:` prefix, IPv4 or
 * bracketed IPv6, optional `:port`, optional `/nonce`. `defaultType` applies when no
 * prefix is given; `defaultPort` when no port is given.
 */
export function parseEntityAddr(
  text: string,
  defaultType: number = AddrType.ANY,
  defaultPort = 0,
): EntityAddr {
  let s = text.trim();
  let type = defaultType;
  if (s.startsWith('v1:')) {
    type = AddrType.LEGACY;
    s = s.slice(3);
  } else if (s.startsWith('v2:')) {
    type = AddrType.MSGR2;
    s = s.slice(3);
  } else if (s.startsWith('any:')) {
    type = AddrType.ANY;
    s = s.slice(4);
  }
  let nonce = 0;
  const slash = s.lastIndexOf('/');
  if (slash >= 0) {
    nonce = Number(s.slice(slash + 1));
    s = s.slice(0, slash);
  }
  let ip: string;
  let port = defaultPort;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new CephError('EINVAL', `invalid address '${text}'`);
    ip = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest.startsWith(':')) port = Number(rest.slice(1));
    else if (rest !== '') throw new CephError('EINVAL', `invalid address '${text}'`);
  } else {
    const colons = s.split(':').length - 1;
    if (colons === 1) {
      const [h, p] = s.split(':') as [string, string];
      ip = h;
      port = Number(p);
    } else {
      ip = s; // bare IPv4, or bare IPv6 without port
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(nonce)) {
    throw new CephError('EINVAL', `invalid address '${text}'`);
  }
  const addr = makeAddr(type, ip, port, nonce);
  // validate by encoding the ip
  const probe = Buffer.alloc(16);
  if (addr.family === AF_INET) ipv4ToBytes(ip, probe, 0);
  else ipv6ToBytes(ip, probe, 0);
  return addr;
}

/** `entity_addrvec_t`: the addresses one entity listens on (typically one v2 and one v1). */
export type EntityAddrVec = EntityAddr[];

/** Encode with MSG_ADDR2: marker u8 2, then a list of entity_addr_t. */
export function encodeEntityAddrVec(e: Encoder, v: EntityAddrVec): void {
  e.u8(2);
  e.list(v, encodeEntityAddr);
}

export function decodeEntityAddrVec(d: Decoder): EntityAddrVec {
  const marker = d.u8();
  if (marker === 0) {
    d.offset -= 1;
    return [decodeLegacyAddrBody(d)];
  }
  if (marker === 1) {
    d.offset -= 1;
    return [decodeEntityAddr(d)];
  }
  if (marker !== 2) throw new CephError('EBADMSG', `entity_addrvec_t: unknown marker ${marker}`);
  return d.list(decodeEntityAddr);
}

/** Ceph's text form of an addrvec: `[v2:127.0.0.1:3300/0,v1:127.0.0.1:6789/0]`; a single address prints bare. */
export function formatEntityAddrVec(v: EntityAddrVec): string {
  if (v.length === 1) return formatEntityAddr(v[0]!);
  return `[${v.map(formatEntityAddr).join(',')}]`;
}

/** `utime_t`: u32 seconds and u32 nanoseconds since the epoch. */
export interface UTime {
  sec: number;
  nsec: number;
}

export function encodeUTime(e: Encoder, t: UTime): void {
  e.u32(t.sec).u32(t.nsec);
}

export function decodeUTime(d: Decoder): UTime {
  return { sec: d.u32(), nsec: d.u32() };
}

export function utimeFromMs(ms: number): UTime {
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

export function utimeToMs(t: UTime): number {
  return t.sec * 1000 + t.nsec / 1e6;
}

/** `uuid_d` / `ceph_fsid_t`: 16 raw bytes, printed in the usual 8-4-4-4-12 form. */
export function encodeUuid(e: Encoder, uuid: string): void {
  e.bytes(uuidToBytes(uuid));
}

export function decodeUuid(d: Decoder): string {
  return bytesToUuid(d.bytes(16));
}

export function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new CephError('EINVAL', `invalid uuid '${uuid}'`);
  return Buffer.from(hex, 'hex');
}

export function bytesToUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
