/**
 * The option vocabulary every `rbd` command shares (Ceph's
 * tools/rbd/ArgumentTypes): names, the helpers that add the usual groups of
 * options (image/snapshot specs, creation options, --format) and the value
 * validators behind them (sizes with IEC suffixes, orders, feature names).
 */
import { strictIecStrtoll } from '../rados/format.js';
import {
  boolSwitch,
  lexicalCastUnsigned,
  single,
  stringValue,
  u64Value,
  ValidationError,
  Value,
  type OptionsDescription,
} from './program-options.js';

export const Modifier = { NONE: 'none', SOURCE: 'source', DEST: 'dest' } as const;
export type Modifier = (typeof Modifier)[keyof typeof Modifier];

// positional arguments
export const POSITIONAL_COMMAND_SPEC = 'positional-command-spec';
export const POSITIONAL_ARGUMENTS = 'positional-arguments';
export const IMAGE_SPEC = 'image-spec';
export const SNAPSHOT_SPEC = 'snap-spec';
export const IMAGE_OR_SNAPSHOT_SPEC = 'image-or-snap-spec';
export const PATH_NAME = 'path-name';
export const IMAGE_ID = 'image-id';

// optional arguments
export const POOL_NAME = 'pool';
export const DEST_POOL_NAME = 'dest-pool';
export const NAMESPACE_NAME = 'namespace';
export const DEST_NAMESPACE_NAME = 'dest-namespace';
export const IMAGE_NAME = 'image';
export const DEST_IMAGE_NAME = 'dest';
export const SNAPSHOT_NAME = 'snap';
export const SNAPSHOT_ID = 'snap-id';
export const DEST_SNAPSHOT_NAME = 'dest-snap';
export const PATH = 'path';
export const FROM_SNAPSHOT_NAME = 'from-snap';
export const WHOLE_OBJECT = 'whole-object';

export const IMAGE_FORMAT = 'image-format';
export const IMAGE_NEW_FORMAT = 'new-format';
export const IMAGE_ORDER = 'order';
export const IMAGE_OBJECT_SIZE = 'object-size';
export const IMAGE_FEATURES = 'image-feature';
export const IMAGE_SHARED = 'image-shared';
export const IMAGE_SIZE = 'size';
export const IMAGE_STRIPE_UNIT = 'stripe-unit';
export const IMAGE_STRIPE_COUNT = 'stripe-count';
export const IMAGE_DATA_POOL = 'data-pool';
export const IMAGE_SPARSE_SIZE = 'sparse-size';
export const IMAGE_THICK_PROVISION = 'thick-provision';
export const IMAGE_FLATTEN = 'flatten';
export const IMAGE_MIRROR_IMAGE_MODE = 'mirror-image-mode';

export const JOURNAL_OBJECT_SIZE = 'journal-object-size';
export const JOURNAL_SPLAY_WIDTH = 'journal-splay-width';
export const JOURNAL_POOL = 'journal-pool';

export const NO_PROGRESS = 'no-progress';
export const FORMAT = 'format';
export const PRETTY_FORMAT = 'pretty-format';
export const VERBOSE = 'verbose';
export const NO_ERR = 'no-error';
export const LIMIT = 'limit';
export const SKIP_QUIESCE = 'skip-quiesce';
export const IGNORE_QUIESCE_ERROR = 'ignore-quiesce-error';

/** Switches rbd knows without looking at the command: their next argument is not their value. */
export const SWITCH_ARGUMENTS: ReadonlySet<string> = new Set([
  WHOLE_OBJECT,
  IMAGE_SHARED,
  IMAGE_THICK_PROVISION,
  IMAGE_FLATTEN,
  NO_PROGRESS,
  PRETTY_FORMAT,
  VERBOSE,
  NO_ERR,
  SKIP_QUIESCE,
  IGNORE_QUIESCE_ERROR,
]);

// Feature bits and sets are librbd's (src/rbd/constants.ts); the CLI names them as Ceph's tool does.
export {
  RbdFeature,
  RBD_FEATURE_NAMES as FEATURE_MAPPING,
  RBD_FEATURES_MUTABLE,
  RBD_FEATURES_DISABLE_ONLY,
  RBD_FEATURES_IMPLICIT_ENABLE,
  RBD_FEATURES_SINGLE_CLIENT,
} from '../../rbd/constants.js';
import {
  RBD_FEATURE_NAMES as FEATURE_MAPPING,
  RBD_FEATURES_DISABLE_ONLY,
  RBD_FEATURES_IMPLICIT_ENABLE,
  RBD_FEATURES_MUTABLE,
} from '../../rbd/constants.js';
export const RBD_DEFAULT_FEATURES = 61n;

