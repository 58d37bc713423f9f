/** `rbd diff`: the extents that changed since a snapshot (or since creation). */
import { TextTable } from '../rados/format.js';
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import { boolSwitch, stringValue, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(
    ctx,
    vm,
    { value: 0 },
    {
      snapshotPresence: utils.SnapshotPresence.PERMITTED,
    },
  );
  const fromSnap = vm.opt<string>(at.FROM_SNAPSHOT_NAME) ?? '';
  const wholeObject = vm.get<boolean>(at.WHOLE_OBJECT);
  const out = utils.getFormatter(ctx, vm);
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', spec.snap, true),
    async (s) => {
      const table = new TextTable()
        .defineColumn('Offset', 'left', 'left')
        .defineColumn('Length', 'left', 'left')
        .defineColumn('Type', 'left', 'left');
      const f = out?.f;
      f?.openArraySection('extents');
      let empty = true;
      const r = await utils.call(async () => {
        const info = await s.image.stat();
        await s.image.diffIterate(
          fromSnap === '' ? null : fromSnap,
          0,
          info.size,
          true,
          wholeObject,
          (offset, length, exists) => {
            empty = false;
            if (f) {
              f.openObjectSection('extent');
              f.dumpUnsigned('offset', offset);
              f.dumpUnsigned('length', length);
              f.dumpString('exists', exists ? 'true' : 'false');
              f.closeSection();
            } else {
              table.addRow([offset, length, exists ? 'data' : 'zero']);
            }
          },
        );
      });
      if (out) {
        f!.closeSection();
        await ctx.io.stdout(out.flush());
      } else if (!empty) {
        await ctx.io.stdout(table.toString());
      }
      if (r.r < 0) {
        ctx.io.stderr(`rbd: diff error: ${utils.cppStrerror(r.r)}\n`);
        return -r.r;
      }
      return 0;
    },
  );
}

export const diffActions: Action[] = [
  {
    spec: ['diff'],
    description: 'Print extents that differ since a previous snap, or image creation.',
    getArguments: (pos, opt) => {
      at.addImageOrSnapSpecOptions(pos, opt, at.Modifier.NONE);
      opt.add(at.FROM_SNAPSHOT_NAME, stringValue(), 'snapshot starting point');
      opt.add(at.WHOLE_OBJECT, boolSwitch(), 'compare whole object');
      at.addFormatOptions(opt);
    },
    execute,
  },
];
