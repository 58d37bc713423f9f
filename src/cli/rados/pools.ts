/**
 * Pool commands of `rados`: lspools, df, purge, cppool. (Pacific has no
 * mkpool/rmpool any more; they are unrecognized commands, as in the real tool.)
 */
import { fail, tryErrno, usageError, type CommandHandler, type ToolContext } from './context.js';
import { cppStrerror, formatByteU, TextTable } from './format.js';
import { cleanUpSlow } from './bench.js';
import { copyObject } from './objects.js';
import { ALL_NSPACES } from '../../rados/io-ctx.js';

const lspools: CommandHandler = async (ctx) => {
  const r = await tryErrno(() => ctx.rados.poolList());
  if (!('value' in r)) return fail(ctx.io, `error listing pools: ${cppStrerror(r.r)}`);
  ctx.io.stdout(r.value.map((p) => p.name + '\n').join(''));
  return 0;
};

const big = (v: number | bigint): bigint => BigInt(v);

const df: CommandHandler = async (ctx) => {
  const { io, rados, formatter: f } = ctx;
  let names: string[];
  if (ctx.poolName === undefined) {
    const r = await tryErrno(() => rados.poolList());
    if (!('value' in r)) return fail(io, `error listing pools: ${cppStrerror(r.r)}`);
    names = r.value.map((p) => p.name);
  } else {
    names = [ctx.poolName];
  }
  const stats = await tryErrno(() => rados.poolStats(names));
  if (!('value' in stats)) return fail(io, `error fetching pool stats: ${cppStrerror(stats.r)}`);
  // rados.cc keeps them in a std::map: by name, bytewise
  const sorted = [...stats.value].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const table = new TextTable();
  if (!f) {
    table.defineColumn('POOL_NAME', 'left', 'left');
    for (const h of [
      'USED',
      'OBJECTS',
      'CLONES',
      'COPIES',
      'MISSING_ON_PRIMARY',
      'UNFOUND',
      'DEGRADED',
      'RD_OPS',
      'RD',
      'WR_OPS',
      'WR',
      'USED COMPR',
      'UNDER COMPR',
    ]) {
      table.defineColumn(h, 'right', 'right');
    }
  } else {
    f.openObjectSection('stats');
    f.openArraySection('pools');
  }
  for (const [name, s] of sorted) {
    if (!f) {
      table.addRow([
        name,
        formatByteU(s.numBytes),
        s.numObjects,
        s.numObjectClones,
        s.numObjectCopies,
        s.numObjectsMissingOnPrimary,
        s.numObjectsUnfound,
        s.numObjectsDegraded,
        s.numRd,
        formatByteU(big(s.numRdKb) << 10n),
        s.numWr,
        formatByteU(big(s.numWrKb) << 10n),
        formatByteU(s.compressedBytesAlloc),
        formatByteU(s.compressedBytesOrig),
      ]);
      continue;
    }
    f.openObjectSection('pool');
    f.dumpString('name', name);
    const id = rados.objecter.osdmap.lookupPool(name);
    if (id >= 0) f.dumpInt('id', id);
    else io.stderr(`ERROR: lookup_pg_pool_name for name=${name} returned ${id}\n`);
    f.dumpInt('size_bytes', s.numBytes);
    f.dumpInt('size_kb', s.numKb);
    f.dumpInt('num_objects', s.numObjects);
    f.dumpInt('num_object_clones', s.numObjectClones);
    f.dumpInt('num_object_copies', s.numObjectCopies);
    f.dumpInt('num_objects_missing_on_primary', s.numObjectsMissingOnPrimary);
    f.dumpInt('num_objects_unfound', s.numObjectsUnfound);
    f.dumpInt('num_objects_degraded', s.numObjectsDegraded);
    f.dumpInt('read_ops', s.numRd);
    f.dumpInt('read_bytes', big(s.numRdKb) * 1024n);
    f.dumpInt('write_ops', s.numWr);
    f.dumpInt('write_bytes', big(s.numWrKb) * 1024n);
    f.dumpInt('compress_bytes_used', s.compressedBytesAlloc);
    f.dumpInt('compress_under_bytes', s.compressedBytesOrig);
    f.closeSection();
  }
  if (!f) io.stdout(table.toString());
  const total = await tryErrno(() => rados.clusterStats());
  if (!('value' in total)) return fail(io, `error getting total cluster usage: ${cppStrerror(total.r)}`);
  const t = total.value;
  if (!f) {
    io.stdout(
      '\n' +
        `total_objects    ${t.numObjects}\n` +
        `total_used       ${formatByteU(big(t.kbUsed) << 10n)}\n` +
        `total_avail      ${formatByteU(big(t.kbAvail) << 10n)}\n` +
        `total_space      ${formatByteU(big(t.kb) << 10n)}\n`,
    );
  } else {
    f.closeSection();
    f.dumpInt('total_objects', t.numObjects);
    f.dumpInt('total_used', t.kbUsed);
    f.dumpInt('total_avail', t.kbAvail);
    f.dumpInt('total_space', t.kb);
    f.closeSection();
    io.stdout(f.flush());
  }
  return 0;
};

