/**
 * `rbd snap …`: list, create, remove, purge, rollback, protect, unprotect,
 * limit set/clear and rename.
 */
import { TextTable } from '../rados/format.js';
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import { SnapRemoveFlag, type Image } from './librbd-api.js';
import { boolSwitch, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

const N = at.Modifier.NONE;
const U64_MAX = (1n << 64n) - 1n;

/** Name and id of an image given by spec or --image-id, for the commands that take either. */
function imageByNameOrId(ctx: RbdContext, vm: VariablesMap, presence: utils.SnapshotPresence) {
  const imageId = vm.opt<string>(at.IMAGE_ID) ?? '';
  if (imageId !== '' && utils.imageSpecPresent(vm, N, 0)) {
    utils.fail(ctx.io, 'rbd: trying to access image using both name and id. ');
  }
  const spec = utils.getPoolImageSnapshotNames(
    ctx,
    vm,
    { value: 0 },
    {
      imageRequired: imageId === '',
      snapshotPresence: presence,
    },
  );
  return { ...spec, imageId };
}

async function listSnaps(
  ctx: RbdContext,
  image: Image,
  out: utils.OutputFormatter | undefined,
  all: boolean,
): Promise<void> {
  const f = out?.f;
  const table = new TextTable()
    .defineColumn('SNAPID', 'right', 'right')
    .defineColumn('NAME', 'left', 'left')
    .defineColumn('SIZE', 'left', 'right')
    .defineColumn('PROTECTED', 'left', 'left')
    .defineColumn('TIMESTAMP', 'left', 'left');
  if (all) table.defineColumn('NAMESPACE', 'left', 'left');
  f?.openArraySection('snapshots');
  let count = 0;
  for (const snap of await image.snapList()) {
    const ns = await image.snapGetNamespaceType(snap.id);
    if (!all && ns !== 'user') continue;
    count++;
    const t = await image.snapGetTimestamp(snap.id);
    const stamp = t.sec !== 0 ? utils.ctimeString(ctx.io, t.sec) : '';
    const isProtected = ns === 'user' ? await image.snapIsProtected(snap.name) : false;
    let nsText: string = ns;
    if (ns === 'trash') {
      const trash = await utils.call(() => image.snapGetTrashNamespace(snap.id));
      if (trash.r === 0) nsText = `trash (${trash.value!.originalName})`;
    } else if (ns === 'group') {
      const group = await utils.call(() => image.snapGetGroupNamespace(snap.id));
      if (group.r === 0) nsText = `group (${group.value!.groupName}@${group.value!.groupSnapName})`;
    }
    if (f) {
      f.openObjectSection('snapshot');
      f.dumpUnsigned('id', snap.id);
      f.dumpString('name', snap.name);
      f.dumpUnsigned('size', snap.size);
      f.dumpString('protected', isProtected ? 'true' : 'false');
      f.dumpString('timestamp', stamp);
      if (all) {
        f.openObjectSection('namespace');
        f.dumpString('type', ns);
        f.closeSection();
      }
      f.closeSection();
    } else {
      const row: (string | bigint)[] = [
        snap.id,
        snap.name,
        utils.formatByteU(snap.size),
        isProtected ? 'yes' : '',
        stamp,
      ];
      if (all) row.push(nsText);
      table.addRow(row);
    }
  }
  if (out) {
    f!.closeSection();
    await ctx.io.stdout(out.flush());
  } else if (count > 0) {
    await ctx.io.stdout(table.toString());
  }
}

async function executeList(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = imageByNameOrId(ctx, vm, utils.SnapshotPresence.NONE);
  const out = utils.getFormatter(ctx, vm);
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, spec.imageId, '', true),
    async (s) => {
      try {
        await listSnaps(ctx, s.image, out, vm.get<boolean>('all'));
      } catch (err) {
        const r = utils.errnoOf(err);
        ctx.io.stderr(`rbd: failed to list snapshots: ${utils.cppStrerror(r)}\n`);
        return r;
      }
      return 0;
    },
  );
}

/** Open the image of a snapshot command, run `body`, print `failure: (errno)` on a librbd error. */
function onImage(
  ctx: RbdContext,
  spec: { pool: string; namespace: string; name: string; imageId?: string },
  readOnly: boolean,
  body: (image: Image) => Promise<void>,
  failure: (r: number) => string | undefined,
): Promise<number> {
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, spec.imageId ?? '', '', readOnly),
    async (s) => {
      try {
        await body(s.image);
      } catch (err) {
        const r = utils.errnoOf(err);
        const text = failure(r);
        if (text !== undefined) ctx.io.stderr(text + '\n');
        return r;
      }
      return 0;
    },
  );
}

