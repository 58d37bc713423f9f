/** `rbd image-meta list|get|set|remove`: key/value metadata on the image header. */
import { TextTable } from '../rados/format.js';
import * as at from './argument-types.js';
import type { RbdContext } from './context.js';
import type { Image } from './librbd-api.js';
import type { VariablesMap } from './program-options.js';
import type { Action } from './shell.js';
import * as utils from './utils.js';

const N = at.Modifier.NONE;
/** Keys fetched per metadata_list call. */
const MAX_KEYS = 64;

function getKey(ctx: RbdContext, vm: VariablesMap): string {
  const key = utils.positionalArgument(vm, 1);
  if (key === '') utils.fail(ctx.io, 'rbd: metadata key was not specified');
  return key;
}

async function listMetadata(
  ctx: RbdContext,
  image: Image,
  out: utils.OutputFormatter | undefined,
): Promise<number> {
  const table = new TextTable().defineColumn('Key', 'left', 'left').defineColumn('Value', 'left', 'left');
  let count = 0;
  let last = '';
  for (let more = true; more;) {
    const pairs = await utils.call(() => image.metadataList(last, MAX_KEYS));
    if (pairs.r < 0) {
      ctx.io.stderr(`failed to list metadata of image : ${utils.cppStrerror(pairs.r)}\n`);
      return pairs.r;
    }
    const entries = [...pairs.value!];
    more = entries.length === MAX_KEYS;
    if (entries.length === 0) continue;
    if (count === 0) out?.f.openObjectSection('metadatas');
    last = entries[entries.length - 1]![0];
    count += entries.length;
    for (const [k, v] of entries) {
      if (out) out.f.dumpString(k, v);
      else table.addRow([k, v]);
    }
  }
  let text = '';
  if (!out) {
    const single = count === 1;
    text += `There ${single ? 'is' : 'are'} ${count} ${single ? 'metadatum' : 'metadata'} on this image${count === 0 ? '.' : ':'}\n`;
  }
  if (count > 0) {
    if (out) {
      out.f.closeSection();
      text += out.flush();
    } else {
      text += '\n' + table.toString();
    }
  }
  await ctx.io.stdout(text);
  return 0;
}

export const imageMetaActions: Action[] = [
  {
    spec: ['image-meta', 'list'],
    alias: ['image-meta', 'ls'],
    description: 'Image metadata list keys with values.',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      at.addFormatOptions(opt);
    },
    execute: (vm, ctx) => {
      const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
      const out = utils.getFormatter(ctx, vm);
      return utils.withSession(
        utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', false),
        async (s) => {
          const r = await listMetadata(ctx, s.image, out);
          if (r < 0) ctx.io.stderr(`rbd: listing metadata failed: ${utils.cppStrerror(r)}\n`);
          return r;
        },
      );
    },
  },
  {
    spec: ['image-meta', 'get'],
    description: 'Image metadata get the value associated with the key.',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      pos.add('key', undefined, 'image meta key');
    },
    execute: (vm, ctx) => {
      const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
      const key = getKey(ctx, vm);
      return utils.withSession(
        utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', false),
        async (s) => {
          const r = await utils.call(() => s.image.metadataGet(key));
          if (r.r < 0) {
            ctx.io.stderr(`failed to get metadata ${key} of image : ${utils.cppStrerror(r.r)}\n`);
            ctx.io.stderr(`rbd: getting metadata failed: ${utils.cppStrerror(r.r)}\n`);
            return r.r;
          }
          await ctx.io.stdout(r.value! + '\n');
          return 0;
        },
      );
    },
  },
  {
    spec: ['image-meta', 'set'],
    description: 'Image metadata set key with value.',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      pos.add('key', undefined, 'image meta key');
      pos.add('value', undefined, 'image meta value');
    },
    execute: (vm, ctx) => {
      const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
      const key = getKey(ctx, vm);
      const value = utils.positionalArgument(vm, 2);
      if (value === '') utils.fail(ctx.io, 'rbd: metadata value was not specified');
      return utils.withSession(
        utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', false),
        async (s) => {
          const r = await utils.call(() => s.image.metadataSet(key, value));
          if (r.r < 0) {
            ctx.io.stderr(`failed to set metadata ${key} of image : ${utils.cppStrerror(r.r)}\n`);
            ctx.io.stderr(`rbd: setting metadata failed: ${utils.cppStrerror(r.r)}\n`);
            return r.r;
          }
          return 0;
        },
      );
    },
  },
  {
    spec: ['image-meta', 'remove'],
    alias: ['image-meta', 'rm'],
    description: 'Image metadata remove the key and value associated.',
    getArguments: (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      pos.add('key', undefined, 'image meta key');
    },
    execute: (vm, ctx) => {
      const spec = utils.getPoolImageSnapshotNames(ctx, vm, { value: 0 });
      const key = getKey(ctx, vm);
      return utils.withSession(
        utils.initAndOpenImage(ctx, spec.pool, spec.namespace, spec.name, '', '', false),
        async (s) => {
          const r = await utils.call(() => s.image.metadataRemove(key));
          if (r.r < 0) {
            ctx.io.stderr(
              r.r === -utils.ENOENT
                ? `rbd: no existing metadata key ${key} of image : ${utils.cppStrerror(r.r)}\n`
                : `failed to remove metadata ${key} of image : ${utils.cppStrerror(r.r)}\n`,
            );
            ctx.io.stderr(`rbd: removing metadata failed: ${utils.cppStrerror(r.r)}\n`);
            return r.r;
          }
          return 0;
        },
      );
    },
  },
];
