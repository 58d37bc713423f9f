/**
 * What every `rbd` action shares (Ceph's tools/rbd/Utils): reading the
 * `[<pool>/[<namespace>/]]<image>[@<snap>]` specs and their --pool/--image/
 * --snap options, --format, the progress line, connecting and opening
 * images with rbd's error messages, and the small text helpers
 * (ctime, strftime, byte sizes).
 *
 * A helper that finds a problem prints rbd's message and throws `CliExit`
 * with the negative errno the C++ code returns; the shell turns it into the
 * exit status.
 */
import { strerror } from '../../common/errors.js';
import { Formatter } from '../../common/formatter.js';
import * as at from './argument-types.js';
import type { LocalTime, RbdContext, RbdIo } from './context.js';
import type { Image, ImageOptions, IoCtx, RadosClient } from './librbd-api.js';
import type { VariablesMap } from './program-options.js';

export const EINVAL = 22;
export const ENOENT = 2;

/** An action's early `return r` (after its message was printed). */
export class CliExit extends Error {
  constructor(readonly r: number) {
    super(`rbd exits with ${r}`);
    this.name = 'CliExit';
  }
}

/** Print `line` + newline on stderr and leave with `r` (default -EINVAL). */
export function fail(io: RbdIo, line: string, r = -EINVAL): never {
  io.stderr(line + '\n');
  throw new CliExit(r);
}

/** glibc texts the common table lacks but librbd returns to the CLI. */
const MORE_STRERROR: Record<number, string> = {
  31: 'Too many links',
  33: 'Numerical argument out of domain',
  36: 'File name too long',
  38: 'Function not implemented',
  39: 'Directory not empty',
  61: 'No data available',
  74: 'Bad message',
  84: 'Invalid or incomplete multibyte or wide character',
  95: 'Operation not supported',
  108: 'Cannot send after transport endpoint shutdown',
  122: 'Disk quota exceeded',
};

/** `cpp_strerror(r)`: "(2) No such file or directory". */
export function cppStrerror(r: number): string {
  const n = Math.abs(r);
  const text = strerror(n);
  return `(${n}) ${text.startsWith(`(${n}) Unknown error`) ? (MORE_STRERROR[n] ?? `Unknown error ${n}`) : text}`;
}

/** The negative errno of a library failure (EIO for an error that carries none). */
export function errnoOf(err: unknown): number {
  if (err instanceof CliExit) throw err;
  if (
    typeof err === 'object' &&
    err !== null &&
    'errno' in err &&
    typeof err.errno === 'number' &&
    err.errno < 0
  ) {
    return err.errno;
  }
  throw err;
}

/** Run a library call; a failure becomes its negative errno. */
export async function call<T>(
  fn: () => Promise<T>,
): Promise<{ r: 0; value: T } | { r: number; value?: undefined }> {
  try {
    return { r: 0, value: await fn() };
  } catch (err) {
    return { r: errnoOf(err) };
  }
}

export const SnapshotPresence = { NONE: 'none', PERMITTED: 'permitted', REQUIRED: 'required' } as const;
export type SnapshotPresence = (typeof SnapshotPresence)[keyof typeof SnapshotPresence];

export const SpecValidation = { FULL: 'full', SNAP: 'snap', NONE: 'none' } as const;
export type SpecValidation = (typeof SpecValidation)[keyof typeof SpecValidation];

/** The spec's parts; a field is undefined when the caller does not use it. */
export interface SpecParts {
  pool?: string;
  namespace?: string;
  name?: string;
  snap?: string;
}

const SPEC_PATTERNS: Record<SpecValidation, RegExp> = {
  // no '/' or '@' in any name
  full: /^(?:([^/@]+)\/(?:([^/@]+)\/)?)?([^/@]+)(?:@([^/@]+))?$/,
  // no '/' or '@' in the snapshot name
  snap: /^(?:([^/]+)\/(?:([^/@]+)\/)?)?([^@]+)(?:@([^/@]+))?$/,
  // pool before the first '/', namespace before the second, snapshot after the first '@'
  none: /^(?:([^/]+)\/(?:([^/@]+)\/)?)?([^@]+)(?:@(.+))?$/,
};

