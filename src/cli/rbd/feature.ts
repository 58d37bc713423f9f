/** `rbd feature enable|disable`: change the mutable features of an image. */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import {
  invalidValueError,
  stringsValue,
  ValidationError,
  type OptionsDescription,
  type VariablesMap,
} from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

function featureArguments(pos: OptionsDescription, opt: OptionsDescription, enable: boolean): void {
  at.addImageSpecOptions(pos, opt, at.Modifier.NONE);
  pos.add('features', stringsValue(), `image features\n${at.shortFeaturesHelp(false)}`);
  if (enable) at.addCreateJournalOptions(opt);
}

function execute(enabled: boolean) {
  return async (vm: VariablesMap, ctx: RbdContext): Promise<number> => {
    const argIndex = { value: 0 };
    const spec = utils.getPoolImageSnapshotNames(ctx, vm, argIndex);
    // the journal options only take effect through the configuration librbd reads
    utils.getJournalOptions(vm);
    const names = utils.positionalArguments(vm).slice(argIndex.value);
    if (names.length === 0) utils.fail(ctx.io, 'rbd: at least one feature name must be specified');
    let features: bigint;
    try {
      features = at.parseFeatureNames(names);
    } catch (err) {
      // the positional features go through the option validator outside of parsing: no option name
      if (err instanceof ValidationError) throw invalidValueError('');
      throw err;
    }
    return utils.withSession(
      utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', false),
      async (s) => {
        const r = await utils.call(() => s.image.updateFeatures(features, enabled));
        if (r.r < 0) {
          ctx.io.stderr(`rbd: failed to update image features: ${utils.cppStrerror(r.r)}\n`);
          return r.r;
        }
        return 0;
      },
    );
  };
}

export const featureActions: Action[] = [
  {
    spec: ['feature', 'disable'],
    description: 'Disable the specified image feature.',
    getArguments: (pos, opt) => featureArguments(pos, opt, false),
    execute: execute(false),
  },
  {
    spec: ['feature', 'enable'],
    description: 'Enable the specified image feature.',
    getArguments: (pos, opt) => featureArguments(pos, opt, true),
    execute: execute(true),
  },
];
