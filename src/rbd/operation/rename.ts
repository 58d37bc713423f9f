/**
 * Rename a format-2 image (librbd::rename → Operations::rename →
 * operation/RenameRequest.cc): the name lives in the `rbd_id.<name>` object
 * and in `rbd_directory`, never in the header.
 *
 *   <start> → CHECK_DEST (rbd_id.<dest> or <dest>.rbd exists: EEXIST; dest == name: EEXIST)
 *           → READ_SOURCE_HEADER (whole rbd_id.<name>; ENOENT while our name is
 *             already `dest`: EEXIST — a replay raced with itself)
 *           → WRITE_DEST_HEADER (create exclusive + write_full rbd_id.<dest>)
 *           → UPDATE_DIRECTORY (dir_rename_image name → dest) → [in-memory name = dest]
 *           → REMOVE_SOURCE_HEADER (rbd_id.<name>; failure only logged) → <finish>
 *
 * No header notification: other clients keep their open image (the header
 * did not change); only format 1, which this librbd does not open, notifies.
 * With the exclusive lock held elsewhere, librbd forwards the request to the
 * owner (RENAME); the api layer decides that before calling here.
 * A failure after WRITE_DEST_HEADER leaves rbd_id.<dest> behind, as librbd does.
 */
import { CephError, isCephError } from '../../common/errors.js';
import * as cls from '../../cls/rbd/client.js';
import { ObjectReadOperation, ObjectWriteOperation } from '../../rados/operation.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import type { ImageCtx } from '../image-ctx.js';
import { RBD_DIRECTORY, idObjectName, oldHeaderName } from '../constants.js';

/** `Operations::rename` run here: the destination check, then the request. */
export async function renameImage(ictx: ImageCtx, destName: string): Promise<void> {
  await checkRenameDestination(ictx, destName);
  await executeRename(ictx, destName);
}

/** `detect_format(dest)`: EEXIST when an image (either format) already has the name. */
export async function checkRenameDestination(ictx: ImageCtx, destName: string): Promise<void> {
  const io = ictx.mdIoCtx;
  if ((await objectExists(io, idObjectName(destName))) || (await objectExists(io, oldHeaderName(destName)))) {
    throw new CephError('EEXIST', `rbd image ${destName} already exists`);
  }
}

/** `execute_rename` + RenameRequest: what the lock owner runs for RENAME. */
export async function executeRename(ictx: ImageCtx, destName: string): Promise<void> {
  const io = ictx.mdIoCtx;
  if (ictx.name === destName) throw new CephError('EEXIST', `image is already named ${destName}`);

  const sourceOid = idObjectName(ictx.name);
  const destOid = idObjectName(destName);

  const read = new ObjectReadOperation();
  const body = read.read(0, 0);
  try {
    await io.operateRead(sourceOid, read);
  } catch (err) {
    if (isCephError(err, 'ENOENT') && ictx.name === destName)
      throw new CephError('EEXIST', 'image already exists');
    throw err;
  }

  const write = new ObjectWriteOperation();
  write.create(true);
  write.writeFull(body.get());
  await io.operate(destOid, write);

  await cls.dirRenameImageOn(io, RBD_DIRECTORY, ictx.name, destName, ictx.id);
  ictx.name = destName;

  try {
    await io.remove(sourceOid);
  } catch (err) {
    // The rename is done; a stale id object only costs a name lookup later.
    if (!isCephError(err)) throw err;
  }
}

/** `detect_format`'s existence probe: stat the object. */
async function objectExists(io: IoCtx, oid: string): Promise<boolean> {
  try {
    await io.stat(oid);
    return true;
  } catch (err) {
    if (isCephError(err, 'ENOENT')) return false;
    throw err;
  }
}