/**
 * `extract_spec`: split a spec into `parts`, whose defined fields say which
 * parts the command uses (a part given for an unused field is an error).
 */
export function extractSpec(
  ctx: RbdContext,
  spec: string,
  parts: SpecParts,
  validation: SpecValidation,
): void {
  if (!ctx.config.get('rbd_validate_names')) validation = SpecValidation.NONE;
  // std::regex in ECMAScript mode: '.' and '[^…]' do not match newlines
  const m = SPEC_PATTERNS[validation].exec(spec);
  if (!m) fail(ctx.io, `rbd: invalid spec '${spec}'`);
  if (m[1] !== undefined) {
    if (parts.pool === undefined) fail(ctx.io, "rbd: pool name specified for a command that doesn't use it");
    parts.pool = m[1];
  }
  if (m[2] !== undefined) {
    if (parts.namespace === undefined)
      fail(ctx.io, "rbd: namespace name specified for a command that doesn't use it");
    parts.namespace = m[2];
  }
  if (parts.name !== undefined) parts.name = m[3]!;
  if (m[4] !== undefined) {
    if (parts.snap === undefined)
      fail(ctx.io, "rbd: snapshot name specified for a command that doesn't use it");
    parts.snap = m[4];
  }
}

/** `get_positional_argument`: the index-th positional argument or "". */
export function positionalArgument(vm: VariablesMap, index: number): string {
  return vm.opt<string[]>(at.POSITIONAL_ARGUMENTS)?.[index] ?? '';
}

/** All positional arguments. */
export function positionalArguments(vm: VariablesMap): string[] {
  return vm.opt<string[]>(at.POSITIONAL_ARGUMENTS) ?? [];
}

export function defaultPoolName(ctx: RbdContext): string {
  return ctx.config.get('rbd_default_pool');
}

/** A cursor over the positional arguments, as the C++ `size_t arg_index`. */
export interface ArgIndex {
  value: number;
}

export interface PoolImageSnapOptions {
  modifier?: at.Modifier;
  /** The fields to fill: include `namespace`/`snap` only when the command uses them. */
  wantNamespace?: boolean;
  wantSnap?: boolean;
  imageRequired?: boolean;
  snapshotPresence?: SnapshotPresence;
  validation?: SpecValidation;
  /** The name's key and its words in messages ("image" unless a group or journal). */
  genericKey?: string;
  genericDesc?: string;
  poolKey?: string;
  /** The pool when neither option nor spec names one (snap rename: the source's). */
  defaultPool?: string;
  defaultNamespace?: string;
}

export interface PoolImageSnap {
  pool: string;
  namespace: string;
  name: string;
  snap: string;
}

/**
 * `get_pool_image_snapshot_names` / `get_pool_generic_snapshot_names`: the
 * pool, namespace, image and snapshot from the options, from an --image that
 * holds a whole spec, or else from the next positional spec.
 */
