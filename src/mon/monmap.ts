/**
 * `MonMap`: the list of monitors of a cluster, bit-exact with Ceph Pacific
 * (16.2.15) — its encodings (the v9 struct Pacific writes to files and to
 * Nautilus+ peers, the v5/v2/v1 forms it sends to older peers, and every
 * version it can read), the rank order Ceph computes, its plain-text print
 * (`monmaptool --print`, `ceph mon dump`) and its JSON dump
 * (`ceph mon dump --format json`).
 */
import { CephRelease, cephReleaseName } from '../common/ceph-release.js';
import { CephError } from '../common/errors.js';
import type { Formatter } from '../common/formatter.js';
import { Decoder } from '../encoding/decoder.js';
import { Encoder } from '../encoding/encoder.js';
import {
  AddrType,
  decodeEntityAddr,
  decodeEntityAddrVec,
  decodeEntityNameT,
  decodeUTime,
  decodeUuid,
  encodeEntityAddr,
  encodeEntityAddrVec,
  encodeEntityNameT,
  encodeUTime,
  encodeUuid,
  EntityType,
  type EntityAddr,
  type EntityAddrVec,
  type UTime,
} from '../encoding/types.js';
import {
  AF_INET,
  CEPH_MON_PORT_IANA,
  CEPH_MON_PORT_LEGACY,
  addrToJson,
  addrsEqual,
  compareAddrs,
  encodeLegacyEntityAddr,
  formatAddrVec,
  legacyAddr,
  legacyAddrString,
  legacyOrFrontAddr,
} from './monmap-addr.js';

// ---------------------------------------------------------------------------
// Connection feature bits that change how a monmap is encoded

/** The connection feature bits (`CEPH_FEATURE_*` masks, incarnation bits included) the monmap encoding depends on. */
export const MonMapEncodingFeature = {
  /** `CEPH_FEATURE_MONNAMES`: peers that know monitors by name (else the v1 form). */
  MONNAMES: 1n << 5n,
  /** `CEPH_FEATURE_MONENC`: peers that read the versioned envelope (else the v2 form). */
  MONENC: 1n << 33n,
  /** `CEPH_FEATUREMASK_SERVER_NAUTILUS`: bit 2 of incarnation 3 (bits 28 and 57); else the v5 form. */
  SERVER_NAUTILUS: (1n << 2n) | (1n << 28n) | (1n << 57n),
  /** `CEPH_FEATURE_MSG_ADDR2`: peers that read the marked entity_addr_t form. */
  MSG_ADDR2: 1n << 59n,
} as const;

/** Every feature bit the monmap encoding looks at: what Pacific uses for files (`CEPH_FEATURES_ALL`). */
export const MONMAP_FEATURES_ALL =
  MonMapEncodingFeature.MONNAMES |
  MonMapEncodingFeature.MONENC |
  MonMapEncodingFeature.SERVER_NAUTILUS |
  MonMapEncodingFeature.MSG_ADDR2;

function haveFeature(features: bigint, mask: bigint): boolean {
  return (features & mask) === mask;
}

// ---------------------------------------------------------------------------
// Monitor features (mon_feature_t) and releases

/** `ceph::features::mon::FEATURE_*`: monitor-cluster feature bits kept in the monmap. */
export const MonFeature = {
  NONE: 0n,
  KRAKEN: 1n << 0n,
  LUMINOUS: 1n << 1n,
  MIMIC: 1n << 2n,
  OSDMAP_PRUNE: 1n << 3n,
  NAUTILUS: 1n << 4n,
  OCTOPUS: 1n << 5n,
  PACIFIC: 1n << 6n,
  /** The connectivity elector's pinging. */
  PINGING: 1n << 7n,
  RESERVED: 1n << 63n,
} as const;
export type MonFeature = (typeof MonFeature)[keyof typeof MonFeature];

/** `ceph::features::mon::get_supported()` of Pacific. */
export const MON_FEATURES_SUPPORTED =
  MonFeature.KRAKEN |
  MonFeature.LUMINOUS |
  MonFeature.MIMIC |
  MonFeature.OSDMAP_PRUNE |
  MonFeature.NAUTILUS |
  MonFeature.OCTOPUS |
  MonFeature.PACIFIC |
  MonFeature.PINGING;

/** `ceph::features::mon::get_persistent()` of Pacific (what a new cluster and `--enable-all-features` set). */
export const MON_FEATURES_PERSISTENT = MON_FEATURES_SUPPORTED;

const monFeatureNames = new Map<bigint, string>([
  [MonFeature.KRAKEN, 'kraken'],
  [MonFeature.LUMINOUS, 'luminous'],
  [MonFeature.MIMIC, 'mimic'],
  [MonFeature.OSDMAP_PRUNE, 'osdmap-prune'],
  [MonFeature.NAUTILUS, 'nautilus'],
  [MonFeature.OCTOPUS, 'octopus'],
  [MonFeature.PACIFIC, 'pacific'],
  [MonFeature.PINGING, 'elector-pinging'],
  [MonFeature.RESERVED, 'reserved'],
]);

