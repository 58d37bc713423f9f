/**
 * Extended attribute commands of `rados`: listxattr, getxattr, setxattr
 * (value from the command line or, without one, from stdin), rmxattr.
 */
import { fail, poolOf, tryErrno, usageError, type CommandHandler } from './context.js';
import { cppStrerror, prettify } from './format.js';

const setxattr: CommandHandler = async (ctx, nargs) => {
  const named = ctx.objName !== undefined;
  if (ctx.poolName === undefined || nargs.length < (named ? 2 : 3) || nargs.length > (named ? 3 : 4)) {
    return usageError(ctx.io);
  }
  const { ioCtx, poolName } = poolOf(ctx);
  const attr = nargs[named ? 1 : 2]!;
  const value =
    nargs.length === (named ? 3 : 4) ? Buffer.from(nargs[named ? 2 : 3]!, 'utf8') : await ctx.io.readStdin();
  const oid = ctx.objName ?? nargs[1]!;
  const r = await tryErrno(() => ioCtx.setXattr(oid, attr, value));
  if (r.r < 0) {
    return fail(ctx.io, `error setting xattr ${poolName}/${prettify(oid)}/${attr}: ${cppStrerror(r.r)}`);
  }
  return 0;
};

const getxattr: CommandHandler = async (ctx, nargs) => {
  const named = ctx.objName !== undefined;
  if (ctx.poolName === undefined || nargs.length < (named ? 2 : 3)) return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const attr = nargs[named ? 1 : 2]!;
  const oid = ctx.objName ?? nargs[1]!;
  const r = await tryErrno(() => ioCtx.getXattr(oid, attr));
  if (!('value' in r)) {
    return fail(ctx.io, `error getting xattr ${poolName}/${prettify(oid)}/${attr}: ${cppStrerror(r.r)}`);
  }
  ctx.io.stdout(r.value);
  return 0;
};

const rmxattr: CommandHandler = async (ctx, nargs) => {
  const named = ctx.objName !== undefined;
  if (ctx.poolName === undefined || nargs.length < (named ? 2 : 3)) return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const attr = nargs[named ? 1 : 2]!;
  const oid = ctx.objName ?? nargs[1]!;
  const r = await tryErrno(() => ioCtx.rmXattr(oid, attr));
  if (r.r < 0) {
    return fail(ctx.io, `error removing xattr ${poolName}/${prettify(oid)}/${attr}: ${cppStrerror(r.r)}`);
  }
  return 0;
};

const listxattr: CommandHandler = async (ctx, nargs) => {
  if (ctx.poolName === undefined || (nargs.length < 2 && ctx.objName === undefined))
    return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oid = ctx.objName ?? nargs[1]!;
  const r = await tryErrno(() => ioCtx.getXattrs(oid));
  if (!('value' in r)) {
    return fail(ctx.io, `error getting xattr set ${poolName}/${prettify(oid)}: ${cppStrerror(r.r)}`);
  }
  // a std::map: names in byte order
  const names = [...r.value.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  ctx.io.stdout(names.map((n) => n + '\n').join(''));
  return 0;
};

export const xattrCommands: Record<string, CommandHandler> = { setxattr, getxattr, rmxattr, listxattr };
