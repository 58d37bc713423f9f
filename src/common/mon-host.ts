/**
 * Where the monitors are, before any monmap: `mon_host` in all its forms,
 * legacy `[mon.X] mon addr` sections, then DNS SRV — Pacific's
 * `MonMap::build_initial` for a client (checked against a real client's
 * "build_initial_monmap" debug output).
 *
 * `mon_host` is a list separated by spaces, ';' or ','. Each item is an address
 * ("127.0.0.1", "127.0.0.1:6789", "v2:10.0.0.1", "[::1]:3300") or an address
 * vector ("[v2:10.0.0.1:3300,v1:10.0.0.1:6789]"). The i-th item names the mon
 * "noname-<a+i>". An address without a v1:/v2: prefix is ambiguous:
 *
 *   no port      → noname-a v2:IP:3300  and  noname-a-legacy v1:IP:6789
 *   port 3300    → noname-a v2:IP:3300
 *   port 6789    → noname-a-legacy v1:IP:6789
 *   other port P → noname-a v2:IP:P     and  noname-a-legacy v1:IP:P
 *
 * With `forMkfs` (what monmaptool --generate uses) a port-less address becomes
 * one mon with the addrvec [v2:IP:3300,v1:IP:6789] and no "-legacy" twins.
 * A prefixed address without a port gets that protocol's default port.
 */
import { promises as dns } from 'node:dns';
import { isIPv4, isIPv6 } from 'node:net';
import { CephError, isCephError } from './errors.js';
import type { Config } from './config.js';
import type { ConfFile } from './conf-file.js';
import {
  AddrType,
  formatEntityAddr,
  makeAddr,
  type EntityAddr,
  type EntityAddrVec,
} from '../encoding/types.js';

/** `CEPH_MON_PORT_LEGACY`. */
export const MON_PORT_LEGACY = 6789;
/** `CEPH_MON_PORT_IANA` (msgr2). */
export const MON_PORT_IANA = 3300;

/** One monitor of the initial map: its name and addresses. */
export interface InitialMon {
  name: string;
  addrs: EntityAddrVec;
  priority: number;
  weight: number;
}

/** Name resolution, injectable for tests. */
export interface MonHostResolver {
  /** All addresses of a host name. */
  lookup(host: string): Promise<string[]>;
  /** SRV records of a service name such as "_ceph-mon._tcp.example.com". */
  resolveSrv(name: string): Promise<{ name: string; port: number; priority: number; weight: number }[]>;
}

export const systemResolver: MonHostResolver = {
  async lookup(host) {
    return (await dns.lookup(host, { all: true })).map((a) => a.address);
  },
  resolveSrv(name) {
    return dns.resolveSrv(name);
  },
};

/**
 * `entity_addr_t::parse` from position `at`: optional v1:/v2:/any: prefix, an
 * IPv4 or IPv6 address (bracketed when a port follows), optional :port and
 * /nonce. Returns the address and where parsing stopped, or undefined.
 */
export function scanEntityAddr(
  text: string,
  at: number,
  defaultType: number,
): { addr: EntityAddr; end: number } | undefined {
  let pos = at;
  let type = defaultType;
  for (const [prefix, t] of [
    ['v1:', AddrType.LEGACY],
    ['v2:', AddrType.MSGR2],
    ['any:', AddrType.ANY],
  ] as const) {
    if (text.startsWith(prefix, pos)) {
      type = t;
      pos += prefix.length;
      break;
    }
  }
  let ip: string;
  if (text[pos] === '[') {
    const close = text.indexOf(']', pos);
    if (close < 0) return undefined;
    ip = text.slice(pos + 1, close);
    if (!isIPv6(ip)) return undefined;
    pos = close + 1;
  } else {
    const v4 = /^[0-9.]+/.exec(text.slice(pos))?.[0] ?? '';
    const v6 = /^[0-9a-fA-F:.]+/.exec(text.slice(pos))?.[0] ?? '';
    if (isIPv4(v4)) {
      ip = v4;
      pos += v4.length;
    } else if (isIPv6(v6)) {
      ip = v6;
      pos += v6.length;
    } else {
      return undefined;
    }
  }
  let port = 0;
  const portMatch = /^:(\d{1,5})/.exec(text.slice(pos));
  if (portMatch) {
    port = Number(portMatch[1]);
    if (port > 65535) return undefined;
    pos += portMatch[0].length;
  }
  let nonce = 0;
  const nonceMatch = /^\/(\d+)/.exec(text.slice(pos));
  if (nonceMatch) {
    nonce = Number(nonceMatch[1]);
    pos += nonceMatch[0].length;
  }
  return { addr: makeAddr(type, ip, port, nonce), end: pos };
}

