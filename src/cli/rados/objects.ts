/**
 * Object commands of `rados`: ls, stat, stat2, touch, get, put, append,
 * truncate, create, rm, cp, set-alloc-hint — with rados.cc's argument
 * checks, messages and exit statuses.
 *
 * Commands that take an object name accept it from --obj-name-file instead
 * of the command line; the positions of the other words shift accordingly.
 */
import { openSync, closeSync, readSync, writeSync, writeFileSync } from 'node:fs';
import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { encodeObjectLocator } from '../../encoding/osd-types.js';
import { OSDOp } from '../../msg/messages/osd-op.js';
import { OsdFlag, OsdOp, OsdOpFlag } from '../../msg/messages/osd-op-codes.js';
import { formatUTimeLocal } from '../../osdmap/format.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import { ObjectReadOperation, ObjectWriteOperation, OpResult } from '../../rados/operation.js';
import {
  errnoOf,
  fail,
  poolOf,
  tryErrno,
  usageError,
  type CommandHandler,
  type ToolContext,
} from './context.js';
import { cppStrerror, prettify, strtollWhole } from './format.js';

const STDIN = 0;
const STDOUT = 1;

/** A write operation that can also carry a COPY_FROM (librados `copy_from`). */
class CopyOperation extends ObjectWriteOperation {
  /**
   * Copy `src` (in `srcIoCtx`'s pool, namespace and locator, at its read
   * snap) over this object; `srcFadvise` applies to reading the source,
   * `dstFadvise` to writing the copy (`set_op_flags2`).
   */
  copyFrom(src: string, srcIoCtx: IoCtx, srcFadvise: number, dstFadvise: number): this {
    const op = new OSDOp({
      op: OsdOp.COPY_FROM,
      flags: dstFadvise,
      indata: encode((e) => {
        e.string(src);
        encodeObjectLocator(e, srcIoCtx.locator);
      }),
    });
    op.copyFrom = { snapid: srcIoCtx.readSnap, srcVersion: 0n, flags: 0, srcFadviseFlags: srcFadvise };
    this.add(op);
    return this;
  }
}

/** A read operation that can also carry a MAPEXT (librados `mapext`). */
class MapExtOperation extends ObjectReadOperation {
  /** The allocated extents (offset → length) within `length` bytes at `offset`. */
  mapExt(offset: number, length: bigint): OpResult<Map<bigint, bigint>> {
    const slot = new OpResult<Map<bigint, bigint>>();
    this.add(OSDOp.extent(OsdOp.MAPEXT, offset, length), (op) => {
      slot.value = new Decoder(op.outdata).map(
        (d) => d.u64(),
        (d) => d.u64(),
      );
    });
    return slot;
  }
}

/** rados.cc `do_copy`: sequential, uncached read of the source; sequential, don't-need write of the copy. */
export async function copyObject(src: IoCtx, srcOid: string, dst: IoCtx, dstOid: string): Promise<void> {
  const op = new CopyOperation().copyFrom(
    srcOid,
    src,
    OsdOpFlag.FADVISE_SEQUENTIAL | OsdOpFlag.FADVISE_NOCACHE,
    OsdOpFlag.FADVISE_SEQUENTIAL | OsdOpFlag.FADVISE_DONTNEED,
  );
  await dst.operate(dstOid, op);
}

/** The object name from --obj-name-file or the first word after the command. */
function objectName(ctx: ToolContext, nargs: string[]): string {
  return ctx.objName ?? nargs[1]!;
}

/** `!pool_name || (nargs.size() < 2 && !obj_name)`: the checks most object commands start with. */
function needsPoolAndObject(ctx: ToolContext, nargs: string[]): boolean {
  return ctx.poolName === undefined || (nargs.length < 2 && ctx.objName === undefined);
}

