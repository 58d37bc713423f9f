/**
 * The clients watching an image's header (librbd/internal.cc `list_watchers`,
 * `rbd status`): every watch on `rbd_header.<id>`, this client's own included.
 *
 *   <start> → LIST_WATCHERS (rbd_header.<id>) → <finish>
 */
import type { ImageCtx } from '../image-ctx.js';
import { legacyAddrString } from './advisory-lock.js';

/** `image_watcher_t`. */
export interface ImageWatcher {
  /** The watcher's address as librados prints it (`ip:port/nonce`). */
  addr: string;
  /** The watcher's global id (the `client.<id>` number). */
  id: bigint;
  /** The watch cookie. */
  cookie: bigint;
}

export async function listWatchers(ictx: ImageCtx): Promise<ImageWatcher[]> {
  const watchers = await ictx.mdIoCtx.listWatchers(ictx.headerOid);
  return watchers.map((w) => ({ addr: legacyAddrString(w.addr), id: w.name.num, cookie: w.cookie }));
}
