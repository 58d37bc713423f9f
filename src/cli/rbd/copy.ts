/** `rbd copy`: a new image holding an image's (or snapshot's) data. */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

/** `RBD_DEFAULT_SPARSE_SIZE`. */
export const DEFAULT_SPARSE_SIZE = 4096;

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const argIndex = { value: 0 };
  const src = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, {
    modifier: at.Modifier.SOURCE,
    snapshotPresence: utils.SnapshotPresence.PERMITTED,
  });
  const dest = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, {
    modifier: at.Modifier.DEST,
    validation: utils.SpecValidation.FULL,
  });
  const opts = utils.getImageOptions(ctx, vm, false);
  const sparseSize = vm.opt<number>(at.IMAGE_SPARSE_SIZE) ?? DEFAULT_SPARSE_SIZE;
  return utils.withSession(
    utils.initAndOpenImage(ctx, src.pool, src.namespace, src.name, '', src.snap, true),
    async (s) => {
      const destIoCtx = await utils.initIoCtx(ctx, s.rados, dest.pool, dest.namespace);
      const pc = new utils.ProgressContext(ctx.io, 'Image copy', utils.noProgress(vm));
      const r = await utils.call(() => s.image.copy(destIoCtx, dest.name, opts, sparseSize, pc.update));
      if (r.r < 0) {
        pc.fail();
        ctx.io.stderr(`rbd: copy failed: ${utils.cppStrerror(r.r)}\n`);
        return r.r;
      }
      pc.finish();
      return 0;
    },
  );
}

export const copyActions: Action[] = [
  {
    spec: ['copy'],
    alias: ['cp'],
    description: 'Copy src image to dest.',
    help: at.LONG_FEATURES_HELP,
    getArguments: (pos, opt) => {
      at.addImageOrSnapSpecOptions(pos, opt, at.Modifier.SOURCE);
      at.addImageSpecOptions(pos, opt, at.Modifier.DEST);
      at.addCreateImageOptions(opt, false);
      at.addSparseSizeOption(opt);
      at.addNoProgressOption(opt);
    },
    execute,
  },
];
