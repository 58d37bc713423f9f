/**
 * RADOS op codes and flag bits as Pacific's `include/rados.h` defines them,
 * with the names Ceph prints (`ceph_osd_op_name`, `ceph_osd_flag_name`…): the
 * vocabulary of MOSDOp / MOSDOpReply, the Objecter and the OSD.
 *
 * An op code packs three fields: mode (0xf000: read, write, read-modify-write,
 * sub-op, cache), type (0x0f00: data, attr, exec, pg) and a number.
 */

/** `CEPH_OSD_OP_MODE*`: the high nibble of an op code. */
export const OsdOpMode = {
  MASK: 0xf000,
  RD: 0x1000,
  WR: 0x2000,
  RMW: 0x3000,
  SUB: 0x4000,
  CACHE: 0x8000,
} as const;

/** `CEPH_OSD_OP_TYPE*`: the second nibble of an op code. */
export const OsdOpType = {
  MASK: 0x0f00,
  DATA: 0x0200,
  ATTR: 0x0300,
  EXEC: 0x0400,
  PG: 0x0500,
} as const;

const RD_DATA = OsdOpMode.RD | OsdOpType.DATA;
const WR_DATA = OsdOpMode.WR | OsdOpType.DATA;
const RMW_DATA = OsdOpMode.RMW | OsdOpType.DATA;
const CACHE_DATA = OsdOpMode.CACHE | OsdOpType.DATA;
const RD_ATTR = OsdOpMode.RD | OsdOpType.ATTR;
const WR_ATTR = OsdOpMode.WR | OsdOpType.ATTR;
const RD_PG = OsdOpMode.RD | OsdOpType.PG;

/** `CEPH_OSD_OP_*`: every op code Pacific knows (name without the prefix). */
export const OsdOp = {
  // data reads
  READ: RD_DATA | 1,
  STAT: RD_DATA | 2,
  MAPEXT: RD_DATA | 3,
  CHECKSUM: RD_DATA | 31,
  MASKTRUNC: RD_DATA | 4,
  SPARSE_READ: RD_DATA | 5,
  NOTIFY: RD_DATA | 6,
  NOTIFY_ACK: RD_DATA | 7,
  ASSERT_VER: RD_DATA | 8,
  LIST_WATCHERS: RD_DATA | 9,
  LIST_SNAPS: RD_DATA | 10,
  SYNC_READ: RD_DATA | 11,
  // data writes
  WRITE: WR_DATA | 1,
  WRITEFULL: WR_DATA | 2,
  TRUNCATE: WR_DATA | 3,
  ZERO: WR_DATA | 4,
  DELETE: WR_DATA | 5,
  APPEND: WR_DATA | 6,
  STARTSYNC: WR_DATA | 7,
  SETTRUNC: WR_DATA | 8,
  TRIMTRUNC: WR_DATA | 9,
  TMAPUP: RMW_DATA | 10,
  TMAPPUT: WR_DATA | 11,
  TMAPGET: RD_DATA | 12,
  CREATE: WR_DATA | 13,
  ROLLBACK: WR_DATA | 14,
  WATCH: WR_DATA | 15,
  // omap
  OMAPGETKEYS: RD_DATA | 17,
  OMAPGETVALS: RD_DATA | 18,
  OMAPGETHEADER: RD_DATA | 19,
  OMAPGETVALSBYKEYS: RD_DATA | 20,
  OMAPSETVALS: WR_DATA | 21,
  OMAPSETHEADER: WR_DATA | 22,
  OMAPCLEAR: WR_DATA | 23,
  OMAPRMKEYS: WR_DATA | 24,
  OMAPRMKEYRANGE: WR_DATA | 44,
  OMAP_CMP: RD_DATA | 25,
  // tiering
  COPY_FROM: WR_DATA | 26,
  COPY_FROM2: WR_DATA | 45,
  UNDIRTY: WR_DATA | 28,
  ISDIRTY: RD_DATA | 29,
  COPY_GET: RD_DATA | 30,
  CACHE_FLUSH: CACHE_DATA | 31,
  CACHE_EVICT: CACHE_DATA | 32,
  CACHE_TRY_FLUSH: CACHE_DATA | 33,
  TMAP2OMAP: RMW_DATA | 34,
  SETALLOCHINT: WR_DATA | 35,
  CACHE_PIN: WR_DATA | 36,
  CACHE_UNPIN: WR_DATA | 37,
  WRITESAME: WR_DATA | 38,
  CMPEXT: RD_DATA | 32,
  SET_REDIRECT: WR_DATA | 39,
  SET_CHUNK: CACHE_DATA | 40,
  TIER_PROMOTE: WR_DATA | 41,
  UNSET_MANIFEST: WR_DATA | 42,
  TIER_FLUSH: CACHE_DATA | 43,
  TIER_EVICT: CACHE_DATA | 44,
  // attrs
  GETXATTR: RD_ATTR | 1,
  GETXATTRS: RD_ATTR | 2,
  CMPXATTR: RD_ATTR | 3,
  SETXATTR: WR_ATTR | 1,
  SETXATTRS: WR_ATTR | 2,
  RESETXATTRS: WR_ATTR | 3,
  RMXATTR: WR_ATTR | 4,
  // sub-ops between OSDs
  PULL: OsdOpMode.SUB | 1,
  PUSH: OsdOpMode.SUB | 2,
  BALANCEREADS: OsdOpMode.SUB | 3,
  UNBALANCEREADS: OsdOpMode.SUB | 4,
  SCRUB: OsdOpMode.SUB | 5,
  SCRUB_RESERVE: OsdOpMode.SUB | 6,
  SCRUB_UNRESERVE: OsdOpMode.SUB | 7,
  SCRUB_MAP: OsdOpMode.SUB | 9,
  // object class call (the RD bit is historical: a call may write)
  CALL: OsdOpMode.RD | OsdOpType.EXEC | 1,
  // placement-group ops
  PGLS: RD_PG | 1,
  PGLS_FILTER: RD_PG | 2,
  PG_HITSET_LS: RD_PG | 3,
  PG_HITSET_GET: RD_PG | 4,
  PGNLS: RD_PG | 5,
  PGNLS_FILTER: RD_PG | 6,
  SCRUBLS: RD_PG | 7,
} as const;
export type OsdOp = (typeof OsdOp)[keyof typeof OsdOp];

