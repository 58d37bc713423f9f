/** `rbd children`: the clones of a snapshot (or of all snapshots), optionally the whole tree. */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import { boolSwitch, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const snapId = vm.has(at.SNAPSHOT_ID) ? BigInt(vm.get<number | bigint>(at.SNAPSHOT_ID)) : undefined;
  const spec = utils.getPoolImageSnapshotNames(
    ctx,
    vm,
    { value: 0 },
    {
      snapshotPresence: utils.SnapshotPresence.PERMITTED,
    },
  );
  if (snapId !== undefined && spec.snap !== '') {
    utils.fail(ctx.io, 'rbd: trying to access snapshot using both name and id.');
  }
  const out = utils.getFormatter(ctx, vm);
  const all = vm.get<boolean>('all');
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', true),
    async (s) => {
      const set = await utils.call(() =>
        spec.snap !== ''
          ? s.image.snapSet(spec.snap)
          : snapId !== undefined
            ? s.image.snapSetById(snapId)
            : Promise.resolve(),
      );
      if (set.r === -utils.ENOENT) utils.fail(ctx.io, 'rbd: snapshot does not exist.', set.r);
      if (set.r < 0) utils.fail(ctx.io, `rbd: error setting snapshot: ${utils.cppStrerror(set.r)}`, set.r);
      const children = await utils.call(() =>
        vm.get<boolean>('descendants') ? s.image.listDescendants() : s.image.listChildren(),
      );
      if (children.r < 0) {
        ctx.io.stderr(`rbd: listing children failed: ${utils.cppStrerror(children.r)}\n`);
        return children.r;
      }
      const f = out?.f;
      f?.openArraySection('children');
      let text = '';
      for (const child of children.value!) {
        if (f) {
          if (all || !child.trash) {
            f.openObjectSection('child');
            f.dumpString('pool', child.poolName);
            f.dumpString('pool_namespace', child.poolNamespace);
            f.dumpString('image', child.imageName);
            if (all) {
              f.dumpString('id', child.imageId);
              f.dumpBool('trash', child.trash);
            }
            f.closeSection();
          }
        } else if (all || !child.trash) {
          text += child.poolName === '' ? `(child missing ${child.poolId}/` : `${child.poolName}/`;
          if (child.poolNamespace !== '') text += `${child.poolNamespace}/`;
          if (child.imageName === '') text += `${child.imageId})`;
          else {
            text += child.imageName;
            if (child.trash) text += ` (trash ${child.imageId})`;
          }
          text += '\n';
        }
      }
      if (out) {
        f!.closeSection();
        text = out.flush();
      }
      await ctx.io.stdout(text);
      return 0;
    },
  );
}

export const childrenActions: Action[] = [
  {
    spec: ['children'],
    description: 'Display children of an image or its snapshot.',
    switches: ['all', 'a', 'descendants'],
    getArguments: (pos, opt) => {
      at.addImageOrSnapSpecOptions(pos, opt, at.Modifier.NONE);
      at.addSnapIdOption(opt);
      opt.add('all,a', boolSwitch(), 'list all children (include trash)');
      opt.add('descendants', boolSwitch(), 'include all descendants');
      at.addFormatOptions(opt);
    },
    execute,
  },
];
