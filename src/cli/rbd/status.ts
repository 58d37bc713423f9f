/** `rbd status`: who watches the image header (has the image open). */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { ImageWatcher } from './librbd-api.js';
import type { VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

/** The status text or document for a list of watchers. */
export function formatStatus(
  watchers: readonly ImageWatcher[],
  out: utils.OutputFormatter | undefined,
): string {
  if (out) {
    const f = out.f;
    f.openObjectSection('status');
    f.openArraySection('watchers');
    for (const w of watchers) {
      f.openObjectSection('watcher');
      f.dumpString('address', w.addr);
      f.dumpUnsigned('client', w.id);
      f.dumpUnsigned('cookie', w.cookie);
      f.closeSection();
    }
    f.closeSection();
    f.closeSection();
    return out.flush();
  }
  if (watchers.length === 0) return 'Watchers: none\n';
  return (
    'Watchers:\n' + watchers.map((w) => `\twatcher=${w.addr} client.${w.id} cookie=${w.cookie}\n`).join('')
  );
}

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
  const out = utils.getFormatter(ctx, vm);
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', true),
    async (s) => {
      const w = await utils.call(() => s.image.listWatchers());
      if (w.r < 0) {
        ctx.io.stderr(`rbd: show status failed: ${utils.cppStrerror(w.r)}\n`);
        return w.r;
      }
      await ctx.io.stdout(formatStatus(w.value!, out));
      return 0;
    },
  );
}

export const statusActions: Action[] = [
  {
    spec: ['status'],
    description: 'Show the status of this image.',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, at.Modifier.NONE);
      at.addFormatOptions(opt);
    },
    execute,
  },
];