/** `entity_addrvec_t::parse` at `at`: "[addr,addr,...]" (addresses default to msgr2). */
function scanAddrVec(text: string, at: number): { vec: EntityAddrVec; end: number } | undefined {
  if (text[at] !== '[') return undefined;
  const vec: EntityAddrVec = [];
  let pos = at + 1;
  for (;;) {
    const one = scanEntityAddr(text, pos, AddrType.MSGR2);
    if (!one) return undefined;
    vec.push(one.addr);
    pos = one.end;
    if (text[pos] !== ',') break;
    pos++;
  }
  if (text[pos] !== ']') return undefined;
  return { vec, end: pos + 1 };
}

/**
 * `parse_ip_port_vec` with TYPE_ANY: the address vectors of a mon_host value,
 * one per listed item. Throws EINVAL when an item is not an address (it may be
 * a host name; see `buildInitialMonMap`).
 */
export function parseMonHost(value: string): EntityAddrVec[] {
  const out: EntityAddrVec[] = [];
  for (const item of value.split(/[ ;]+/).filter((s) => s !== '')) {
    let pos = 0;
    while (pos < item.length) {
      const addr = scanEntityAddr(item, pos, AddrType.ANY);
      if (addr) {
        out.push([addr.addr]);
        pos = addr.end;
      } else {
        const vec = scanAddrVec(item, pos);
        if (!vec) throw new CephError('EINVAL', `unable to parse addrs in '${value}'`);
        out.push(vec.vec);
        pos = vec.end;
      }
      if (item[pos] === ',') pos++;
      else if (pos < item.length) throw new CephError('EINVAL', `unable to parse addrs in '${value}'`);
    }
  }
  return out;
}

/** Builds the mon list, de-duplicating addresses like `MonMap::contains`. */
class MonListBuilder {
  readonly mons: InitialMon[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly forMkfs: boolean) {}

  private key(addr: EntityAddr): string {
    return formatEntityAddr(addr);
  }

  containsAddr(addr: EntityAddr): boolean {
    return this.seen.has(this.key(addr));
  }

  add(name: string, addrs: EntityAddrVec, priority = 0, weight = 0): void {
    if (this.mons.some((m) => m.name === name)) return;
    this.mons.push({ name, addrs, priority, weight });
    for (const a of addrs) this.seen.add(this.key(a));
  }

  /** `_add_ambiguous_addr`. */
  addAmbiguous(name: string, addr: EntityAddr, priority = 0, weight = 0): void {
    const withType = (type: number, port = addr.port): EntityAddr => ({ ...addr, type, port });
    const addOne = (n: string, a: EntityAddr): void => {
      if (!this.containsAddr(a)) this.add(n, [a], priority, weight);
    };
    if (addr.type !== AddrType.ANY) {
      if (addr.port !== 0) return addOne(name, addr);
      if (addr.type === AddrType.LEGACY) return addOne(name, withType(AddrType.LEGACY, MON_PORT_LEGACY));
      if (addr.type === AddrType.MSGR2) return addOne(name, withType(AddrType.MSGR2, MON_PORT_IANA));
      return;
    }
    if (addr.port === MON_PORT_LEGACY) {
      return addOne(this.forMkfs ? name : `${name}-legacy`, withType(AddrType.LEGACY));
    }
    if (addr.port === MON_PORT_IANA) return addOne(name, withType(AddrType.MSGR2));
    if (addr.port === 0) {
      const v2 = withType(AddrType.MSGR2, MON_PORT_IANA);
      const v1 = withType(AddrType.LEGACY, MON_PORT_LEGACY);
      if (this.forMkfs) {
        if (!this.containsAddr(v2) && !this.containsAddr(v1)) this.add(name, [v2, v1], priority, weight);
        return;
      }
      addOne(name, v2);
      addOne(`${name}-legacy`, v1);
      return;
    }
    addOne(name, withType(AddrType.MSGR2));
    if (!this.forMkfs) addOne(`${name}-legacy`, withType(AddrType.LEGACY));
  }
}

/** "noname-a", "noname-b", … for the i-th mon_host item. */
function nonameOf(i: number): string {
  return `noname-${String.fromCharCode(0x61 + i)}`;
}

/** The mons of a mon_host value made only of addresses (no DNS). */
export function monsFromMonHost(value: string, forMkfs = false): InitialMon[] {
  const b = new MonListBuilder(forMkfs);
  parseMonHost(value).forEach((vec, i) => {
    if (vec.length === 1) b.addAmbiguous(nonameOf(i), vec[0]!);
    else b.add(nonameOf(i), vec);
  });
  return b.mons;
}

