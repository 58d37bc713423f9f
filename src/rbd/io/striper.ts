/**
 * The RADOS striper (Ceph's `Striper`, src/osdc/Striper.cc) as librbd uses it:
 * image byte ranges ↔ data objects under a `file_layout_t`.
 *
 * Vocabulary (Ceph's):
 *   - a *block* is one stripe unit of the image;
 *   - blocks are dealt round-robin over `stripeCount` objects — one *stripe*
 *     is `stripeCount` blocks, one per object;
 *   - `objectSize / stripeUnit` stripes fill those objects: that group of
 *     objects is an *object set*, and its bytes (`stripeCount * objectSize`)
 *     are one *period* of the image.
 *
 * Every function works on plain numbers (exact up to 2^53 bytes) and loops
 * once per stripe unit touched, never per byte. The image-to-object mapping
 * returns the extents in Ceph's order and merged as Ceph merges them, so the
 * RADOS ops we issue match librbd's one for one.
 */

/** `file_layout_t` as librbd fills it from the image header (all u32 on the wire). */
export interface FileLayout {
  /** Bytes of one block; divides `objectSize`. */
  stripeUnit: number;
  /** Objects a stripe is spread over (1 = plain chunking). */
  stripeCount: number;
  /** Bytes of one data object (`1 << order`). */
  objectSize: number;
}

/** A byte range of the caller's buffer (Ceph's `buffer_extents` pair). */
export interface BufferExtent {
  /** Offset in the caller's buffer (the image offset minus the request start, plus `bufferOffset`). */
  offset: number;
  length: number;
}

/** A byte range of an image (or any flat file striped over objects). */
export interface FileExtent {
  offset: number;
  length: number;
}

/** One contiguous range inside one data object (`striper::LightweightObjectExtent`). */
export interface ObjectExtent {
  /** Object number; the object is `<object prefix>.<%016x objectNo>`. */
  objectNo: number;
  /** Offset inside the object. */
  offset: number;
  length: number;
  /** Where this range's bytes sit in the caller's buffer, in image order. */
  bufferExtents: BufferExtent[];
}

/** The plain chunking layout librbd uses when the image has no STRIPINGV2 settings. */
export function defaultLayout(objectSize: number): FileLayout {
  return { stripeUnit: objectSize, stripeCount: 1, objectSize };
}

/** Programmer-error check: a layout Ceph would accept (it asserts the same). */
export function assertValidLayout(layout: FileLayout): void {
  const { stripeUnit, stripeCount, objectSize } = layout;
  if (
    !Number.isInteger(stripeUnit) ||
    !Number.isInteger(stripeCount) ||
    !Number.isInteger(objectSize) ||
    stripeUnit <= 0 ||
    stripeCount <= 0 ||
    objectSize < stripeUnit ||
    objectSize % stripeUnit !== 0
  ) {
    throw new Error(
      `striper: invalid layout su=${stripeUnit} sc=${stripeCount} os=${objectSize} ` +
        '(stripe unit must divide the object size)',
    );
  }
}

/** Bytes of one object set (`file_layout_t::get_period`). */
export function getPeriod(layout: FileLayout): number {
  return layout.stripeCount * layout.objectSize;
}

/** The object set an object belongs to. */
export function getObjectSetNo(layout: FileLayout, objectNo: number): number {
  return Math.floor(objectNo / layout.stripeCount);
}

/** The object set holding an image byte. */
export function getObjectSetNoOfOffset(layout: FileLayout, offset: number): number {
  return Math.floor(offset / getPeriod(layout));
}

/** The first object of an object set. */
export function getFirstObjectOfSet(layout: FileLayout, objectSetNo: number): number {
  return objectSetNo * layout.stripeCount;
}

/**
 * How many data objects an image of `size` bytes spans (`Striper::get_num_objects`):
 * whole periods, minus the objects of the last, partial period that no block reaches.
 */
export function getNumObjects(layout: FileLayout, size: number): number {
  const { stripeUnit, stripeCount } = layout;
  const period = getPeriod(layout);
  const periods = Math.ceil(size / period);
  const remainder = size % period;
  let unreached = 0;
  if (remainder > 0 && remainder < stripeCount * stripeUnit) {
    unreached = stripeCount - Math.ceil(remainder / stripeUnit);
  }
  return periods * stripeCount - unreached;
}

/**
 * Map the image range `offset~length` onto data objects (`Striper::file_to_extents`).
 *
 * One loop step per stripe unit touched. Extents are kept sorted by object
 * number; a step extends the last extent of its object when it continues it,
 * otherwise a new extent goes after that object's others — Ceph's rule, which
 * fixes the order of the result. `bufferOffset` is added to every buffer
 * offset (librbd passes it when one buffer serves several image ranges).
 *
 * With `stripeCount` 1 Ceph treats the whole object as the stripe unit, so a
 * range gets one buffer extent per object whatever `stripeUnit` says.
 * A zero length maps to nothing (Ceph asserts instead; callers skip it).
 */