/** `get_feature_name`: the name of one feature bit, `unknown` when Pacific has none for it. */
export function monFeatureName(bit: bigint): string {
  return monFeatureNames.get(bit) ?? 'unknown';
}

/**
 * `get_feature_by_name`: the bit for a name, or NONE. Pacific spells the
 * pinging feature `feature-pinging` here although it prints `elector-pinging`.
 */
export function monFeatureByName(name: string): bigint {
  if (name === 'feature-pinging') return MonFeature.PINGING;
  if (name === 'elector-pinging') return MonFeature.NONE;
  for (const [bit, n] of monFeatureNames) if (n === name) return bit;
  return MonFeature.NONE;
}

/** The set bits of a feature word, lowest first. */
export function monFeatureBits(features: bigint): bigint[] {
  const out: bigint[] = [];
  for (let i = 0n; i < 64n; i++) if (features & (1n << i)) out.push(1n << i);
  return out;
}

/** `mon_feature_t::print_with_value`: `[kraken(1),luminous(2)]`, `[none]` when empty. */
export function formatMonFeaturesWithValue(features: bigint): string {
  const bits = monFeatureBits(BigInt.asUintN(64, features));
  if (bits.length === 0) return '[none]';
  return `[${bits.map((b) => `${monFeatureName(b)}(${b})`).join(',')}]`;
}

/** `mon_feature_t::print`: `[kraken,luminous]`, `[none]` when empty. */
export function formatMonFeatures(features: bigint): string {
  const bits = monFeatureBits(BigInt.asUintN(64, features));
  if (bits.length === 0) return '[none]';
  return `[${bits.map(monFeatureName).join(',')}]`;
}

export { CephRelease, cephReleaseFromName, cephReleaseName } from '../common/ceph-release.js';

/** `infer_ceph_release_from_mon_features`: what maps older than v7 imply for `min_mon_release`. */
export function inferReleaseFromMonFeatures(features: bigint): number {
  const order: [bigint, number][] = [
    [MonFeature.PACIFIC, CephRelease.PACIFIC],
    [MonFeature.OCTOPUS, CephRelease.OCTOPUS],
    [MonFeature.NAUTILUS, CephRelease.NAUTILUS],
    [MonFeature.MIMIC, CephRelease.MIMIC],
    [MonFeature.LUMINOUS, CephRelease.LUMINOUS],
    [MonFeature.KRAKEN, CephRelease.KRAKEN],
  ];
  for (const [bit, release] of order) if (features & bit) return release;
  return CephRelease.UNKNOWN;
}

/** `MonMap::election_strategy`: how monitors elect a leader. */
export const ElectionStrategy = {
  /** Lowest rank wins. */
  CLASSIC: 1,
  /** Like CLASSIC, but `disallowed_leaders` may not lead. */
  DISALLOW: 2,
  /** DISALLOW, preferring monitors with the best connectivity. */
  CONNECTIVITY: 3,
} as const;
export type ElectionStrategy = (typeof ElectionStrategy)[keyof typeof ElectionStrategy];

// ---------------------------------------------------------------------------
// The map

/** `mon_info_t`: one monitor. */
export interface MonInfo {
  /** The monitor's name: `a` in `mon.a`. */
  name: string;
  /** The addresses clients and other monitors reach it on (v2 and/or v1). */
  publicAddrs: EntityAddrVec;
  /** Lower is preferred by clients choosing a monitor (u16). */
  priority: number;
  /** Among equal priorities, a higher weight is chosen more often (u16). */
  weight: number;
  /** CRUSH location (`datacenter=dc1`), used by stretch mode; sorted by key on encode. */
  crushLoc: Map<string, string>;
}

/** Byte order of UTF-8 strings: how std::string keys sort in std::map / std::set. */
export function compareCephStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function sortedUnique(items: Iterable<string>): string[] {
  return [...new Set(items)].sort(compareCephStrings);
}

function sortedEntries<V>(m: Map<string, V>): [string, V][] {
  return [...m.entries()].sort((x, y) => compareCephStrings(x[0], y[0]));
}

const ZERO_FSID = '00000000-0000-0000-0000-000000000000';

/**
 * The monitor map. Fields mirror Ceph's `MonMap`; containers that are sorted
 * in Ceph (std::map / std::set) are kept sorted or sorted when encoded.
 */
