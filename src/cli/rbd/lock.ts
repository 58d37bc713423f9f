/** `rbd lock list|add|remove`: advisory (cls_lock) locks on the image header. */
import { TextTable } from '../rados/format.js';
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import { stringValue, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

const N = at.Modifier.NONE;

function getId(ctx: RbdContext, vm: VariablesMap): string {
  const id = utils.positionalArgument(vm, 1);
  if (id === '') utils.fail(ctx.io, 'rbd: lock id was not specified');
  return id;
}

async function executeList(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
  const out = utils.getFormatter(ctx, vm);
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', true),
    async (s) => {
      const l = await utils.call(() => s.image.listLockers());
      if (l.r < 0) {
        ctx.io.stderr(`rbd: listing locks failed: ${utils.cppStrerror(l.r)}\n`);
        return l.r;
      }
      const { lockers, exclusive, tag } = l.value!;
      const f = out?.f;
      f?.openArraySection('locks');
      let text = '';
      if (lockers.length > 0) {
        const one = lockers.length === 1;
        const table = new TextTable()
          .defineColumn('Locker', 'left', 'left')
          .defineColumn('ID', 'left', 'left')
          .defineColumn('Address', 'left', 'left');
        if (!f) {
          text += `There ${one ? 'is ' : 'are '}${lockers.length}${exclusive ? ' exclusive' : ' shared'} lock${one ? '' : 's'} on this image.\n`;
          if (!exclusive) text += `Lock tag: ${tag}\n`;
        }
        for (const locker of lockers) {
          if (f) {
            f.openObjectSection('lock');
            f.dumpString('id', locker.cookie);
            f.dumpString('locker', locker.client);
            f.dumpString('address', locker.address);
            f.closeSection();
          } else {
            table.addRow([locker.client, locker.cookie, locker.address]);
          }
        }
        if (!f) text += table.toString();
      }
      if (out) {
        f!.closeSection();
        text += out.flush();
      }
      await ctx.io.stdout(text);
      return 0;
    },
  );
}

async function executeAdd(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
  const cookie = getId(ctx, vm);
  const tag = vm.opt<string>('shared') ?? '';
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', false),
    async (s) => {
      const r = await utils.call(() =>
        tag !== '' ? s.image.lockShared(cookie, tag) : s.image.lockExclusive(cookie),
      );
      if (r.r < 0) {
        if (r.r === -16 || r.r === -17) {
          ctx.io.stderr(
            tag !== ''
              ? 'rbd: lock is already held by someone else with a different tag\n'
              : 'rbd: lock is already held by someone else\n',
          );
        } else {
          ctx.io.stderr(`rbd: taking lock failed: ${utils.cppStrerror(r.r)}\n`);
        }
        return r.r;
      }
      return 0;
    },
  );
}

async function executeRemove(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
  const cookie = getId(ctx, vm);
  const client = utils.positionalArgument(vm, 2);
  if (client === '') utils.fail(ctx.io, 'rbd: locker was not specified');
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', false),
    async (s) => {
      const r = await utils.call(() => s.image.breakLock(client, cookie));
      if (r.r < 0) {
        ctx.io.stderr(`rbd: releasing lock failed: ${utils.cppStrerror(r.r)}\n`);
        return r.r;
      }
      return 0;
    },
  );
}

export const lockActions: Action[] = [
  {
    spec: ['lock', 'list'],
    alias: ['lock', 'ls'],
    description: 'Show locks held on an image.',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      at.addFormatOptions(opt);
    },
    execute: executeList,
  },
  {
    spec: ['lock', 'add'],
    description: 'Take a lock on an image.',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      pos.add('lock-id', undefined, 'unique lock id');
      opt.add('shared', stringValue(), 'shared lock tag');
    },
    execute: executeAdd,
  },
  {
    spec: ['lock', 'remove'],
    alias: ['lock', 'rm'],
    description: 'Release a lock on an image.',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      pos.add('lock-id', undefined, 'unique lock id');
      pos.add('locker', undefined, 'locker client');
    },
    execute: executeRemove,
  },
];
