/**
 * Small RADOS wire types shared by the OSD map, the OSD messages and the
 * Objecter (Ceph's `osd/osd_types.h`, `include/object.h`): placement group
 * ids, object locators, hobjects, versions and request ids.
 */
import { CephError } from '../common/errors.js';
import type { Decoder } from './decoder.js';
import type { Encoder } from './encoder.js';
import { decodeEntityNameT, encodeEntityNameT, type EntityNameT } from './types.js';

/** `CEPH_NOSNAP`: the head (writable) version of an object. */
export const CEPH_NOSNAP = 0xfffffffffffffffen;
/** `CEPH_SNAPDIR`: the snapdir pseudo-object listing an object's clones. */
export const CEPH_SNAPDIR = 0xffffffffffffffffn;

/** `pg_t`: a placement group of a pool, before or after `ceph_stable_mod`. */
export interface PgId {
  /** `m_pool`: the pool id. */
  pool: number;
  /** `m_seed`: the hash seed (the raw object hash, or the folded pg number). */
  seed: number;
}

/** `pg_t::encode`: u8 version 1, u64 pool, u32 seed, i32 preferred (always -1 since Luminous). */
export function encodePgId(e: Encoder, pg: PgId): void {
  e.u8(1).i64(pg.pool).u32(pg.seed).i32(-1);
}

export function decodePgId(d: Decoder): PgId {
  const v = d.u8();
  if (v !== 1) throw new CephError('EINVAL', `decode pg_t: unknown version ${v}`);
  const pool = d.i64Number();
  const seed = d.u32();
  d.i32(); // preferred: unused since Luminous
  return { pool, seed };
}

/** `pg_t` in Ceph's text form: pool in decimal, seed in hex (`2.1f`). */
export function formatPgId(pg: PgId): string {
  return `${pg.pool}.${pg.seed.toString(16)}`;
}

/** Parses `pool.seedhex`; throws EINVAL on anything else. */
export function parsePgId(text: string): PgId {
  const m = /^(\d+)\.([0-9a-fA-F]+)$/.exec(text);
  if (!m) throw new CephError('EINVAL', `invalid pgid '${text}'`);
  return { pool: Number(m[1]), seed: parseInt(m[2]!, 16) };
}

/** `shard_id_t::NO_SHARD`: replicated pools have no shard. */
export const NO_SHARD = -1;

/** `spg_t`: a pg plus the erasure-code shard it addresses. */
export interface SpgId {
  pgid: PgId;
  /** `shard_id_t`: -1 for replicated pools. */
  shard: number;
}

/** `spg_t::encode`: ENCODE_START(1, 1), pg_t, i8 shard. */
export function encodeSpgId(e: Encoder, s: SpgId): void {
  e.struct(1, 1, (b) => {
    encodePgId(b, s.pgid);
    b.i8(s.shard);
  });
}

export function decodeSpgId(d: Decoder): SpgId {
  return d.struct('spg_t', 1, (b) => {
    const pgid = decodePgId(b);
    const shard = b.i8();
    return { pgid, shard };
  });
}

/** `eversion_t`: a PG log position. */
export interface EVersion {
  /** `version_t version`: per-PG sequence. */
  version: bigint;
  /** `epoch_t epoch`: the map epoch it was written in. */
  epoch: number;
}

/** `eversion_t` is encoded raw: u64 version then u32 epoch (no envelope). */
export function encodeEVersion(e: Encoder, v: EVersion): void {
  e.u64(v.version).u32(v.epoch);
}

export function decodeEVersion(d: Decoder): EVersion {
  const version = d.u64();
  const epoch = d.u32();
  return { version, epoch };
}

/** `object_locator_t`: where an object lives, besides its name. */
export interface ObjectLocator {
  /** `int64_t pool`. */
  pool: number;
  /** `std::string key`: hash this instead of the object name (empty: use the name). */
  key: string;
  /** `std::string nspace`: the namespace within the pool. */
  nspace: string;
  /** `int64_t hash`: explicit placement hash, -1 when unused. */
  hash: number;
}

