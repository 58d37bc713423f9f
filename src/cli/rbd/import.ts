/**
 * `rbd import` (a raw file or stdin, written sparsely; or an export format 2
 * stream: properties, metadata and one diff per snapshot) and `rbd
 * import-diff` (apply a diff stream to the head, then take its end snapshot).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { OsdOpFlag } from '../../msg/messages/osd-op-codes.js';
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { Image, ImageOptions, IoCtx, RadosClient } from './librbd-api.js';
import { stringValue, type VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';
import { DEFAULT_SPARSE_SIZE } from './copy.js';
import { errnoFromFs } from './export.js';
import {
  RBD_DIFF_BANNER,
  RBD_DIFF_BANNER_V2,
  RBD_IMAGE_BANNER_V2,
  RBD_IMAGE_DIFFS_BANNER_V2,
  readBanner,
  readDiffRecord,
  readImageHeader,
  StreamEnd,
  StreamReader,
} from './export-stream.js';

const EINVAL = -22;
const EEXIST = -17;

/** A failure whose message was printed; carries the negative errno. */
function failed(r: number): { errno: number } {
  return { errno: r };
}

/** Read errors of the stream: a short read is what safe_read_exact reports as EIO-less EOF (-EDOM in Ceph). */
async function guarded<T>(ctx: RbdContext, what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof StreamEnd) {
      ctx.io.stderr(`rbd: failed to decode ${what}\n`);
      throw failed(-33); // EDOM: safe_read_exact's short read
    }
    throw err;
  }
}

/** The hint Pacific's rbd import and import-diff put on every write (seen on a real OSD: fadvise_nocache). */
const IMPORT_OP_FLAGS = OsdOpFlag.FADVISE_NOCACHE;

/**
 * Write the non-zero runs of `data` at `offset` (sparse-size granularity)
 * with `opFlags`; zero runs become write-zeroes (discards) when asked. `done`
 * hears the image offset of each piece written.
 */
async function writeSparse(
  image: Image,
  offset: number,
  data: Buffer,
  sparseSize: number,
  zeroRuns: boolean,
  opFlags: number,
  done: (pieceOffset: number) => void = () => undefined,
): Promise<void> {
  for (let at = 0; at < data.length;) {
    const { writeLength, zeroed } = utils.calcSparseExtent(data, sparseSize, at, data.length);
    if (!zeroed) await image.write(offset + at, data.subarray(at, at + writeLength), opFlags);
    else if (zeroRuns) await image.discard(offset + at, writeLength);
    if (!zeroed || zeroRuns) done(offset + at);
    at += writeLength;
  }
}

/**
 * `do_import_diff_fd`: apply one diff stream to the image. `size` is the
 * stream's length for progress (0 when unknown).
 */
export async function importDiffStream(
  ctx: RbdContext,
  image: Image,
  reader: StreamReader,
  size: number,
  noProgress: boolean,
  format: 1 | 2,
  sparseSize: number,
  fromStdin: boolean,
): Promise<void> {
  if (
    !(await guarded(ctx, 'diff banner', () =>
      readBanner(reader, format === 1 ? RBD_DIFF_BANNER : RBD_DIFF_BANNER_V2),
    ))
  ) {
    ctx.io.stderr('rbd: invalid or unexpected diff banner\n');
    throw failed(EINVAL);
  }
  const pc = new utils.ProgressContext(ctx.io, 'Importing image diff', noProgress);
  let total = size;
  let last = 0;
  const progress = (offset?: number) => {
    const off = offset ?? (fromStdin ? last : reader.position);
    if (total) {
      pc.update(off, total);
      last = off;
    }
  };
  let toSnap = '';
  let isProtected = false;
  try {
    for (;;) {
      const rec = await guarded(ctx, 'tag', () => readDiffRecord(reader, format));
      if (rec.tag === 'end') break;
      switch (rec.tag) {
        case 'from':
          if (!(await image.snapExists(rec.name))) {
            ctx.io.stderr(`start snapshot '${rec.name}' does not exist in the image, aborting\n`);
            throw failed(EINVAL);
          }
          progress();
          break;
        case 'to':
          if (await image.snapExists(rec.name)) {
            ctx.io.stderr(`end snapshot '${rec.name}' already exists, aborting\n`);
            throw failed(EEXIST);
          }
          toSnap = rec.name;
          progress();
          break;
        case 'protected':
          isProtected = rec.value;
          progress();
          break;
        case 'size': {
          if ((await image.getSize()) !== rec.size) await image.resize(rec.size, true, () => undefined);
          if (fromStdin) total = rec.size;
          progress();
          break;
        }
        case 'write':
          await writeSparse(image, rec.offset, rec.data, sparseSize, true, IMPORT_OP_FLAGS, (piece) =>
            progress(fromStdin ? piece : reader.position),
          );
          break;
        case 'zero':
          await image.discard(rec.offset, rec.length);
          progress(fromStdin ? rec.offset : reader.position);
          break;
        case 'unknown':
          ctx.io.stderr(`unrecognized tag byte ${rec.byte} in stream; skipping\n`);
          break;
      }
    }
    if (toSnap !== '') {
      await image.snapCreate(toSnap, 0, () => undefined);
      if (isProtected) await image.snapProtect(toSnap);
    }
  } catch (err) {
    pc.fail();
    throw err;
  }
  pc.finish();
}

