/**
 * The parts of Ceph's `entity_addr_t` / `entity_addrvec_t` behaviour that the
 * monmap and `monmaptool` depend on, reproduced exactly: text parsing as
 * `entity_addr_t::parse` does it (glibc `inet_pton` rules, `v1:`/`v2:`/`any:`
 * prefixes, `-` for a blank address), printing as `operator<<` does it (glibc
 * `inet_ntop`), the raw-memory ordering Ceph uses to sort monitors into
 * legacy ranks, and the pre-ADDR2 wire form sent to very old peers.
 *
 * Addresses are the shared `EntityAddr` of `encoding/types.ts`; the IP text
 * this module produces is always one `encoding/types.ts` can encode.
 */
import type { Encoder } from '../encoding/encoder.js';
import { AddrType, type EntityAddr, type EntityAddrVec } from '../encoding/types.js';

/** `AF_INET` on Linux. */
export const AF_INET = 2;
/** `AF_INET6` on Linux. */
export const AF_INET6 = 10;

/** `CEPH_MON_PORT_LEGACY`: the msgr1 monitor port. */
export const CEPH_MON_PORT_LEGACY = 6789;
/** `CEPH_MON_PORT_IANA`: the msgr2 monitor port assigned by IANA. */
export const CEPH_MON_PORT_IANA = 3300;

const typeNames: Record<number, string> = {
  [AddrType.NONE]: 'none',
  [AddrType.LEGACY]: 'v1',
  [AddrType.MSGR2]: 'v2',
  [AddrType.ANY]: 'any',
  [AddrType.CIDR]: 'cidr',
};

/** `entity_addr_t::get_type_name`: the prefix word of a protocol type. */
export function addrTypeName(type: number): string {
  return typeNames[type] ?? '???';
}

/** glibc `inet_pton(AF_INET)`: exactly four decimal octets, no leading zeros. */
export function inetPton4(text: string): Buffer | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/**
 * glibc `inet_pton(AF_INET6)`: up to eight 1–4 digit hex groups, one `::` that
 * stands for at least one zero group, and an optional dotted IPv4 tail.
 */
export function inetPton6(text: string): Buffer | null {
  let head = text;
  let tail: Buffer | null = null;
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    if (lastColon < 0) return null;
    tail = inetPton4(text.slice(lastColon + 1));
    if (!tail) return null;
    head = text.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1); // drop the separator before the IPv4 part
  }
  const maxGroups = tail ? 6 : 8;
  const before: number[] = [];
  const after: number[] = [];
  let gap = false;
  let i = 0;
  if (head.startsWith('::')) {
    gap = true;
    i = 2;
  } else if (head.startsWith(':')) {
    return null;
  }
  while (i < head.length) {
    const m = /^[0-9a-fA-F]{1,4}/.exec(head.slice(i));
    if (!m) return null;
    (gap ? after : before).push(parseInt(m[0], 16));
    i += m[0].length;
    if (i === head.length) break;
    if (head[i] !== ':') return null;
    i++;
    if (head[i] === ':') {
      if (gap) return null;
      gap = true;
      i++;
    } else if (i === head.length) {
      return null; // a single trailing colon
    }
  }
  const groups = before.length + after.length;
  if (gap ? groups >= maxGroups : groups !== maxGroups) return null;
  const words = [...before, ...new Array<number>(maxGroups - groups).fill(0), ...after];
  const out = Buffer.alloc(16);
  words.forEach((w, k) => out.writeUInt16BE(w, k * 2));
  if (tail) tail.copy(out, 12);
  return out;
}

/** glibc `inet_ntop(AF_INET6)`: longest zero run (≥ 2 groups, first on ties) as `::`, IPv4 tails for mapped forms. */
export function inetNtop6(bytes: Buffer): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(bytes.readUInt16BE(i));
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += [...bytes.subarray(12, 16)].join('.');
      break;
    }
    out += words[i]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** The 16 address bytes of an IPv6 `EntityAddr` (its `ip` may be in any valid text form). */
function ipv6Bytes(ip: string): Buffer {
  return inetPton6(ip) ?? Buffer.alloc(16);
}

/** An IPv6 address in the all-groups form that `encoding/types.ts` encodes. */
function ipv6Text(bytes: Buffer): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(bytes.readUInt16BE(i).toString(16));
  return words.join(':');
}

/**
 * The 36 bytes of `entity_addr_t` as it sits in memory (u32 type, u32 nonce,
 * then the 28-byte sockaddr union with a little-endian family and big-endian
 * port). Ceph compares and sorts addresses with memcmp over exactly this.
 */
