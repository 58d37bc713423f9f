/** `rbd object-map rebuild|check`. */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

const args: Action['getArguments'] = (pos, opt) => {
  at.addImageOrSnapSpecOptions(pos, opt, at.Modifier.NONE);
  at.addNoProgressOption(opt);
};

function execute(rebuild: boolean) {
  return async (vm: VariablesMap, ctx: RbdContext): Promise<number> => {
    const spec = utils.getPoolImageSnapshotNames(
      ctx,
      vm,
      { value: 0 },
      {
        snapshotPresence: utils.SnapshotPresence.PERMITTED,
      },
    );
    return utils.withSession(
      utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', spec.snap, !rebuild),
      async (s) => {
        const pc = new utils.ProgressContext(
          ctx.io,
          rebuild ? 'Object Map Rebuild' : 'Object Map Check',
          utils.noProgress(vm),
        );
        const r = await utils.call(() =>
          rebuild ? s.image.rebuildObjectMap(pc.update) : s.image.checkObjectMap(pc.update),
        );
        if (r.r < 0) {
          pc.fail();
          ctx.io.stderr(
            rebuild
              ? `rbd: rebuilding object map failed: ${utils.cppStrerror(r.r)}\n`
              : `rbd: checking object map failed: ${utils.cppStrerror(r.r)}\n`,
          );
          return r.r;
        }
        pc.finish();
        return 0;
      },
    );
  };
}

export const objectMapActions: Action[] = [
  {
    spec: ['object-map', 'rebuild'],
    description: 'Rebuild an invalid object map.',
    getArguments: args,
    execute: execute(true),
  },
  {
    spec: ['object-map', 'check'],
    description: 'Verify the object map is correct.',
    getArguments: args,
    execute: execute(false),
  },
];