export function fileToExtents(
  layout: FileLayout,
  offset: number,
  length: number,
  bufferOffset = 0,
): ObjectExtent[] {
  const out: ObjectExtent[] = [];
  if (length === 0) return out;
  const { stripeCount, objectSize } = layout;
  const su = stripeCount === 1 ? objectSize : layout.stripeUnit;
  const stripesPerObject = objectSize / su;

  let cur = offset;
  let left = length;
  while (left > 0) {
    const blockNo = Math.floor(cur / su);
    const stripeNo = Math.floor(blockNo / stripeCount);
    const stripePos = blockNo % stripeCount;
    const objectSetNo = Math.floor(stripeNo / stripesPerObject);
    const objectNo = objectSetNo * stripeCount + stripePos;

    const blockOffset = cur % su;
    const objectOffset = (stripeNo % stripesPerObject) * su + blockOffset;
    const chunk = Math.min(left, su - blockOffset);

    // Index just past the last extent whose objectNo <= this one (upper_bound).
    // Steps usually land at or near the end, so look there before bisecting.
    let at = out.length;
    if (at > 0 && out[at - 1]!.objectNo > objectNo) {
      let lo = 0;
      let hi = at - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (out[mid]!.objectNo <= objectNo) lo = mid + 1;
        else hi = mid;
      }
      at = lo;
    }
    const prev = at > 0 ? out[at - 1]! : undefined;
    const bufferExtent = { offset: cur - offset + bufferOffset, length: chunk };
    if (prev !== undefined && prev.objectNo === objectNo && prev.offset + prev.length === objectOffset) {
      prev.length += chunk;
      prev.bufferExtents.push(bufferExtent);
    } else {
      const extent = { objectNo, offset: objectOffset, length: chunk, bufferExtents: [bufferExtent] };
      if (at === out.length) out.push(extent);
      else out.splice(at, 0, extent);
    }

    left -= chunk;
    cur += chunk;
  }
  return out;
}

/**
 * Map a range of one object back onto the image (`Striper::extent_to_file`):
 * one image extent per stripe unit touched, in object order. Unlike
 * `fileToExtents`, Ceph does not widen the stripe unit here for `stripeCount`
 * 1, so neither do we (the extents are then adjacent in the image).
 */
export function extentToFile(
  layout: FileLayout,
  objectNo: number,
  offset: number,
  length: number,
): FileExtent[] {
  const { stripeUnit: su, stripeCount, objectSize } = layout;
  const stripesPerObject = objectSize / su;
  const stripePos = objectNo % stripeCount;
  const firstStripeOfSet = Math.floor(objectNo / stripeCount) * stripesPerObject;
  const out: FileExtent[] = [];
  let off = offset;
  let left = length;
  let offsetInBlock = off % su;
  while (left > 0) {
    const stripeNo = Math.floor(off / su) + firstStripeOfSet;
    const blockNo = stripeNo * stripeCount + stripePos;
    const chunk = Math.min(left, su - offsetInBlock);
    out.push({ offset: blockNo * su + offsetInBlock, length: chunk });
    offsetInBlock = 0;
    off += chunk;
    left -= chunk;
  }
  return out;
}

/** The image offset of byte `offset` of object `objectNo` (`Striper::get_file_offset`). */
export function getFileOffset(layout: FileLayout, objectNo: number, offset: number): number {
  const { stripeUnit: su, stripeCount, objectSize } = layout;
  const stripesPerObject = objectSize / su;
  const stripeNo = Math.floor(offset / su) + Math.floor(objectNo / stripeCount) * stripesPerObject;
  return (stripeNo * stripeCount + (objectNo % stripeCount)) * su + (offset % su);
}

/**
 * The size object `objectNo` has once the image is cut to `truncateSize`
 * (`Striper::object_truncate_size`); 0 and 2^64-1 ("no truncation") pass
 * through, the latter given as `Infinity`.
 */
export function getObjectTruncateSize(layout: FileLayout, objectNo: number, truncateSize: number): number {
  if (truncateSize === 0 || truncateSize === Infinity) return truncateSize;
  const { stripeUnit: su, stripeCount, objectSize } = layout;
  const stripesPerObject = objectSize / su;
  const objectSetNo = Math.floor(objectNo / stripeCount);
  const truncObjectSetNo = Math.floor(truncateSize / objectSize / stripeCount);
  if (objectSetNo > truncObjectSetNo) return 0;
  if (objectSetNo < truncObjectSetNo) return objectSize;
  const truncBlockNo = Math.floor(truncateSize / su);
  const truncStripeNo = Math.floor(truncBlockNo / stripeCount);
  const truncObjectNo = truncObjectSetNo * stripeCount + (truncBlockNo % stripeCount);
  const stripeStart = (truncStripeNo % stripesPerObject) * su;
  if (objectNo < truncObjectNo) return stripeStart + su;
  if (objectNo > truncObjectNo) return stripeStart;
  return stripeStart + (truncateSize % su);
}

/**
 * The RADOS name of a data object: `<prefix>.<%016x objectNo>` for format-2
 * images (librbd's `util::data_object_name`).
 */
export function dataObjectName(objectPrefix: string, objectNo: number): string {
  return `${objectPrefix}.${objectNo.toString(16).padStart(16, '0')}`;
}