async function executeCreate(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(
    ctx,
    vm,
    { value: 0 },
    {
      snapshotPresence: utils.SnapshotPresence.REQUIRED,
      validation: utils.SpecValidation.SNAP,
    },
  );
  const flags = utils.getSnapCreateFlags(ctx, vm);
  const pc = new utils.ProgressContext(ctx.io, 'Creating snap', utils.noProgress(vm));
  return onImage(
    ctx,
    spec,
    false,
    async (image) => {
      try {
        await image.snapCreate(spec.snap, flags, pc.update);
      } catch (err) {
        pc.fail();
        throw err;
      }
      pc.finish();
    },
    (r) => `rbd: failed to create snapshot: ${utils.cppStrerror(r)}`,
  );
}

async function executeRemove(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = imageByNameOrId(ctx, vm, utils.SnapshotPresence.PERMITTED);
  let snapId: bigint | undefined;
  if (vm.has(at.SNAPSHOT_ID)) snapId = BigInt(vm.get<number | bigint>(at.SNAPSHOT_ID));
  if (snapId === undefined) {
    utils.validateSnapshotName(ctx, N, spec.snap, utils.SnapshotPresence.REQUIRED, utils.SpecValidation.NONE);
  } else if (spec.snap !== '') {
    utils.fail(ctx.io, 'rbd: trying to access snapshot using both name and id.');
  }
  const force = vm.get<boolean>('force');
  const pc = new utils.ProgressContext(ctx.io, 'Removing snap', utils.noProgress(vm));
  return onImage(
    ctx,
    spec,
    false,
    async (image) => {
      try {
        if (snapId !== undefined) await image.snapRemoveById(snapId);
        else await image.snapRemove(spec.snap, force ? SnapRemoveFlag.FORCE : 0, pc.update);
      } catch (err) {
        pc.fail();
        throw err;
      }
      pc.finish();
    },
    (r) =>
      r === -16
        ? `rbd: snapshot '${spec.snap}' is protected from removal.`
        : `rbd: failed to remove snapshot: ${utils.cppStrerror(r)}`,
  );
}

async function executePurge(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = imageByNameOrId(ctx, vm, utils.SnapshotPresence.NONE);
  const pc = new utils.ProgressContext(ctx.io, 'Removing all snapshots', utils.noProgress(vm));
  return onImage(
    ctx,
    spec,
    false,
    async (image) => {
      let snaps;
      try {
        snaps = (await image.snapList()).filter(() => true);
      } catch (err) {
        pc.fail();
        throw err;
      }
      if (snaps.length === 0) return;
      const user = [];
      for (const s of snaps) if ((await image.snapGetNamespaceType(s.id)) === 'user') user.push(s);
      const isProtected: string[] = [];
      const removable = [];
      for (const s of user) {
        if (await image.snapIsProtected(s.name)) isProtected.push(s.name);
        else removable.push(s);
      }
      if (isProtected.length > 0) {
        await ctx.io.stdout(
          `rbd: error removing snapshot(s) '${isProtected.join(',')}', which ${isProtected.length === 1 ? 'is' : 'are'} protected - these must be unprotected with \`rbd snap unprotect\`.\n`,
        );
      }
      for (let i = 0; i < removable.length; i++) {
        try {
          await image.snapRemove(removable[i]!.name, 0, () => undefined);
        } catch (err) {
          pc.fail();
          throw err;
        }
        pc.update(i + 1, removable.length + isProtected.length);
      }
      if (isProtected.length > 0) pc.fail();
      else if (removable.length > 0) pc.finish();
    },
    (r) => (r === -16 ? undefined : `rbd: removing snaps failed: ${utils.cppStrerror(r)}`),
  );
}

async function executeRollback(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(
    ctx,
    vm,
    { value: 0 },
    {
      snapshotPresence: utils.SnapshotPresence.REQUIRED,
    },
  );
  const pc = new utils.ProgressContext(ctx.io, 'Rolling back to snapshot', utils.noProgress(vm));
  return onImage(
    ctx,
    spec,
    false,
    async (image) => {
      try {
        await image.snapRollback(spec.snap, pc.update);
      } catch (err) {
        pc.fail();
        throw err;
      }
      pc.finish();
    },
    (r) => `rbd: rollback failed: ${utils.cppStrerror(r)}`,
  );
}

async function executeProtect(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(
    ctx,
    vm,
    { value: 0 },
    {
      snapshotPresence: utils.SnapshotPresence.REQUIRED,
    },
  );
  return onImage(
    ctx,
    spec,
    false,
    async (image) => {
      if (await image.snapIsProtected(spec.snap)) utils.fail(ctx.io, 'rbd: snap is already protected', -16);
      await image.snapProtect(spec.snap);
    },
    (r) => `rbd: protecting snap failed: ${utils.cppStrerror(r)}`,
  );
}

