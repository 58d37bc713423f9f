/**
 * `rbd object-map check`: compare one version's object map with the data
 * objects (Operations::check_object_map → ObjectMapIterateRequest with
 * `needs_invalidate`).
 *
 *   <start> → VERIFY_OBJECTS (object-map-iterate.ts; collect every mismatch)
 *           → [a mismatch that matters: the map says absent/clean/dirty wrongly —
 *              not merely "may exist" for an absent object] INVALIDATE (forced)
 *           → <finish: the report>
 */
import type { BitVector } from './bit-vector.js';
import { invalidateObjectMap, type ObjectMapImage, type ObjectMapProgress } from './image.js';
import { iterateObjectMap, type Mismatch } from './object-map-iterate.js';
import { mismatchInvalidates } from './rules.js';

export interface CheckMismatch extends Mismatch {
  /** True when this mismatch makes the map invalid (librbd logs it as an error). */
  invalidates: boolean;
}

export interface CheckReport {
  /** Every difference, in object order. */
  mismatches: CheckMismatch[];
  /** True when the map was flagged invalid by this check. */
  invalidated: boolean;
}

export async function checkObjectMap(
  image: ObjectMapImage,
  map: BitVector,
  snapId: bigint,
  progress?: ObjectMapProgress,
): Promise<CheckReport> {
  const mismatches: CheckMismatch[] = [];
  await iterateObjectMap(
    image,
    map,
    snapId,
    (m) => mismatches.push({ ...m, invalidates: mismatchInvalidates(m.current, m.expected) }),
    progress,
  );
  mismatches.sort((a, b) => a.objectNo - b.objectNo);
  let invalidated = false;
  if (mismatches.some((m) => m.invalidates)) {
    // (a no-op when the version is flagged invalid already)
    await invalidateObjectMap(image, snapId);
    invalidated = true;
  }
  return { mismatches, invalidated };
}
