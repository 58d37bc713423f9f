/**
 * The object store behind the fake OSDs: one in-memory store shared by every
 * fake OSD (it stands for a replicated PG whose copies are always in sync),
 * with the parts of a real PG a client can observe:
 *
 * - objects with data, xattrs, omap and a user version;
 * - compound ops executed atomically, in order, stopping at the first
 *   failure (FAILOK ops excepted), as PrimaryLogPG::do_osd_ops does;
 * - the PG log's duplicate detection: a write resent with a reqid already
 *   applied gets the recorded result back instead of being applied again;
 * - the watchers of each object (persisted like `object_info_t::watchers`,
 *   keyed by cookie and client) with the connection each is attached to.
 *
 * Every op an OSD executes is appended to `log`, so tests can check what was
 * applied where, how often and in which order.
 */
import { Decoder } from '../../src/encoding/decoder.js';
import { encode } from '../../src/encoding/encoder.js';
import { encodeUTime, formatEntityNameT, type EntityNameT, type UTime } from '../../src/encoding/types.js';
import type { Connection } from '../../src/msg/connection.js';
import { OSDOp } from '../../src/msg/messages/osd-op.js';
import { OsdOp, OsdOpFlag, OsdOpMode, WatchOp } from '../../src/msg/messages/osd-op-codes.js';

export const ENOENT = -2;
export const EAGAIN = -11;
export const EEXIST = -17;
export const EINVAL = -22;
export const ENODATA = -61;
export const EOPNOTSUPP = -95;
export const ENOTCONN = -107;
export const ETIMEDOUT = -110;

export interface FakeObject {
  data: Buffer;
  xattrs: Map<string, Buffer>;
  omap: Map<string, Buffer>;
  omapHeader: Buffer;
  /** `user_version`: bumped by every write that changed the object. */
  version: bigint;
  mtime: UTime;
}

/** Where an object lives: pool, namespace, locator key and name. */
export interface ObjectName {
  pool: number;
  nspace: string;
  key: string;
  oid: string;
}

export function objectKey(o: ObjectName): string {
  return `${o.pool}/${o.nspace}/${o.key}/${o.oid}`;
}

/** A watch as the OSD persists it (`watch_info_t` + the live `Watch`'s connection). */
export interface FakeWatch {
  cookie: bigint;
  /** The watching client. */
  entity: EntityNameT;
  /** Its global id (the number of its entity name). */
  gid: bigint;
  timeoutSeconds: number;
  /** The connection notifications go out on; undefined while disconnected. */
  con: Connection | undefined;
  /** OSD that accepted the last WATCH/RECONNECT. */
  osd: number;
  /** Watch ops seen for this watch, in order ("watch", "reconnect", "ping"…), with the gen they carried. */
  history: { op: number; gen: number; osd: number }[];
}

/** One execution of an MOSDOp by a fake OSD. */
export interface OpRecord {
  osd: number;
  /** `client.N:tid`. */
  reqid: string;
  tid: bigint;
  retryAttempt: number;
  objectKey: string;
  opNames: string[];
  isWrite: boolean;
  /** Applied now (false: answered from the dup log, or failed, or read-only). */
  applied: boolean;
  dup: boolean;
  result: number;
}

/** What executing an op produced: the overall result, the reply ops and the object's version. */
export interface ExecResult {
  result: number;
  ops: OSDOp[];
  version: bigint;
  /** Side effects to run after commit (watch registrations, notifies). */
  effects: Effect[];
}

/** A notify waiting for its watchers' acks (`Notify` on the OSD). */
export interface PendingNotify {
  notifyId: bigint;
  /** The notifier's linger cookie (NOTIFY_COMPLETE is addressed to it). */
  cookie: bigint;
  /** OSD that started it (its crash loses the notify). */
  osd: number;
  notifierCon: Connection;
  notifierGid: bigint;
  /** The notify payload (re-sent to watchers that reconnect before acking). */
  payload: Buffer;
  /** Watchers still to ack, by `cookie/client.N`. */
  waiting: Map<string, FakeWatch>;
  acks: { gid: bigint; cookie: bigint; payload: Buffer }[];
  /** Send NOTIFY_COMPLETE with this result (once). */
  complete(result: number): void;
}

