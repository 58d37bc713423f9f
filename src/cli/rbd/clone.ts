/** `rbd clone`: a copy-on-write child of a snapshot, in any pool and namespace. */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const argIndex = { value: 0 };
  const src = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, {
    modifier: at.Modifier.SOURCE,
    snapshotPresence: utils.SnapshotPresence.REQUIRED,
  });
  const dest = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, {
    modifier: at.Modifier.DEST,
    validation: utils.SpecValidation.FULL,
  });
  const opts = { ...utils.getImageOptions(ctx, vm, false), format: 2 };
  return utils.withSession(utils.init(ctx, src.pool, src.namespace), async (s) => {
    const destIoCtx = await utils.initIoCtx(ctx, s.rados, dest.pool, dest.namespace);
    const r = await utils.call(() =>
      s.rados.rbd.clone3(s.ioCtx, src.name, src.snap, destIoCtx, dest.name, opts),
    );
    if (r.r < 0) {
      ctx.io.stderr(`rbd: clone error: ${utils.cppStrerror(r.r)}\n`);
      return r.r;
    }
    return 0;
  });
}

export const cloneActions: Action[] = [
  {
    spec: ['clone'],
    description: 'Clone a snapshot into a CoW child image.',
    help: at.LONG_FEATURES_HELP,
    getArguments: (pos, opt) => {
      at.addSnapSpecOptions(pos, opt, at.Modifier.SOURCE);
      at.addImageSpecOptions(pos, opt, at.Modifier.DEST);
      at.addCreateImageOptions(opt, false);
    },
    execute,
  },
];
