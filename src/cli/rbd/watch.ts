/**
 * `rbd watch`: watch the image header object and print each notification
 * (exclusive lock traffic, header updates) until enter is pressed.
 */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', true),
    async (s) => {
      const r = await utils.call(async () => {
        const oldFormat = await utils.call(() => s.image.oldFormat());
        if (oldFormat.r < 0) utils.fail(ctx.io, 'failed to query format', oldFormat.r);
        const oid = oldFormat.value ? `${spec.name}.rbd` : `rbd_header.${await s.image.getId()}`;
        let cookie: bigint;
        try {
          cookie = await s.rados.watch(
            s.ioCtx,
            oid,
            (n) => {
              void ctx.io.stdout(
                `${spec.name} received notification: notify_id=${n.notifyId}, cookie=${n.cookie}, notifier_id=${n.notifierId}, bl.length=${n.payload.length}\n`,
              );
              void s.rados.notifyAck(s.ioCtx, oid, n.notifyId, n.cookie).catch(() => undefined);
            },
            (errno) =>
              ctx.io.stderr(
                `${spec.name} received error: cookie=${cookie}, err=${utils.cppStrerror(errno)}\n`,
              ),
          );
        } catch (err) {
          ctx.io.stderr('rbd: watch failed\n');
          throw err;
        }
        await ctx.io.stdout('press enter to exit...\n');
        await ctx.io.waitForEnter();
        try {
          await s.rados.unwatch(cookie);
        } catch (err) {
          ctx.io.stderr('rbd: unwatch failed\n');
          throw err;
        }
      });
      if (r.r < 0) {
        ctx.io.stderr(`rbd: watch failed: ${utils.cppStrerror(r.r)}\n`);
        return r.r;
      }
      return 0;
    },
  );
}

export const watchActions: Action[] = [
  {
    spec: ['watch'],
    description: 'Watch events on image.',
    getArguments: (pos, opt) => at.addImageSpecOptions(pos, opt, at.Modifier.NONE),
    execute,
  },
];