const ls: CommandHandler = async (ctx, nargs) => {
  const { io, formatter: f } = ctx;
  if (ctx.poolName === undefined) return fail(io, 'either pool name or pg id needs to be specified');
  const { ioCtx } = poolOf(ctx);
  const useStdout = ctx.output === undefined && (nargs.length < 2 || nargs[1] === '-');
  if (!useStdout && ctx.output === undefined) {
    return fail(io, 'Please use --output to specify the output file name');
  }
  const chunks: string[] = [];
  const pgid = pgFilter(ctx);
  if (f) f.openArraySection('objects');
  try {
    for await (const o of ioCtx.listObjects()) {
      if (pgid && !pgid(o.oid, o.key, o.nspace)) continue;
      if (!f) {
        let line = ctx.wildcard ? `${o.nspace}\t` : '';
        line += o.oid;
        if (o.key) line += `\t${o.key}`;
        chunks.push(line + '\n');
      } else {
        f.openObjectSection('object');
        f.dumpString('namespace', o.nspace);
        f.dumpString('name', o.oid);
        if (o.key) f.dumpString('locator', o.key);
        f.closeSection();
      }
    }
  } catch (err) {
    io.stdout(chunks.join(''));
    return fail(io, err instanceof Error ? err.message : String(err));
  }
  if (f) {
    f.closeSection();
    chunks.push(f.flush());
    if (ctx.prettyFormat) chunks.push('\n');
  }
  if (useStdout) io.stdout(chunks.join(''));
  else writeFileSync(ctx.output!, chunks.join(''));
  return 0;
};

/** --pgid: keep only the objects of that PG (rados.cc walks the PG and stops at its end). */
function pgFilter(ctx: ToolContext): ((oid: string, key: string, nspace: string) => boolean) | undefined {
  const text = ctx.opts.get('pgid');
  if (text === undefined) return undefined;
  const m = /^(\d+)\.([0-9a-fA-F]+)$/.exec(text);
  if (!m) return undefined;
  const pool = Number(m[1]);
  const seed = parseInt(m[2]!, 16);
  const map = ctx.rados.objecter.osdmap;
  return (oid, key, nspace) => {
    const pg = map.rawPgToPg(map.objectLocatorToPg(oid, { pool, key, nspace, hash: -1 }));
    return pg.seed === seed;
  };
}

/** `mapext <obj>`: the object's allocated extents, in hex. */
const mapext: CommandHandler = async (ctx, nargs) => {
  if (needsPoolAndObject(ctx, nargs)) return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oid = objectName(ctx, nargs);
  const op = new MapExtOperation();
  const slot = op.mapExt(0, (1n << 64n) - 1n);
  const r = await tryErrno(() => ioCtx.operateRead(oid, op));
  if (r.r < 0) return fail(ctx.io, `mapext error on ${poolName}/${prettify(oid)}: ${cppStrerror(r.r)}`);
  const lines = [...slot.get()].map(([off, len]) => `${off.toString(16)}\t${len.toString(16)}\n`);
  ctx.io.stdout(lines.join(''));
  return 0;
};

function statCommand(precise: boolean): CommandHandler {
  return async (ctx, nargs) => {
    if (needsPoolAndObject(ctx, nargs)) return usageError(ctx.io);
    const { ioCtx, poolName } = poolOf(ctx);
    const oid = objectName(ctx, nargs);
    const r = await tryErrno(() => ioCtx.stat(oid));
    if (!('value' in r)) {
      return fail(ctx.io, ` error stat-ing ${poolName}/${prettify(oid)}: ${cppStrerror(r.r)}`);
    }
    const { size, mtime } = r.value;
    const shown = precise ? mtime : { sec: mtime.sec, nsec: 0 };
    ctx.io.stdout(`${poolName}/${prettify(oid)} mtime ${formatUTimeLocal(shown)}, size ${size}\n`);
    return 0;
  };
}