/** `rbd_default_features` as a mask: the config keeps the decimal value; names are accepted too. */
export function parseDefaultFeatures(value: string): bigint {
  const text = value.trim();
  if (/^\d+$/.test(text)) return BigInt(text);
  let bits = 0n;
  for (const name of text.split(',').map((s) => s.trim())) {
    const hit = FEATURE_MAPPING.find(([, n]) => n === name);
    if (hit) bits |= hit[0];
  }
  return bits;
}

export function namePrefix(m: Modifier): string {
  return m === Modifier.SOURCE ? 'source-' : m === Modifier.DEST ? 'dest-' : '';
}

export function descriptionPrefix(m: Modifier): string {
  return m === Modifier.SOURCE ? 'source ' : m === Modifier.DEST ? 'destination ' : '';
}

export function addPoolOption(opt: OptionsDescription, m: Modifier, descSuffix = ''): void {
  const name = m === Modifier.DEST ? DEST_POOL_NAME : `${POOL_NAME},p`;
  opt.add(name, stringValue(), `${descriptionPrefix(m)}pool name${descSuffix}`);
}

export function addNamespaceOption(opt: OptionsDescription, m: Modifier): void {
  const name = m === Modifier.DEST ? DEST_NAMESPACE_NAME : NAMESPACE_NAME;
  opt.add(name, stringValue(), `${descriptionPrefix(m)}namespace name`);
}

export function addImageOption(opt: OptionsDescription, m: Modifier, descSuffix = ''): void {
  const name = m === Modifier.DEST ? DEST_IMAGE_NAME : IMAGE_NAME;
  opt.add(name, stringValue(), `${descriptionPrefix(m)}image name${descSuffix}`);
}

export function addImageIdOption(opt: OptionsDescription, descSuffix = ''): void {
  opt.add(IMAGE_ID, stringValue(), `image id${descSuffix}`);
}

export function addSnapOption(opt: OptionsDescription, m: Modifier): void {
  const name = m === Modifier.DEST ? DEST_SNAPSHOT_NAME : SNAPSHOT_NAME;
  opt.add(name, stringValue(), `${descriptionPrefix(m)}snapshot name`);
}

export function addSnapIdOption(opt: OptionsDescription): void {
  opt.add(SNAPSHOT_ID, u64Value(), 'snapshot id');
}

export function addPoolOptions(
  pos: OptionsDescription,
  opt: OptionsDescription,
  namespacesSupported: boolean,
): void {
  opt.add(`${POOL_NAME},p`, stringValue(), 'pool name');
  if (namespacesSupported) {
    addNamespaceOption(opt, Modifier.NONE);
    pos.add('pool-spec', undefined, 'pool specification\n(example: <pool-name>[/<namespace>]');
  } else {
    pos.add('pool-name', undefined, 'pool name');
  }
}

export function addImageSpecOptions(pos: OptionsDescription, opt: OptionsDescription, m: Modifier): void {
  pos.add(
    namePrefix(m) + IMAGE_SPEC,
    undefined,
    `${descriptionPrefix(m)}image specification\n(example: [<pool-name>/[<namespace>/]]<image-name>)`,
  );
  addPoolOption(opt, m);
  addNamespaceOption(opt, m);
  addImageOption(opt, m);
}

export function addSnapSpecOptions(pos: OptionsDescription, opt: OptionsDescription, m: Modifier): void {
  pos.add(
    namePrefix(m) + SNAPSHOT_SPEC,
    undefined,
    `${descriptionPrefix(m)}snapshot specification\n(example: [<pool-name>/[<namespace>/]]<image-name>@<snap-name>)`,
  );
  addPoolOption(opt, m);
  addNamespaceOption(opt, m);
  addImageOption(opt, m);
  addSnapOption(opt, m);
}

export function addImageOrSnapSpecOptions(
  pos: OptionsDescription,
  opt: OptionsDescription,
  m: Modifier,
): void {
  pos.add(
    namePrefix(m) + IMAGE_OR_SNAPSHOT_SPEC,
    undefined,
    `${descriptionPrefix(m)}image or snapshot specification\n` +
      '(example: [<pool-name>/[<namespace>/]]<image-name>[@<snap-name>])',
  );
  addPoolOption(opt, m);
  addNamespaceOption(opt, m);
  addImageOption(opt, m);
  addSnapOption(opt, m);
}

