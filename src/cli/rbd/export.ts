/**
 * `rbd export` (format 1: the raw image, sparse when written to a file;
 * format 2: image properties and metadata, then one diff per snapshot and one
 * for the head) and `rbd export-diff` (the changes between two versions).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { OsdOpFlag } from '../../msg/messages/osd-op-codes.js';
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { Image } from './librbd-api.js';
import { boolSwitch, stringValue, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';
import {
  DIFF_END,
  encodeDiffHeader,
  encodeDiffsBanner,
  encodeExtent,
  encodeImageHeader,
} from './export-stream.js';

/** The hint Pacific's rbd export/export-diff put on every read (seen on a real OSD: fadvise_nocache). */
const EXPORT_OP_FLAGS = OsdOpFlag.FADVISE_NOCACHE;

/** Where exported bytes go: a new file (never overwritten) or stdout. */
interface Sink {
  /** Append at the current position. */
  write(data: Buffer): Promise<void>;
  /** Write at a file offset (sparse export); stdout writes in order. */
  writeAt(data: Buffer, position: number): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
  /** Remove a half-written file. */
  discard(): Promise<void>;
  readonly toStdout: boolean;
}

async function openSink(ctx: RbdContext, path: string): Promise<Sink> {
  if (path === '-') {
    return {
      toStdout: true,
      write: async (d) => {
        await ctx.io.stdout(d);
      },
      writeAt: async (d) => {
        await ctx.io.stdout(d);
      },
      truncate: () => Promise.resolve(),
      close: () => Promise.resolve(),
      discard: () => Promise.resolve(),
    };
  }
  let fh: FileHandle;
  try {
    fh = await open(path, 'wx', 0o644);
  } catch (err) {
    throw errnoFromFs(err);
  }
  let position = 0;
  return {
    toStdout: false,
    write: async (d) => {
      await fh.write(d, 0, d.length, position);
      position += d.length;
    },
    writeAt: async (d, at) => {
      await fh.write(d, 0, d.length, at);
    },
    truncate: (length) => fh.truncate(length),
    close: () => fh.close(),
    discard: async () => {
      await fh.close().catch(() => undefined);
      const { unlink } = await import('node:fs/promises');
      await unlink(path).catch(() => undefined);
    },
  };
}