/** `touch <obj> [timestamp]`: create if missing and set the modification time. */
const touch: CommandHandler = async (ctx, nargs) => {
  const { io } = ctx;
  if (needsPoolAndObject(ctx, nargs)) return usageError(io);
  const { ioCtx, poolName } = poolOf(ctx);
  const at = ctx.objName !== undefined ? 1 : 2;
  let seconds = Math.floor(Date.now() / 1000);
  if (nargs.length > at) {
    const v = strtollWhole(nargs[at]!);
    if (v === undefined) return fail(io, `Invalid value for timestamp: '${nargs[at]}'`);
    seconds = Number(v);
  }
  const oid = objectName(ctx, nargs);
  const op = new ObjectWriteOperation().create(false);
  const r = await tryErrno(() => ioCtx.operate(oid, op, { mtime: { sec: seconds, nsec: 0 } }));
  if (r.r < 0) return fail(io, ` error touch-ing ${poolName}/${prettify(oid)}: ${cppStrerror(r.r)}`);
  return 0;
};

/** Open a file as rados.cc does ("-" is stdin/stdout); a negative errno on failure. */
function openFile(path: string, forWrite: boolean): number {
  if (path === '-') return forWrite ? STDOUT : STDIN;
  try {
    return forWrite ? openSync(path, 'w', 0o644) : openSync(path, 'r');
  } catch (err) {
    return (err as NodeJS.ErrnoException).errno ?? -5;
  }
}

/** rados.cc `do_get`: read `op_size` at a time until a short read. */
async function doGet(ctx: ToolContext, ioCtx: IoCtx, oid: string, outfile: string): Promise<number> {
  const fd = openFile(outfile, true);
  if (fd < 0) {
    ctx.io.stderr(`failed to open file: ${cppStrerror(fd)}\n`);
    return fd;
  }
  const opSize = ctx.settings.opSize;
  let offset = 0;
  try {
    for (;;) {
      let data: Buffer;
      try {
        data = await ioCtx.read(oid, opSize, offset);
      } catch (err) {
        return errnoOf(err);
      }
      if (data.length === 0) return 0;
      if (fd === STDOUT) ctx.io.stdout(data);
      else writeSync(fd, data);
      if (data.length < opSize) return 0;
      offset += data.length;
    }
  } finally {
    if (fd !== STDOUT) closeSync(fd);
  }
}