/** `object_locator_t::encode`: ENCODE_START(6, 3) (compat 6 when `hash` is set), pool, preferred, key, nspace, hash. */
export function encodeObjectLocator(e: Encoder, loc: ObjectLocator): void {
  const compat = loc.hash !== -1 ? 6 : 3;
  e.struct(6, compat, (b) => {
    b.i64(loc.pool).i32(-1).string(loc.key).string(loc.nspace).i64(loc.hash);
  });
}

export function decodeObjectLocator(d: Decoder): ObjectLocator {
  return d.struct('object_locator_t', 6, (b, v) => {
    let pool: number;
    if (v < 2) {
      pool = b.i32();
      b.i16(); // old preferred
    } else {
      pool = b.i64Number();
      b.i32(); // preferred
    }
    const key = b.string();
    const nspace = v >= 5 ? b.string() : '';
    const hash = v >= 6 ? b.i64Number() : -1;
    return { pool, key, nspace, hash };
  });
}

/** `hobject_t`: a hashed object id; the sort key of objects within a PG (listing cursors). */
export interface HObject {
  /** `std::string key`: locator key (empty when the object name is hashed). */
  key: string;
  /** `object_t oid`: the object name. */
  oid: string;
  /** `snapid_t snap`: CEPH_NOSNAP for the head. */
  snap: bigint;
  /** `uint32_t hash`: the object's placement hash. */
  hash: number;
  /** `bool max`: the end-of-range sentinel. */
  max: boolean;
  /** `std::string nspace`. */
  nspace: string;
  /** `int64_t pool`: INT64_MIN in a default-constructed hobject (listing start and end). */
  pool: bigint;
}

/** `INT64_MIN`: the pool of a default-constructed hobject_t. */
export const HOBJECT_NO_POOL = -(1n << 63n);

/** The smallest hobject (`hobject_t()`): where a listing starts. */
export function minHObject(): HObject {
  return { key: '', oid: '', snap: 0n, hash: 0, max: false, nspace: '', pool: HOBJECT_NO_POOL };
}

/** The sentinel after every object (`hobject_t::get_max()`): where a listing ends. */
export function maxHObject(): HObject {
  return { key: '', oid: '', snap: 0n, hash: 0, max: true, nspace: '', pool: HOBJECT_NO_POOL };
}

/** `hobject_t::encode`: ENCODE_START(4, 3), key, oid, snap, hash, max, nspace, pool. */
export function encodeHObject(e: Encoder, h: HObject): void {
  e.struct(4, 3, (b) => {
    b.string(h.key).string(h.oid).u64(h.snap).u32(h.hash).bool(h.max).string(h.nspace).i64(h.pool);
  });
}

export function decodeHObject(d: Decoder): HObject {
  return d.struct('hobject_t', 3, (b, v) => {
    const key = v >= 1 ? b.string() : '';
    const oid = b.string();
    const snap = b.u64();
    const hash = b.u32();
    const max = v >= 2 ? b.bool() : false;
    const nspace = v >= 4 ? b.string() : '';
    const pool = v >= 4 ? b.i64() : HOBJECT_NO_POOL;
    return { key, oid, snap, hash, max, nspace, pool };
  });
}

/** `osd_reqid_t`: who issued an op and its tid (the OSD's dup-detection key). */
export interface OsdReqId {
  /** `entity_name_t name`: the client. */
  name: EntityNameT;
  /** `ceph_tid_t tid`. */
  tid: bigint;
  /** `int32_t inc`: the client incarnation. */
  inc: number;
}

/** `osd_reqid_t` denc: DENC_START(2, 2), name, tid, inc. */
export function encodeOsdReqId(e: Encoder, r: OsdReqId): void {
  e.struct(2, 2, (b) => {
    encodeEntityNameT(b, r.name);
    b.u64(r.tid).i32(r.inc);
  });
}

export function decodeOsdReqId(d: Decoder): OsdReqId {
  return d.struct('osd_reqid_t', 2, (b) => {
    const name = decodeEntityNameT(b);
    const tid = b.u64();
    const inc = b.i32();
    return { name, tid, inc };
  });
}
