/**
 * Object map commands of `rados`: listomapkeys, listomapvals, getomapval,
 * setomapval, rmomapkey, clearomap, getomapheader, setomapheader. Values and
 * headers print as `bufferlist::hexdump`; keys with unprintable bytes are
 * hexdumped too (listomapvals) or shown as "(binary key)" in messages.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fail, poolOf, tryErrno, usageError, type CommandHandler, type ToolContext } from './context.js';
import { cppStrerror, hexdump, isPrintableString, prettify } from './format.js';

/** rados.cc `MAX_OMAP_BYTES_PER_REQUEST`: entries asked for per listing request. */
const OMAP_ENTRIES_PER_REQUEST = 1 << 10;

/** rados.cc `dump_data`: write to a file ("-" is stdout). */
function dumpData(ctx: ToolContext, filename: string, data: Buffer): void {
  if (filename === '-') {
    ctx.io.stdout(data);
    return;
  }
  try {
    writeFileSync(filename, data, { mode: 0o644 });
  } catch (err) {
    ctx.io.stderr(`failed to open file: ${cppStrerror((err as NodeJS.ErrnoException).errno ?? -5)}\n`);
  }
}

const listomapkeys: CommandHandler = async (ctx, nargs) => {
  if (ctx.poolName === undefined || (nargs.length < 2 && ctx.objName === undefined))
    return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oid = ctx.objName ?? nargs[1]!;
  let after = '';
  for (;;) {
    const r = await tryErrno(() => ioCtx.omapGetKeys(oid, after, OMAP_ENTRIES_PER_REQUEST));
    if (!('value' in r)) {
      return fail(ctx.io, `error getting omap key set ${poolName}/${prettify(oid)}: ${cppStrerror(r.r)}`);
    }
    const { keys, more } = r.value;
    ctx.io.stdout(keys.map((k) => k + '\n').join(''));
    if (keys.length > 0) after = keys[keys.length - 1]!;
    if (!more) return 0;
  }
};

const listomapvals: CommandHandler = async (ctx, nargs) => {
  if (ctx.poolName === undefined || (nargs.length < 2 && ctx.objName === undefined))
    return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oid = ctx.objName ?? nargs[1]!;
  let after = '';
  // rados.cc asks again only while a reply is full
  for (;;) {
    const r = await tryErrno(() => ioCtx.omapGetVals(oid, after, '', OMAP_ENTRIES_PER_REQUEST));
    if (!('value' in r)) {
      return fail(ctx.io, `error getting omap keys ${poolName}/${prettify(oid)}: ${cppStrerror(r.r)}`);
    }
    const out: string[] = [];
    for (const [key, value] of r.value.vals) {
      after = key;
      if (!isPrintableString(key)) {
        const bytes = Buffer.from(key, 'utf8');
        out.push(`key (${bytes.length} bytes):\n`, hexdump(bytes));
      } else {
        out.push(key);
      }
      out.push('\n', `value (${value.length} bytes) :\n`, hexdump(value), '\n');
    }
    ctx.io.stdout(out.join(''));
    if (r.value.vals.size !== OMAP_ENTRIES_PER_REQUEST) return 0;
  }
};

const getomapval: CommandHandler = async (ctx, nargs) => {
  const named = ctx.objName !== undefined;
  const minArgs = ctx.omapKey !== undefined ? (named ? 1 : 2) : named ? 2 : 3;
  if (ctx.poolName === undefined || nargs.length < minArgs || nargs.length > minArgs + 1) {
    return usageError(ctx.io);
  }
  const { ioCtx, poolName } = poolOf(ctx);
  const key = ctx.omapKey ?? nargs[named ? 1 : 2]!;
  const outfile = nargs.length > minArgs ? nargs[minArgs]! : '';
  const oid = ctx.objName ?? nargs[1]!;
  const r = await tryErrno(() => ioCtx.omapGetValsByKeys(oid, [key]));
  if (!('value' in r)) {
    return fail(
      ctx.io,
      `error getting omap value ${poolName}/${prettify(oid)}/${prettify(key)}: ${cppStrerror(r.r)}`,
    );
  }
  const value = r.value.get(key);
  if (value === undefined) {
    ctx.io.stdout(`No such key: ${poolName}/${prettify(oid)}/${prettify(key)}\n`);
    return { exitCode: 1 };
  }
  if (outfile) {
    ctx.io.stderr(`Writing to ${outfile}\n`);
    dumpData(ctx, outfile, value);
  } else {
    ctx.io.stdout(`value (${value.length} bytes) :\n${hexdump(value)}\n`);
  }
  return 0;
};

