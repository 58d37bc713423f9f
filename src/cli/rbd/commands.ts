/**
 * Every `rbd` command, in the order Pacific registers them (its action files
 * in link order), which `rbd bash-completion` shows.
 */
import { benchActions } from './bench.js';
import { childrenActions } from './children.js';
import { cloneActions } from './clone.js';
import { copyActions } from './copy.js';
import { createActions } from './create.js';
import { diffActions } from './diff.js';
import { diskUsageActions } from './disk-usage.js';
import { exportActions } from './export.js';
import { featureActions } from './feature.js';
import { flattenActions } from './flatten.js';
import { imageMetaActions } from './image-meta.js';
import { importActions } from './import.js';
import { infoActions } from './info.js';
import { listActions } from './list.js';
import { lockActions } from './lock.js';
import {
  deepCopyAction,
  encryptionFormatAction,
  mergeDiffAction,
  notImplemented as ni,
  poolStatsAction,
  sparsifyAction,
  trashPurgeAction,
} from './not-implemented.js';
import { objectMapActions } from './object-map.js';
import { poolInitAction } from './pool.js';
import { removeAction, renameAction, resizeAction } from './image.js';
import { snapActions } from './snap.js';
import { statusActions } from './status.js';
import { trashActions } from './trash.js';
import { watchActions } from './watch.js';
import type { Action } from './shell.js';

export function allActions(): Action[] {
  const [trashMove, trashRemove, ...trashRest] = trashActions;
  return [
    ...benchActions,
    ...childrenActions,
    ...cloneActions,
    ...ni.config(),
    ...copyActions,
    deepCopyAction,
    ...createActions,
    ...ni.device(),
    ...diffActions,
    ...diskUsageActions,
    encryptionFormatAction,
    ...exportActions,
    ...featureActions,
    ...flattenActions,
    ...ni.group(),
    ...imageMetaActions,
    ...importActions,
    ...infoActions,
    ...ni.journal(),
    ...listActions,
    ...lockActions,
    mergeDiffAction,
    ...ni.migration(),
    ...ni.mirrorImage(),
    ...ni.mirrorPool(),
    ...ni.mirrorSnapshotSchedule(),
    ...ni.namespace(),
    ...ni.nbd(),
    ...objectMapActions,
    ...ni.perf(),
    ...ni.persistentCache(),
    poolInitAction,
    poolStatsAction,
    removeAction,
    renameAction,
    resizeAction,
    ...snapActions,
    sparsifyAction,
    ...statusActions,
    ...ni.trashPurgeSchedule(),
    trashMove!,
    trashRemove!,
    trashPurgeAction,
    ...trashRest,
    ...watchActions,
  ];
}