const get: CommandHandler = async (ctx, nargs) => {
  const { io } = ctx;
  if (ctx.poolName === undefined || nargs.length < (ctx.objName !== undefined ? 2 : 3)) return usageError(io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oid = objectName(ctx, nargs);
  const outfile = ctx.objName !== undefined ? nargs[1]! : nargs[2]!;
  const r = await doGet(ctx, ioCtx, oid, outfile);
  if (r < 0) return fail(io, `error getting ${poolName}/${prettify(oid)}: ${cppStrerror(r)}`);
  return 0;
};

/** Read up to `size` bytes from `fd` (what `bufferlist::read_fd` does): fewer only at end of file. */
function readChunk(fd: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let got = 0;
  while (got < size) {
    let n: number;
    try {
      n = readSync(fd, buf, got, size - got, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw err;
    }
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * rados.cc `do_put`: write the file `op_size` at a time — the first chunk
 * replaces the object (unless --offset was given), the rest are writes; an
 * empty file still creates the object (and an --offset makes a hole).
 * Returns 1 (not an errno: rados.cc then exits 0) when the input cannot be opened.
 */
async function doPut(ctx: ToolContext, ioCtx: IoCtx, oid: string, infile: string): Promise<number> {
  const fd = openFile(infile, false);
  if (fd < 0) {
    ctx.io.stderr(`error reading input file ${infile}: ${cppStrerror(fd)}\n`);
    return 1;
  }
  const { opSize, objOffset } = ctx.settings;
  const createObject = !ctx.settings.objOffsetSpecified;
  let offset = objOffset;
  try {
    for (;;) {
      let data: Buffer;
      try {
        data = readChunk(fd, opSize);
      } catch (err) {
        const r = (err as NodeJS.ErrnoException).errno ?? -5;
        ctx.io.stderr(`error reading input file ${infile}: ${cppStrerror(r)}\n`);
        return r;
      }
      if (data.length === 0) {
        if (offset === objOffset) {
          await ioCtx.writeFull(oid, data);
          if (offset) await ioCtx.truncate(oid, offset);
        }
        return 0;
      }
      if (offset === 0 && createObject) await ioCtx.writeFull(oid, data);
      else await ioCtx.write(oid, data, offset);
      offset += data.length;
    }
  } catch (err) {
    return errnoOf(err);
  } finally {
    if (fd !== STDIN) closeSync(fd);
  }
}

const put: CommandHandler = async (ctx, nargs) => {
  const { io } = ctx;
  if (ctx.poolName === undefined || nargs.length < (ctx.objName !== undefined ? 2 : 3)) return usageError(io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oid = objectName(ctx, nargs);
  const infile = ctx.objName !== undefined ? nargs[1]! : nargs[2]!;
  const r = await doPut(ctx, ioCtx, oid, infile);
  if (r < 0) return fail(io, `error putting ${poolName}/${prettify(oid)}: ${cppStrerror(r)}`);
  return r;
};

/** rados.cc `do_append`: append `op_size` at a time, ending with an empty append at end of file. */
const append: CommandHandler = async (ctx, nargs) => {
  const { io } = ctx;
  if (ctx.poolName === undefined || nargs.length < (ctx.objName !== undefined ? 2 : 3)) return usageError(io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oid = objectName(ctx, nargs);
  const infile = ctx.objName !== undefined ? nargs[1]! : nargs[2]!;
  const fd = openFile(infile, false);
  if (fd < 0) {
    io.stderr(`error reading input file ${infile}: ${cppStrerror(fd)}\n`);
    return 1;
  }
  let r = 0;
  try {
    for (;;) {
      const data = readChunk(fd, ctx.settings.opSize);
      await ioCtx.append(oid, data);
      if (data.length === 0) break;
    }
  } catch (err) {
    r = errnoOf(err);
  } finally {
    if (fd !== STDIN) closeSync(fd);
  }
  if (r < 0) return fail(io, `error appending ${poolName}/${prettify(oid)}: ${cppStrerror(r)}`);
  return 0;
};

const truncate: CommandHandler = async (ctx, nargs) => {
  const { io } = ctx;
  if (ctx.poolName === undefined || nargs.length < (ctx.objName !== undefined ? 2 : 3)) return usageError(io);
  const { ioCtx } = poolOf(ctx);
  const oid = objectName(ctx, nargs);
  const sizeText = ctx.objName !== undefined ? nargs[1]! : nargs[2]!;
  const size = strtollWhole(sizeText);
  // rados.cc quotes the third word whichever word held the size
  if (size === undefined) return fail(io, `Invalid value for size: '${nargs[2] ?? ''}'`);
  if (size < 0n) {
    io.stderr('error, cannot truncate to negative value\n');
    return usageError(io);
  }
  const r = await tryErrno(() => ioCtx.truncate(oid, Number(size)));
  if (r.r < 0) {
    io.stderr(`error truncating oid ${prettify(oid)} to ${size}: ${cppStrerror(r.r)}\n`);
    return r.r;
  }
  return 0;
};

const create: CommandHandler = async (ctx, nargs) => {
  if (needsPoolAndObject(ctx, nargs)) return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oid = objectName(ctx, nargs);
  const r = await tryErrno(() => ioCtx.create(oid, true));
  if (r.r < 0) return fail(ctx.io, `error creating ${poolName}/${prettify(oid)}: ${cppStrerror(r.r)}`);
  return 0;
};

const rm: CommandHandler = async (ctx, nargs) => {
  if (needsPoolAndObject(ctx, nargs)) return usageError(ctx.io);
  const { ioCtx, poolName } = poolOf(ctx);
  const oids = nargs.slice(1);
  if (ctx.objName !== undefined) oids.push(ctx.objName);
  const flags = ctx.settings.forceFull ? OsdFlag.FULL_FORCE | OsdFlag.FULL_TRY : 0;
  for (const oid of oids) {
    const r = await tryErrno(() => ioCtx.operate(oid, new ObjectWriteOperation().remove(), { flags }));
    if (r.r < 0) {
      const name = (ctx.nspace ? `${ctx.nspace}/` : '') + prettify(oid);
      return fail(ctx.io, `error removing ${poolName}>${name}: ${cppStrerror(r.r)}`);
    }
  }
  return 0;
};

const cp: CommandHandler = async (ctx, nargs) => {
  const { io } = ctx;
  if (ctx.poolName === undefined) return usageError(io);
  if (nargs.length < 2 || nargs.length > 3) return usageError(io);
  const { ioCtx, poolName } = poolOf(ctx);
  const target = ctx.opts.get('target_pool') ?? poolName;
  let targetObj: string;
  if (nargs.length < 3) {
    if (target === poolName) return fail(io, 'cannot copy object into itself');
    targetObj = nargs[1]!;
  } else {
    targetObj = nargs[2]!;
  }
  const opened = await tryErrno(() => ctx.rados.ioCtx(target));
  if (!('value' in opened)) return fail(io, `error opening target pool ${target}: ${cppStrerror(opened.r)}`);
  const targetCtx = opened.value;
  const targetLocator = ctx.opts.get('target_locator') ?? '';
  const targetNspace = ctx.opts.get('target_nspace') ?? '';
  if (targetLocator) targetCtx.locatorKey = targetLocator;
  if (targetNspace) targetCtx.setNamespace(targetNspace);
  const r = await tryErrno(() => copyObject(ioCtx, nargs[1]!, targetCtx, targetObj));
  if (r.r < 0) {
    return fail(io, `error copying ${poolName}/${nargs[1]} => ${target}/${targetObj}: ${cppStrerror(r.r)}`);
  }
  return 0;
};

/** C's `strict_strtoll(s, 10)` as rados.cc's set-alloc-hint uses it. */
function strictStrtoll(s: string): { value: bigint } | { error: string } {
  if (!/^[ \t\n\v\f\r]*[+-]?\d+$/.test(s))
    return { error: `Expected option value to be integer, got '${s}'` };
  const v = BigInt(s.trim());
  if (v > (1n << 63n) - 1n || v < -(1n << 63n))
    return { error: `The option value '${s}' seems to be invalid` };
  return { value: v };
}

const setAllocHint: CommandHandler = async (ctx, nargs) => {
  const { io } = ctx;
  const named = ctx.objName !== undefined;
  if (ctx.poolName === undefined || nargs.length < (named ? 3 : 4)) return usageError(io);
  const { ioCtx, poolName } = poolOf(ctx);
  const objectSize = strictStrtoll(nargs[named ? 1 : 2]!);
  if ('error' in objectSize) {
    io.stderr(`couldn't parse expected_object_size: ${objectSize.error}\n`);
    return usageError(io);
  }
  const writeSize = strictStrtoll(nargs[named ? 2 : 3]!);
  if ('error' in writeSize) {
    io.stderr(`couldn't parse expected_write_size: ${writeSize.error}\n`);
    return usageError(io);
  }
  const oid = objectName(ctx, nargs);
  const op = new ObjectWriteOperation().setAllocHint(
    Number(BigInt.asUintN(64, objectSize.value)),
    Number(BigInt.asUintN(64, writeSize.value)),
  );
  const r = await tryErrno(() => ioCtx.operate(oid, op));
  if (r.r < 0) return fail(io, `error setting alloc-hint ${poolName}/${prettify(oid)}: ${cppStrerror(r.r)}`);
  return 0;
};

export const objectCommands: Record<string, CommandHandler> = {
  ls,
  mapext,
  stat: statCommand(false),
  stat2: statCommand(true),
  touch,
  get,
  put,
  append,
  truncate,
  create,
  rm,
  cp,
  'set-alloc-hint': setAllocHint,
};