export function getPoolImageSnapshotNames(
  ctx: RbdContext,
  vm: VariablesMap,
  argIndex: ArgIndex | null,
  o: PoolImageSnapOptions = {},
): PoolImageSnap {
  const mod = o.modifier ?? at.Modifier.NONE;
  const dest = mod === at.Modifier.DEST;
  const poolKey = o.poolKey ?? (dest ? at.DEST_POOL_NAME : at.POOL_NAME);
  const genericKey = o.genericKey ?? (dest ? at.DEST_IMAGE_NAME : at.IMAGE_NAME);
  const genericDesc = o.genericDesc ?? 'image';
  const namespaceKey = dest ? at.DEST_NAMESPACE_NAME : at.NAMESPACE_NAME;
  const snapKey = dest ? at.DEST_SNAPSHOT_NAME : at.SNAPSHOT_NAME;
  const wantNamespace = o.wantNamespace ?? true;
  const wantSnap = o.wantSnap ?? true;
  const validation = o.validation ?? SpecValidation.NONE;
  const presence = o.snapshotPresence ?? SnapshotPresence.NONE;

  const parts: SpecParts = {
    pool: vm.opt<string>(poolKey) ?? o.defaultPool ?? '',
    namespace: wantNamespace ? (vm.opt<string>(namespaceKey) ?? o.defaultNamespace ?? '') : undefined,
    name: vm.opt<string>(genericKey) ?? '',
    snap: wantSnap ? (vm.opt<string>(snapKey) ?? '') : undefined,
  };
  if ((genericKey === at.IMAGE_NAME || genericKey === at.DEST_IMAGE_NAME) && parts.name !== '') {
    // the --image option may carry a whole spec
    extractSpec(ctx, parts.name!, parts, validation);
  }
  if (argIndex && parts.name === '') {
    const spec = positionalArgument(vm, argIndex.value++);
    if (spec !== '') extractSpec(ctx, spec, parts, validation);
  }
  if ((o.imageRequired ?? true) && parts.name === '') {
    fail(ctx.io, `rbd: ${dest ? at.descriptionPrefix(mod) : ''}${genericDesc} name was not specified`);
  }
  const noSeparators = /^[^@/]*$/;
  if (validation === SpecValidation.FULL && !noSeparators.test(parts.pool!)) {
    fail(ctx.io, `rbd: invalid pool name '${parts.pool}'`);
  }
  if (parts.namespace !== undefined && parts.namespace !== '' && !noSeparators.test(parts.namespace)) {
    fail(ctx.io, `rbd: invalid namespace name '${parts.namespace}'`);
  }
  if (parts.snap !== undefined) validateSnapshotName(ctx, mod, parts.snap, presence, validation);
  return { pool: parts.pool!, namespace: parts.namespace ?? '', name: parts.name!, snap: parts.snap ?? '' };
}

/** `validate_snapshot_name`. */
export function validateSnapshotName(
  ctx: RbdContext,
  mod: at.Modifier,
  snap: string,
  presence: SnapshotPresence,
  validation: SpecValidation,
): void {
  const prefix = mod === at.Modifier.DEST ? at.descriptionPrefix(mod) : '';
  if (presence === SnapshotPresence.NONE && snap !== '') {
    fail(ctx.io, `rbd: ${prefix}snapshot name specified for a command that doesn't use it`);
  }
  if (presence === SnapshotPresence.REQUIRED && snap === '') {
    fail(ctx.io, `rbd: ${prefix}snapshot name was not specified`);
  }
  if (validation === SpecValidation.SNAP && !/^[^@/]*$/.test(snap)) {
    fail(ctx.io, `rbd: invalid snap name '${snap}'`);
  }
}

/**
 * `get_pool_and_namespace_names`: --pool/--namespace, else a positional
 * "<pool>[/<namespace>]" (the namespace is after the last '/').
 */
export function getPoolAndNamespaceNames(
  ctx: RbdContext,
  vm: VariablesMap,
  validatePoolName: boolean,
  wantNamespace: boolean,
  argIndex: ArgIndex,
): { pool: string; namespace: string } {
  let namespace = wantNamespace ? (vm.opt<string>(at.NAMESPACE_NAME) ?? '') : '';
  let pool: string;
  if (vm.has(at.POOL_NAME)) {
    pool = vm.get<string>(at.POOL_NAME);
  } else {
    pool = positionalArgument(vm, argIndex.value);
    if (pool !== '') {
      if (wantNamespace) {
        const slash = pool.lastIndexOf('/');
        if (slash >= 0) {
          namespace = pool.slice(slash + 1);
          pool = pool.slice(0, slash);
        }
      }
      argIndex.value++;
    }
  }
  if (!ctx.config.get('rbd_validate_names')) validatePoolName = false;
  if (validatePoolName && /[/@]/.test(pool)) fail(ctx.io, `rbd: invalid pool '${pool}'`);
  if (wantNamespace && /[/@]/.test(namespace)) fail(ctx.io, `rbd: invalid namespace '${namespace}'`);
  return { pool, namespace };
}

