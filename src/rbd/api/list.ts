/**
 * List the images of a pool or namespace (librbd api/Image.cc `list_images`,
 * what `RBD::list2` and `rbd ls` return).
 *
 *   <start> → [default namespace: READ_V1_DIRECTORY (the data of
 *              rbd_directory is a tmap of format-1 names; ENOENT → no images at all)]
 *           → LIST_V2 (dir_list, 1024 at a time, until a short page)
 *           → LIST_TRASH (images half removed: trash source REMOVING)
 *           → <finish>
 *
 * Order, as librbd returns it: format-1 names (tmap order), then format-2
 * images by name (byte order), then the half-removed ones by id.
 */
import { isCephError } from '../../common/errors.js';
import { Decoder } from '../../encoding/decoder.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import * as cls from '../../cls/rbd/client.js';
import { TrashImageSource, type TrashImageSpec } from '../../cls/rbd/types.js';
import { RBD_DIRECTORY } from '../constants.js';

/** `image_spec_t`: a format-1 image has an empty id. */
export interface ImageSpec {
  id: string;
  name: string;
}

/** Entries librbd asks `dir_list` and `trash_list` for per call. */
export const LIST_PAGE_SIZE = 1024;

export async function listImages(ioctx: IoCtx): Promise<ImageSpec[]> {
  const images: ImageSpec[] = [];
  if (ioctx.namespace === '') {
    let data: Buffer;
    try {
      data = await ioctx.read(RBD_DIRECTORY, 0, 0); // length 0: the whole object
    } catch (err) {
      if (isCephError(err, 'ENOENT')) return [];
      throw err;
    }
    for (const name of decodeV1Directory(data)) images.push({ id: '', name });
  }
  for (const [name, id] of await listImagesV2(ioctx)) images.push({ id, name });
  for (const [id, spec] of await listTrashSpecs(ioctx, false)) {
    if (spec.source === TrashImageSource.REMOVING) images.push({ id, name: spec.name });
  }
  return images;
}

/** Format-2 images: name → id, in name order (librbd `list_images_v2`). */
export async function listImagesV2(ioctx: IoCtx): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let last = '';
  for (;;) {
    let page: Map<string, string>;
    try {
      page = await cls.dirList(ioctx, RBD_DIRECTORY, last, LIST_PAGE_SIZE);
    } catch (err) {
      if (isCephError(err, 'ENOENT')) break;
      throw err;
    }
    for (const [name, id] of page) {
      out.set(name, id);
      last = name;
    }
    if (page.size !== LIST_PAGE_SIZE) break;
  }
  return out;
}

/**
 * Every `rbd_trash` entry: id → spec in id order (`list_trash_image_specs`);
 * `excludeRemoving` drops images a remove left half done.
 */
export async function listTrashSpecs(
  ioctx: IoCtx,
  excludeRemoving: boolean,
): Promise<Map<string, TrashImageSpec>> {
  const out = new Map<string, TrashImageSpec>();
  let last = '';
  for (;;) {
    let page: Map<string, TrashImageSpec>;
    try {
      page = await cls.trashList(ioctx, last, LIST_PAGE_SIZE);
    } catch (err) {
      if (isCephError(err, 'ENOENT')) break;
      throw err;
    }
    if (page.size === 0) break;
    for (const [id, spec] of page) {
      last = id;
      if (excludeRemoving && spec.source === TrashImageSource.REMOVING) continue;
      out.set(id, spec);
    }
    if (page.size < LIST_PAGE_SIZE) break;
  }
  return out;
}

/**
 * The names in a format-1 directory: the object's data is a tmap — a
 * bufferlist header, then map<string, bufferlist> (names → empty values).
 * An empty object (only format-2 images in the pool) lists nothing.
 */
export function decodeV1Directory(data: Buffer): string[] {
  if (data.length === 0) return [];
  const d = new Decoder(data);
  d.buffer();
  const count = d.u32();
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    names.push(d.string());
    d.buffer();
  }
  return names;
}