/** Chunks of a file, or of stdin for "-". */
function source(ctx: RbdContext, path: string): AsyncIterable<Buffer> {
  return path === '-' ? ctx.io.stdin() : (createReadStream(path) as AsyncIterable<Buffer>);
}

async function executeImportDiff(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const argIndex = { value: 0 };
  const path = utils.getPath(ctx, vm, argIndex);
  const spec = utils.getPoolImageSnapshotNames(ctx, vm, argIndex);
  const sparseSize = vm.opt<number>(at.IMAGE_SPARSE_SIZE) ?? DEFAULT_SPARSE_SIZE;
  return utils.withSession(
    utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', false),
    async (s) => {
      let r = await utils.call(async () => {
        let size = 0;
        if (path !== '-') {
          try {
            size = (await stat(path)).size;
          } catch (err) {
            ctx.io.stderr(`rbd: error opening ${path}\n`);
            throw errnoFromFs(err);
          }
        }
        await importDiffStream(
          ctx,
          s.image,
          new StreamReader(source(ctx, path)),
          size,
          utils.noProgress(vm),
          1,
          sparseSize,
          path === '-',
        );
      });
      if (r.r === -33) r = { r: -74 }; // EDOM → EBADMSG
      if (r.r < 0) {
        ctx.io.stderr(`rbd: import-diff failed: ${utils.cppStrerror(r.r)}\n`);
        return r.r;
      }
      return 0;
    },
  );
}

async function importV1(
  ctx: RbdContext,
  image: Image,
  reader: StreamReader,
  size: number,
  blockLength: number,
  pc: utils.ProgressContext,
  sparseSize: number,
  fromStdin: boolean,
): Promise<void> {
  let imagePos = 0;
  let currentSize = size;
  for (;;) {
    const block = await reader.readUpTo(fromStdin ? blockLength : Math.min(blockLength, size));
    if (!fromStdin) pc.update(imagePos, size);
    if (fromStdin && imagePos + block.length > currentSize) {
      currentSize *= 2;
      try {
        await image.resize(currentSize, true, () => undefined);
      } catch (err) {
        ctx.io.stderr("rbd: can't resize image during import\n");
        throw err;
      }
    }
    await writeSparse(image, imagePos, block, sparseSize, false, IMPORT_OP_FLAGS);
    imagePos += block.length;
    if (!fromStdin && imagePos >= size) break;
    if (block.length === 0 || (fromStdin && block.length < blockLength)) break;
  }
  if (fromStdin) {
    try {
      await image.resize(imagePos, true, () => undefined);
    } catch (err) {
      ctx.io.stderr('rbd: final image resize failed\n');
      throw err;
    }
  }
}

async function importV2(
  ctx: RbdContext,
  image: Image,
  reader: StreamReader,
  pc: utils.ProgressContext,
  sparseSize: number,
): Promise<void> {
  if (!(await guarded(ctx, 'diff banner', () => readBanner(reader, RBD_IMAGE_DIFFS_BANNER_V2)))) {
    ctx.io.stderr('rbd: invalid or unexpected diff banner\n');
    throw failed(EINVAL);
  }
  const count = Number(await guarded(ctx, 'diff count', () => reader.u64()));
  for (let i = 0; i < count; i++) {
    try {
      await importDiffStream(ctx, image, reader, 0, true, 2, sparseSize, false);
    } catch (err) {
      const r = utils.errnoOf(err);
      pc.fail();
      ctx.io.stderr(`rbd: import-diff failed: ${utils.cppStrerror(r)}\n`);
      throw err;
    }
    pc.update(i + 1, count);
  }
}