export function addCreateImageOptions(opt: OptionsDescription, includeFormat: boolean): void {
  if (includeFormat) {
    opt.add(IMAGE_FORMAT, imageFormatValue(), 'image format [default: 2]');
    opt.add(IMAGE_NEW_FORMAT, new Value(() => true).zeroTokens(), 'deprecated[:image-format 2]');
  }
  opt.add(IMAGE_ORDER, imageOrderValue(), 'deprecated[:object-size]');
  opt.add(IMAGE_OBJECT_SIZE, iecSizeValue(), 'object size in B/K/M [4K <= object size <= 32M]');
  opt.add(IMAGE_FEATURES, imageFeaturesValue(), `image features\n${shortFeaturesHelp(true)}`);
  opt.add(IMAGE_SHARED, boolSwitch(), 'shared image');
  opt.add(IMAGE_STRIPE_UNIT, iecSizeValue(), 'stripe unit in B/K/M');
  opt.add(IMAGE_STRIPE_COUNT, u64Value(), 'stripe count');
  opt.add(IMAGE_DATA_POOL, stringValue(), 'data pool');
  opt.add(IMAGE_MIRROR_IMAGE_MODE, mirrorImageModeValue(), 'mirror image mode [journal or snapshot]');
  addCreateJournalOptions(opt);
}

export function addCreateJournalOptions(opt: OptionsDescription): void {
  opt.add(JOURNAL_SPLAY_WIDTH, u64Value(), 'number of active journal objects');
  opt.add(JOURNAL_OBJECT_SIZE, journalObjectSizeValue(), 'size of journal objects [4K <= size <= 64M]');
  opt.add(JOURNAL_POOL, stringValue(), 'pool for journal objects');
}

export function addSizeOption(opt: OptionsDescription): void {
  opt.add(`${IMAGE_SIZE},s`, imageSizeValue().required(), 'image size (in M/G/T) [default: M]');
}

export function addSparseSizeOption(opt: OptionsDescription): void {
  opt.add(IMAGE_SPARSE_SIZE, iecSizeValue(), 'sparse size in B/K/M [default: 4K]');
}

export function addPathOptions(pos: OptionsDescription, opt: OptionsDescription, description: string): void {
  pos.add(PATH_NAME, stringValue(), description);
  opt.add(PATH, stringValue(), description);
}

export function addLimitOption(opt: OptionsDescription): void {
  opt.add(LIMIT, u64Value(), 'maximum allowed snapshot count');
}

export function addNoProgressOption(opt: OptionsDescription): void {
  opt.add(NO_PROGRESS, boolSwitch(), 'disable progress output');
}

export function addFormatOptions(opt: OptionsDescription): void {
  opt.add(FORMAT, formatValue(), 'output format (plain, json, or xml) [default: plain]');
  opt.add(PRETTY_FORMAT, boolSwitch(), 'pretty formatting (json and xml)');
}

export function addVerboseOption(opt: OptionsDescription): void {
  opt.add(VERBOSE, boolSwitch(), 'be verbose');
}

export function addNoErrorOption(opt: OptionsDescription): void {
  opt.add(NO_ERR, boolSwitch(), 'continue after error');
}

export function addExportFormatOption(opt: OptionsDescription): void {
  opt.add('export-format', exportFormatValue(), 'format of image file');
}

export function addFlattenOption(opt: OptionsDescription): void {
  opt.add(IMAGE_FLATTEN, boolSwitch(), 'fill clone with parent data (make it independent)');
}

export function addSnapCreateOptions(opt: OptionsDescription): void {
  opt.add(SKIP_QUIESCE, boolSwitch(), 'do not run quiesce hooks');
  opt.add(IGNORE_QUIESCE_ERROR, boolSwitch(), 'ignore quiesce hook error');
}

export function addAllOption(opt: OptionsDescription, description: string): void {
  opt.add('all,a', boolSwitch(), description);
}

/**
 * "[layering(+), exclusive-lock(+*), …]": the features a user may name, with
 * (+) default, (*) mutable, (-) disable-only; without suffixes only the
 * mutable ones (for `rbd feature enable|disable`).
 */