export function addrMemoryImage(a: EntityAddr): Buffer {
  const img = Buffer.alloc(36);
  img.writeUInt32LE(a.type >>> 0, 0);
  img.writeUInt32LE(a.nonce >>> 0, 4);
  img.writeUInt16LE(a.family, 8);
  if (a.family === AF_INET) {
    img.writeUInt16BE(a.port, 10);
    (inetPton4(a.ip) ?? Buffer.alloc(4)).copy(img, 12);
  } else if (a.family === AF_INET6) {
    img.writeUInt16BE(a.port, 10);
    ipv6Bytes(a.ip).copy(img, 16); // after sin6_flowinfo
  }
  return img;
}

/** `operator<` of entity_addr_t (memcmp order). */
export function compareAddrs(a: EntityAddr, b: EntityAddr): number {
  return Buffer.compare(addrMemoryImage(a), addrMemoryImage(b));
}

/** `operator==` of entity_addr_t. */
export function addrsEqual(a: EntityAddr, b: EntityAddr): boolean {
  return compareAddrs(a, b) === 0;
}

/** `operator<` of entity_addrvec_t (lexicographic over the addresses). */
export function compareAddrVecs(a: EntityAddrVec, b: EntityAddrVec): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareAddrs(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** A blank `entity_addr_t()`: type NONE, no family. */
export function blankEntityAddr(): EntityAddr {
  return { type: AddrType.NONE, nonce: 0, family: 0, ip: '', port: 0 };
}

/** `entity_addrvec_t::front()`: the first address, or a blank one. */
export function frontAddr(v: EntityAddrVec): EntityAddr {
  return v[0] ? { ...v[0] } : blankEntityAddr();
}

/** `entity_addrvec_t::legacy_addr()`: the v1 address, or a blank one. */
export function legacyAddr(v: EntityAddrVec): EntityAddr {
  const a = v.find((x) => x.type === AddrType.LEGACY);
  return a ? { ...a } : blankEntityAddr();
}

/** `entity_addrvec_t::legacy_or_front_addr()`: the v1 address, else the first. */
export function legacyOrFrontAddr(v: EntityAddrVec): EntityAddr {
  const a = v.find((x) => x.type === AddrType.LEGACY);
  return a ? { ...a } : frontAddr(v);
}

/** `operator<<(sockaddr*)`: `ip:port`, `[ip6]:port`, or Ceph's complaint about the family. */
export function formatSockaddr(a: EntityAddr): string {
  if (a.family === AF_INET) return `${a.ip}:${a.port}`;
  if (a.family === AF_INET6) return `[${inetNtop6(ipv6Bytes(a.ip))}]:${a.port}`;
  return `(unrecognized address family ${a.family})`;
}

/** `operator<<(entity_addr_t)`: `v2:1.2.3.4:3300/0`, `-` when blank, no prefix for `any`. */
export function formatAddr(a: EntityAddr): string {
  if (a.type === AddrType.NONE) return '-';
  const prefix = a.type === AddrType.ANY ? '' : `${addrTypeName(a.type)}:`;
  return `${prefix}${formatSockaddr(a)}/${a.nonce}`;
}

/** `operator<<(entity_addrvec_t)`: nothing when empty, bare when one, `[a,b]` otherwise. */
export function formatAddrVec(v: EntityAddrVec): string {
  if (v.length === 0) return '';
  if (v.length === 1) return formatAddr(v[0]!);
  return `[${v.map(formatAddr).join(',')}]`;
}

/** `entity_addrvec_t::get_legacy_str()`: the v1 (else first) address as `ip:port/nonce`. */
export function legacyAddrString(v: EntityAddrVec): string {
  const a = legacyOrFrontAddr(v);
  return `${formatSockaddr(a)}/${a.nonce}`;
}

/** `entity_addr_t::dump`: the JSON object Ceph prints for one address. */
export function addrToJson(a: EntityAddr): { type: string; addr: string; nonce: number } {
  return { type: addrTypeName(a.type), addr: formatSockaddr(a), nonce: a.nonce };
}

/** The result of parsing a prefix of some text: the value and where parsing stopped. */
export interface ParsedPrefix<T> {
  value: T;
  /** Index in the input one past the last character consumed. */
  end: number;
}

/**
 * `entity_addr_t::parse(s, &end, default_type)`: parse an address at the start
 * of `text`, stopping where it ends. Returns null where Ceph returns false.
 */
export function parseAddrPrefix(
  text: string,
  defaultType: number = AddrType.MSGR2,
): ParsedPrefix<EntityAddr> | null {
  let type = defaultType;
  let start = 0;
  if (text.startsWith('v1:')) {
    type = AddrType.LEGACY;
    start = 3;
  } else if (text.startsWith('v2:')) {
    type = AddrType.MSGR2;
    start = 3;
  } else if (text.startsWith('any:')) {
    type = AddrType.ANY;
    start = 4;
  } else if (text.startsWith('-')) {
    return { value: blankEntityAddr(), end: 1 };
  }
  let brackets = false;
  if (text[start] === '[') {
    brackets = true;
    start++;
  }
  // Ceph gathers the longest run of IPv4 characters and of IPv6 characters
  // and tries them in that order (each capped at its buffer's size).
  const run4 = /^[0-9.]*/.exec(text.slice(start))![0].slice(0, 39);
  const run6 = /^[0-9a-fA-F:]*/.exec(text.slice(start))![0].slice(0, 64);
  let p: number;
  let family: number;
  let ip: string;
  const v4 = inetPton4(run4);
  if (v4) {
    family = AF_INET;
    ip = [...v4].join('.');
    p = start + run4.length;
  } else {
    const v6 = inetPton6(run6);
    if (!v6) return null;
    family = AF_INET6;
    ip = ipv6Text(v6);
    p = start + run6.length;
  }
  if (brackets) {
    if (text[p] !== ']') return null;
    p++;
  }
  let port = 0;
  let nonce = 0;
  if (text[p] === ':') {
    p++;
    const digits = leadingInteger(text.slice(p));
    if (digits.value > 65535) return null;
    port = digits.value & 0xffff;
    p += /^[0-9]*/.exec(text.slice(p))![0].length;
  }
  if (text[p] === '/') {
    p++;
    nonce = leadingInteger(text.slice(p)).value >>> 0;
    p += /^[0-9]*/.exec(text.slice(p))![0].length;
  }
  return { value: { type, nonce, family, ip, port }, end: p };
}

/** C `atoi`: optional whitespace and sign, then digits; 0 when there are none. */
function leadingInteger(s: string): { value: number } {
  const m = /^\s*([+-]?)([0-9]+)/.exec(s);
  if (!m) return { value: 0 };
  const v = Number(m[2]!.slice(0, 12));
  return { value: m[1] === '-' ? -v : v };
}

/** `entity_addr_t::parse(string_view)`: the whole text must be one address. */
export function parseAddr(text: string, defaultType: number = AddrType.MSGR2): EntityAddr | null {
  const r = parseAddrPrefix(text, defaultType);
  return r && r.end === text.length ? r.value : null;
}

/**
 * `entity_addrvec_t::parse(s, &end)`: one address, or `[a,b,...]`. A leading
 * `[` that begins a bracketed IPv6 address is an address, not a list.
 */
export function parseAddrVecPrefix(text: string): ParsedPrefix<EntityAddrVec> | null {
  let s = 0;
  let brackets = false;
  if (text.startsWith('[')) {
    const probe = parseAddrPrefix(text);
    if (!probe || probe.value.family !== AF_INET6) {
      brackets = true;
      s = 1;
    }
  }
  const v: EntityAddrVec = [];
  let end = s;
  while (s < text.length) {
    const r = parseAddrPrefix(text.slice(s));
    if (!r) {
      if (brackets) return null;
      break;
    }
    v.push(r.value);
    s += r.end;
    end = s;
    if (!brackets || text[s] !== ',') break;
    s++;
  }
  if (brackets) {
    if (text[s] !== ']') return null;
    end = s + 1;
  }
  return v.length > 0 ? { value: v, end } : null;
}

/** `entity_addrvec_t::parse(const char*)` as monmaptool calls it: trailing text is ignored. */
export function parseAddrVec(text: string): EntityAddrVec | null {
  return parseAddrVecPrefix(text)?.value ?? null;
}

/**
 * `parse_ip_port_vec`: the `mon_host` syntax. Items split on spaces and `;`;
 * inside an item, comma-separated addresses or bracketed address vectors.
 * Returns null when Ceph reports a parse failure.
 */
export function parseIpPortVec(text: string, defaultType: number = AddrType.ANY): EntityAddrVec[] | null {
  const out: EntityAddrVec[] = [];
  for (const item of text.split(/[ ;]/)) {
    let s = item;
    while (s.length > 0) {
      const a = parseAddrPrefix(s, defaultType);
      if (a) {
        out.push([a.value]);
        s = s.slice(a.end);
      } else {
        const av = parseAddrVecPrefix(s);
        if (!av) return null;
        out.push(av.value);
        s = s.slice(av.end);
      }
      if (s.startsWith(',')) s = s.slice(1);
    }
  }
  return out;
}

/**
 * The pre-MSG_ADDR2 `entity_addr_t` wire form, for peers without that feature:
 * u32 0, u32 nonce, then a 128-byte sockaddr_storage whose family is big-endian.
 */
export function encodeLegacyEntityAddr(e: Encoder, a: EntityAddr): void {
  e.u32(0).u32(a.nonce);
  const ss = Buffer.alloc(128);
  ss.writeUInt16BE(a.family, 0);
  if (a.family === AF_INET) {
    ss.writeUInt16BE(a.port, 2);
    (inetPton4(a.ip) ?? Buffer.alloc(4)).copy(ss, 4);
  } else if (a.family === AF_INET6) {
    ss.writeUInt16BE(a.port, 2);
    ipv6Bytes(a.ip).copy(ss, 8);
  }
  e.bytes(ss);
}
