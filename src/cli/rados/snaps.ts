/**
 * Snapshot commands of `rados`: pool snapshots (lssnap, mksnap, rmsnap),
 * rolling an object back to one (rollback), and an object's clones
 * (listsnaps).
 *
 * Pool snapshots come from the pool in the current OSDMap; creating and
 * removing them are pool ops to the mon (`Rados.poolSnapCreate/Remove`).
 */
import { CEPH_NOSNAP } from '../../encoding/osd-types.js';
import type { PgPool } from '../../osdmap/pg-pool.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import type { Rados } from '../../rados/rados.js';
import { CephError } from '../../common/errors.js';
import { fail, poolOf, tryErrno, usageError, type CommandHandler, type ToolContext } from './context.js';
import { cppStrerror, prettify } from './format.js';

async function currentPool(rados: Rados, poolId: number): Promise<PgPool> {
  await rados.objecter.waitForLatestMap();
  const pool = rados.objecter.osdmap.getPool(poolId);
  if (!pool) throw new CephError('ENOENT', `pool ${poolId} does not exist`);
  return pool;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** lssnap's time: local "YYYY.MM.DD HH:MM:SS". */
function formatSnapStamp(sec: number): string {
  const d = new Date(sec * 1000);
  return (
    `${String(d.getFullYear()).padStart(4, '0')}.${pad2(d.getMonth() + 1)}.${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

function poolNow(ctx: ToolContext): PgPool | undefined {
  return ctx.rados.objecter.osdmap.getPool(poolOf(ctx).ioCtx.poolId);
}

const lssnap: CommandHandler = async (ctx, nargs) => {
  if (ctx.poolName === undefined || nargs.length !== 1) return usageError(ctx.io);
  const snaps = [...(poolNow(ctx)?.snaps.values() ?? [])].sort((a, b) =>
    a.snapid < b.snapid ? -1 : a.snapid > b.snapid ? 1 : 0,
  );
  const lines = snaps.map((s) => `${s.snapid}\t${s.name}\t${formatSnapStamp(s.stamp.sec)}\n`);
  ctx.io.stdout(lines.join('') + `${snaps.length} snaps\n`);
  return 0;
};

const mksnap: CommandHandler = async (ctx, nargs) => {
  if (ctx.poolName === undefined || nargs.length < 2) return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const pool = await tryErrno(() => currentPool(ctx.rados, ioCtx.poolId));
  if (!('value' in pool)) {
    return fail(ctx.io, `failed to query pool ${poolName} for selfmanaged snaps: ${cppStrerror(pool.r)}`);
  }
  if (pool.value.isUnmanagedSnapsMode()) {
    return fail(ctx.io, `can't create snapshot: pool ${poolName} is in selfmanaged snaps mode`);
  }
  const r = await tryErrno(() => ctx.rados.poolSnapCreate(poolName, nargs[1]!));
  if (r.r < 0) {
    return fail(ctx.io, `error creating pool ${poolName} snapshot ${nargs[1]}: ${cppStrerror(r.r)}`);
  }
  ctx.io.stdout(`created pool ${poolName} snap ${nargs[1]}\n`);
  return 0;
};

const rmsnap: CommandHandler = async (ctx, nargs) => {
  if (ctx.poolName === undefined || nargs.length < 2) return usageError(ctx.io);
  const { poolName } = poolOf(ctx);
  const r = await tryErrno(() => ctx.rados.poolSnapRemove(poolName, nargs[1]!));
  if (r.r < 0) {
    return fail(ctx.io, `error removing pool ${poolName} snapshot ${nargs[1]}: ${cppStrerror(r.r)}`);
  }
  ctx.io.stdout(`removed pool ${poolName} snap ${nargs[1]}\n`);
  return 0;
};

/** `rollback <obj> <snap>`: librados `snap_rollback` (look the name up, then ROLLBACK). */
const rollback: CommandHandler = async (ctx, nargs) => {
  if (ctx.poolName === undefined || nargs.length < 3) return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const [, oid, snapName] = nargs as [string, string, string];
  const snapId = poolNow(ctx)?.snapExists(snapName) ?? 0n;
  const r =
    snapId === 0n
      ? { r: -2 }
      : await tryErrno(() => ioCtx.operate(oid, new ObjectWriteOperation().rollback(snapId)));
  if (r.r < 0) {
    // rados.cc names the object where it means the snapshot, and has no ": "
    return fail(ctx.io, `error rolling back pool ${poolName} to snapshot ${oid}${cppStrerror(r.r)}`);
  }
  ctx.io.stdout(`rolled back pool ${poolName} to snapshot ${snapName}\n`);
  return 0;
};

const listsnaps: CommandHandler = async (ctx, nargs) => {
  const { io, formatter: f } = ctx;
  if (ctx.poolName === undefined || (nargs.length < 2 && ctx.objName === undefined)) return usageError(io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oid = ctx.objName ?? nargs[1]!;
  const r = await tryErrno(() => ioCtx.listSnaps(oid));
  if (!('value' in r))
    return fail(io, `error listing snap shots ${poolName}/${prettify(oid)}: ${cppStrerror(r.r)}`);
  const names = new Map<bigint, string>();
  if (f || ctx.prettyFormat) for (const s of poolNow(ctx)?.snaps.values() ?? []) names.set(s.snapid, s.name);
  const out: string[] = [];
  if (f) {
    f.openObjectSection('object');
    f.dumpString('name', oid);
    f.openArraySection('clones');
  } else {
    out.push(`${prettify(oid)}:\n`, 'cloneid\tsnaps\tsize\toverlap\n');
  }
  for (const clone of r.value.clones) {
    const head = clone.cloneId === CEPH_NOSNAP;
    if (f) {
      f.openObjectSection('clone');
      if (head) f.dumpString('id', 'head');
      else f.dumpUnsigned('id', clone.cloneId);
      f.openArraySection('snapshots');
      for (const s of clone.snaps) {
        f.openObjectSection('snapshot');
        f.dumpUnsigned('id', s);
        const name = names.get(s);
        if (name !== undefined) f.dumpString('name', name);
        f.closeSection();
      }
      f.closeSection();
      f.dumpUnsigned('size', clone.size);
      if (!head) {
        f.openArraySection('overlaps');
        for (const [start, length] of clone.overlap) {
          f.openObjectSection('section');
          f.dumpUnsigned('start', start);
          f.dumpUnsigned('length', length);
          f.closeSection();
        }
        f.closeSection();
      }
      f.closeSection();
      continue;
    }
    let line = head ? 'head' : String(clone.cloneId);
    line += '\t';
    if (clone.snaps.length === 0) line += '-';
    line += clone.snaps
      .map((s) => {
        const name = names.get(s);
        return ctx.prettyFormat && name !== undefined ? `${name}(${s})` : String(s);
      })
      .join(',');
    line += `\t${clone.size}`;
    // the head's line is ended by the final newline
    if (!head) line += `\t[${clone.overlap.map(([o, l]) => `${o}~${l}`).join(',')}]\n`;
    out.push(line);
  }
  if (f) {
    f.closeSection();
    f.closeSection();
    out.push(f.flush());
  } else {
    out.push('\n');
  }
  io.stdout(out.join(''));
  return 0;
};

export const snapCommands: Record<string, CommandHandler> = { lssnap, mksnap, rmsnap, rollback, listsnaps };