export function shortFeaturesHelp(appendSuffix: boolean, defaultFeatures = RBD_DEFAULT_FEATURES): string {
  const parts: string[] = [];
  for (const [bit, name] of FEATURE_MAPPING) {
    if ((bit & RBD_FEATURES_IMPLICIT_ENABLE) !== 0n) continue;
    if (!appendSuffix && (bit & RBD_FEATURES_MUTABLE) === 0n) continue;
    let suffix = '';
    if (appendSuffix) {
      if ((bit & defaultFeatures) !== 0n) suffix += '+';
      if ((bit & RBD_FEATURES_MUTABLE) !== 0n) suffix += '*';
      else if ((bit & RBD_FEATURES_DISABLE_ONLY) !== 0n) suffix += '-';
      if (suffix !== '') suffix = `(${suffix})`;
    }
    parts.push(name + suffix);
  }
  return `[${parts.join(', ')}]`;
}

export const LONG_FEATURES_HELP =
  'Image Features:\n' +
  '  (*) supports enabling/disabling on existing images\n' +
  '  (-) supports disabling-only on existing images\n' +
  '  (+) enabled by default for new images if features not specified\n';

/** strict_iecstrtoll into a uint64: errors and negative values are invalid. */
function iecUnsigned(s: string): bigint {
  const r = strictIecStrtoll(s);
  if ('error' in r || r.value < 0n) throw new ValidationError();
  return r.value;
}

function toNumber(v: bigint): number {
  return Number(v);
}

/** `--size`: IEC suffixes, a bare number means MiB. */
export function imageSizeValue(): Value {
  return new Value((values, previous) => {
    const s = single(values, previous);
    let size = iecUnsigned(s);
    if (/[0-9]$/.test(s)) size = BigInt.asUintN(64, size << 20n);
    return toNumber(size);
  });
}

/** `--object-size`, `--stripe-unit`, `--sparse-size` and friends: IEC suffixes, bytes by default. */
export function iecSizeValue(): Value {
  return new Value((values, previous) => toNumber(iecUnsigned(single(values, previous))));
}

export function imageOrderValue(): Value {
  return new Value((values, previous) => {
    const v = lexicalCastUnsigned(single(values, previous), 64);
    if (v === undefined || v < 12n || v > 25n) throw new ValidationError();
    return Number(v);
  });
}

export function imageFormatValue(): Value {
  return new Value((values, previous) => {
    const v = lexicalCastUnsigned(single(values, previous), 32);
    if (v !== 1n && v !== 2n) throw new ValidationError();
    return Number(v);
  });
}

/** Feature names, comma separated, repeated occurrences or tokens OR-ed together. */
export function parseFeatureNames(values: readonly string[], previous: bigint = 0n): bigint {
  let features = previous;
  for (const value of values) {
    for (const token of value.split(',')) {
      if (token === '') continue;
      const hit = FEATURE_MAPPING.find(([, name]) => name === token);
      if (!hit) throw new ValidationError();
      features |= hit[0];
    }
  }
  return features;
}

export function imageFeaturesValue(): Value {
  return new Value((values, previous) =>
    parseFeatureNames(values, (previous as bigint | undefined) ?? 0n),
  ).composing();
}

export type MirrorImageMode = 'journal' | 'snapshot';

export function mirrorImageModeValue(): Value {
  return new Value((values, previous) => {
    const s = single(values, previous);
    if (s !== 'journal' && s !== 'snapshot') throw new ValidationError();
    return s;
  });
}

export type OutputFormat = 'plain' | 'json' | 'xml';

export function formatValue(): Value {
  return new Value((values, previous) => {
    const s = single(values, previous);
    if (s !== 'plain' && s !== 'json' && s !== 'xml') throw new ValidationError();
    return s;
  });
}

export function journalObjectSizeValue(): Value {
  return new Value((values, previous) => {
    const r = strictIecStrtoll(single(values, previous));
    if ('error' in r || r.value < 4096n || r.value > 1n << 26n) throw new ValidationError();
    return Number(r.value);
  });
}

export function exportFormatValue(): Value {
  return new Value((values, previous) => {
    const r = strictIecStrtoll(single(values, previous));
    if ('error' in r || (r.value !== 1n && r.value !== 2n)) throw new ValidationError();
    return Number(r.value);
  });
}

/** A choice among fixed words (bench's --io-type and the like). */
export function choiceValue<T extends string>(map: Readonly<Record<string, T>>): Value {
  return new Value((values, previous) => {
    const s = single(values, previous);
    const v = map[s];
    if (v === undefined) throw new ValidationError();
    return v;
  });
}

export { boolSwitch, stringValue, u64Value };