export class MonMap {
  /** The cluster's fsid. */
  fsid = ZERO_FSID;
  /** Version of this map (0 for a seed map made by monmaptool). */
  epoch = 0;
  /** When this epoch was made. */
  lastChanged: UTime = { sec: 0, nsec: 0 };
  /** When the first map was made. */
  created: UTime = { sec: 0, nsec: 0 };
  /** Monitors by name. */
  monInfo = new Map<string, MonInfo>();
  /** Monitor names in rank order: `ranks[r]` is the name of rank r. */
  ranks: string[] = [];
  /** Ranks removed by the change that made this epoch (std::set<unsigned>, ascending). */
  removedRanks: number[] = [];
  /** Features no monitor of this cluster may ever lack again. */
  persistentFeatures = 0n;
  /** Features currently required but that may be dropped. */
  optionalFeatures = 0n;
  /** Oldest release a monitor must run to join (`ceph_release_t`). */
  minMonRelease: number = CephRelease.UNKNOWN;
  /** The election strategy (`ElectionStrategy`). */
  strategy: number = ElectionStrategy.CLASSIC;
  /** Monitors that may not become leader (std::set<string>). */
  disallowedLeaders: string[] = [];
  /** Whether the cluster runs in stretch mode. */
  stretchModeEnabled = false;
  /** The stretch-mode tiebreaker monitor ('' when none). */
  tiebreakerMon = '';
  /** Monitors of a failed stretch site, kept from leading until it recovers (std::set<string>). */
  stretchMarkedDownMons: string[] = [];

  /** Number of monitors. */
  get size(): number {
    return this.monInfo.size;
  }

  /** `get_required_features`: persistent ∪ optional. */
  requiredFeatures(): bigint {
    return this.persistentFeatures | this.optionalFeatures;
  }

  /** `min_quorum_size`: a strict majority of `total` (default: all monitors). */
  minQuorumSize(total = this.size): number {
    return Math.floor(total / 2) + 1;
  }

  contains(name: string): boolean {
    return this.monInfo.has(name);
  }

  /** `contains(entity_addr_t)`: the name of the monitor listening on `addr`, if any. */
  nameOfAddr(addr: EntityAddr): string | undefined {
    for (const [name, info] of this.monInfo) {
      if (info.publicAddrs.some((a) => addrsEqual(a, addr))) return name;
    }
    return undefined;
  }

  /** `contains(entity_addrvec_t)`: true when any of the addresses belongs to a monitor. */
  containsAddrs(addrs: EntityAddrVec): boolean {
    return addrs.some((a) => this.nameOfAddr(a) !== undefined);
  }

  /** `get_name(rank)`. */
  getName(rank: number): string {
    const name = this.ranks[rank];
    if (name === undefined) throw new CephError('ENOENT', `monmap has no rank ${rank}`);
    return name;
  }

  /** `get_rank(name)`: the rank, or -1. */
  getRank(name: string): number {
    return this.ranks.indexOf(name);
  }

  /** `get_rank(entity_addrvec_t)`: the rank of the monitor owning any of the addresses, or -1. */
  getRankOfAddrs(addrs: EntityAddrVec): number {
    for (const a of addrs) {
      const name = this.nameOfAddr(a);
      if (name !== undefined) return this.getRank(name);
    }
    return -1;
  }

  /** `get_addrs(name)` / `get_addrs(rank)`. */
  getAddrs(nameOrRank: string | number): EntityAddrVec {
    const name = typeof nameOrRank === 'number' ? this.getName(nameOrRank) : nameOrRank;
    const info = this.monInfo.get(name);
    if (!info) throw new CephError('ENOENT', `monmap has no mon.${name}`);
    return info.publicAddrs;
  }

  /** The monitor's `mon_info_t`. */
  get(name: string): MonInfo {
    const info = this.monInfo.get(name);
    if (!info) throw new CephError('ENOENT', `monmap has no mon.${name}`);
    return info;
  }

  /**
   * `add`: a new monitor. Once the map requires the nautilus feature, ranks
   * keep their order and the newcomer takes the next rank; before that, ranks
   * are recomputed from addresses.
   */
  add(
    name: string,
    publicAddrs: EntityAddrVec,
    priority = 0,
    weight = 0,
    crushLoc = new Map<string, string>(),
  ): MonInfo {
    if (this.monInfo.has(name)) throw new CephError('EEXIST', `monmap already contains mon.${name}`);
    for (const a of publicAddrs) {
      const owner = this.nameOfAddr(a);
      if (owner !== undefined)
        throw new CephError('EEXIST', `monmap already has an address of mon.${name} (mon.${owner})`);
    }
    const info: MonInfo = {
      name,
      publicAddrs: publicAddrs.map((a) => ({ ...a })),
      priority,
      weight,
      crushLoc,
    };
    this.monInfo.set(name, info);
    if ((this.requiredFeatures() & MonFeature.NAUTILUS) !== 0n) this.ranks.push(name);
    else this.calcLegacyRanks();
    return info;
  }