async function executeUnprotect(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = imageByNameOrId(ctx, vm, utils.SnapshotPresence.REQUIRED);
  return onImage(
    ctx,
    spec,
    false,
    async (image) => {
      if (!(await image.snapIsProtected(spec.snap))) utils.fail(ctx.io, 'rbd: snap is already unprotected');
      await image.snapUnprotect(spec.snap);
    },
    (r) => `rbd: unprotecting snap failed: ${utils.cppStrerror(r)}`,
  );
}

async function executeSetLimit(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
  if (!vm.has(at.LIMIT)) utils.fail(ctx.io, 'rbd: must specify --limit <num>', -34);
  const limit = BigInt(vm.get<number | bigint>(at.LIMIT));
  return onImage(
    ctx,
    spec,
    false,
    (image) => image.snapSetLimit(limit),
    (r) => `rbd: setting snapshot limit failed: ${utils.cppStrerror(r)}`,
  );
}

async function executeClearLimit(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
  return onImage(
    ctx,
    spec,
    false,
    (image) => image.snapSetLimit(U64_MAX),
    (r) => `rbd: clearing snapshot limit failed: ${utils.cppStrerror(r)}`,
  );
}

async function executeRename(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const argIndex = { value: 0 };
  const src = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, {
    modifier: at.Modifier.SOURCE,
    snapshotPresence: utils.SnapshotPresence.REQUIRED,
  });
  const dest = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, {
    modifier: at.Modifier.DEST,
    snapshotPresence: utils.SnapshotPresence.REQUIRED,
    validation: utils.SpecValidation.SNAP,
    defaultPool: src.pool,
  });
  if (src.pool !== dest.pool) utils.fail(ctx.io, 'rbd: source and destination pool must be the same');
  if (src.name !== dest.name) utils.fail(ctx.io, 'rbd: source and destination image name must be the same');
  return onImage(
    ctx,
    src,
    false,
    (image) => image.snapRename(src.snap, dest.snap),
    (r) => `rbd: renaming snap failed: ${utils.cppStrerror(r)}`,
  );
}

export const snapActions: Action[] = [
  {
    spec: ['snap', 'list'],
    alias: ['snap', 'ls'],
    description: 'Dump list of image snapshots.',
    switches: ['all', 'a'],
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      at.addImageIdOption(opt);
      at.addFormatOptions(opt);
      at.addAllOption(opt, 'list snapshots from all namespaces');
    },
    execute: executeList,
  },
  {
    spec: ['snap', 'create'],
    alias: ['snap', 'add'],
    description: 'Create a snapshot.',
    getArguments: (pos, opt) => {
      at.addSnapSpecOptions(pos, opt, N);
      at.addSnapCreateOptions(opt);
      at.addNoProgressOption(opt);
    },
    execute: executeCreate,
  },
  {
    spec: ['snap', 'remove'],
    alias: ['snap', 'rm'],
    description: 'Delete a snapshot.',
    switches: ['force'],
    getArguments: (pos, opt) => {
      at.addSnapSpecOptions(pos, opt, N);
      at.addImageIdOption(opt);
      at.addSnapIdOption(opt);
      at.addNoProgressOption(opt);
      opt.add('force', boolSwitch(), 'flatten children and unprotect snapshot if needed.');
    },
    execute: executeRemove,
  },
  {
    spec: ['snap', 'purge'],
    description: 'Delete all unprotected snapshots.',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      at.addImageIdOption(opt);
      at.addNoProgressOption(opt);
    },
    execute: executePurge,
  },
  {
    spec: ['snap', 'rollback'],
    alias: ['snap', 'revert'],
    description: 'Rollback image to snapshot.',
    getArguments: (pos, opt) => {
      at.addSnapSpecOptions(pos, opt, N);
      at.addNoProgressOption(opt);
    },
    execute: executeRollback,
  },
  {
    spec: ['snap', 'protect'],
    description: 'Prevent a snapshot from being deleted.',
    getArguments: (pos, opt) => at.addSnapSpecOptions(pos, opt, N),
    execute: executeProtect,
  },
  {
    spec: ['snap', 'unprotect'],
    description: 'Allow a snapshot to be deleted.',
    getArguments: (pos, opt) => {
      at.addSnapSpecOptions(pos, opt, N);
      at.addImageIdOption(opt);
    },
    execute: executeUnprotect,
  },
  {
    spec: ['snap', 'limit', 'set'],
    description: 'Limit the number of snapshots.',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      at.addLimitOption(opt);
    },
    execute: executeSetLimit,
  },
  {
    spec: ['snap', 'limit', 'clear'],
    description: 'Remove snapshot limit.',
    getArguments: (pos, opt) => at.addImageSpecOptions(pos, opt, N),
    execute: executeClearLimit,
  },
  {
    spec: ['snap', 'rename'],
    description: 'Rename a snapshot.',
    getArguments: (pos, opt) => {
      at.addSnapSpecOptions(pos, opt, at.Modifier.SOURCE);
      at.addSnapSpecOptions(pos, opt, at.Modifier.DEST);
    },
    execute: executeRename,
  },
];
