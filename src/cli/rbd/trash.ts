/** `rbd trash move|remove|list|restore`: deferred deletion. */
import { spawnSync } from 'node:child_process';
import { TextTable } from '../rados/format.js';
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { IoCtx, RadosClient, TrashImageInfo } from './librbd-api.js';
import { boolSwitch, stringValue, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import { removeErrorText } from './image.js';
import * as utils from './utils.js';

const N = at.Modifier.NONE;

/**
 * `utime_t::invoke_date`: what `date -d <text> +%s` says, in seconds
 * (rbd runs /bin/date too), or a negative errno.
 */
export function invokeDate(text: string, now: number): number {
  // "now" (the default) needs no subprocess: it is the clock the CLI already reads
  if (text.trim() === 'now') return now;
  const r = spawnSync('date', ['-d', text, '+%s'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return -utils.EINVAL;
  return Number(r.stdout.trim());
}

/** "[pool/[namespace/]]id" or --image-id (`get_pool_image_id`). */
function poolImageId(ctx: RbdContext, vm: VariablesMap): { pool: string; namespace: string; id: string } {
  const parts: utils.SpecParts = {
    pool: vm.opt<string>(at.POOL_NAME) ?? '',
    namespace: vm.opt<string>(at.NAMESPACE_NAME) ?? '',
    name: vm.opt<string>(at.IMAGE_ID) ?? '',
  };
  if (parts.name === '') {
    const spec = utils.positionalArgument(vm, 0);
    if (spec !== '') utils.extractSpec(ctx, spec, parts, utils.SpecValidation.FULL);
  }
  if (parts.name === '') utils.fail(ctx.io, 'rbd: image id was not specified');
  return { pool: parts.pool!, namespace: parts.namespace!, id: parts.name! };
}

async function executeMove(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
  return utils.withSession(utils.init(ctx, spec.pool, spec.namespace), async (s) => {
    const now = ctx.io.now();
    let expires = now;
    const text = vm.opt<string>('expires-at');
    if (text !== undefined) {
      const t = invokeDate(text, now);
      if (t < 0) {
        ctx.io.stderr(`rbd: error calling /bin/date: ${utils.cppStrerror(t)}\n`);
        return t;
      }
      expires = t;
    }
    const delay = expires - now;
    if (delay < 0) {
      ctx.io.stderr('rbd: cannot use a date in the past as an expiration date\n');
      return -utils.EINVAL;
    }
    const r = await utils.call(() => s.rados.rbd.trashMove(s.ioCtx, spec.name, delay));
    if (r.r < 0) ctx.io.stderr(`rbd: deferred delete error: ${utils.cppStrerror(r.r)}\n`);
    return r.r;
  });
}

async function executeRemove(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = poolImageId(ctx, vm);
  return utils.withSession(utils.init(ctx, spec.pool, spec.namespace), async (s) => {
    const pc = new utils.ProgressContext(ctx.io, 'Removing image', utils.noProgress(vm));
    const r = await utils.call(() =>
      s.rados.rbd.trashRemove(s.ioCtx, spec.id, vm.get<boolean>('force'), pc.update),
    );
    if (r.r < 0) {
      if (r.r === -31) ctx.io.stderr('\nRemove the image from the group and try again.\n');
      else if (r.r === -1) {
        ctx.io.stderr(
          '\nDeferment time has not expired, please use --force if you really want to remove the image\n',
        );
      } else if (r.r === -39 || r.r === -16) ctx.io.stderr(removeErrorText(r.r));
      else ctx.io.stderr(`rbd: remove error: ${utils.cppStrerror(r.r)}\n`);
      pc.fail();
      return r.r;
    }
    pc.finish();
    return 0;
  });
}

const SOURCES: Record<TrashImageInfo['source'], string> = {
  user: 'USER',
  mirroring: 'MIRRORING',
  migration: 'MIGRATION',
  removing: 'REMOVING',
  user_parent: 'USER_PARENT',
};

function deleteStatus(ctx: RbdContext, defermentEnd: number): string {
  const when = utils.ctimeString(ctx.io, defermentEnd);
  return ctx.io.now() < defermentEnd ? `protected until ${when}` : `expired at ${when}`;
}

async function listTrash(
  ctx: RbdContext,
  rados: RadosClient,
  ioCtx: IoCtx,
  long: boolean,
  all: boolean,
  out: utils.OutputFormatter | undefined,
): Promise<number> {
  const entries = (await rados.rbd.trashList(ioCtx)).filter((e) => all || e.source === 'user');
  const f = out?.f;
  f?.openArraySection('trash');
  if (!long) {
    let text = '';
    for (const e of entries) {
      if (f) {
        f.openObjectSection('image');
        f.dumpString('id', e.id);
        f.dumpString('name', e.name);
        f.closeSection();
      } else {
        text += `${e.id} ${e.name}\n`;
      }
    }
    if (out) {
      f!.closeSection();
      text = out.flush();
    }
    await ctx.io.stdout(text);
    return 0;
  }
  const table = new TextTable();
  for (const h of ['ID', 'NAME', 'SOURCE', 'DELETED_AT', 'STATUS', 'PARENT'])
    table.defineColumn(h, 'left', 'left');
  for (const e of entries) {
    let image;
    try {
      image = await rados.rbd.openById(ioCtx, e.id, null, true);
    } catch (err) {
      const r = utils.errnoOf(err);
      if (r !== -utils.ENOENT) ctx.io.stderr(`rbd: error opening ${e.id}: ${utils.cppStrerror(r)}\n`);
      continue;
    }
    try {
      const deleted = utils.ctimeString(ctx.io, e.deletionTime);
      const parent = await utils.call(() => image.getParent());
      if (parent.r < 0 && parent.r !== -utils.ENOENT) return parent.r;
      const p = parent.value;
      if (f) {
        f.openObjectSection('image');
        f.dumpString('id', e.id);
        f.dumpString('name', e.name);
        f.dumpString('source', SOURCES[e.source]);
        f.dumpString('deleted_at', deleted);
        f.dumpString('status', deleteStatus(ctx, e.defermentEndTime));
        if (p) {
          f.openObjectSection('parent');
          f.dumpString('pool', p.image.poolName);
          f.dumpString('pool_namespace', p.image.poolNamespace);
          f.dumpString('image', p.image.imageName);
          f.dumpString('snapshot', p.snap.name);
          f.closeSection();
        }
        f.closeSection();
      } else {
        const row = [e.id, e.name, SOURCES[e.source], deleted, deleteStatus(ctx, e.defermentEndTime)];
        // TextTable pads a row's missing cells too
        row.push(
          p
            ? `${p.image.poolName}/${p.image.poolNamespace !== '' ? p.image.poolNamespace + '/' : ''}${p.image.imageName}@${p.snap.name}`
            : '',
        );
        table.addRow(row);
      }
    } finally {
      await image.close();
    }
  }
  if (out) {
    f!.closeSection();
    await ctx.io.stdout(out.flush());
  } else if (entries.length > 0) {
    await ctx.io.stdout(table.toString());
  }
  return 0;
}

async function executeList(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const { pool, namespace } = utils.getPoolAndNamespaceNames(ctx, vm, true, true, { value: 0 });
  const out = utils.getFormatter(ctx, vm);
  return utils.withSession(utils.init(ctx, pool, namespace), async (s) => {
    let r: number;
    try {
      r = await listTrash(ctx, s.rados, s.ioCtx, vm.get<boolean>('long'), vm.get<boolean>('all'), out);
    } catch (err) {
      r = utils.errnoOf(err);
    }
    if (r < 0) ctx.io.stderr(`rbd: trash list: ${utils.cppStrerror(r)}\n`);
    return r;
  });
}

async function executeRestore(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = poolImageId(ctx, vm);
  const name = vm.opt<string>(at.IMAGE_NAME) ?? '';
  return utils.withSession(utils.init(ctx, spec.pool, spec.namespace), async (s) => {
    const r = await utils.call(() => s.rados.rbd.trashRestore(s.ioCtx, spec.id, name));
    if (r.r === -utils.ENOENT) ctx.io.stderr('rbd: error: image does not exist in trash\n');
    else if (r.r === -17) {
      ctx.io.stderr(
        'rbd: error: an image with the same name already exists, try again with with a different name\n',
      );
    } else if (r.r < 0) ctx.io.stderr(`rbd: restore error: ${utils.cppStrerror(r.r)}\n`);
    return r.r;
  });
}

export const trashActions: Action[] = [
  {
    spec: ['trash', 'move'],
    alias: ['trash', 'mv'],
    description: 'Move an image to the trash.',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      opt.add(
        'expires-at',
        stringValue().defaultValue('now'),
        'set the expiration time of an image so it can be purged when it is stale',
      );
    },
    execute: executeMove,
  },
  {
    spec: ['trash', 'remove'],
    alias: ['trash', 'rm'],
    description: 'Remove an image from trash.',
    getArguments: (pos, opt) => {
      pos.add(at.IMAGE_ID, undefined, 'image id\n(example: [<pool-name>/[<namespace>/]]<image-id>)');
      at.addPoolOption(opt, N);
      at.addNamespaceOption(opt, N);
      at.addImageIdOption(opt);
      at.addNoProgressOption(opt);
      opt.add('force', boolSwitch(), 'force remove of non-expired delayed images');
    },
    execute: executeRemove,
  },
  {
    spec: ['trash', 'list'],
    alias: ['trash', 'ls'],
    description: 'List trash images.',
    switches: ['long', 'l'],
    getArguments: (pos, opt) => {
      at.addPoolOptions(pos, opt, true);
      opt.add('all,a', boolSwitch(), 'list images from all sources');
      opt.add('long,l', boolSwitch(), 'long listing format');
      at.addFormatOptions(opt);
    },
    execute: executeList,
  },
  {
    spec: ['trash', 'restore'],
    description: 'Restore an image from trash.',
    getArguments: (pos, opt) => {
      pos.add(at.IMAGE_ID, undefined, 'image id\n(example: [<pool-name>/]<image-id>)');
      at.addPoolOption(opt, N);
      at.addNamespaceOption(opt, N);
      at.addImageIdOption(opt);
      at.addImageOption(opt, N);
    },
    execute: executeRestore,
  },
];
