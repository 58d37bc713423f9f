/**
 * `rbd create`: a new image from --size and the creation options;
 * --thick-provision then writes zeros over all of it (writesame, a chunk per
 * object, rbd_concurrent_management_ops at a time).
 */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { Image } from './librbd-api.js';
import { boolSwitch, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

async function writeZeros(ctx: RbdContext, image: Image, noProgress: boolean): Promise<number> {
  const pc = new utils.ProgressContext(ctx.io, 'Thick provisioning', noProgress);
  const size = await image.getSize();
  const stat = await image.stat();
  const order = stat.order === 0 ? Number(ctx.config.get('rbd_default_order')) : stat.order;
  const chunk = Math.min(2 ** order, image.getStripeUnit() || 2 ** order);
  const concurrency = Math.max(1, Number(ctx.config.get('rbd_concurrent_management_ops')));
  const zeros = Buffer.alloc(512);
  let r = 0;
  const inFlight = new Set<Promise<void>>();
  for (let off = 0; off < size && r === 0; off += chunk) {
    const p: Promise<void> = image.writeSame(off, Math.min(chunk, size - off), zeros).then(
      () => undefined,
      (err: unknown) => {
        if (r === 0) r = utils.errnoOf(err);
      },
    );
    const tracked: Promise<void> = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
    pc.update(Math.min(off + chunk, size), size);
  }
  await Promise.all(inFlight);
  if (r === 0) {
    try {
      await image.flush();
    } catch (err) {
      r = utils.errnoOf(err);
      ctx.io.stderr(`rbd: failed to flush at the end: ${utils.cppStrerror(r)}\n`);
    }
  }
  if (r < 0) pc.fail();
  else pc.finish();
  return r;
}

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const argIndex = { value: 0 };
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, {
    snapshotPresence: utils.SnapshotPresence.NONE,
    validation: utils.SpecValidation.FULL,
  });
  const opts = utils.getImageOptions(ctx, vm, true);
  const size = utils.getImageSize(ctx, vm);
  return utils.withSession(utils.init(ctx, spec.pool, spec.namespace), async (s) => {
    const created = await utils.call(() => s.rados.rbd.create4(s.ioCtx, spec.name, size, opts));
    if (spec.namespace !== '' && created.r === -utils.ENOENT) {
      ctx.io.stderr(
        "rbd: namespace not found - it must be created with 'rbd namespace create' before creating an image.\n",
      );
      return created.r;
    }
    if (created.r < 0) {
      ctx.io.stderr(`rbd: create error: ${utils.cppStrerror(created.r)}\n`);
      return created.r;
    }
    if (vm.opt<boolean>(at.IMAGE_THICK_PROVISION)) {
      const image = await utils.openImage(ctx, s, spec.name, '', false);
      let r: number;
      try {
        r = await writeZeros(ctx, image, utils.noProgress(vm));
      } finally {
        await image.close();
      }
      if (r < 0) {
        ctx.io.stderr(
          `rbd: image created but error encountered during thick provisioning: ${utils.cppStrerror(r)}\n`,
        );
        return r;
      }
    }
    return 0;
  });
}

export const createActions: Action[] = [
  {
    spec: ['create'],
    description: 'Create an empty image.',
    help: at.LONG_FEATURES_HELP,
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, at.Modifier.NONE);
      at.addCreateImageOptions(opt, true);
      opt.add(at.IMAGE_THICK_PROVISION, boolSwitch(), 'fully allocate storage and zero image');
      at.addSizeOption(opt);
      at.addNoProgressOption(opt);
    },
    execute,
  },
];
