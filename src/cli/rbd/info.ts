/**
 * `rbd info`: what an image (or one of its snapshots) is — size, objects,
 * id, features, flags, timestamps, parent, striping, journal and mirroring —
 * in plain text or through the formatter.
 */
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { Image, IoCtx, RadosClient } from './librbd-api.js';
import type { VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';
import type { Formatter } from '../../common/formatter.js';

const OP_FEATURES: readonly (readonly [bigint, string])[] = [
  [1n, 'clone-parent'],
  [2n, 'clone-child'],
  [4n, 'group'],
  [8n, 'snap-trash'],
];
const FLAGS: readonly (readonly [bigint, string])[] = [
  [1n, 'object map invalid'],
  [2n, 'fast diff invalid'],
];

/** "\tfeatures: a, b" or an array section of `name` entries. */
function formatBitmask(
  out: string[],
  f: Formatter | undefined,
  name: string,
  mapping: readonly (readonly [bigint, string])[],
  mask: bigint,
): void {
  const names = mapping.filter(([bit]) => (bit & mask) !== 0n).map(([, n]) => n);
  if (f) {
    f.openArraySection(`${name}s`);
    for (const n of names) f.dumpString(name, n);
    f.closeSection();
  } else {
    out.push(`\t${name}s: ${names.join(', ')}\n`);
  }
}

/** Everything `do_show_info` prints, as text (plain) or into `f`. */
export async function showInfo(
  ctx: RbdContext,
  rados: RadosClient,
  ioCtx: IoCtx,
  image: Image,
  snapName: string,
  f: Formatter | undefined,
): Promise<string> {
  const name = image.getName();
  const snaps = await image.snapList();
  const info = await image.stat();
  const oldFormat = await image.oldFormat();
  const id = oldFormat ? '' : await image.getId();
  let dataPool = '';
  if (!oldFormat) {
    const dataPoolId = image.getDataPoolId();
    if (dataPoolId !== ioCtx.poolId) {
      const d = await utils.call(() => rados.ioCtxById(dataPoolId));
      dataPool = d.r < 0 ? `<missing data pool ${dataPoolId}>` : d.value!.poolName;
    }
  }
  const overlap = await image.getOverlap();
  const features = await image.getFeatures();
  const opFeatures = await image.getOpFeatures();
  const flags = await image.getFlags();
  const snapProtected = snapName !== '' ? await image.snapIsProtected(snapName) : false;
  const journaling = (features & at.RbdFeature.JOURNALING) !== 0n;
  const mirror = journaling ? await image.mirrorImageGetInfo() : undefined;
  const snapLimit = await image.snapGetLimit();
  const prefix = image.getBlockNamePrefix();
  const group = await image.getGroup();
  let groupString = '';
  if (group.pool !== -1) {
    const g = await utils.call(() => rados.ioCtxById(group.pool));
    groupString = `${g.r < 0 ? `<missing group pool ${group.pool}>` : g.value!.poolName}/`;
    if (ioCtx.namespace !== '') groupString += `${ioCtx.namespace}/`;
    groupString += group.name;
  }
  const stamp = async (get: () => Promise<{ sec: number }>) => {
    const t = await get();
    return t.sec !== 0 ? utils.ctimeString(ctx.io, t.sec) : '';
  };
  const created = await stamp(() => image.getCreateTimestamp());
  const accessed = await stamp(() => image.getAccessTimestamp());
  const modified = await stamp(() => image.getModifyTimestamp());

  const out: string[] = [];
  if (f) {
    f.openObjectSection('image');
    f.dumpString('name', name);
    f.dumpString('id', id);
    f.dumpUnsigned('size', info.size);
    f.dumpUnsigned('objects', info.numObjs);
    f.dumpInt('order', info.order);
    f.dumpUnsigned('object_size', info.objSize);
    f.dumpInt('snapshot_count', snaps.length);
    if (dataPool !== '') f.dumpString('data_pool', dataPool);
    f.dumpString('block_name_prefix', prefix);
    f.dumpInt('format', oldFormat ? 1 : 2);
  } else {
    out.push(
      `rbd image '${name}':\n`,
      `\tsize ${utils.formatByteU(info.size)} in ${info.numObjs} objects\n`,
      `\torder ${info.order} (${utils.formatByteU(info.objSize)} objects)\n`,
      `\tsnapshot_count: ${snaps.length}\n`,
    );
    if (id !== '') out.push(`\tid: ${id}\n`);
    if (dataPool !== '') out.push(`\tdata_pool: ${dataPool}\n`);
    out.push(`\tblock_name_prefix: ${prefix}\n`, `\tformat: ${oldFormat ? '1' : '2'}\n`);
  }
  if (!oldFormat) {
    formatBitmask(out, f, 'feature', at.FEATURE_MAPPING, features);
    formatBitmask(out, f, 'op_feature', OP_FEATURES, opFeatures);
    formatBitmask(out, f, 'flag', FLAGS, flags);
  }
  const line = (key: string, value: string) => {
    if (f) f.dumpString(key, value);
    else out.push(`\t${key}: ${value}\n`);
  };
  if (groupString !== '') line('group', groupString);
  if (created !== '') line('create_timestamp', created);
  if (accessed !== '') line('access_timestamp', accessed);
  if (modified !== '') line('modify_timestamp', modified);
  if (snapName !== '') {
    if (f) f.dumpString('protected', snapProtected ? 'true' : 'false');
    else out.push(`\tprotected: ${snapProtected ? 'True' : 'False'}\n`);
  }
  if (snapLimit < (1n << 64n) - 1n) {
    if (f) f.dumpUnsigned('snapshot_limit', snapLimit);
    else out.push(`\tsnapshot_limit: ${snapLimit}\n`);
  }
  const parent = await utils.call(() => image.getParent());
  if (parent.r === 0 && parent.value!.image.imageName !== '') {
    const p = parent.value!;
    if (f) {
      f.openObjectSection('parent');
      f.dumpString('pool', p.image.poolName);
      f.dumpString('pool_namespace', p.image.poolNamespace);
      f.dumpString('image', p.image.imageName);
      f.dumpString('id', p.image.imageId);
      f.dumpString('snapshot', p.snap.name);
      f.dumpBool('trash', p.image.trash);
      f.dumpUnsigned('overlap', overlap);
      f.closeSection();
    } else {
      let s = `\tparent: ${p.image.poolName}/`;
      if (p.image.poolNamespace !== '') s += `${p.image.poolNamespace}/`;
      s += `${p.image.imageName}@${p.snap.name}`;
      if (p.image.trash) s += ` (trash ${p.image.imageId})`;
      out.push(s + '\n', `\toverlap: ${utils.formatByteU(overlap)}\n`);
    }
  }
  if ((features & at.RbdFeature.STRIPINGV2) !== 0n) {
    if (f) {
      f.dumpUnsigned('stripe_unit', image.getStripeUnit());
      f.dumpUnsigned('stripe_count', image.getStripeCount());
    } else {
      out.push(
        `\tstripe unit: ${utils.formatByteU(image.getStripeUnit())}\n`,
        `\tstripe count: ${image.getStripeCount()}\n`,
      );
    }
  }
  if (journaling) {
    if (f) f.dumpString('journal', id);
    else out.push(`\tjournal: ${id}\n`);
  }
  if (mirror) {
    if (f) {
      f.openObjectSection('mirroring');
      f.dumpString('mode', 'journal');
      f.dumpString('state', mirror.state);
      if (mirror.state !== 'disabled') {
        f.dumpString('global_id', mirror.globalId);
        f.dumpBool('primary', mirror.primary);
      }
      f.closeSection();
    } else {
      out.push(`\tmirroring state: ${mirror.state}\n`);
      if (mirror.state !== 'disabled') {
        out.push(
          `\tmirroring mode: journal\n`,
          `\tmirroring global id: ${mirror.globalId}\n`,
          `\tmirroring primary: ${mirror.primary ? 'true' : 'false'}\n`,
        );
      }
    }
  }
  if (f) f.closeSection();
  return out.join('');
}

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const imageId = vm.opt<string>(at.IMAGE_ID) ?? '';
  const spec = utils.getPoolImageSnapshotNames(
    ctx,
    vm,
    { value: 0 },
    {
      imageRequired: imageId === '',
      snapshotPresence: utils.SnapshotPresence.PERMITTED,
    },
  );
  if (imageId !== '' && spec.name !== '')
    utils.fail(ctx.io, 'rbd: trying to access image using both name and id. ');
  const out = utils.getFormatter(ctx, vm);
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, imageId, spec.snap, true),
    async (s) => {
      let text: string;
      try {
        text = await showInfo(ctx, s.rados, s.ioCtx, s.image, spec.snap, out?.f);
      } catch (err) {
        const r = utils.errnoOf(err);
        ctx.io.stderr(`rbd: info: ${utils.cppStrerror(r)}\n`);
        return r;
      }
      await ctx.io.stdout(out ? out.flush() : text);
      return 0;
    },
  );
}

export const infoActions: Action[] = [
  {
    spec: ['info'],
    description: 'Show information about image size, striping, etc.',
    getArguments: (pos, opt) => {
      at.addImageOrSnapSpecOptions(pos, opt, at.Modifier.NONE);
      at.addImageIdOption(opt);
      at.addFormatOptions(opt);
    },
    execute,
  },
];