  /** `remove`: drop a monitor, recording its rank in `removedRanks`. */
  remove(name: string): void {
    if (!this.monInfo.has(name)) throw new CephError('ENOENT', `monmap does not contain mon.${name}`);
    const rank = this.getRank(name);
    this.monInfo.delete(name);
    if (rank >= 0 && !this.removedRanks.includes(rank)) {
      this.removedRanks = [...this.removedRanks, rank].sort((a, b) => a - b);
    }
    if ((this.requiredFeatures() & MonFeature.NAUTILUS) !== 0n)
      this.ranks = this.ranks.filter((n) => n !== name);
    else this.calcLegacyRanks();
  }

  /**
   * `calc_legacy_ranks`: rank order by each monitor's v1 address (or first
   * address), compared as Ceph compares entity_addr_t in memory; ties by name.
   */
  calcLegacyRanks(): void {
    const infos = [...this.monInfo.values()];
    infos.sort((a, b) => {
      const c = compareAddrs(legacyOrFrontAddr(a.publicAddrs), legacyOrFrontAddr(b.publicAddrs));
      return c !== 0 ? c : compareCephStrings(a.name, b.name);
    });
    // a std::set keyed on (address, name) keeps one entry per key
    this.ranks = infos
      .filter((info, i) => i === 0 || compareCephStrings(infos[i - 1]!.name, info.name) !== 0)
      .map((i) => i.name);
  }

  /** A deep copy. */
  clone(): MonMap {
    const m = new MonMap();
    Object.assign(m, this);
    m.lastChanged = { ...this.lastChanged };
    m.created = { ...this.created };
    m.monInfo = new Map(
      [...this.monInfo].map(([k, v]) => [
        k,
        { ...v, publicAddrs: v.publicAddrs.map((a) => ({ ...a })), crushLoc: new Map(v.crushLoc) },
      ]),
    );
    m.ranks = [...this.ranks];
    m.removedRanks = [...this.removedRanks];
    m.disallowedLeaders = [...this.disallowedLeaders];
    m.stretchMarkedDownMons = [...this.stretchMarkedDownMons];
    return m;
  }
}

// ---------------------------------------------------------------------------
// Codec

/** mon_feature_t: a v1 struct holding one u64. */
function encodeMonFeatures(e: Encoder, features: bigint): void {
  e.struct(1, 1, (s) => s.u64(features));
}

function decodeMonFeatures(d: Decoder): bigint {
  return d.struct('mon_feature_t', 1, (s) => s.u64());
}

/** entity_addr_t as a peer with `features` reads it. */
function encodeAddrForFeatures(e: Encoder, a: EntityAddr, features: bigint): void {
  if (!haveFeature(features, MonMapEncodingFeature.MSG_ADDR2)) {
    encodeLegacyEntityAddr(e, a);
    return;
  }
  // peers before nautilus do not know `any:`; Ceph sends them v1 instead
  const type =
    !haveFeature(features, MonMapEncodingFeature.SERVER_NAUTILUS) && a.type === AddrType.ANY
      ? AddrType.LEGACY
      : a.type;
  encodeEntityAddr(e, { ...a, type });
}

function encodeStringMap(e: Encoder, m: Map<string, string>): void {
  e.map(
    new Map(sortedEntries(m)),
    (x, k) => x.string(k),
    (x, v) => x.string(v),
  );
}

function encodeStringSet(e: Encoder, items: readonly string[]): void {
  e.list(sortedUnique(items), (x, s) => x.string(s));
}

/**
 * mon_info_t: v5 (compat 1) for Nautilus+ peers — name, addrvec, priority,
 * weight, crush_loc; v2 for older peers, with the v1 address in place of the
 * addrvec (the trailing fields are skipped by such peers).
 */
function encodeMonInfo(e: Encoder, info: MonInfo, features: bigint): void {
  const nautilus = haveFeature(features, MonMapEncodingFeature.SERVER_NAUTILUS);
  e.struct(nautilus ? 5 : 2, 1, (s) => {
    s.string(info.name);
    if (nautilus) encodeEntityAddrVec(s, info.publicAddrs);
    else encodeAddrForFeatures(s, legacyAddr(info.publicAddrs), features);
    s.u16(info.priority);
    s.u16(info.weight);
    encodeStringMap(s, info.crushLoc);
  });
}

function decodeMonInfo(d: Decoder): MonInfo {
  return d.struct('mon_info_t', 5, (s, v) => {
    const name = s.string();
    const publicAddrs = decodeEntityAddrVec(s);
    const priority = v >= 2 ? s.u16() : 0;
    const weight = v >= 4 ? s.u16() : 0;
    const crushLoc =
      v >= 5
        ? s.map(
            (x) => x.string(),
            (x) => x.string(),
          )
        : new Map<string, string>();
    return { name, publicAddrs, priority, weight, crushLoc };
  });
}

function encodeMonInfoMap(e: Encoder, map: MonMap, features: bigint): void {
  e.map(
    new Map(sortedEntries(map.monInfo)),
    (x, k) => x.string(k),
    (x, v) => encodeMonInfo(x, v, features),
  );
}

