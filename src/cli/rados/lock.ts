/**
 * `rados lock list|info|get|break`: advisory locks through the `lock` object
 * class. Output is JSON (compact, or pretty with --pretty-format) unless
 * --format says otherwise, as in rados.cc `do_lock_cmd`.
 */
import { EntityType, type EntityAddr, type EntityNameT } from '../../encoding/types.js';
import { formatEntityNameT } from '../../encoding/types.js';
import { Formatter } from '../../common/formatter.js';
import { formatUTimeLocal } from '../../osdmap/format.js';
import {
  breakObjectLock,
  ClsLockType,
  clsLockTypeStr,
  getLockInfo,
  listLocks,
  lockObject,
} from '../../cls/lock/index.js';
import { poolOf, tryErrno, usageError, type CommandHandler } from './context.js';
import { cppStrerror, strictIecStrtoll } from './format.js';

const EINVAL = -22;

/** `entity_name_t::parse`: "client.4123", "osd.0", "mon.1", "mds.2", "mgr.3". */
export function parseEntityNameT(s: string): EntityNameT | undefined {
  const types: [string, number][] = [
    ['mon.', EntityType.MON],
    ['osd.', EntityType.OSD],
    ['mds.', EntityType.MDS],
    ['client.', EntityType.CLIENT],
    ['mgr.', EntityType.MGR],
  ];
  const match = types.find(([prefix]) => s.startsWith(prefix));
  if (!match) return undefined;
  const rest = s.slice(match[0].length);
  if (!/^[+-]?\d+$/.test(rest)) return undefined;
  return { type: match[1], num: BigInt.asIntN(64, BigInt(rest)) };
}

/** `entity_addr_t::get_legacy_str`: "127.0.0.1:0/123", no protocol prefix. */
export function formatAddrLegacy(a: EntityAddr): string {
  if (a.family === 2) return `${a.ip}:${a.port}/${a.nonce}`;
  if (a.family === 10) return `[${a.ip}]:${a.port}/${a.nonce}`;
  return `(unrecognized address family ${a.family})/${a.nonce}`;
}

const lockCommand: CommandHandler = async (ctx, nargs) => {
  const { io, opts } = ctx;
  if (ctx.poolName === undefined) return usageError(io);
  const { ioCtx } = poolOf(ctx);
  const f = ctx.formatter ?? new Formatter(ctx.prettyFormat ? 'json-pretty' : 'json');
  if (nargs.length < 3) return usageError(io);
  const cmd = nargs[1]!;
  const oid = nargs[2]!;
  const tag = opts.get('lock-tag') ?? '';
  const cookie = opts.get('lock-cookie') ?? '';
  const description = opts.get('lock-description') ?? '';
  let duration = 0;
  const durationText = opts.get('lock-duration');
  if (durationText !== undefined) {
    const r = strictIecStrtoll(durationText);
    if ('error' in r) {
      io.stderr(`Invalid value for lock-duration: ${r.error}\n`);
      return EINVAL;
    }
    duration = Number(BigInt.asIntN(32, r.value));
  }
  let type: number = ClsLockType.EXCLUSIVE;
  const typeText = opts.get('lock-type');
  if (typeText !== undefined) {
    if (typeText === 'exclusive') type = ClsLockType.EXCLUSIVE;
    else if (typeText === 'shared') type = ClsLockType.SHARED;
    else {
      io.stderr('unknown lock type was specified, aborting\n');
      return EINVAL;
    }
  }

  if (cmd === 'list') {
    const r = await tryErrno(() => listLocks(ioCtx, oid));
    if (!('value' in r)) {
      io.stderr(`ERROR: rados_list_locks(): ${cppStrerror(r.r)}\n`);
      return r.r;
    }
    f.openObjectSection('object');
    f.dumpString('objname', oid);
    f.openArraySection('locks');
    for (const name of r.value) {
      f.openObjectSection('lock');
      f.dumpString('name', name);
      f.closeSection();
    }
    f.closeSection();
    f.closeSection();
    io.stdout(f.flush());
    return 0;
  }

  if (nargs.length < 4) return usageError(io);
  const name = nargs[3]!;

  if (cmd === 'info') {
    const r = await tryErrno(() => getLockInfo(ioCtx, oid, name));
    if (!('value' in r)) {
      io.stderr(`ERROR: rados_lock_get_lock_info(): ${cppStrerror(r.r)}\n`);
      return r.r;
    }
    const info = r.value;
    f.openObjectSection('lock');
    f.dumpString('name', name);
    f.dumpString('type', clsLockTypeStr(info.lockType));
    f.dumpString('tag', info.tag);
    f.openArraySection('lockers');
    for (const { id, info: li } of info.lockers) {
      f.openObjectSection('locker');
      f.dumpString('name', formatEntityNameT(id.locker));
      f.dumpString('cookie', id.cookie);
      f.dumpString('description', li.description);
      f.dumpString('expiration', formatUTimeLocal(li.expiration));
      f.dumpString('addr', formatAddrLegacy(li.addr));
      f.closeSection();
    }
    f.closeSection();
    f.closeSection();
    io.stdout(f.flush());
    return 0;
  }

  if (cmd === 'get') {
    const r = await tryErrno(() =>
      lockObject(ioCtx, oid, {
        name,
        type,
        cookie,
        tag,
        description,
        duration: { sec: duration >>> 0, nsec: 0 },
      }),
    );
    if (r.r < 0) {
      io.stderr(`ERROR: failed locking: ${cppStrerror(r.r)}\n`);
      return r.r;
    }
    return 0;
  }

  if (nargs.length < 5) return usageError(io);
  if (cmd !== 'break') return usageError(io);
  const lockerText = nargs[4]!;
  const locker = parseEntityNameT(lockerText);
  if (!locker) {
    io.stderr(`ERROR: failed to parse locker name (${lockerText})\n`);
    return EINVAL;
  }
  const r = await tryErrno(() => breakObjectLock(ioCtx, oid, name, cookie, locker));
  if (r.r < 0) {
    io.stderr(`ERROR: failed breaking lock: ${cppStrerror(r.r)}\n`);
    return r.r;
  }
  return 0;
};

export const lockCommands: Record<string, CommandHandler> = { lock: lockCommand };