/** `ceph_osd_op_name()` text of each op code. */
const OP_NAMES = new Map<number, string>([
  [OsdOp.READ, 'read'],
  [OsdOp.STAT, 'stat'],
  [OsdOp.MAPEXT, 'mapext'],
  [OsdOp.CHECKSUM, 'checksum'],
  [OsdOp.MASKTRUNC, 'masktrunc'],
  [OsdOp.SPARSE_READ, 'sparse-read'],
  [OsdOp.NOTIFY, 'notify'],
  [OsdOp.NOTIFY_ACK, 'notify-ack'],
  [OsdOp.ASSERT_VER, 'assert-version'],
  [OsdOp.LIST_WATCHERS, 'list-watchers'],
  [OsdOp.LIST_SNAPS, 'list-snaps'],
  [OsdOp.SYNC_READ, 'sync_read'],
  [OsdOp.WRITE, 'write'],
  [OsdOp.WRITEFULL, 'writefull'],
  [OsdOp.TRUNCATE, 'truncate'],
  [OsdOp.ZERO, 'zero'],
  [OsdOp.DELETE, 'delete'],
  [OsdOp.APPEND, 'append'],
  [OsdOp.STARTSYNC, 'startsync'],
  [OsdOp.SETTRUNC, 'settrunc'],
  [OsdOp.TRIMTRUNC, 'trimtrunc'],
  [OsdOp.TMAPUP, 'tmapup'],
  [OsdOp.TMAPPUT, 'tmapput'],
  [OsdOp.TMAPGET, 'tmapget'],
  [OsdOp.CREATE, 'create'],
  [OsdOp.ROLLBACK, 'rollback'],
  [OsdOp.WATCH, 'watch'],
  [OsdOp.OMAPGETKEYS, 'omap-get-keys'],
  [OsdOp.OMAPGETVALS, 'omap-get-vals'],
  [OsdOp.OMAPGETHEADER, 'omap-get-header'],
  [OsdOp.OMAPGETVALSBYKEYS, 'omap-get-vals-by-keys'],
  [OsdOp.OMAPSETVALS, 'omap-set-vals'],
  [OsdOp.OMAPSETHEADER, 'omap-set-header'],
  [OsdOp.OMAPCLEAR, 'omap-clear'],
  [OsdOp.OMAPRMKEYS, 'omap-rm-keys'],
  [OsdOp.OMAPRMKEYRANGE, 'omap-rm-key-range'],
  [OsdOp.OMAP_CMP, 'omap-cmp'],
  [OsdOp.COPY_FROM, 'copy-from'],
  [OsdOp.COPY_FROM2, 'copy-from2'],
  [OsdOp.UNDIRTY, 'undirty'],
  [OsdOp.ISDIRTY, 'isdirty'],
  [OsdOp.COPY_GET, 'copy-get'],
  [OsdOp.CACHE_FLUSH, 'cache-flush'],
  [OsdOp.CACHE_EVICT, 'cache-evict'],
  [OsdOp.CACHE_TRY_FLUSH, 'cache-try-flush'],
  [OsdOp.TMAP2OMAP, 'tmap2omap'],
  [OsdOp.SETALLOCHINT, 'set-alloc-hint'],
  [OsdOp.CACHE_PIN, 'cache-pin'],
  [OsdOp.CACHE_UNPIN, 'cache-unpin'],
  [OsdOp.WRITESAME, 'write-same'],
  [OsdOp.CMPEXT, 'cmpext'],
  [OsdOp.SET_REDIRECT, 'set-redirect'],
  [OsdOp.SET_CHUNK, 'set-chunk'],
  [OsdOp.TIER_PROMOTE, 'tier-promote'],
  [OsdOp.UNSET_MANIFEST, 'unset-manifest'],
  [OsdOp.TIER_FLUSH, 'tier-flush'],
  [OsdOp.TIER_EVICT, 'tier-evict'],
  [OsdOp.GETXATTR, 'getxattr'],
  [OsdOp.GETXATTRS, 'getxattrs'],
  [OsdOp.CMPXATTR, 'cmpxattr'],
  [OsdOp.SETXATTR, 'setxattr'],
  [OsdOp.SETXATTRS, 'setxattrs'],
  [OsdOp.RESETXATTRS, 'resetxattrs'],
  [OsdOp.RMXATTR, 'rmxattr'],
  [OsdOp.PULL, 'pull'],
  [OsdOp.PUSH, 'push'],
  [OsdOp.BALANCEREADS, 'balance-reads'],
  [OsdOp.UNBALANCEREADS, 'unbalance-reads'],
  [OsdOp.SCRUB, 'scrub'],
  [OsdOp.SCRUB_RESERVE, 'scrub-reserve'],
  [OsdOp.SCRUB_UNRESERVE, 'scrub-unreserve'],
  [OsdOp.SCRUB_MAP, 'scrub-map'],
  [OsdOp.CALL, 'call'],
  [OsdOp.PGLS, 'pgls'],
  [OsdOp.PGLS_FILTER, 'pgls-filter'],
  [OsdOp.PG_HITSET_LS, 'pg-hitset-ls'],
  [OsdOp.PG_HITSET_GET, 'pg-hitset-get'],
  [OsdOp.PGNLS, 'pgnls'],
  [OsdOp.PGNLS_FILTER, 'pgnls-filter'],
  [OsdOp.SCRUBLS, 'scrubls'],
]);