/** The v1 address of every monitor, by name: what pre-Nautilus encodings carry. */
function legacyMonAddrs(map: MonMap): Map<string, EntityAddr> {
  return new Map(sortedEntries(map.monInfo).map(([name, info]) => [name, legacyAddr(info.publicAddrs)]));
}

/**
 * Encode a monmap as a peer with `features` expects it (MonMap::encode):
 *
 *   features lack MONNAMES         → v1: u16 version, fsid, epoch, mon_inst list, times
 *   features lack MONENC           → v2: u16 version, fsid, epoch, name→v1 addr map, times
 *   features lack SERVER_NAUTILUS  → struct v5 (compat 3): adds features and mon_info v2
 *   otherwise (Pacific files too)  → struct v9 (compat 6): mon_info v5, ranks,
 *                                    min_mon_release, removed ranks, election
 *                                    strategy, disallowed leaders, stretch mode
 */
export function encodeMonMap(e: Encoder, map: MonMap, features: bigint = MONMAP_FEATURES_ALL): void {
  if (!haveFeature(features, MonMapEncodingFeature.MONNAMES)) {
    e.u16(1);
    encodeUuid(e, map.fsid);
    e.u32(map.epoch);
    // entity_inst_t per rank: the name mon.<rank> and the v1 address
    e.list(
      map.ranks.map((name, rank) => ({ rank, addr: legacyAddr(map.getAddrs(name)) })),
      (x, inst) => {
        encodeEntityNameT(x, { type: EntityType.MON, num: BigInt(inst.rank) });
        encodeAddrForFeatures(x, inst.addr, features);
      },
    );
    encodeUTime(e, map.lastChanged);
    encodeUTime(e, map.created);
    return;
  }
  if (!haveFeature(features, MonMapEncodingFeature.MONENC)) {
    e.u16(2);
    encodeUuid(e, map.fsid);
    e.u32(map.epoch);
    e.map(
      legacyMonAddrs(map),
      (x, k) => x.string(k),
      (x, a) => encodeAddrForFeatures(x, a, features),
    );
    encodeUTime(e, map.lastChanged);
    encodeUTime(e, map.created);
    return;
  }
  if (!haveFeature(features, MonMapEncodingFeature.SERVER_NAUTILUS)) {
    e.struct(5, 3, (s) => {
      encodeUuid(s, map.fsid);
      s.u32(map.epoch);
      s.map(
        legacyMonAddrs(map),
        (x, k) => x.string(k),
        (x, a) => encodeAddrForFeatures(x, a, features),
      );
      encodeUTime(s, map.lastChanged);
      encodeUTime(s, map.created);
      encodeMonFeatures(s, map.persistentFeatures);
      encodeMonFeatures(s, map.optionalFeatures);
      encodeMonInfoMap(s, map, features);
    });
    return;
  }
  e.struct(9, 6, (s) => {
    encodeUuid(s, map.fsid);
    s.u32(map.epoch);
    encodeUTime(s, map.lastChanged);
    encodeUTime(s, map.created);
    encodeMonFeatures(s, map.persistentFeatures);
    encodeMonFeatures(s, map.optionalFeatures);
    encodeMonInfoMap(s, map, features);
    s.list(map.ranks, (x, name) => x.string(name));
    s.u8(map.minMonRelease);
    s.list(
      [...new Set(map.removedRanks)].sort((a, b) => a - b),
      (x, r) => x.u32(r),
    );
    s.u8(map.strategy);
    encodeStringSet(s, map.disallowedLeaders);
    s.bool(map.stretchModeEnabled);
    s.string(map.tiebreakerMon);
    encodeStringSet(s, map.stretchMarkedDownMons);
  });
}

/** Encode into a fresh buffer (what `MonMap::write` puts in a file with the default features). */
export function encodeMonMapToBuffer(map: MonMap, features: bigint = MONMAP_FEATURES_ALL): Buffer {
  const e = new Encoder(512);
  encodeMonMap(e, map, features);
  return e.finish();
}

/** The newest struct version this decoder understands. */
const MONMAP_STRUCT_V = 9;

/**
 * Decode any monmap Pacific can read (MonMap::decode). Versions 1 and 2 start
 * with a u16 version and have no length; from v3 on the usual envelope.
 */
export function decodeMonMap(d: Decoder): MonMap {
  const structV = d.u8();
  if (structV < 3) {
    d.skip(1); // high byte of the old u16 version
    return decodeMonMapBody(d, structV);
  }
  const compat = d.u8();
  if (compat > MONMAP_STRUCT_V) {
    throw new CephError(
      'EINVAL',
      `decode MonMap: struct_compat ${compat} (v${structV}) is newer than supported ${MONMAP_STRUCT_V}`,
    );
  }
  const body = d.sub(d.u32());
  return decodeMonMapBody(body, structV);
}

