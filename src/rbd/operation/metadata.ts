/**
 * Image metadata (librbd Operations::metadata_set/metadata_remove with
 * MetadataSetRequest/MetadataRemoveRequest, internal.cc metadata_get/list;
 * `rbd image-meta`): key → value pairs in the header's omap (`metadata_<key>`).
 * Keys `conf_<option>` override an rbd config option for this image.
 *
 * set:
 *   <start> → [conf_ key: VALIDATE (an image-level rbd option; the value parses) — EINVAL]
 *           → [read-only: EROFS] → [exclusive-lock: own the lock]
 *           → METADATA_SET (cls metadata_set) → NOTIFY_HEADER_UPDATE
 *           → [conf_ key: REFRESH] → <finish>
 * remove:
 *   <start> → [read-only: EROFS] → METADATA_GET (ENOENT: no such key)
 *           → [exclusive-lock: own the lock] → METADATA_REMOVE → NOTIFY_HEADER_UPDATE
 *           → [conf_ key: REFRESH] → <finish>
 *
 * `metadataSet`/`metadataRemove` run the whole operation here. An api layer
 * that forwards to the lock owner (METADATA_UPDATE, invoke_async_request)
 * validates first (`validateMetadataConfig`, the metadata_get check) and
 * runs `executeMetadataSet`/`executeMetadataRemove` where the lock is.
 */
import { Config } from '../../common/config.js';
import { CephError, isCephError } from '../../common/errors.js';
import { OptionSchema } from '../../common/options/schema.js';
import * as cls from '../../cls/rbd/client.js';
import type { ImageCtx } from '../image-ctx.js';
import { refreshImage } from '../image/refresh.js';
import { RbdFeature } from '../constants.js';
import { encodeNotifyMessage, NotifyOp } from '../watcher/notify-types.js';

/** `ImageCtx::METADATA_CONF_PREFIX`. */
export const METADATA_CONF_PREFIX = 'conf_';

/** Pairs per `metadata_list` call (GetMetadataRequest). */
export const METADATA_LIST_PAGE = 64;

/** `ImageWatcher::NOTIFY_TIMEOUT`. */
const NOTIFY_TIMEOUT_MS = 5000;

/** rbd options that can never be overridden in pool or image metadata (api/Config.cc). */
const EXCLUDED_OPTIONS = new Set([
  'rbd_auto_exclusive_lock_until_manual_request',
  'rbd_default_format',
  'rbd_default_pool',
  'rbd_discard_on_zeroed_write_same',
  'rbd_op_thread_timeout',
  'rbd_op_threads',
  'rbd_tracing',
  'rbd_validate_names',
  'rbd_validate_pool',
  'rbd_mirror_pool_replayers_refresh_interval',
  'rbd_config_pool_override_update_timestamp',
]);

/** Options that only make sense before an image exists (pool level only). */
const EXCLUDED_IMAGE_OPTIONS = new Set([
  'rbd_default_clone_format',
  'rbd_default_data_pool',
  'rbd_default_features',
  'rbd_default_format',
  'rbd_default_order',
  'rbd_default_stripe_count',
  'rbd_default_stripe_unit',
  'rbd_journal_order',
  'rbd_journal_pool',
  'rbd_journal_splay_width',
]);

/** `util::is_metadata_config_override`: the option a `conf_<option>` key names, else undefined. */
export function configOverrideKey(key: string): string | undefined {
  if (key.length > METADATA_CONF_PREFIX.length && key.startsWith(METADATA_CONF_PREFIX)) {
    return key.slice(METADATA_CONF_PREFIX.length);
  }
  return undefined;
}

/**
 * `Config::is_option_name`: an `rbd_*` option that may be overridden — per
 * image (`imageLevel`, which also excludes creation defaults and rbd_mirror_*)
 * or per pool.
 */
export function isRbdOverrideOption(
  name: string,
  imageLevel: boolean,
  schema = OptionSchema.pacific(),
): boolean {
  if (!name.startsWith('rbd_') || schema.get(name) === undefined) return false;
  if (EXCLUDED_OPTIONS.has(name)) return false;
  if (imageLevel && (EXCLUDED_IMAGE_OPTIONS.has(name) || name.startsWith('rbd_mirror_'))) return false;
  return true;
}