/** `check_if_image_spec_present`: an image name given by option or positional. */
export function imageSpecPresent(vm: VariablesMap, mod: at.Modifier, argIndex: number): boolean {
  const key = mod === at.Modifier.DEST ? at.DEST_IMAGE_NAME : at.IMAGE_NAME;
  if (vm.has(key)) return true;
  return positionalArgument(vm, argIndex) !== '';
}

/** `get_image_size`. */
export function getImageSize(ctx: RbdContext, vm: VariablesMap): number {
  if (!vm.has(at.IMAGE_SIZE)) fail(ctx.io, 'rbd: must specify --size <M/G/T>');
  return vm.get<number>(at.IMAGE_SIZE);
}

/** `get_path`: --path or the next positional. */
export function getPath(ctx: RbdContext, vm: VariablesMap, argIndex: ArgIndex): string {
  let path = vm.opt<string>(at.PATH) ?? '';
  if (!vm.has(at.PATH)) {
    path = positionalArgument(vm, argIndex.value);
    if (path !== '') argIndex.value++;
  }
  if (path === '') fail(ctx.io, 'rbd: path was not specified');
  return path;
}

/** An output formatter for --format json|xml, or undefined for plain text. */
export interface OutputFormatter {
  f: Formatter;
  /** Render what was dumped: Ceph's JSONFormatter/XMLFormatter flush, with its line break when not pretty. */
  flush(): string;
}

/** `get_formatter`: --format and --pretty-format. */
export function getFormatter(ctx: RbdContext, vm: VariablesMap): OutputFormatter | undefined {
  const pretty = vm.opt<boolean>(at.PRETTY_FORMAT) ?? false;
  const format = vm.opt<at.OutputFormat>(at.FORMAT);
  if (format === undefined || format === 'plain') {
    if (pretty) fail(ctx.io, 'rbd: --pretty-format only works when --format is json or xml');
    return undefined;
  }
  const f = new Formatter(pretty ? (format === 'json' ? 'json-pretty' : 'xml-pretty') : format);
  return {
    f,
    flush: () => {
      const text = f.flush();
      // enable_line_break(): the compact forms end with a newline too
      return pretty ? text : text + '\n';
    },
  };
}

/** `get_snap_create_flags`. */
export function getSnapCreateFlags(ctx: RbdContext, vm: VariablesMap): number {
  const skip = vm.opt<boolean>(at.SKIP_QUIESCE) ?? false;
  const ignore = vm.opt<boolean>(at.IGNORE_QUIESCE_ERROR) ?? false;
  if (skip && ignore) {
    fail(ctx.io, `rbd: ${at.IGNORE_QUIESCE_ERROR} cannot be used together with ${at.SKIP_QUIESCE}`);
  }
  return skip ? 1 : ignore ? 2 : 0;
}

/**
 * `utils::ProgressContext`: "\rImage flatten: 45% complete..." on stderr as
 * the percentage grows, then "...done." or "...failed.".
 */
export class ProgressContext {
  private lastPercent = 0;

  constructor(
    private readonly io: RbdIo,
    private readonly operation: string,
    private readonly noProgress: boolean,
  ) {}

  /** The callback librbd gets. */
  readonly update = (offset: number, total: number): void => {
    if (this.noProgress) return;
    const pc = percentage(offset, total);
    if (pc > this.lastPercent) {
      this.io.stderr(`\r${this.operation}: ${pc}% complete...`);
      this.lastPercent = pc;
    }
  };

  finish(): void {
    if (!this.noProgress) this.io.stderr(`\r${this.operation}: 100% complete...done.\n`);
  }

  fail(): void {
    if (!this.noProgress) this.io.stderr(`\r${this.operation}: ${this.lastPercent}% complete...failed.\n`);
  }
}