function decodeMonMapBody(d: Decoder, v: number): MonMap {
  const map = new MonMap();
  map.fsid = decodeUuid(d);
  map.epoch = d.u32();
  const legacyAddrs = new Map<string, EntityAddr>();
  if (v === 1) {
    const insts = d.list((x) => ({ name: decodeEntityNameT(x), addr: decodeEntityAddr(x) }));
    // v1 monitors had no names; Ceph calls them by their rank digit
    insts.forEach((inst, i) => legacyAddrs.set(String.fromCharCode(48 + i), inst.addr));
  } else if (v < 6) {
    for (const [k, a] of d.map((x) => x.string(), decodeEntityAddr)) legacyAddrs.set(k, a);
  }
  map.lastChanged = decodeUTime(d);
  map.created = decodeUTime(d);
  if (v >= 4) {
    map.persistentFeatures = decodeMonFeatures(d);
    map.optionalFeatures = decodeMonFeatures(d);
  }
  if (v < 5) {
    for (const [name, addr] of sortedEntries(legacyAddrs)) {
      map.monInfo.set(name, { name, publicAddrs: [addr], priority: 0, weight: 0, crushLoc: new Map() });
    }
  } else {
    for (const [name, info] of d.map((x) => x.string(), decodeMonInfo)) map.monInfo.set(name, info);
  }
  if (v < 6) map.calcLegacyRanks();
  else map.ranks = d.list((x) => x.string());
  map.minMonRelease = v >= 7 ? d.u8() : inferReleaseFromMonFeatures(map.persistentFeatures);
  if (v >= 8) {
    map.removedRanks = [...new Set(d.list((x) => x.u32()))].sort((a, b) => a - b);
    map.strategy = d.u8();
    map.disallowedLeaders = sortedUnique(d.list((x) => x.string()));
  }
  if (v >= 9) {
    map.stretchModeEnabled = d.bool();
    map.tiebreakerMon = d.string();
    map.stretchMarkedDownMons = sortedUnique(d.list((x) => x.string()));
  }
  return map;
}

/** Decode a whole buffer (a monmap file, or the payload of MMonMap). */
export function decodeMonMapFromBuffer(buf: Buffer): MonMap {
  return decodeMonMap(new Decoder(buf));
}

// ---------------------------------------------------------------------------
// Building a map from mon_host

/** The clock used for `created`/`last_changed`; injectable for tests. */
export type UTimeClock = () => UTime;

/** Wall-clock now with sub-millisecond precision, as `ceph_clock_now()` gives it. */
export const systemUTimeClock: UTimeClock = () => {
  const ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
};

/** Options for `monMapFromMonHost`. */
export interface MonHostOptions {
  /**
   * true when seeding a new cluster (`ceph-mon --mkfs`, `monmaptool --generate`):
   * a bare address becomes one monitor with v2 and v1; false (clients) probes
   * each protocol as its own `-legacy` entry.
   */
  forMkfs?: boolean;
  /** Names are this prefix plus a, b, c… (Ceph's `noname-`). */
  prefix?: string;
  clock?: UTimeClock;
}

/**
 * `_add_ambiguous_addr`: add one address given without a full vector, guessing
 * its protocol from an explicit prefix or the well-known ports.
 */
function addAmbiguousAddr(map: MonMap, name: string, given: EntityAddr, forMkfs: boolean): void {
  const addIfNew = (n: string, av: EntityAddrVec): void => {
    if (!map.containsAddrs(av) && !map.contains(n)) map.add(n, av);
  };
  const addr = { ...given };
  if (addr.type !== AddrType.ANY) {
    if (addr.port === 0) {
      if (addr.type === AddrType.LEGACY) addr.port = CEPH_MON_PORT_LEGACY;
      else if (addr.type === AddrType.MSGR2) addr.port = CEPH_MON_PORT_IANA;
      else return;
    }
    addIfNew(name, [addr]);
    return;
  }
  if (addr.port === CEPH_MON_PORT_LEGACY) {
    addIfNew(forMkfs ? name : `${name}-legacy`, [{ ...addr, type: AddrType.LEGACY }]);
  } else if (addr.port === CEPH_MON_PORT_IANA) {
    addIfNew(name, [{ ...addr, type: AddrType.MSGR2 }]);
  } else if (addr.port === 0) {
    const v2 = { ...addr, type: AddrType.MSGR2, port: CEPH_MON_PORT_IANA };
    const v1 = { ...addr, type: AddrType.LEGACY, port: CEPH_MON_PORT_LEGACY };
    if (forMkfs) {
      addIfNew(name, [v2, v1]);
    } else {
      addIfNew(name, [v2]);
      addIfNew(`${name}-legacy`, [v1]);
    }
  } else {
    addIfNew(name, [{ ...addr, type: AddrType.MSGR2 }]);
    if (!forMkfs) addIfNew(`${name}-legacy`, [{ ...addr, type: AddrType.LEGACY }]);
  }
}

