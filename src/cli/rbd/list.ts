/**
 * `rbd ls [-l]`: image names, or with -l a table (or JSON/XML list) of every
 * image and snapshot with size, parent, format, protection and lock.
 */
import { TextTable } from '../rados/format.js';
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { Image, IoCtx, RadosClient } from './librbd-api.js';
import { boolSwitch, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

/** "pool/[namespace/]image@snap" of an image's parent, or undefined. */
async function parentOf(
  image: Image,
): Promise<{ pool: string; namespace: string; image: string; snap: string } | undefined> {
  const p = await utils.call(() => image.getParent());
  if (p.r < 0 || !p.value) return undefined;
  return {
    pool: p.value.image.poolName,
    namespace: p.value.image.poolNamespace,
    image: p.value.image.imageName,
    snap: p.value.snap.name,
  };
}

function parentString(p: { pool: string; namespace: string; image: string; snap: string }): string {
  return `${p.pool}/${p.namespace !== '' ? p.namespace + '/' : ''}${p.image}@${p.snap}`;
}

async function listLong(
  ctx: RbdContext,
  rados: RadosClient,
  ioCtx: IoCtx,
  names: { id: string; name: string }[],
  out: utils.OutputFormatter | undefined,
): Promise<number> {
  const f = out?.f;
  const table = new TextTable()
    .defineColumn('NAME', 'left', 'left')
    .defineColumn('SIZE', 'left', 'right')
    .defineColumn('PARENT', 'left', 'left')
    .defineColumn('FMT', 'left', 'right')
    .defineColumn('PROT', 'left', 'left')
    .defineColumn('LOCK', 'left', 'left');
  f?.openArraySection('images');
  let r = 0;
  for (const spec of names) {
    let image: Image;
    try {
      image = await rados.rbd.open(ioCtx, spec.name, null, true);
    } catch (err) {
      const e = utils.errnoOf(err);
      // an image removed since the listing is skipped silently
      if (e !== -utils.ENOENT) ctx.io.stderr(`rbd: error opening ${spec.name}: ${utils.cppStrerror(e)}\n`);
      continue;
    }
    try {
      const parent = await parentOf(image);
      const stat = await image.stat();
      const oldFormat = await image.oldFormat();
      const lockers = await image.listLockers();
      const lock = lockers.lockers.length === 0 ? '' : lockers.exclusive ? 'excl' : 'shr';
      const format = oldFormat ? 1 : 2;
      if (f) {
        f.openObjectSection('image');
        f.dumpString('image', spec.name);
        f.dumpString('id', spec.id);
        f.dumpUnsigned('size', stat.size);
        if (parent) dumpParent(f, parent);
        f.dumpInt('format', format);
        if (lock !== '') f.dumpString('lock_type', lockers.exclusive ? 'exclusive' : 'shared');
        f.closeSection();
      } else {
        table.addRow([
          spec.name,
          utils.formatByteU(stat.size),
          parent ? parentString(parent) : '',
          format,
          '',
          lock,
        ]);
      }
      for (const snap of await image.snapList()) {
        if ((await image.snapGetNamespaceType(snap.id)) !== 'user') continue;
        await image.snapSet(snap.name);
        const isProtected = await image.snapIsProtected(snap.name);
        const snapParent = await parentOf(image);
        if (f) {
          f.openObjectSection('snapshot');
          f.dumpString('image', spec.name);
          f.dumpString('id', spec.id);
          f.dumpString('snapshot', snap.name);
          f.dumpUnsigned('snapshot_id', snap.id);
          f.dumpUnsigned('size', snap.size);
          if (snapParent) dumpParent(f, snapParent);
          f.dumpInt('format', format);
          f.dumpString('protected', isProtected ? 'true' : 'false');
          f.closeSection();
        } else {
          table.addRow([
            `${spec.name}@${snap.name}`,
            utils.formatByteU(snap.size),
            snapParent ? parentString(snapParent) : '',
            format,
            isProtected ? 'yes' : '',
            '',
          ]);
        }
      }
    } catch (err) {
      r = utils.errnoOf(err);
      ctx.io.stderr(`rbd: error processing image  ${spec.name}: ${utils.cppStrerror(r)}\n`);
    } finally {
      await image.close();
    }
  }
  if (out) {
    f!.closeSection();
    await ctx.io.stdout(out.flush());
  } else if (names.length > 0) {
    await ctx.io.stdout(table.toString());
  }
  return r < 0 ? r : 0;
}

function dumpParent(
  f: NonNullable<utils.OutputFormatter>['f'],
  p: { pool: string; namespace: string; image: string; snap: string },
): void {
  f.openObjectSection('parent');
  f.dumpString('pool', p.pool);
  f.dumpString('pool_namespace', p.namespace);
  f.dumpString('image', p.image);
  f.dumpString('snapshot', p.snap);
  f.closeSection();
}

async function doList(
  ctx: RbdContext,
  pool: string,
  namespace: string,
  long: boolean,
  out: utils.OutputFormatter | undefined,
): Promise<number> {
  return utils.withSession(utils.init(ctx, pool, namespace), async (s) => {
    const names = await s.rados.rbd.list2(s.ioCtx);
    if (!long) {
      if (out) {
        out.f.openArraySection('images');
        for (const n of names) out.f.dumpString('name', n.name);
        out.f.closeSection();
        await ctx.io.stdout(out.flush());
      } else {
        await ctx.io.stdout(names.map((n) => n.name + '\n').join(''));
      }
      return 0;
    }
    return listLong(ctx, s.rados, s.ioCtx, names, out);
  });
}

async function execute(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const { pool, namespace } = utils.getPoolAndNamespaceNames(ctx, vm, false, true, { value: 0 });
  const out = utils.getFormatter(ctx, vm);
  let r: number;
  try {
    r = await doList(ctx, pool, namespace, vm.get<boolean>('long'), out);
  } catch (err) {
    r = err instanceof utils.CliExit ? err.r : utils.errnoOf(err);
  }
  if (r < 0) ctx.io.stderr(`rbd: listing images failed: ${utils.cppStrerror(r)}\n`);
  return r;
}

export const listActions: Action[] = [
  {
    spec: ['list'],
    alias: ['ls'],
    description: 'List rbd images.',
    switches: ['long', 'l'],
    getArguments: (pos, opt) => {
      opt.add('long,l', boolSwitch(), 'long listing format');
      at.addPoolOptions(pos, opt, true);
      at.addFormatOptions(opt);
    },
    execute,
  },
];