export function percentage(part: number, whole: number): number {
  return whole ? Math.floor((100 * part) / whole) : 0;
}

/** --no-progress. */
export function noProgress(vm: VariablesMap): boolean {
  return vm.opt<boolean>(at.NO_PROGRESS) ?? false;
}

/** `init_rados`: connect, or "rbd: couldn't connect to the cluster!". */
export async function initRados(ctx: RbdContext): Promise<RadosClient> {
  try {
    return await ctx.librbd.connect(ctx.config);
  } catch (err) {
    const r = errnoOf(err);
    fail(ctx.io, "rbd: couldn't connect to the cluster!", r);
  }
}

/** `init_io_ctx` + `set_namespace`, with rbd's messages. */
export async function initIoCtx(
  ctx: RbdContext,
  rados: RadosClient,
  poolName: string,
  namespace: string,
): Promise<IoCtx> {
  const pool = poolName === '' ? defaultPoolName(ctx) : poolName;
  let ioCtx: IoCtx;
  try {
    ioCtx = await rados.ioCtx(pool);
  } catch (err) {
    const r = errnoOf(err);
    if (r === -ENOENT && pool === defaultPoolName(ctx)) {
      fail(
        ctx.io,
        `rbd: error opening default pool '${pool}'\n` +
          'Ensure that the default pool has been created or specify an alternate pool name.',
        r,
      );
    }
    fail(ctx.io, `rbd: error opening pool '${pool}': ${cppStrerror(r)}`, r);
  }
  return setNamespace(ctx, rados, ioCtx, namespace);
}

export async function setNamespace(
  ctx: RbdContext,
  rados: RadosClient,
  ioCtx: IoCtx,
  namespace: string,
): Promise<IoCtx> {
  if (namespace !== '') {
    let exists: boolean;
    try {
      exists = await rados.rbd.namespaceExists(ioCtx, namespace);
    } catch (err) {
      const r = errnoOf(err);
      fail(ctx.io, `rbd: error asserting namespace: ${cppStrerror(r)}`, r);
    }
    if (!exists) fail(ctx.io, `rbd: namespace '${namespace}' does not exist.`, -ENOENT);
  }
  return ioCtx.withNamespace(namespace);
}

/** A connected cluster and a pool: what `utils::init` leaves. Close it with `shutDown`. */
export interface Session {
  rados: RadosClient;
  ioCtx: IoCtx;
}

export async function init(ctx: RbdContext, pool: string, namespace: string): Promise<Session> {
  const rados = await initRados(ctx);
  try {
    return { rados, ioCtx: await initIoCtx(ctx, rados, pool, namespace) };
  } catch (err) {
    await rados.shutDown();
    throw err;
  }
}

/** `open_image` / `open_image_by_id`: "rbd: error opening image …". */
export async function openImage(
  ctx: RbdContext,
  s: Session,
  name: string,
  id: string,
  readOnly: boolean,
): Promise<Image> {
  try {
    return id === ''
      ? await s.rados.rbd.open(s.ioCtx, name, null, readOnly)
      : await s.rados.rbd.openById(s.ioCtx, id, null, readOnly);
  } catch (err) {
    const r = errnoOf(err);
    if (id === '') fail(ctx.io, `rbd: error opening image ${name}: ${cppStrerror(r)}`, r);
    fail(ctx.io, `rbd: error opening image with id ${id}: ${cppStrerror(r)}`, r);
  }
}

/** `snap_set`: "error setting snapshot context: …" ("" or null: back to the head). */
export async function snapSet(ctx: RbdContext, image: Image, snap: string | null): Promise<void> {
  try {
    await image.snapSet(snap === '' ? null : snap);
  } catch (err) {
    const r = errnoOf(err);
    fail(ctx.io, `error setting snapshot context: ${cppStrerror(r)}`, r);
  }
}

