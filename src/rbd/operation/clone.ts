/**
 * Clone a snapshot into a new image (librbd/image/CloneRequest.cc).
 *
 *   <start> → OPEN_PARENT (read-only, at the snapshot)
 *           → VALIDATE_PARENT (layering; a user snapshot; clone v1: protected)
 *           → CREATE_CHILD (image/create.ts; order, features and striping
 *              default to the parent's)
 *           → ATTACH_PARENT (v2: parent_attach; v1: set_parent) with the
 *              overlap = the parent snapshot's size
 *           → ATTACH_CHILD (v2: child_attach on the parent header;
 *              v1: add_child in the child pool's rbd_children)
 *           → COPY_METADATA (the parent's image-meta) → CLOSE_PARENT → <finish>
 *   failure after CREATE_CHILD: remove what was created, report the error.
 *
 * Clone format: `rbd_default_clone_format` 1, 2, or auto = 2 when the
 * cluster requires mimic or newer clients (osdmap require_min_compat_client).
 */
import { CephError } from '../../common/errors.js';
import type { Config } from '../../common/config.js';
import { CephRelease } from '../../common/ceph-release.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import type { Rados } from '../../rados/rados.js';
import { ObjectWriteOperation } from '../../rados/operation.js';
import * as cls from '../../cls/rbd/client.js';
import {
  RBD_CHILDREN,
  RbdFeature,
  RbdOperationFeature,
  ProtectionStatus,
  headerObjectName,
} from '../constants.js';
import { closeImage, openImage } from '../image/open.js';
import { createImage, type CreateImageOptions } from '../image/create.js';
import { removeImage } from '../image/remove.js';

export interface CloneOptions extends Omit<CreateImageOptions, 'sizeBytes'> {
  /** 1 or 2; default from `rbd_default_clone_format`. */
  cloneFormat?: 1 | 2;
}

/** Features a clone never takes over from its parent: set by librbd itself or implied by the layout. */
const NOT_INHERITED =
  RbdFeature.STRIPINGV2 |
  RbdFeature.DATA_POOL |
  RbdFeature.OPERATIONS |
  RbdFeature.MIGRATING |
  RbdFeature.NON_PRIMARY;

/** The clone format `rbd_default_clone_format` resolves to on this cluster. */
export function cloneFormat(rados: Rados, config: Config): 1 | 2 {
  const v = config.get('rbd_default_clone_format');
  if (v === '1') return 1;
  if (v === '2') return 2;
  return rados.objecter.osdmap.requireMinCompatClient >= CephRelease.MIMIC ? 2 : 1;
}

export async function cloneImage(
  rados: Rados,
  parentIo: IoCtx,
  parentName: string,
  parentSnapName: string,
  childIo: IoCtx,
  childName: string,
  o: CloneOptions = {},
  config: Config = rados.config,
): Promise<string> {
  const parent = await openImage(rados, parentIo, {
    name: parentName,
    snapName: parentSnapName,
    readOnly: true,
    config,
  });
  try {
    if (!parent.testFeatures(RbdFeature.LAYERING))
      throw new CephError('EINVAL', 'parent image must support layering');
    const snap = parent.header.snaps.get(parent.snapId)!;
    if (snap.namespace.type !== 'user')
      throw new CephError('EINVAL', 'parent snapshot must be a user snapshot');
    const format = o.cloneFormat ?? cloneFormat(rados, config);
    if (format === 1 && snap.protectionStatus !== ProtectionStatus.PROTECTED) {
      throw new CephError('EINVAL', 'parent snapshot must be protected');
    }
    const features = o.features ?? parent.features & ~NOT_INHERITED;
    if ((features & RbdFeature.LAYERING) === 0n)
      throw new CephError('EINVAL', 'cloning image must support layering');
    const parentLayout = parent.layout;
    const striped = parentLayout.stripeCount !== 1 || parentLayout.stripeUnit !== parentLayout.objectSize;
    const childId = await createImage(
      rados,
      childIo,
      childName,
      {
        ...o,
        sizeBytes: snap.size,
        features,
        order: o.order ?? parent.header.order,
        stripeUnit: o.stripeUnit ?? (striped ? parentLayout.stripeUnit : undefined),
        stripeCount: o.stripeCount ?? (striped ? parentLayout.stripeCount : undefined),
      },
      config,
    );
    try {
      const spec = {
        poolId: parent.mdIoCtx.poolId,
        poolNamespace: parent.mdIoCtx.namespace,
        imageId: parent.id,
        snapId: parent.snapId,
      };
      const childHeader = headerObjectName(childId);
      if (format === 2) {
        await cls.parentAttachOn(childIo, childHeader, spec, snap.size, false);
        const op = new ObjectWriteOperation();
        cls.childAttach(op, parent.snapId, {
          poolId: childIo.poolId,
          poolNamespace: childIo.namespace,
          imageId: childId,
        });
        await parent.mdIoCtx.operate(parent.headerOid, op);
        await cls.opFeaturesSetOn(
          childIo,
          childHeader,
          RbdOperationFeature.CLONE_CHILD,
          RbdOperationFeature.CLONE_CHILD,
        );
        await cls.opFeaturesSetOn(
          parent.mdIoCtx,
          parent.headerOid,
          RbdOperationFeature.CLONE_PARENT,
          RbdOperationFeature.CLONE_PARENT,
        );
      } else {
        await cls.setParentOn(childIo, childHeader, spec, snap.size);
        const op = new ObjectWriteOperation();
        cls.addChild(op, spec, childId);
        await childIo.operate(RBD_CHILDREN, op);
      }
      const meta = await cls.metadataList(parent.mdIoCtx, parent.headerOid, '', 0);
      if (meta.size > 0) await cls.metadataSetOn(childIo, childHeader, meta);
    } catch (err) {
      await removeImage(rados, childIo, { name: childName }).catch(() => undefined);
      throw err;
    }
    return childId;
  } finally {
    await closeImage(parent);
  }
}
