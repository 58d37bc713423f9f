/** `rbd pool init`: mark a pool for rbd (application "rbd") and validate it. */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import { boolSwitch, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const { pool } = utils.getPoolAndNamespaceNames(ctx, vm, false, false, { value: 0 });
  return utils.withSession(utils.init(ctx, pool, ''), async (s) => {
    const r = await utils.call(() => s.rados.rbd.poolInit(s.ioCtx, vm.get<boolean>('force')));
    if (r.r === -1) {
      ctx.io.stderr('rbd: pool already registered to a different application.\n');
      return r.r;
    }
    if (r.r < 0) {
      ctx.io.stderr(`rbd: error registered application: ${utils.cppStrerror(r.r)}\n`);
      return r.r;
    }
    return 0;
  });
}

export const poolInitAction: Action = {
  spec: ['pool', 'init'],
  description: 'Initialize pool for use by RBD.',
  getArguments: (pos, opt) => {
    at.addPoolOptions(pos, opt, false);
    opt.add('force', boolSwitch(), 'force initialize pool for RBD use if registered by another application');
  },
  execute,
};