/** The checks `metadata_set` makes on a `conf_` key before touching the image (EINVAL). */
export function validateMetadataConfig(key: string, value: string): void {
  const option = configOverrideKey(key);
  if (option === undefined) return;
  if (!isRbdOverrideOption(option, true)) {
    throw new CephError('EINVAL', `validation for ${key} failed: not allowed image level override`);
  }
  // A scratch config parses the value with the option's own rules (ConfigProxy{false}.set_val).
  new Config().set(option, value);
}

export async function metadataGet(ictx: ImageCtx, key: string): Promise<string> {
  return cls.metadataGet(ictx.mdIoCtx, ictx.headerOid, key);
}

/** `metadata_list`: pairs after `start` in key order, at most `max` (0: all). */
export async function metadataList(ictx: ImageCtx, start = '', max = 0): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let last = start;
  for (;;) {
    const want = max === 0 ? METADATA_LIST_PAGE : Math.min(METADATA_LIST_PAGE, max - out.size);
    const page = await cls.metadataList(ictx.mdIoCtx, ictx.headerOid, last, want);
    for (const [k, v] of page) {
      out.set(k, v.toString('utf8'));
      last = k;
    }
    if (page.size < want || (max !== 0 && out.size >= max)) break;
  }
  return out;
}

/**
 * `MetadataSetRequest`: the header write alone (what the lock owner runs;
 * the caller notifies the header's watchers and refreshes).
 */
export async function executeMetadataSet(ictx: ImageCtx, key: string, value: string): Promise<void> {
  await cls.metadataSetOn(ictx.mdIoCtx, ictx.headerOid, new Map([[key, Buffer.from(value, 'utf8')]]));
}

/** `MetadataRemoveRequest`: the header write alone (ENOENT when the key is missing). */
export async function executeMetadataRemove(ictx: ImageCtx, key: string): Promise<void> {
  await cls.metadataRemoveOn(ictx.mdIoCtx, ictx.headerOid, key);
}

/**
 * `Operations::metadata_set` run here: validate, own the lock if there is
 * one, write, notify, and refresh when a config override changed.
 */
export async function metadataSet(ictx: ImageCtx, key: string, value: string): Promise<void> {
  validateMetadataConfig(key, value);
  if (ictx.writeProtected) throw new CephError('EROFS', `image ${ictx.name} is read-only`);
  await prepareImageUpdate(ictx);
  await executeMetadataSet(ictx, key, value);
  await notifyHeaderUpdate(ictx);
  if (configOverrideKey(key) !== undefined) await refreshImage(ictx);
}

/** `Operations::metadata_remove` run here (ENOENT for a missing key before anything changes). */
export async function metadataRemove(ictx: ImageCtx, key: string): Promise<void> {
  if (ictx.writeProtected) throw new CephError('EROFS', `image ${ictx.name} is read-only`);
  await cls.metadataGet(ictx.mdIoCtx, ictx.headerOid, key);
  await prepareImageUpdate(ictx);
  await executeMetadataRemove(ictx, key);
  await notifyHeaderUpdate(ictx);
  if (configOverrideKey(key) !== undefined) await refreshImage(ictx);
}

/** `prepare_image_update`: with the exclusive-lock feature, own the lock before changing the header. */
async function prepareImageUpdate(ictx: ImageCtx): Promise<void> {
  if (ictx.lock && ictx.testFeatures(RbdFeature.EXCLUSIVE_LOCK) && !ictx.lock.isLockOwner()) {
    await ictx.lock.acquireLock();
  }
}

async function notifyHeaderUpdate(ictx: ImageCtx): Promise<void> {
  try {
    await ictx.mdIoCtx.notify(
      ictx.headerOid,
      encodeNotifyMessage({ op: NotifyOp.HEADER_UPDATE }),
      NOTIFY_TIMEOUT_MS,
    );
  } catch (err) {
    if (!isCephError(err, 'ETIMEDOUT')) throw err;
  }
}