const setomapval: CommandHandler = async (ctx, nargs) => {
  const minArgs = ctx.omapKey !== undefined ? 2 : 3;
  if (ctx.poolName === undefined || nargs.length < minArgs || nargs.length > minArgs + 1) {
    return usageError(ctx.io);
  }
  const { ioCtx, poolName } = poolOf(ctx);
  const oid = nargs[1]!;
  const key = ctx.omapKey ?? nargs[2]!;
  let value: Buffer;
  if (ctx.inputFile !== '') {
    try {
      value = readFileSync(ctx.inputFile);
    } catch (err) {
      const r = (err as NodeJS.ErrnoException).errno ?? -5;
      return fail(
        ctx.io,
        `error reading file ${ctx.inputFile}: can't open ${ctx.inputFile}: ${cppStrerror(r)}`,
      );
    }
  } else if (nargs.length > minArgs) {
    value = Buffer.from(nargs[minArgs]!, 'utf8');
  } else {
    value = await ctx.io.readStdin();
  }
  const r = await tryErrno(() => ioCtx.omapSet(oid, new Map([[key, value]])));
  if (r.r < 0) {
    return fail(ctx.io, `error setting omap value ${poolName}/${oid}/${prettify(key)}: ${cppStrerror(r.r)}`);
  }
  return 0;
};

const rmomapkey: CommandHandler = async (ctx, nargs) => {
  const named = ctx.objName !== undefined;
  const numArgs = ctx.omapKey !== undefined ? (named ? 1 : 2) : named ? 2 : 3;
  if (ctx.poolName === undefined || nargs.length !== numArgs) return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const key = ctx.omapKey ?? nargs[named ? 1 : 2]!;
  const oid = ctx.objName ?? nargs[1]!;
  const r = await tryErrno(() => ioCtx.omapRmKeys(oid, [key]));
  if (r.r < 0) {
    return fail(
      ctx.io,
      `error removing omap key ${poolName}/${prettify(oid)}/${prettify(key)}: ${cppStrerror(r.r)}`,
    );
  }
  return 0;
};

const clearomap: CommandHandler = async (ctx, nargs) => {
  if (ctx.poolName === undefined || (nargs.length < 2 && ctx.objName === undefined))
    return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oids = nargs.slice(1);
  if (ctx.objName !== undefined) oids.push(ctx.objName);
  for (const oid of oids) {
    const r = await tryErrno(() => ioCtx.omapClear(oid));
    if (r.r < 0)
      return fail(ctx.io, `error clearing omap keys ${poolName}/${prettify(oid)}/${cppStrerror(r.r)}`);
  }
  return 0;
};

const getomapheader: CommandHandler = async (ctx, nargs) => {
  const named = ctx.objName !== undefined;
  if (ctx.poolName === undefined || (nargs.length < 2 && !named)) return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const outfile = nargs.length >= (named ? 2 : 3) ? nargs[named ? 1 : 2]! : '';
  const oid = ctx.objName ?? nargs[1]!;
  const r = await tryErrno(() => ioCtx.omapGetHeader(oid));
  if (!('value' in r)) {
    return fail(ctx.io, `error getting omap header ${poolName}/${prettify(oid)}: ${cppStrerror(r.r)}`);
  }
  if (outfile) {
    ctx.io.stderr(`Writing to ${outfile}\n`);
    dumpData(ctx, outfile, r.value);
  } else {
    ctx.io.stdout(`header (${r.value.length} bytes) :\n${hexdump(r.value)}\n`);
  }
  return 0;
};

const setomapheader: CommandHandler = async (ctx, nargs) => {
  const named = ctx.objName !== undefined;
  if (ctx.poolName === undefined || nargs.length < (named ? 2 : 3)) return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const value = Buffer.from(named ? nargs[1]! : nargs[2]!, 'utf8');
  const oid = ctx.objName ?? nargs[1]!;
  const r = await tryErrno(() => ioCtx.omapSetHeader(oid, value));
  if (r.r < 0)
    return fail(ctx.io, `error setting omap value ${poolName}/${prettify(oid)}: ${cppStrerror(r.r)}`);
  return 0;
};

export const omapCommands: Record<string, CommandHandler> = {
  listomapkeys,
  listomapvals,
  getomapval,
  setomapval,
  rmomapkey,
  clearomap,
  getomapheader,
  setomapheader,
};