/**
 * `init_with_addrs`: add the monitors of a parsed `mon_host`, named
 * `prefix` + a, b, c… in the order given. A single address is interpreted as
 * Ceph does (see `addAmbiguousAddr`); a vector is taken as is.
 */
export function addMonHostAddrs(
  map: MonMap,
  addrvecs: EntityAddrVec[],
  forMkfs: boolean,
  prefix = 'noname-',
): void {
  addrvecs.forEach((av, i) => {
    const name = prefix + String.fromCharCode(97 + i);
    if (av.length === 1) addAmbiguousAddr(map, name, av[0]!, forMkfs);
    else if (!map.contains(name) && !map.containsAddrs(av)) map.add(name, av);
  });
}

/**
 * `build_initial` from `mon_host`: the seed map a client (or, with
 * `forMkfs`, a new monitor) starts from. Monitors are named noname-a,
 * noname-b…; ranks follow the legacy address order; both timestamps are now.
 */
export function monMapFromMonHost(
  addrvecs: EntityAddrVec[],
  fsid?: string,
  options: MonHostOptions = {},
): MonMap {
  const map = new MonMap();
  if (fsid !== undefined) map.fsid = fsid;
  addMonHostAddrs(map, addrvecs, options.forMkfs ?? false, options.prefix);
  if (map.size === 0) throw new CephError('ENOENT', 'no monitors specified to connect to.');
  map.created = (options.clock ?? systemUTimeClock)();
  map.lastChanged = { ...map.created };
  map.calcLegacyRanks();
  return map;
}

/**
 * `set_initial_members`: keep only the named monitors, and add the missing
 * ones with placeholder v1 addresses `0.0.0.0:0` told apart by their nonce.
 * Returns the addresses of the monitors removed.
 */
export function setInitialMembers(map: MonMap, initialMembers: readonly string[]): EntityAddrVec[] {
  const removed: EntityAddrVec[] = [];
  for (let i = 0; i < map.ranks.length;) {
    const name = map.ranks[i]!;
    if (initialMembers.includes(name)) {
      i++;
      continue;
    }
    removed.push(map.getAddrs(name));
    map.remove(name);
  }
  for (const name of initialMembers) {
    if (map.contains(name)) continue;
    const placeholder: EntityAddr = {
      type: AddrType.LEGACY,
      nonce: 1,
      family: AF_INET,
      ip: '0.0.0.0',
      port: 0,
    };
    while (map.nameOfAddr(placeholder) !== undefined) placeholder.nonce++;
    map.add(name, [placeholder]);
  }
  map.calcLegacyRanks();
  return removed;
}

// ---------------------------------------------------------------------------
// Text and JSON

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Times earlier than ten years after the epoch are printed raw, as durations. */
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