/** `ceph_osd_op_name()`: the op's name as Ceph logs it (`???` when unknown). */
export function osdOpName(op: number): string {
  return OP_NAMES.get(op) ?? '???';
}

/** `ceph_osd_op_type_data()` and friends: the op's type nibble. */
export function osdOpTypeIs(op: number, type: number): boolean {
  return (op & OsdOpType.MASK) === type;
}

/** `ceph_osd_op_mode_read()`: the op reads (CALL's RD bit does not count). */
export function osdOpModeRead(op: number): boolean {
  return (op & OsdOpMode.RD) !== 0 && op !== OsdOp.CALL;
}

/** `ceph_osd_op_mode_modify()`: the op may write. */
export function osdOpModeModify(op: number): boolean {
  return (op & OsdOpMode.WR) !== 0;
}

/** `ceph_osd_op_mode_cache()`: a cache-tier op. */
export function osdOpModeCache(op: number): boolean {
  return (op & OsdOpMode.CACHE) !== 0;
}

/** `ceph_osd_op_mode_subop()`: an OSD-to-OSD sub-op. */
export function osdOpModeSubop(op: number): boolean {
  return (op & OsdOpMode.MASK) === OsdOpMode.SUB;
}

/** `ceph_osd_op_uses_extent()`: the op's union holds an extent. */
export function osdOpUsesExtent(op: number): boolean {
  switch (op) {
    case OsdOp.READ:
    case OsdOp.MAPEXT:
    case OsdOp.MASKTRUNC:
    case OsdOp.SPARSE_READ:
    case OsdOp.SYNC_READ:
    case OsdOp.WRITE:
    case OsdOp.WRITEFULL:
    case OsdOp.TRUNCATE:
    case OsdOp.ZERO:
    case OsdOp.APPEND:
    case OsdOp.TRIMTRUNC:
    case OsdOp.CMPEXT:
      return true;
    default:
      return false;
  }
}