export type Effect =
  | { kind: 'watch'; op: number; cookie: bigint; gen: number; timeoutSeconds: number }
  | { kind: 'notify'; cookie: bigint; timeoutSeconds: number; payload: Buffer; notifyId: bigint }
  | { kind: 'notify-ack'; notifyId: bigint; cookie: bigint; payload: Buffer };

export class FakeStore {
  readonly objects = new Map<string, FakeObject>();
  /** Writes already applied by reqid: the PG log's dup entries. */
  readonly dups = new Map<string, { result: number; ops: OSDOp[]; version: bigint }>();
  /** Every op executed, in execution order. */
  readonly log: OpRecord[] = [];
  /** Watchers by object key, then by `cookie/client.N`. */
  readonly watchers = new Map<string, Map<string, FakeWatch>>();
  /** Notifies in progress by notify id. */
  readonly notifies = new Map<bigint, PendingNotify>();
  private lastNotifyId = 0n;

  get(o: ObjectName): FakeObject | undefined {
    return this.objects.get(objectKey(o));
  }

  /** Times a write with this reqid was applied (must never exceed 1). */
  appliedCount(reqid: string): number {
    return this.log.filter((r) => r.reqid === reqid && r.applied).length;
  }

  /** Times an op with this reqid reached any OSD's executor. */
  deliveredCount(reqid: string): number {
    return this.log.filter((r) => r.reqid === reqid).length;
  }

  watchersOf(o: ObjectName): Map<string, FakeWatch> {
    const k = objectKey(o);
    let m = this.watchers.get(k);
    if (!m) {
      m = new Map();
      this.watchers.set(k, m);
    }
    return m;
  }

  nextNotifyId(): bigint {
    return ++this.lastNotifyId;
  }