/** `init_and_open_image`: connect, open the pool and the image (at a snapshot). */
export async function initAndOpenImage(
  ctx: RbdContext,
  pool: string,
  namespace: string,
  name: string,
  id: string,
  snap: string,
  readOnly: boolean,
): Promise<Session & { image: Image }> {
  const s = await init(ctx, pool, namespace);
  try {
    const image = await openImage(ctx, s, name, id, readOnly);
    if (snap !== '') {
      try {
        await snapSet(ctx, image, snap);
      } catch (err) {
        await image.close();
        throw err;
      }
    }
    return { ...s, image };
  } catch (err) {
    await s.rados.shutDown();
    throw err;
  }
}

/** Close what `initAndOpenImage`/`init` opened, whatever happened in between. */
export async function withSession<T extends Session>(
  open: Promise<T>,
  body: (s: T) => Promise<number>,
): Promise<number> {
  const s = await open;
  try {
    return await body(s);
  } finally {
    const image = (s as Partial<{ image: Image }>).image;
    if (image) await image.close().catch(() => undefined);
    await s.rados.shutDown();
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');

/** `ctime(&t)` without its newline: "Sat Nov 21 22:40:34 2026" (day of month space-padded). */
export function ctimeString(io: RbdIo, seconds: number): string {
  const t = io.localTime(seconds);
  return `${DAYS[t.weekday]} ${MONTHS[t.month]} ${String(t.day).padStart(2, ' ')} ${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)} ${t.year}`;
}

/** `strftime("%Y-%m-%d %H:%M:%S")` of the local time; "" for 0 (utils::timestr). */
export function timestr(io: RbdIo, seconds: number): string {
  if (seconds === 0) return '';
  const t = io.localTime(seconds);
  return `${t.year}-${pad2(t.month + 1)}-${pad2(t.day)} ${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)}`;
}

/** The host's local time (localtime_r). */
export function systemLocalTime(seconds: number): LocalTime {
  const d = new Date(seconds * 1000);
  return {
    year: d.getFullYear(),
    month: d.getMonth(),
    day: d.getDate(),
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
    weekday: d.getDay(),
  };
}

export { formatByteU } from '../rados/format.js';

/**
 * `calc_sparse_extent`: from `offset` in `buf`, how many bytes form one run
 * that is all zero (in `sparseSize` steps) or all data, and which it is.
 * sparseSize 0 disables sparseness: the whole rest is data.
 */
export function calcSparseExtent(
  buf: Buffer,
  sparseSize: number,
  offset: number,
  length: number,
): { writeLength: number; zeroed: boolean } {
  if (sparseSize === 0) return { writeLength: length - offset, zeroed: false };
  let at = offset;
  let writeLength = 0;
  let zeroed = false;
  while (at < length) {
    const extent = Math.min(sparseSize, length - at);
    const isZero = isZeroRange(buf, at, extent);
    if (at === offset) zeroed = isZero;
    else if (zeroed !== isZero) break;
    at += extent;
    writeLength += extent;
  }
  return { writeLength, zeroed };
}

export function isZeroRange(buf: Buffer, offset: number, length: number): boolean {
  for (let i = offset; i < offset + length; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * `get_image_options`: --order/--object-size, --image-feature, --image-shared,
 * striping, --data-pool, the journal options, --flatten, --mirror-image-mode
 * and (for create and import) the image format with its consistency checks.
 */
export function getImageOptions(ctx: RbdContext, vm: VariablesMap, getFormat: boolean): ImageOptions {
  const opts: ImageOptions = {};
  let order = 0;
  let orderSpecified = true;
  if (vm.has(at.IMAGE_ORDER)) order = vm.get<number>(at.IMAGE_ORDER);
  else if (vm.has(at.IMAGE_OBJECT_SIZE)) order = Math.round(Math.log2(vm.get<number>(at.IMAGE_OBJECT_SIZE)));
  else orderSpecified = false;

  let features = 0n;
  let featuresClear = 0n;
  const featuresSpecified = vm.has(at.IMAGE_FEATURES);
  if (featuresSpecified) features = vm.get<bigint>(at.IMAGE_FEATURES);
  let stripeUnit = 0;
  let stripeCount = 0;
  let stripeSpecified = false;
  if (vm.has(at.IMAGE_STRIPE_UNIT)) {
    stripeUnit = vm.get<number>(at.IMAGE_STRIPE_UNIT);
    stripeSpecified = true;
  }
  if (vm.has(at.IMAGE_STRIPE_COUNT)) {
    stripeCount = vm.get<number>(at.IMAGE_STRIPE_COUNT);
    stripeSpecified = true;
  }
  let featuresClearSpecified = false;
  if (vm.opt<boolean>(at.IMAGE_SHARED)) {
    if (featuresSpecified) features &= ~at.RBD_FEATURES_SINGLE_CLIENT;
    else {
      featuresClear |= at.RBD_FEATURES_SINGLE_CLIENT;
      featuresClearSpecified = true;
    }
  }
  const dataPool = vm.opt<string>(at.IMAGE_DATA_POOL) ?? '';

  if (getFormat) {
    let format = 0;
    let formatSpecified = false;
    if (vm.has(at.IMAGE_NEW_FORMAT)) {
      format = 2;
      formatSpecified = true;
    } else if (vm.has(at.IMAGE_FORMAT)) {
      format = vm.get<number>(at.IMAGE_FORMAT);
      formatSpecified = true;
    }
    if (format === 1) ctx.io.stderr('rbd: image format 1 is deprecated\n');
    const needsFormat2 = (what: string) => {
      if (formatSpecified && format === 1)
        fail(ctx.io, `rbd: ${what} not allowed with format 1; use --image-format 2`);
      format = 2;
      formatSpecified = true;
    };
    if (featuresSpecified && features !== 0n) needsFormat2('features');
    if ((stripeUnit || stripeCount) && stripeUnit !== 2 ** order && stripeCount !== 1)
      needsFormat2('non-default striping');
    if (dataPool !== '') needsFormat2('data pool');
    if (formatSpecified) opts.format = format;
  }
  if (orderSpecified) opts.order = order;
  if (featuresSpecified) opts.features = features;
  if (featuresClearSpecified) opts.featuresClear = featuresClear;
  if (stripeSpecified) {
    opts.stripeUnit = stripeUnit;
    opts.stripeCount = stripeCount;
  }
  if (dataPool !== '') opts.dataPool = dataPool;
  Object.assign(opts, getJournalOptions(vm));
  if (vm.opt<boolean>(at.IMAGE_FLATTEN)) opts.flatten = true;
  const mode = vm.opt<at.MirrorImageMode>(at.IMAGE_MIRROR_IMAGE_MODE);
  if (mode !== undefined) opts.mirrorImageMode = mode;
  return opts;
}

/** `get_journal_options`: the journal order is the smallest power of two ≥ the object size, at least 2^12. */
export function getJournalOptions(vm: VariablesMap): ImageOptions {
  const opts: ImageOptions = {};
  if (vm.has(at.JOURNAL_OBJECT_SIZE)) {
    const size = vm.get<number>(at.JOURNAL_OBJECT_SIZE);
    let order = 12;
    while (2 ** order < size) order++;
    opts.journalOrder = order;
  }
  if (vm.has(at.JOURNAL_SPLAY_WIDTH)) opts.journalSplayWidth = vm.get<number>(at.JOURNAL_SPLAY_WIDTH);
  if (vm.has(at.JOURNAL_POOL)) opts.journalPool = vm.get<string>(at.JOURNAL_POOL);
  return opts;
}

/**
 * A double as `std::ostream << double` prints it by default (`%g` with 6
 * significant digits): "16000", "1333.33", "1.33333e+06", "inf".
 */
export function cppDouble(x: number): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(6)))));
  if (exp < -4 || exp >= 6) {
    const [mant, e] = x.toExponential(5).split('e') as [string, string];
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = x.toFixed(Math.max(0, 5 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}
