/**
 * Listing a pool's objects with PGNLS (Objecter's `list_nobjects`).
 *
 * The cursor is an hobject in the OSDs' bitwise sort order. Each request goes
 * to the PG that owns the cursor's hash; the OSD returns up to `count`
 * entries and the next cursor, which moves on to the next PG when one is
 * exhausted, and is MAX after the last PG.
 *
 *   cursor = MIN → PGNLS(pg of cursor, cursor) → entries, next cursor
 *                → next cursor MAX → <done>
 *   pg count changed mid-listing → restart from the cursor under the new layout
 */
import { CephError } from '../common/errors.js';
import { Decoder } from '../encoding/decoder.js';
import { encode } from '../encoding/encoder.js';
import { decodeHObject, encodeHObject, minHObject, type HObject } from '../encoding/osd-types.js';
import { OSDOp } from '../msg/messages/osd-op.js';
import { OsdFlag, OsdOp } from '../msg/messages/osd-op-codes.js';
import { cephStableMod } from '../osdmap/index.js';
import type { Objecter } from './objecter/objecter.js';

export interface ListedObject {
  oid: string;
  /** Locator key ('' when the name is hashed). */
  key: string;
  nspace: string;
}

export interface ListOptions {
  /** Namespace to list; ALL_NSPACES ("\x01") for every namespace. */
  nspace?: string;
  /** Entries per request (Ceph's librados asks 1024 at a time). */
  batch?: number;
  /** Resume from this cursor. */
  cursor?: HObject;
}

/** `pg_nls_response_t`: the next cursor and the entries. */
export function decodePgNlsResponse(buf: Buffer): { handle: HObject; entries: ListedObject[] } {
  return new Decoder(buf).struct('pg_nls_response_t', 1, (d) => {
    const handle = decodeHObject(d);
    const entries = d.list((x) => {
      const nspace = x.string();
      const oid = x.string();
      const key = x.string();
      return { oid, key, nspace };
    });
    return { handle, entries };
  });
}

export async function* listObjects(
  objecter: Objecter,
  poolId: number,
  nspace: string,
  opts: ListOptions = {},
): AsyncGenerator<ListedObject> {
  const batch = opts.batch ?? 1024;
  let cursor = opts.cursor ?? minHObject();
  await objecter.waitForMap();
  for (;;) {
    if (cursor.max) return;
    const pool = objecter.osdmap.getPool(poolId);
    if (!pool) throw new CephError('ENOENT', `pool ${poolId} does not exist`);
    const pgSeed = cephStableMod(cursor.hash, pool.pgNum, pool.pgNumMask);
    const op = OSDOp.pgls(
      OsdOp.PGNLS,
      batch,
      objecter.osdmap.epoch,
      encode((e) => encodeHObject(e, cursor)),
    );
    const reply = await objecter.submit({
      oid: '',
      // A PG op names no object: the locator carries the PG's seed as its hash, as Ceph's client sends it.
      oloc: { pool: poolId, key: '', nspace, hash: pgSeed },
      ops: [op],
      flags: OsdFlag.READ | OsdFlag.IGNORE_OVERLAY,
      pgid: { pool: poolId, seed: pgSeed },
    });
    // 1 means "end of this PG" from newer OSDs; the handle says where to continue either way.
    if (reply.result < 0) throw new CephError(reply.result, `listing pool ${poolId}`);
    const { handle, entries } = decodePgNlsResponse(reply.ops[0]!.outdata);
    for (const e of entries) yield e;
    cursor = handle;
  }
}