  /**
   * Execute `ops` on one object as a transaction. `isWrite` says whether the
   * message was a write (the dup log applies to writes only).
   */
  execute(
    name: ObjectName,
    reqid: string,
    ops: readonly OSDOp[],
    isWrite: boolean,
    mtime: UTime,
  ): ExecResult & { dup: boolean; applied: boolean } {
    if (isWrite) {
      const dup = this.dups.get(reqid);
      if (dup) return { ...dup, ops: dup.ops.map((o) => o.clone()), effects: [], dup: true, applied: false };
    }
    const key = objectKey(name);
    const existing = this.objects.get(key);
    // Work on a copy so a failing op leaves the object untouched.
    let obj: FakeObject | undefined = existing ? cloneObject(existing) : undefined;
    let modified = false;
    const out: OSDOp[] = [];
    const effects: Effect[] = [];
    let result = 0;
    const ensure = (): FakeObject => {
      obj ??= {
        data: Buffer.alloc(0),
        xattrs: new Map(),
        omap: new Map(),
        omapHeader: Buffer.alloc(0),
        version: 0n,
        mtime,
      };
      return obj;
    };
    for (const req of ops) {
      const op = req.clone();
      op.outdata = Buffer.alloc(0);
      let rval = 0;
      const mustExist = (): boolean => {
        if (!obj) rval = ENOENT;
        return obj !== undefined;
      };
      switch (req.op) {
        case OsdOp.READ: {
          if (!mustExist()) break;
          const { offset, length } = req.extent;
          const start = Math.min(Number(offset), obj!.data.length);
          const end = length === 0n ? obj!.data.length : Math.min(start + Number(length), obj!.data.length);
          op.outdata = Buffer.from(obj!.data.subarray(start, end));
          op.extent = { ...req.extent, length: BigInt(op.outdata.length) };
          break;
        }
        case OsdOp.STAT:
          if (!mustExist()) break;
          op.outdata = encode((e) => {
            e.u64(obj!.data.length);
            encodeUTime(e, obj!.mtime);
          });
          break;
        case OsdOp.WRITE: {
          const o = ensure();
          const off = Number(req.extent.offset);
          const end = off + req.indata.length;
          if (end > o.data.length) {
            const grown = Buffer.alloc(end);
            o.data.copy(grown);
            o.data = grown;
          }
          req.indata.copy(o.data, off);
          modified = true;
          break;
        }
        case OsdOp.WRITEFULL:
          ensure().data = Buffer.from(req.indata);
          modified = true;
          break;
        case OsdOp.APPEND: {
          const o = ensure();
          o.data = Buffer.concat([o.data, req.indata]);
          modified = true;
          break;
        }
        case OsdOp.CREATE:
          if (obj && (req.flags & OsdOpFlag.EXCL) !== 0) rval = EEXIST;
          else {
            ensure();
            modified = true;
          }
          break;
        case OsdOp.DELETE:
          if (!mustExist()) break;
          obj = undefined;
          modified = true;
          break;
        case OsdOp.SETXATTR: {
          const { nameLen, valueLen } = req.xattr;
          const n = req.indata.subarray(0, nameLen).toString('utf8');
          ensure().xattrs.set(n, Buffer.from(req.indata.subarray(nameLen, nameLen + valueLen)));
          modified = true;
          break;
        }
        case OsdOp.GETXATTR: {
          if (!mustExist()) break;
          const n = req.indata.subarray(0, req.xattr.nameLen).toString('utf8');
          const v = obj!.xattrs.get(n);
          if (!v) rval = ENODATA;
          else op.outdata = Buffer.from(v);
          break;
        }
        case OsdOp.OMAPSETVALS: {
          const d = new Decoder(req.indata);
          const vals = d.map(
            (x) => x.string(),
            (x) => x.buffer(),
          );
          const o = ensure();
          for (const [k, v] of vals) o.omap.set(k, Buffer.from(v));
          modified = true;
          break;
        }
        case OsdOp.OMAPGETVALS: {
          if (!mustExist()) break;
          const d = new Decoder(req.indata);
          const after = d.string();
          const max = d.u64Number();
          const prefix = d.string();
          const keys = [...obj!.omap.keys()]
            .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
            .filter((k) => Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0 && k.startsWith(prefix));
          const page = keys.slice(0, max);
          op.outdata = encode((e) => {
            e.u32(page.length);
            for (const k of page) e.string(k).buffer(obj!.omap.get(k)!);
            e.bool(keys.length > page.length);
          });
          break;
        }
        case OsdOp.WATCH: {
          if (!mustExist()) break;
          const w = req.watch;
          effects.push({ kind: 'watch', op: w.op, cookie: w.cookie, gen: w.gen, timeoutSeconds: w.timeout });
          break;
        }
        case OsdOp.NOTIFY: {
          if (!mustExist()) break;
          const d = new Decoder(req.indata);
          d.u32(); // prot_ver
          const timeoutSeconds = d.u32();
          const payload = d.buffer();
          const notifyId = this.nextNotifyId();
          effects.push({ kind: 'notify', cookie: req.notifyCookie, timeoutSeconds, payload, notifyId });
          op.outdata = encode((e) => e.u64(notifyId));
          break;
        }
        case OsdOp.NOTIFY_ACK: {
          const d = new Decoder(req.indata);
          const notifyId = d.u64();
          const cookie = d.u64();
          const payload = d.remaining > 0 ? d.buffer() : Buffer.alloc(0);
          effects.push({ kind: 'notify-ack', notifyId, cookie, payload });
          break;
        }
        default:
          rval = EOPNOTSUPP;
      }
      op.rval = rval;
      out.push(op);
      if (rval < 0 && (req.flags & OsdOpFlag.FAILOK) === 0) {
        result = rval;
        break;
      }
    }
    let version = existing?.version ?? 0n;
    const applied = result >= 0 && modified;
    if (applied) {
      version++;
      if (obj) {
        obj.version = version;
        obj.mtime = mtime;
        this.objects.set(key, obj);
      } else {
        this.objects.delete(key);
      }
    }
    const effectsToRun = result >= 0 ? effects : [];
    if (isWrite && result >= 0) this.dups.set(reqid, { result, ops: out.map((o) => o.clone()), version });
    return { result, ops: out, version, effects: effectsToRun, dup: false, applied };
  }
}

function cloneObject(o: FakeObject): FakeObject {
  return {
    data: Buffer.from(o.data),
    xattrs: new Map(o.xattrs),
    omap: new Map(o.omap),
    omapHeader: o.omapHeader,
    version: o.version,
    mtime: o.mtime,
  };
}

/** `client.4100:17`. */
export function formatReqId(entity: EntityNameT | undefined, tid: bigint): string {
  return `${entity ? formatEntityNameT(entity) : 'unknown'}:${tid}`;
}

/** True when any op of the list writes (the OSD's `may_write`). */
export function opsWrite(ops: readonly OSDOp[]): boolean {
  return ops.some(
    (o) => (o.op & OsdOpMode.WR) !== 0 && !(o.op === OsdOp.WATCH && o.watch.op === WatchOp.PING),
  );
}
