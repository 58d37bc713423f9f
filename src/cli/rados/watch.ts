/**
 * `rados watch`, `notify` and `listwatchers`.
 *
 *   watch: WATCH the object → "press enter to exit..." → every notify: print it
 *          (hexdump of the payload) and ack with the same payload → enter / EOF /
 *          SIGINT → UNWATCH
 *   notify: NOTIFY with the message as an encoded string, 10 s timeout → print each
 *           watcher's reply and the watchers that timed out
 */
import { encode } from '../../encoding/encoder.js';
import { formatAddr } from '../../osdmap/format.js';
import type { NotifyResult } from '../../rados/notify-reply.js';
import { errnoOr, poolOf, tryErrno, usageError, fail, type CommandHandler } from './context.js';
import { cppStrerror, hexdump } from './format.js';

/** rados.cc waits this long for the watchers' acks. */
const NOTIFY_TIMEOUT_MS = 10_000;

const watch: CommandHandler = async (ctx, nargs) => {
  const { io } = ctx;
  if (ctx.poolName === undefined || nargs.length < 2) return usageError(io);
  const { ioCtx } = poolOf(ctx);
  const oid = nargs[1]!;
  let cookie = 0n;
  const r = await tryErrno(() =>
    ioCtx.watch(oid, {
      onNotify: (ev) => {
        io.stdout(
          `NOTIFY cookie ${ev.cookie} notify_id ${ev.notifyId} from ${ev.notifierGid}\n` +
            hexdump(ev.payload),
        );
        ioCtx.notifyAck(oid, ev.notifyId, ev.cookie, ev.payload).catch((err: unknown) => {
          io.stderr(`error acking notify: ${cppStrerror(errnoOr(err))}\n`);
        });
      },
      onError: (err) => {
        io.stdout(`ERROR cookie ${cookie} err ${cppStrerror(errnoOr(err))}\n`);
      },
    }),
  );
  if (!('value' in r)) {
    io.stderr(`error calling watch: ${cppStrerror(r.r)}\n`);
    return r.r;
  }
  cookie = r.value;
  io.stdout('press enter to exit...\n');
  await io.waitForEnter();
  await ioCtx.unwatch(cookie).catch(() => undefined);
  return 0;
};

const notify: CommandHandler = async (ctx, nargs) => {
  const { io } = ctx;
  if (ctx.poolName === undefined || nargs.length < 3) return usageError(io);
  const { ioCtx } = poolOf(ctx);
  const oid = nargs[1]!;
  const payload = encode((e) => e.string(nargs[2]!));
  let ret = 0;
  let reply: NotifyResult | undefined;
  try {
    reply = await ioCtx.notify(oid, payload, NOTIFY_TIMEOUT_MS);
  } catch (err) {
    ret = errnoOr(err);
    reply = (err as { notifyResult?: NotifyResult }).notifyResult;
    io.stderr(`error calling notify: ${cppStrerror(ret)}\n`);
  }
  if (reply) {
    const out: string[] = [];
    const acks = [...reply.acks].sort((a, b) =>
      a.gid !== b.gid ? (a.gid < b.gid ? -1 : 1) : a.cookie < b.cookie ? -1 : a.cookie > b.cookie ? 1 : 0,
    );
    for (const a of acks) {
      out.push(`reply client.${a.gid} cookie ${a.cookie} : ${a.payload.length} bytes\n`);
      if (a.payload.length) out.push(hexdump(a.payload));
    }
    const missed = [...reply.timeouts].sort((a, b) =>
      a.gid !== b.gid ? (a.gid < b.gid ? -1 : 1) : a.cookie < b.cookie ? -1 : a.cookie > b.cookie ? 1 : 0,
    );
    for (const t of missed) out.push(`timeout client.${t.gid} cookie ${t.cookie}\n`);
    io.stdout(out.join(''));
  }
  return ret;
};

const listwatchers: CommandHandler = async (ctx, nargs) => {
  const { io } = ctx;
  if (ctx.poolName === undefined || nargs.length < 2) return usageError(io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oid = nargs[1]!;
  const r = await tryErrno(() => ioCtx.listWatchers(oid));
  if (!('value' in r)) return fail(io, `error listing watchers ${poolName}/${oid}: ${cppStrerror(r.r)}`);
  io.stdout(
    r.value.map((w) => `watcher=${formatAddr(w.addr)} client.${w.name.num} cookie=${w.cookie}\n`).join(''),
  );
  return 0;
};

export const watchCommands: Record<string, CommandHandler> = { watch, notify, listwatchers };