/** `CEPH_OSD_FLAG_*`: per-request flags of MOSDOp (and echoed in MOSDOpReply). */
export const OsdFlag = {
  /** Want (or is) the "ack" reply. */
  ACK: 0x0001,
  /** Want (or is) the "onnvram" reply. */
  ONNVRAM: 0x0002,
  /** Want (or is) the "ondisk" (commit) reply. */
  ONDISK: 0x0004,
  /** This is a resend (retry_attempt > 0). */
  RETRY: 0x0008,
  /** Some op reads. */
  READ: 0x0010,
  /** Some op writes. */
  WRITE: 0x0020,
  /** Fail with EOLDSNAPC when the snap context is older than the object's. */
  ORDERSNAP: 0x0040,
  /** Deprecated: carried osd_peer_stat. */
  PEERSTAT_OLD: 0x0080,
  /** Any replica may serve the read. */
  BALANCE_READS: 0x0100,
  PARALLELEXEC: 0x0200,
  /** A PG op (listing): no single object. */
  PGOP: 0x0400,
  /** Some op calls an object class method. */
  EXEC: 0x0800,
  /** Deprecated. */
  EXEC_PUBLIC: 0x1000,
  /** The nearest replica may serve the read. */
  LOCALIZE_READS: 0x2000,
  /** Order with respect to concurrent reads. */
  RWORDERED: 0x4000,
  /** Bypass cache-tier logic. */
  IGNORE_CACHE: 0x8000,
  SKIPRWLOCKS: 0x10000,
  /** Bypass the pool's tier overlay. */
  IGNORE_OVERLAY: 0x20000,
  FLUSH: 0x40000,
  MAP_SNAP_CLONE: 0x80000,
  /** Use the op's snap context even on a pool-snaps pool. */
  ENFORCE_SNAPC: 0x100000,
  REDIRECTED: 0x200000,
  KNOWN_REDIR: 0x400000,
  /** Try the write even when the cluster is full. */
  FULL_TRY: 0x800000,
  /** Force the write even when the cluster is full. */
  FULL_FORCE: 0x1000000,
  IGNORE_REDIRECT: 0x2000000,
  /** Return per-op rval and out data for writes too. */
  RETURNVEC: 0x4000000,
  /** The client understands the pool EIO flag (Quincy on: Pacific clients never set it, Pacific OSDs ignore it). */
  SUPPORTSPOOLEIO: 0x8000000,
} as const;
export type OsdFlag = (typeof OsdFlag)[keyof typeof OsdFlag];