async function doImport(
  ctx: RbdContext,
  rados: RadosClient,
  ioCtx: IoCtx,
  name: string,
  path: string,
  opts: ImageOptions,
  noProgress: boolean,
  format: number,
  sparseSize: number,
): Promise<void> {
  const pc = new utils.ProgressContext(ctx.io, 'Importing image', noProgress);
  const order = opts.order ?? Number(ctx.config.get('rbd_default_order'));
  const blockLength = 2 ** order;
  const fromStdin = path === '-';
  let size = 0;
  if (fromStdin) size = blockLength;
  else {
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      ctx.io.stderr(`rbd: error opening ${path}\n`);
      throw errnoFromFs(err);
    }
    if (st.isDirectory()) {
      ctx.io.stderr('rbd: cannot import a directory\n');
      pc.fail();
      throw failed(-21);
    }
    size = st.size;
  }
  const reader = new StreamReader(source(ctx, path));
  let metadata = new Map<string, string>();
  let created = false;
  try {
    if (format === 2) {
      try {
        if (!(await guarded(ctx, 'diff banner', () => readBanner(reader, RBD_IMAGE_BANNER_V2)))) {
          ctx.io.stderr('rbd: invalid or unexpected diff banner\n');
          throw failed(EINVAL);
        }
        opts.format ??= 2;
        const header = await guarded(ctx, 'image option', () =>
          readImageHeader(reader, (tag) =>
            ctx.io.stderr(`rbd: invalid tag in image properties zone: ${String.fromCharCode(tag)}Skip it.\n`),
          ),
        );
        opts.order ??= header.order;
        opts.features ??= header.features;
        opts.stripeUnit ??= header.stripeUnit;
        opts.stripeCount ??= header.stripeCount;
        metadata = header.metadata;
      } catch (err) {
        ctx.io.stderr('rbd: import header failed.\n');
        throw err;
      }
    }
    try {
      await rados.rbd.create4(ioCtx, name, size, opts);
    } catch (err) {
      ctx.io.stderr('rbd: image creation failed\n');
      throw err;
    }
    created = true;
    let image: Image;
    try {
      image = await rados.rbd.open(ioCtx, name, null, false);
    } catch (err) {
      ctx.io.stderr('rbd: failed to open image\n');
      throw err;
    }
    try {
      if (format === 2) {
        try {
          for (const [k, v] of metadata) await image.metadataSet(k, v);
        } catch (err) {
          ctx.io.stderr('rbd: failed to import image-meta\n');
          throw err;
        }
        await importV2(ctx, image, reader, pc, sparseSize);
      } else {
        await importV1(ctx, image, reader, size, blockLength, pc, sparseSize, fromStdin);
      }
    } catch (err) {
      ctx.io.stderr('rbd: failed to import image\n');
      throw err;
    } finally {
      await image.close();
    }
  } catch (err) {
    if (created) await rados.rbd.remove(ioCtx, name, () => undefined).catch(() => undefined);
    pc.fail();
    throw err;
  }
  pc.finish();
}

async function executeImport(vm: VariablesMap, ctx: RbdContext): Promise<number> {
  const argIndex = { value: 0 };
  const path = utils.getPath(ctx, vm, argIndex);
  // the old --pool/--image spellings, and the file name as the image name
  const legacy: utils.SpecParts = {
    pool: vm.opt<string>(at.POOL_NAME) ?? '',
    name:
      vm.opt<string>(at.IMAGE_NAME) ??
      path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1),
    snap: '',
  };
  utils.extractSpec(ctx, legacy.name!, legacy, utils.SpecValidation.FULL);
  const sparseSize = vm.opt<number>(at.IMAGE_SPARSE_SIZE) ?? DEFAULT_SPARSE_SIZE;
  const dest = utils.getPoolImageSnapshotNames(ctx, vm, argIndex, {
    modifier: at.Modifier.DEST,
    imageRequired: false,
    validation: utils.SpecValidation.FULL,
    defaultPool: legacy.pool,
  });
  if (legacy.snap !== '' && dest.snap === '') {
    utils.validateSnapshotName(
      ctx,
      at.Modifier.DEST,
      legacy.snap!,
      utils.SnapshotPresence.NONE,
      utils.SpecValidation.FULL,
    );
  }
  const name = dest.name === '' ? legacy.name! : dest.name;
  const opts = utils.getImageOptions(ctx, vm, true);
  return utils.withSession(utils.init(ctx, dest.pool, dest.namespace), async (s) => {
    const r = await utils.call(() =>
      doImport(
        ctx,
        s.rados,
        s.ioCtx,
        name,
        path,
        opts,
        utils.noProgress(vm),
        vm.opt<number>('export-format') ?? 1,
        sparseSize,
      ),
    );
    if (r.r < 0) {
      ctx.io.stderr(`rbd: import failed: ${utils.cppStrerror(r.r)}\n`);
      return r.r;
    }
    return 0;
  });
}

export const importActions: Action[] = [
  {
    spec: ['import-diff'],
    description: 'Import an incremental diff.',
    getArguments: (pos, opt) => {
      at.addPathOptions(pos, opt, "import file (or '-' for stdin)");
      at.addImageSpecOptions(pos, opt, at.Modifier.NONE);
      at.addSparseSizeOption(opt);
      at.addNoProgressOption(opt);
    },
    execute: executeImportDiff,
  },
  {
    spec: ['import'],
    description: 'Import image from file.',
    help: at.LONG_FEATURES_HELP,
    getArguments: (pos, opt) => {
      at.addPathOptions(pos, opt, "import file (or '-' for stdin)");
      at.addImageSpecOptions(pos, opt, at.Modifier.DEST);
      at.addCreateImageOptions(opt, true);
      at.addSparseSizeOption(opt);
      at.addNoProgressOption(opt);
      at.addExportFormatOption(opt);
      // the old spellings of --dest-pool and --dest
      opt.add(`${at.POOL_NAME},p`, stringValue(), 'pool name deprecated[:dest-pool]');
      opt.add(at.IMAGE_NAME, stringValue(), 'image name deprecated[:dest]');
    },
    execute: executeImport,
  },
];