/** `resolve_addrs`: replace host names by their addresses, keeping ports. */
async function resolveHosts(value: string, resolver: MonHostResolver): Promise<string> {
  const out: string[] = [];
  for (let token of value.split(/[,; ]+/).filter((s) => s !== '')) {
    let port: string | undefined;
    const first = token.indexOf(':');
    const braceColon = token.indexOf(']:');
    if (first >= 0 && first === token.lastIndexOf(':')) {
      port = token.slice(first + 1);
      token = token.slice(0, first);
    } else if (braceColon >= 0) {
      port = token.slice(braceColon + 2);
      token = token.slice(0, braceColon + 1);
    }
    if (port === '') port = undefined;
    if (token.startsWith('[') && token.endsWith(']')) token = token.slice(1, -1);
    let addrs: string[];
    try {
      addrs = await resolver.lookup(token);
    } catch (err) {
      throw new CephError('EINVAL', `server name not found: ${token} (${(err as Error).message})`, {
        cause: err,
      });
    }
    for (const a of addrs) {
      const host = isIPv6(a) ? `[${a}]` : a;
      out.push(port !== undefined ? `${host}:${port}` : host);
    }
  }
  return out.join(',');
}

export interface BuildInitialMonMapOptions {
  /** monmaptool --generate semantics (see the module comment). */
  forMkfs?: boolean;
  /** The config file, for legacy `[mon.X] mon addr` entries. */
  confFile?: ConfFile;
  resolver?: MonHostResolver;
}

/**
 * `MonMap::build_initial` without the monmap file: the initial mons from
 * mon_host (addresses, else host names through DNS), else from the config
 * file's [mon.X] sections, else from DNS SRV records of mon_dns_srv_name.
 * ENOENT when none of them names a monitor; EINVAL when mon_host cannot be parsed.
 */
export async function buildInitialMonMap(
  config: Config,
  options: BuildInitialMonMapOptions = {},
): Promise<InitialMon[]> {
  const forMkfs = options.forMkfs ?? false;
  const resolver = options.resolver ?? systemResolver;
  const monHost = config.get('mon_host');
  if (monHost !== '') {
    try {
      return monsFromMonHost(monHost, forMkfs);
    } catch (err) {
      if (!isCephError(err, 'EINVAL')) throw err;
    }
    const resolved = await resolveHosts(monHost, resolver);
    try {
      return monsFromMonHost(resolved, forMkfs);
    } catch (err) {
      throw new CephError('EINVAL', `unable to parse addrs in '${monHost}'`, { cause: err });
    }
  }
  if (options.confFile) {
    const mons = monsFromConfFile(config, options.confFile, forMkfs);
    if (mons.length > 0) return mons;
  }
  const srvName = config.get('mon_dns_srv_name');
  const underscore = srvName.indexOf('_');
  const service = underscore < 0 ? srvName : srvName.slice(0, underscore);
  const domain = underscore < 0 ? '' : srvName.slice(underscore + 1);
  try {
    const records = await resolver.resolveSrv(`_${service}._tcp${domain ? `.${domain}` : ''}`);
    const b = new MonListBuilder(forMkfs);
    for (const r of records) {
      for (const ip of await resolver.lookup(r.name)) {
        const name = r.name.split('.')[0]!;
        b.addAmbiguous(name, makeAddr(AddrType.ANY, ip, r.port), r.priority, r.weight);
      }
    }
    if (b.mons.length > 0) return b.mons;
  } catch {
    // no SRV records either
  }
  throw new CephError('ENOENT', 'no monitors specified to connect to.');
}

/** `init_with_config_file`: [mon.X] sections with a legacy "mon addr" (v1 unless prefixed, port 6789). */
function monsFromConfFile(config: Config, conf: ConfFile, forMkfs: boolean): InitialMon[] {
  const b = new MonListBuilder(forMkfs);
  for (const section of conf.sections()) {
    if (!section.startsWith('mon.') || section.length <= 4) continue;
    const name = section.slice(4);
    const sections = [section, 'mon', 'global'];
    const raw = conf.lookup(sections, 'mon addr');
    if (raw === undefined) continue;
    const parsed = scanEntityAddr(config.expandMeta(raw), 0, AddrType.LEGACY);
    if (!parsed) continue;
    const addr = parsed.addr.port === 0 ? { ...parsed.addr, port: MON_PORT_LEGACY } : parsed.addr;
    const priority = Number(conf.lookup(sections, 'mon priority') ?? 0);
    b.addAmbiguous(name, addr, Number.isInteger(priority) ? priority : 0);
  }
  return b.mons;
}