const FLAG_NAMES = new Map<number, string>([
  [OsdFlag.ACK, 'ack'],
  [OsdFlag.ONNVRAM, 'onnvram'],
  [OsdFlag.ONDISK, 'ondisk'],
  [OsdFlag.RETRY, 'retry'],
  [OsdFlag.READ, 'read'],
  [OsdFlag.WRITE, 'write'],
  [OsdFlag.ORDERSNAP, 'ordersnap'],
  [OsdFlag.PEERSTAT_OLD, 'peerstat_old'],
  [OsdFlag.BALANCE_READS, 'balance_reads'],
  [OsdFlag.PARALLELEXEC, 'parallelexec'],
  [OsdFlag.PGOP, 'pgop'],
  [OsdFlag.EXEC, 'exec'],
  [OsdFlag.EXEC_PUBLIC, 'exec_public'],
  [OsdFlag.LOCALIZE_READS, 'localize_reads'],
  [OsdFlag.RWORDERED, 'rwordered'],
  [OsdFlag.IGNORE_CACHE, 'ignore_cache'],
  [OsdFlag.SKIPRWLOCKS, 'skiprwlocks'],
  [OsdFlag.IGNORE_OVERLAY, 'ignore_overlay'],
  [OsdFlag.FLUSH, 'flush'],
  [OsdFlag.MAP_SNAP_CLONE, 'map_snap_clone'],
  [OsdFlag.ENFORCE_SNAPC, 'enforce_snapc'],
  [OsdFlag.REDIRECTED, 'redirected'],
  [OsdFlag.KNOWN_REDIR, 'known_if_redirected'],
  [OsdFlag.FULL_TRY, 'full_try'],
  [OsdFlag.FULL_FORCE, 'full_force'],
  [OsdFlag.IGNORE_REDIRECT, 'ignore_redirect'],
  [OsdFlag.RETURNVEC, 'returnvec'],
]);

/** `CEPH_OSD_OP_FLAG_*`: per-op flags (the `flags` field of ceph_osd_op). */
export const OsdOpFlag = {
  /** Create fails with EEXIST if the object exists. */
  EXCL: 0x1,
  /** Keep going when this op fails (its rval still reports the error). */
  FAILOK: 0x2,
  FADVISE_RANDOM: 0x4,
  FADVISE_SEQUENTIAL: 0x8,
  FADVISE_WILLNEED: 0x10,
  FADVISE_DONTNEED: 0x20,
  FADVISE_NOCACHE: 0x40,
  /** set-chunk: take a reference on the target. */
  WITH_REFERENCE: 0x80,
  BYPASS_CLEAN_CACHE: 0x100,
} as const;
export type OsdOpFlag = (typeof OsdOpFlag)[keyof typeof OsdOpFlag];

/** `ceph_osd_op_flag_name()` text (Ceph's own spelling, typo included). */
const OP_FLAG_NAMES = new Map<number, string>([
  [OsdOpFlag.EXCL, 'excl'],
  [OsdOpFlag.FAILOK, 'failok'],
  [OsdOpFlag.FADVISE_RANDOM, 'fadvise_random'],
  [OsdOpFlag.FADVISE_SEQUENTIAL, 'fadvise_sequential'],
  [OsdOpFlag.FADVISE_WILLNEED, 'favise_willneed'],
  [OsdOpFlag.FADVISE_DONTNEED, 'fadvise_dontneed'],
  [OsdOpFlag.FADVISE_NOCACHE, 'fadvise_nocache'],
  [OsdOpFlag.WITH_REFERENCE, 'with_reference'],
  [OsdOpFlag.BYPASS_CLEAN_CACHE, 'bypass_clean_cache'],
]);

/** Bits joined with `+`, `-` when none, `???` for a bit without a name (Ceph's `*_flag_string`). */
function flagString(flags: number, names: ReadonlyMap<number, string>): string {
  const parts: string[] = [];
  for (let i = 0; i < 32; i++) {
    const bit = (1 << i) >>> 0;
    if ((flags >>> 0) & bit) parts.push(names.get(bit) ?? '???');
  }
  return parts.length ? parts.join('+') : '-';
}

/** `ceph_osd_flag_string()`: request flags as Ceph prints them (`ondisk+write+known_if_redirected`). */
export function osdFlagString(flags: number): string {
  return flagString(flags, FLAG_NAMES);
}

/** `ceph_osd_op_flag_string()`: per-op flags as Ceph prints them. */
export function osdOpFlagString(flags: number): string {
  return flagString(flags, OP_FLAG_NAMES);
}

/** `CEPH_OSD_CMPXATTR_OP_*`: how CMPXATTR compares. */
export const CmpXattrOp = {
  EQ: 1,
  NE: 2,
  GT: 3,
  GTE: 4,
  LT: 5,
  LTE: 6,
} as const;
export type CmpXattrOp = (typeof CmpXattrOp)[keyof typeof CmpXattrOp];

