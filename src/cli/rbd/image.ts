/** `rbd remove`, `rbd rename` and `rbd resize`. */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import { boolSwitch, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

const N = at.Modifier.NONE;

/** The messages `rbd rm` and `rbd trash rm` give for librbd's refusals. */
export function removeErrorText(r: number): string {
  switch (-r) {
    case 39: // ENOTEMPTY
      return "rbd: image has snapshots - these must be deleted with 'rbd snap purge' before the image can be removed.\n";
    case 16: // EBUSY
      return (
        'rbd: error: image still has watchers\n' +
        'This means the image is still open or the client using it crashed. ' +
        'Try again after closing/unmapping it or waiting 30s for the crashed client to timeout.\n'
      );
    case 31: // EMLINK
      return 'rbd: error: image pertains to a consistency group\nRemove the image from the consistency group and try again.\n';
    default:
      return `rbd: delete error: ${utils.cppStrerror(r)}\n`;
  }
}

async function executeRemove(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
  return utils.withSession(utils.init(ctx, spec.pool, spec.namespace), async (s) => {
    const pc = new utils.ProgressContext(ctx.io, 'Removing image', utils.noProgress(vm));
    const r = await utils.call(() => s.rados.rbd.remove(s.ioCtx, spec.name, pc.update));
    if (r.r < 0) {
      pc.fail();
      ctx.io.stderr(removeErrorText(r.r));
      return r.r;
    }
    pc.finish();
    return 0;
  });
}

async function executeRename(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const argIndex = { value: 0 };
  const src = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, { modifier: at.Modifier.SOURCE });
  const dest = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, {
    modifier: at.Modifier.DEST,
    validation: utils.SpecValidation.FULL,
    defaultPool: src.pool,
    defaultNamespace: src.namespace,
  });
  if (src.pool !== dest.pool) {
    utils.fail(
      ctx.io,
      `rbd: mv/rename across pools not supported\nsource pool: ${src.pool} dest pool: ${dest.pool}`,
    );
  }
  if (src.namespace !== dest.namespace) {
    utils.fail(
      ctx.io,
      `rbd: mv/rename across namespaces not supported\nsource namespace: ${src.namespace} dest namespace: ${dest.namespace}`,
    );
  }
  return utils.withSession(utils.init(ctx, src.pool, src.namespace), async (s) => {
    const r = await utils.call(() => s.rados.rbd.rename(s.ioCtx, src.name, dest.name));
    if (r.r < 0) {
      ctx.io.stderr(`rbd: rename error: ${utils.cppStrerror(r.r)}\n`);
      return r.r;
    }
    return 0;
  });
}

async function executeResize(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
  const size = utils.getImageSize(ctx, vm);
  const allowShrink = vm.get<boolean>('allow-shrink');
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', false),
    async (s) => {
      const info = await utils.call(() => s.image.stat());
      if (info.r < 0) {
        ctx.io.stderr(`rbd: resize error: ${utils.cppStrerror(info.r)}\n`);
        return info.r;
      }
      if (info.value!.size > size && !allowShrink) {
        ctx.io.stderr('rbd: shrinking an image is only allowed with the --allow-shrink flag\n');
        return -utils.EINVAL;
      }
      const pc = new utils.ProgressContext(ctx.io, 'Resizing image', utils.noProgress(vm));
      const r = await utils.call(() => s.image.resize(size, allowShrink, pc.update));
      if (r.r < 0) {
        pc.fail();
        ctx.io.stderr(`rbd: resize error: ${utils.cppStrerror(r.r)}\n`);
        return r.r;
      }
      pc.finish();
      return 0;
    },
  );
}

export const removeAction: Action = {
  spec: ['remove'],
  alias: ['rm'],
  description: 'Delete an image.',
  getArguments: (pos, opt) => {
    at.addImageSpecOptions(pos, opt, N);
    at.addNoProgressOption(opt);
  },
  execute: executeRemove,
};

export const renameAction: Action = {
  spec: ['rename'],
  alias: ['mv'],
  description: 'Rename image within pool.',
  getArguments: (pos, opt) => {
    at.addImageSpecOptions(pos, opt, at.Modifier.SOURCE);
    at.addImageSpecOptions(pos, opt, at.Modifier.DEST);
  },
  execute: executeRename,
};

export const resizeAction: Action = {
  spec: ['resize'],
  description: 'Resize (expand or shrink) image.',
  switches: ['allow-shrink'],
  getArguments: (pos, opt) => {
    at.addImageSpecOptions(pos, opt, N);
    at.addSizeOption(opt);
    opt.add('allow-shrink', boolSwitch(), 'permit shrinking');
    at.addNoProgressOption(opt);
  },
  execute: executeResize,
};