/** `purge <pool> --yes-i-really-really-mean-it`: remove every object, keep the pool. */
const purge: CommandHandler = async (ctx, nargs) => {
  const { io } = ctx;
  if (nargs.length < 2) return usageError(io);
  if (nargs.length < 3 || nargs[2] !== '--yes-i-really-really-mean-it') {
    return fail(
      io,
      'WARNING:\n' +
        '  This will PERMANENTLY DESTROY all objects from a pool with no way back.\n' +
        '  To confirm, follow pool with --yes-i-really-really-mean-it',
    );
  }
  const opened = await tryErrno(() => ctx.rados.ioCtx(nargs[1]!));
  if (!('value' in opened)) return fail(io, `error pool ${nargs[1]}: ${cppStrerror(opened.r)}`);
  const ioCtx = opened.value;
  ioCtx.setNamespace(ALL_NSPACES);
  const r = await cleanUpSlow(ctx, ioCtx, '', ctx.settings.concurrentIos, { fullTry: true });
  if (r >= 0) {
    io.stdout(`successfully purged pool ${nargs[1]}\n`);
  } else {
    io.stderr(
      `pool ${nargs[1]} could not be purged\n` +
        'Check your monitor configuration - `mon allow pool delete` is set to false by default, ' +
        'change it to true to allow deletion of pools\n',
    );
  }
  return r;
};

/** `cppool <src> <dst>`: copy every object of every namespace (COPY_FROM), locators kept. */
const cppool: CommandHandler = async (ctx: ToolContext, nargs) => {
  const { io, rados } = ctx;
  const force = nargs.length === 4 && nargs[3] === '--yes-i-really-mean-it';
  if (nargs.length !== 3 && !(nargs.length === 4 && force)) return usageError(io);
  const [, src, dst] = nargs as [string, string, string];
  if (src === dst) return fail(io, 'cannot copy pool into itself');
  io.stderr('WARNING: pool copy does not preserve user_version, which some     apps may rely on.\n');
  const srcId = rados.objecter.osdmap.lookupPool(src);
  if (srcId < 0) {
    return fail(io, `failed to query pool ${src} for selfmanaged snaps: ${cppStrerror(-2)}`);
  }
  if (rados.objecter.osdmap.getPool(srcId)?.isUnmanagedSnapsMode()) {
    io.stderr(
      `WARNING: pool ${src} has selfmanaged snaps, which are not preserved\n` +
        '    by the cppool operation.  This will break any snapshot user.\n',
    );
    if (!force) {
      return fail(
        io,
        '    If you insist on making a broken copy, you can pass\n' +
          '    --yes-i-really-mean-it to proceed anyway.',
      );
    }
  }
  const r = await copyPool(ctx, src, dst);
  if (r < 0) return fail(io, `error copying pool ${src} => ${dst}: ${cppStrerror(r)}`);
  io.stdout(`successfully copied pool ${nargs[1]}\n`);
  return 0;
};

/** rados.cc `do_copy_pool`. */
async function copyPool(ctx: ToolContext, src: string, dst: string): Promise<number> {
  const { io, rados } = ctx;
  const srcOpened = await tryErrno(() => rados.ioCtx(src));
  if (!('value' in srcOpened)) {
    io.stderr(`cannot open source pool: ${src}\n`);
    return srcOpened.r;
  }
  const dstOpened = await tryErrno(() => rados.ioCtx(dst));
  if (!('value' in dstOpened)) {
    io.stderr(`cannot open target pool: ${dst}\n`);
    return dstOpened.r;
  }
  const srcCtx = srcOpened.value;
  const dstCtx = dstOpened.value;
  for await (const o of srcCtx.listObjects({ nspace: ALL_NSPACES })) {
    const targetName = (o.nspace ? `${o.nspace}/` : '') + o.oid;
    const srcName = targetName + (o.key ? `(@${o.key})` : '');
    io.stdout(`${src}:${srcName} => ${dst}:${targetName}\n`);
    srcCtx.locatorKey = o.key;
    srcCtx.setNamespace(o.nspace);
    dstCtx.setNamespace(o.nspace);
    const r = await tryErrno(() => copyObject(srcCtx, o.oid, dstCtx, o.oid));
    if (r.r < 0) {
      io.stderr(`error copying object: ${cppStrerror(r.r)}\n`);
      return r.r;
    }
  }
  return 0;
}

export const poolCommands: Record<string, CommandHandler> = { lspools, df, purge, cppool };