/** `CEPH_OSD_CMPXATTR_MODE_*`: what CMPXATTR compares as. */
export const CmpXattrMode = {
  STRING: 1,
  U64: 2,
} as const;
export type CmpXattrMode = (typeof CmpXattrMode)[keyof typeof CmpXattrMode];

/** `CEPH_OSD_COPY_FROM_FLAG_*`: the copy_from union's u8 flags. */
export const CopyFromFlag = {
  FLUSH: 1,
  IGNORE_OVERLAY: 2,
  IGNORE_CACHE: 4,
  MAP_SNAP_CLONE: 8,
  RWORDERED: 16,
  TRUNCATE_SEQ: 32,
} as const;

/** `CEPH_OSD_TMAP2OMAP_NULLOK`: tmap2omap succeeds on a missing object. */
export const TMAP2OMAP_NULLOK = 1;

/** `CEPH_OSD_WATCH_OP_*`: the watch union's op (odd values so pre-Giant OSDs never read UNWATCH). */
export const WatchOp = {
  UNWATCH: 0,
  LEGACY_WATCH: 1,
  WATCH: 3,
  RECONNECT: 5,
  PING: 7,
} as const;
export type WatchOp = (typeof WatchOp)[keyof typeof WatchOp];

/** `ceph_osd_watch_op_name()`. */
export function watchOpName(op: number): string {
  switch (op) {
    case WatchOp.WATCH:
      return 'watch';
    case WatchOp.RECONNECT:
      return 'reconnect';
    case WatchOp.UNWATCH:
      return 'unwatch';
    case WatchOp.PING:
      return 'ping';
    default:
      return '???';
  }
}

/** `CEPH_WATCH_EVENT_*`: MWatchNotify opcodes. */
export const WatchEvent = {
  /** A notify for the watcher to acknowledge. */
  NOTIFY: 1,
  /** To the notifier: all watchers acked (or timed out). */
  NOTIFY_COMPLETE: 2,
  /** The OSD dropped the watch (error in return_code). */
  DISCONNECT: 3,
} as const;
export type WatchEvent = (typeof WatchEvent)[keyof typeof WatchEvent];

/** `CEPH_OSD_CHECKSUM_OP_TYPE_*`. */
export const ChecksumType = {
  XXHASH32: 0,
  XXHASH64: 1,
  CRC32C: 2,
} as const;

/** `CEPH_OSD_ALLOC_HINT_FLAG_*`: the alloc_hint union's flags. */
export const AllocHintFlag = {
  SEQUENTIAL_WRITE: 1,
  RANDOM_WRITE: 2,
  SEQUENTIAL_READ: 4,
  RANDOM_READ: 8,
  APPEND_ONLY: 16,
  IMMUTABLE: 32,
  SHORTLIVED: 64,
  LONGLIVED: 128,
  COMPRESSIBLE: 256,
  INCOMPRESSIBLE: 512,
} as const;

/** `CEPH_OSD_BACKOFF_OP_*`: MOSDBackoff ops. */
export const BackoffOp = {
  /** OSD → client: stop sending ops for [begin, end). */
  BLOCK: 1,
  /** Client → OSD: the block is in place. */
  ACK_BLOCK: 2,
  /** OSD → client: resume (resend what was held). */
  UNBLOCK: 3,
} as const;
export type BackoffOp = (typeof BackoffOp)[keyof typeof BackoffOp];

/** `ceph_osd_backoff_op_name()`. */
export function backoffOpName(op: number): string {
  switch (op) {
    case BackoffOp.BLOCK:
      return 'block';
    case BackoffOp.ACK_BLOCK:
      return 'ack-block';
    case BackoffOp.UNBLOCK:
      return 'unblock';
    default:
      return '???';
  }
}

/** `POOL_OP_*`: MPoolOp ops. */
export const PoolOp = {
  CREATE: 0x01,
  DELETE: 0x02,
  AUID_CHANGE: 0x03,
  CREATE_SNAP: 0x11,
  DELETE_SNAP: 0x12,
  CREATE_UNMANAGED_SNAP: 0x21,
  DELETE_UNMANAGED_SNAP: 0x22,
} as const;
export type PoolOp = (typeof PoolOp)[keyof typeof PoolOp];