/** `utime_t::gmtime`: `2024-01-02T03:04:05.123456Z`, what JSON dumps carry. */
export function formatUTimeGmt(t: UTime): string {
  const usec = Math.floor(t.nsec / 1000);
  if (t.sec < RELATIVE_TIME_LIMIT_SEC) return `${t.sec}.${pad(usec, 6)}`;
  const d = new Date(t.sec * 1000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(usec, 6)}Z`
  );
}

/** Ceph's `operator<<` for std::map: `{k=v,k=v}`. */
function formatStringMap(m: Map<string, string>): string {
  return `{${sortedEntries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}}`;
}

/**
 * `MonMap::print`: what `monmaptool --print` and plain `ceph mon dump` show.
 * Timestamps are in the local time zone, as Ceph prints them.
 */
export function formatMonMapPlain(map: MonMap): string {
  let out = '';
  out += `epoch ${map.epoch}\n`;
  out += `fsid ${map.fsid}\n`;
  out += `last_changed ${formatUTimeLocal(map.lastChanged)}\n`;
  out += `created ${formatUTimeLocal(map.created)}\n`;
  out += `min_mon_release ${map.minMonRelease} (${cephReleaseName(map.minMonRelease)})\n`;
  out += `election_strategy: ${map.strategy}\n`;
  if (map.stretchModeEnabled) {
    out += `stretch_mode_enabled ${map.stretchModeEnabled ? 1 : 0}\n`;
    out += `tiebreaker_mon ${map.tiebreakerMon}\n`;
  }
  if (map.stretchModeEnabled || map.disallowedLeaders.length > 0) {
    out += `disallowed_leaders ${sortedUnique(map.disallowedLeaders).join(',')}\n`;
  }
  map.ranks.forEach((name, rank) => {
    const info = map.get(name);
    out += `${rank}: ${formatAddrVec(info.publicAddrs)} mon.${name}`;
    if (info.crushLoc.size > 0) out += `; crush_location ${formatStringMap(info.crushLoc)}`;
    out += '\n';
  });
  return out;
}

/** One monitor in `ceph mon dump --format json`. */
export interface MonMapJsonMon {
  rank: number;
  name: string;
  public_addrs: { addrvec: { type: string; addr: string; nonce: number }[] };
  addr: string;
  public_addr: string;
  priority: number;
  weight: number;
  crush_location: string;
}

/** `MonMap::dump` as JSON, key order and spelling exactly as Pacific (including its stray `': '` keys). */
export interface MonMapJson {
  epoch: number;
  fsid: string;
  modified: string;
  created: string;
  min_mon_release: number;
  min_mon_release_name: string;
  election_strategy: number;
  'disallowed_leaders: ': string;
  stretch_mode: boolean;
  tiebreaker_mon: string;
  'removed_ranks: ': string;
  features: { persistent: string[]; optional: string[] };
  mons: MonMapJsonMon[];
  /** Only in `ceph mon dump`: the ranks in quorum. */
  quorum?: number[];
}

/**
 * `MonMap::dump`: the object `ceph mon dump --format json` prints, in Ceph's
 * key order. `ceph mon dump` appends the quorum; pass it to get that too.
 */
export function monMapToJson(map: MonMap, quorum?: readonly number[]): MonMapJson {
  const json: MonMapJson = {
    epoch: map.epoch,
    fsid: map.fsid,
    modified: formatUTimeGmt(map.lastChanged),
    created: formatUTimeGmt(map.created),
    min_mon_release: map.minMonRelease,
    min_mon_release_name: cephReleaseName(map.minMonRelease),
    election_strategy: map.strategy,
    'disallowed_leaders: ': sortedUnique(map.disallowedLeaders).join(','),
    stretch_mode: map.stretchModeEnabled,
    tiebreaker_mon: map.tiebreakerMon,
    'removed_ranks: ': [...new Set(map.removedRanks)].sort((a, b) => a - b).join(','),
    features: {
      persistent: monFeatureBits(map.persistentFeatures).map(monFeatureName),
      optional: monFeatureBits(map.optionalFeatures).map(monFeatureName),
    },
    mons: map.ranks.map((name, rank) => {
      const info = map.get(name);
      return {
        rank,
        name,
        public_addrs: { addrvec: info.publicAddrs.map(addrToJson) },
        addr: legacyAddrString(info.publicAddrs),
        public_addr: legacyAddrString(info.publicAddrs),
        priority: info.priority,
        weight: info.weight,
        crush_location: formatStringMap(info.crushLoc),
      };
    }),
  };
  if (quorum !== undefined) json.quorum = [...quorum];
  return json;
}

/**
 * `MonMap::dump` into a Ceph Formatter (json, json-pretty, xml), for callers
 * that render through it; the caller opens and closes the enclosing section.
 */
export function dumpMonMap(f: Formatter, map: MonMap): void {
  const j = monMapToJson(map);
  f.dumpUnsigned('epoch', j.epoch);
  f.dumpString('fsid', j.fsid);
  f.dumpString('modified', j.modified);
  f.dumpString('created', j.created);
  f.dumpUnsigned('min_mon_release', j.min_mon_release);
  f.dumpString('min_mon_release_name', j.min_mon_release_name);
  f.dumpInt('election_strategy', j.election_strategy);
  f.dumpString('disallowed_leaders: ', j['disallowed_leaders: ']);
  f.dumpBool('stretch_mode', j.stretch_mode);
  f.dumpString('tiebreaker_mon', j.tiebreaker_mon);
  f.dumpString('removed_ranks: ', j['removed_ranks: ']);
  f.object('features', () => {
    f.array('persistent', () => j.features.persistent.forEach((n) => f.dumpString('bit_flag', n)));
    f.array('optional', () => j.features.optional.forEach((n) => f.dumpString('bit_flag', n)));
  });
  f.array('mons', () => {
    for (const mon of j.mons) {
      f.object('mon', () => {
        f.dumpInt('rank', mon.rank);
        f.dumpString('name', mon.name);
        f.object('public_addrs', () =>
          f.array('addrvec', () => {
            for (const a of mon.public_addrs.addrvec) {
              f.object('addr', () =>
                f.dumpString('type', a.type).dumpString('addr', a.addr).dumpUnsigned('nonce', a.nonce),
              );
            }
          }),
        );
        f.dumpString('addr', mon.addr);
        f.dumpString('public_addr', mon.public_addr);
        f.dumpUnsigned('priority', mon.priority);
        f.dumpUnsigned('weight', mon.weight);
        f.dumpString('crush_location', mon.crush_location);
      });
    }
  });
}

/** What `ceph mon dump --format F` renders: the map in a `monmap` section, then the quorum ranks. */
export function dumpMonDump(f: Formatter, map: MonMap, quorum: readonly number[]): void {
  f.object('monmap', () => {
    dumpMonMap(f, map);
    f.array('quorum', () => quorum.forEach((r) => f.dumpInt('mon', r)));
  });
}