/** A Node fs error as a CephError-like negative errno. */
export function errnoFromFs(err: unknown): { errno: number } {
  const code = (err as NodeJS.ErrnoException).code;
  const map: Record<string, number> = {
    EEXIST: -17,
    ENOENT: -2,
    EACCES: -13,
    EISDIR: -21,
    ENOTDIR: -20,
    ENOSPC: -28,
  };
  return { errno: code !== undefined && code in map ? map[code]! : -5 };
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * One diff stream (`do_export_diff_fd`): header, then each extent librbd
 * reports — read, and written as data unless all of it reads back as zeros.
 */
export async function exportDiffStream(
  ctx: RbdContext,
  image: Image,
  fromSnap: string | undefined,
  toSnap: string | undefined,
  wholeObject: boolean,
  sink: Sink,
  noProgress: boolean,
  format: 1 | 2,
): Promise<void> {
  const info = await image.stat();
  const toSnapProtected =
    toSnap !== undefined && format === 2 ? await image.snapIsProtected(toSnap) : undefined;
  await sink.write(encodeDiffHeader({ fromSnap, toSnap, toSnapProtected, imageSize: info.size }, format));
  const pc = new utils.ProgressContext(ctx.io, 'Exporting image', noProgress);
  try {
    const extents: { offset: number; length: number; exists: boolean }[] = [];
    await image.diffIterate(fromSnap ?? null, 0, info.size, true, wholeObject, (offset, length, exists) => {
      extents.push({ offset, length, exists });
    });
    for (const e of extents) {
      const data = e.exists ? await image.read(e.offset, e.length, EXPORT_OP_FLAGS) : undefined;
      const exists = data !== undefined && !isZero(data);
      await sink.write(encodeExtent(e.offset, e.length, exists, format));
      pc.update(e.offset, info.size);
      if (exists) await sink.write(data!);
    }
    await sink.write(DIFF_END);
  } catch (err) {
    pc.fail();
    throw err;
  }
  pc.finish();
}

async function exportV1(image: Image, sink: Sink, pc: utils.ProgressContext): Promise<void> {
  const info = await image.stat();
  const period = image.getStripeCount() * 2 ** info.order;
  for (let offset = 0; offset < info.size; offset += period) {
    const length = Math.min(period, info.size - offset);
    const data = await image.read(offset, length, EXPORT_OP_FLAGS);
    if (sink.toStdout) await sink.write(data);
    else if (!isZero(data)) await sink.writeAt(data, offset);
    pc.update(offset, info.size);
  }
  if (!sink.toStdout) await sink.truncate(info.size);
}

/** Keys fetched per metadata_list call. */
const MAX_KEYS = 64;

async function exportV2(ctx: RbdContext, image: Image, sink: Sink, pc: utils.ProgressContext): Promise<void> {
  const info = await image.stat();
  const metadata = new Map<string, string>();
  let last = '';
  for (let more = true; more;) {
    const pairs = await utils.call(() => image.metadataList(last, MAX_KEYS));
    if (pairs.r < 0) {
      ctx.io.stderr(`failed to retrieve metadata of image : ${utils.cppStrerror(pairs.r)}\n`);
      throw { errno: pairs.r };
    }
    const entries = [...pairs.value!];
    for (const [k, v] of entries) metadata.set(k, v);
    if (entries.length > 0) last = entries[entries.length - 1]![0];
    more = entries.length === MAX_KEYS;
  }
  await sink.write(
    encodeImageHeader({
      order: info.order,
      features: await image.getFeatures(),
      stripeUnit: image.getStripeUnit(),
      stripeCount: image.getStripeCount(),
      metadata,
    }),
  );
  const snaps = await image.snapList();
  await sink.write(encodeDiffsBanner(snaps.length + 1));
  let lastSnap: string | undefined;
  for (let i = 0; i < snaps.length; i++) {
    await utils.snapSet(ctx, image, snaps[i]!.name);
    await exportDiffStream(ctx, image, lastSnap, snaps[i]!.name, false, sink, true, 2);
    pc.update(i, snaps.length + 1);
    lastSnap = snaps[i]!.name;
  }
  await utils.snapSet(ctx, image, null);
  await exportDiffStream(ctx, image, lastSnap, undefined, false, sink, true, 2);
  pc.update(snaps.length + 1, snaps.length + 1);
}

async function executeExport(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const argIndex = { value: 0 };
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, {
    modifier: at.Modifier.SOURCE,
    snapshotPresence: utils.SnapshotPresence.PERMITTED,
  });
  const path = utils.getPath(ctx, vm, argIndex);
  const format = vm.opt<number>('export-format') ?? 1;
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', spec.snap, true),
    async (s) => {
      const r = await utils.call(async () => {
        await s.image.stat();
        const sink = await openSink(ctx, path);
        const pc = new utils.ProgressContext(ctx.io, 'Exporting image', utils.noProgress(vm));
        try {
          if (format === 1) await exportV1(s.image, sink, pc);
          else await exportV2(ctx, s.image, sink, pc);
        } catch (err) {
          pc.fail();
          await sink.close().catch(() => undefined);
          throw err;
        }
        pc.finish();
        await sink.close();
      });
      if (r.r < 0) {
        ctx.io.stderr(`rbd: export error: ${utils.cppStrerror(r.r)}\n`);
        return r.r;
      }
      return 0;
    },
  );
}

async function executeExportDiff(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const argIndex = { value: 0 };
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, {
    modifier: at.Modifier.SOURCE,
    snapshotPresence: utils.SnapshotPresence.PERMITTED,
  });
  const path = utils.getPath(ctx, vm, argIndex);
  const fromSnap = vm.opt<string>(at.FROM_SNAPSHOT_NAME) ?? '';
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', spec.snap, true),
    async (s) => {
      const r = await utils.call(async () => {
        const sink = await openSink(ctx, path);
        try {
          await exportDiffStream(
            ctx,
            s.image,
            fromSnap === '' ? undefined : fromSnap,
            spec.snap === '' ? undefined : spec.snap,
            vm.get<boolean>(at.WHOLE_OBJECT),
            sink,
            utils.noProgress(vm),
            1,
          );
        } catch (err) {
          await sink.discard();
          throw err;
        }
        await sink.close();
      });
      if (r.r < 0) {
        ctx.io.stderr(`rbd: export-diff error: ${utils.cppStrerror(r.r)}\n`);
        return r.r;
      }
      return 0;
    },
  );
}

export const exportActions: Action[] = [
  {
    spec: ['export-diff'],
    description: 'Export incremental diff to file.',
    getArguments: (pos, opt) => {
      at.addImageOrSnapSpecOptions(pos, opt, at.Modifier.SOURCE);
      at.addPathOptions(pos, opt, "export file (or '-' for stdout)");
      opt.add(at.FROM_SNAPSHOT_NAME, stringValue(), 'snapshot starting point');
      opt.add(at.WHOLE_OBJECT, boolSwitch(), 'compare whole object');
      at.addNoProgressOption(opt);
    },
    execute: executeExportDiff,
  },
  {
    spec: ['export'],
    description: 'Export image to file.',
    getArguments: (pos, opt) => {
      at.addImageOrSnapSpecOptions(pos, opt, at.Modifier.SOURCE);
      at.addPathOptions(pos, opt, "export file (or '-' for stdout)");
      at.addNoProgressOption(opt);
      at.addExportFormatOption(opt);
    },
    execute: executeExport,
  },
];
