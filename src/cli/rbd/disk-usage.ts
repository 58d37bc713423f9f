/**
 * `rbd du`: provisioned and used bytes of every image (or one) and of its
 * snapshots, each snapshot's "used" being what changed since the previous
 * one (whole objects with fast-diff, exact extents with --exact).
 */
import { TextTable } from '../rados/format.js';
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { Image, IoCtx, RadosClient } from './librbd-api.js';
import { boolSwitch, stringValue, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

const FAST_DIFF_INVALID = 2n;

async function usedBytes(
  ctx: RbdContext,
  name: string,
  snapName: string,
  fromSnap: string,
  image: Image,
  exact: boolean,
  size: number,
): Promise<number> {
  const flags = await utils.call(() => image.getFlags());
  if (flags.r < 0)
    utils.fail(ctx.io, `rbd: failed to retrieve image flags: ${utils.cppStrerror(flags.r)}`, flags.r);
  if ((flags.value! & FAST_DIFF_INVALID) !== 0n) {
    ctx.io.stderr(
      `warning: fast-diff map is invalid for ${name}${snapName === '' ? '' : '@' + snapName}. operation may be slow.\n`,
    );
  }
  let used = 0;
  const r = await utils.call(() =>
    image.diffIterate(fromSnap === '' ? null : fromSnap, 0, size, false, !exact, (_o, length, exists) => {
      if (exists) used += length;
    }),
  );
  if (r.r < 0) utils.fail(ctx.io, `rbd: failed to iterate diffs: ${utils.cppStrerror(r.r)}`, r.r);
  return used;
}

async function diskUsage(
  ctx: RbdContext,
  rados: RadosClient,
  ioCtx: IoCtx,
  imageName: string,
  snapName: string,
  fromSnapName: string,
  exact: boolean,
  out: utils.OutputFormatter | undefined,
  mergeSnaps: boolean,
): Promise<number> {
  const images = await rados.rbd.list2(ioCtx);
  const f = out?.f;
  const table = new TextTable()
    .defineColumn('NAME', 'left', 'left')
    .defineColumn('PROVISIONED', 'left', 'right')
    .defineColumn('USED', 'left', 'right');
  f?.openObjectSection('stats');
  f?.openArraySection('images');
  let count = 0;
  let totalProv = 0;
  let totalUsed = 0;
  let found = false;
  let r = 0;
  const row = (
    name: string,
    id: string,
    snap: string,
    snapId: bigint | undefined,
    size: number,
    used: number,
  ) => {
    if (f) {
      f.openObjectSection('image');
      f.dumpString('name', name);
      f.dumpString('id', id);
      if (snap !== '') {
        f.dumpString('snapshot', snap);
        f.dumpUnsigned('snapshot_id', snapId!);
      }
      f.dumpUnsigned('provisioned_size', size);
      f.dumpUnsigned('used_size', used);
      f.closeSection();
    } else {
      table.addRow([
        snap === '' ? name : `${name}@${snap}`,
        utils.formatByteU(size),
        utils.formatByteU(used),
      ]);
    }
  };
  try {
    for (const spec of images) {
      if (imageName !== '' && spec.name !== imageName) continue;
      let image: Image;
      try {
        image = await rados.rbd.open(ioCtx, spec.name, null, true);
      } catch (err) {
        const e = utils.errnoOf(err);
        if (e === -utils.ENOENT) continue;
        found = true;
        ctx.io.stderr(`rbd: error opening ${spec.name}: ${utils.cppStrerror(e)}\n`);
        continue;
      }
      found = true;
      try {
        const features = await image.getFeatures();
        if ((features & at.RbdFeature.FAST_DIFF) === 0n) {
          ctx.io.stderr(`warning: fast-diff map is not enabled for ${spec.name}. operation may be slow.\n`);
        }
        const info = await image.stat();
        const snaps = [];
        for (const s of await image.snapList())
          if ((await image.snapGetNamespaceType(s.id)) === 'user') snaps.push(s);
        snaps.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const snapId = snapName === '' ? undefined : snaps.find((s) => s.name === snapName)?.id;
        const fromId = fromSnapName === '' ? undefined : snaps.find((s) => s.name === fromSnapName)?.id;
        if ((snapName !== '' && snapId === undefined) || (fromSnapName !== '' && fromId === undefined)) {
          ctx.io.stderr('specified snapshot is not found.\n');
          return -utils.ENOENT;
        }
        if (snapId !== undefined && fromId !== undefined) {
          if (fromId === snapId) return 0;
          if (fromId > snapId) return -utils.EINVAL;
        }
        let fullUsed = 0;
        let foundFrom = fromSnapName === '';
        let last = '';
        for (const snap of snaps) {
          const snapImage = await rados.rbd.open(ioCtx, spec.name, snap.name, true);
          try {
            if (imageName === '' || foundFrom) {
              const used = await usedBytes(ctx, spec.name, snap.name, last, snapImage, exact, snap.size);
              if (!mergeSnaps) row(spec.name, spec.id, snap.name, snap.id, snap.size, used);
              fullUsed += used;
              if (snapName !== '') totalProv += snap.size;
              totalUsed += used;
              count++;
            }
          } finally {
            await snapImage.close();
          }
          if (!foundFrom && snap.name === fromSnapName) foundFrom = true;
          if (snapName !== '' && snap.name === snapName) break;
          last = snap.name;
        }
        if (snapName === '') {
          const used = await usedBytes(ctx, spec.name, '', last, image, exact, info.size);
          fullUsed += used;
          row(spec.name, spec.id, '', undefined, info.size, mergeSnaps ? fullUsed : used);
          totalProv += info.size;
          totalUsed += used;
          count++;
        }
      } finally {
        await image.close();
      }
    }
    if (imageName !== '' && !found) {
      ctx.io.stderr(`specified image ${imageName} is not found.\n`);
      return -utils.ENOENT;
    }
  } catch (err) {
    if (err instanceof utils.CliExit) r = err.r;
    else r = utils.errnoOf(err);
  }
  if (f) {
    f.closeSection();
    if (imageName === '') {
      f.dumpUnsigned('total_provisioned_size', totalProv);
      f.dumpUnsigned('total_used_size', totalUsed);
    }
    f.closeSection();
    await ctx.io.stdout(out!.flush());
  } else if (images.length > 0) {
    if (count > 1) table.addRow(['<TOTAL>', utils.formatByteU(totalProv), utils.formatByteU(totalUsed)]);
    await ctx.io.stdout(table.toString());
  }
  return r;
}

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(
    ctx,
    vm,
    { value: 0 },
    {
      imageRequired: vm.has(at.FROM_SNAPSHOT_NAME),
      snapshotPresence: utils.SnapshotPresence.PERMITTED,
    },
  );
  const fromSnap = vm.opt<string>(at.FROM_SNAPSHOT_NAME) ?? '';
  const out = utils.getFormatter(ctx, vm);
  return utils.withSession(utils.init(ctx, spec.pool, spec.namespace), async (s) => {
    const r = await diskUsage(
      ctx,
      s.rados,
      s.ioCtx,
      spec.name,
      spec.snap,
      fromSnap,
      vm.get<boolean>('exact'),
      out,
      vm.get<boolean>('merge-snapshots'),
    );
    if (r < 0) ctx.io.stderr(`rbd: du failed: ${utils.cppStrerror(r)}\n`);
    return r;
  });
}

export const diskUsageActions: Action[] = [
  {
    spec: ['disk-usage'],
    alias: ['du'],
    description: 'Show disk usage stats for pool, image or snapshot.',
    switches: ['exact', 'merge-snapshots'],
    getArguments: (pos, opt) => {
      at.addImageOrSnapSpecOptions(pos, opt, at.Modifier.NONE);
      at.addFormatOptions(opt);
      opt.add(at.FROM_SNAPSHOT_NAME, stringValue(), 'snapshot starting point');
      opt.add('exact', boolSwitch(), 'compute exact disk usage (slow)');
      opt.add('merge-snapshots', boolSwitch(), 'merge snapshot sizes with its image');
    },
    execute,
  },
];
