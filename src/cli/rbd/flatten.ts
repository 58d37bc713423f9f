/** `rbd flatten`: copy the parent's data into a clone and detach it. */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', false),
    async (s) => {
      const pc = new utils.ProgressContext(ctx.io, 'Image flatten', utils.noProgress(vm));
      const r = await utils.call(() => s.image.flatten(pc.update));
      if (r.r < 0) {
        pc.fail();
        ctx.io.stderr(`rbd: flatten error: ${utils.cppStrerror(r.r)}\n`);
        return r.r;
      }
      pc.finish();
      return 0;
    },
  );
}

export const flattenActions: Action[] = [
  {
    spec: ['flatten'],
    description: 'Fill clone with parent data (make it independent).',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, at.Modifier.NONE);
      at.addNoProgressOption(opt);
    },
    execute,
  },
];
