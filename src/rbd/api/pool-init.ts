/**
 * `rbd pool init` (librbd api/Pool.cc `Pool::init`): tag the pool for rbd and
 * check it can hold images.
 *
 *   <start> → APPLICATION_ENABLE (mon `osd pool application enable` pool rbd,
 *             `yes_i_really_mean_it` when forced; EPERM when another
 *             application owns the pool; already enabled is fine)
 *           → [rbd_validate_pool: VALIDATE_POOL (self-managed snapshots,
 *              `rbd_info` = "overwrite validated")] → <finish>
 *
 * `rbd_validate_pool` is one of the options pool metadata may not override,
 * so only this client's configuration decides.
 */
import { CephError } from '../../common/errors.js';
import type { Config } from '../../common/config.js';
import type { IoCtx } from '../../rados/io-ctx.js';
import type { Rados } from '../../rados/rados.js';
import { validatePool } from '../image/create.js';

/** `pg_pool_t::APPLICATION_NAME_RBD`. */
export const APPLICATION_NAME_RBD = 'rbd';

export async function poolInit(
  rados: Rados,
  ioctx: IoCtx,
  force: boolean,
  config: Config = rados.config,
): Promise<void> {
  await applicationEnable(rados, ioctx.poolName, APPLICATION_NAME_RBD, force);
  if (config.get('rbd_validate_pool')) await validatePool(ioctx);
}

/** `IoCtx::application_enable`: the mon command librados sends, with the same arguments. */
export async function applicationEnable(
  rados: Rados,
  poolName: string,
  app: string,
  force: boolean,
): Promise<void> {
  const cmd: Record<string, unknown> = { prefix: 'osd pool application enable', pool: poolName, app };
  if (force) cmd.yes_i_really_mean_it = true;
  const r = await rados.command(JSON.stringify(cmd));
  if (r.r < 0) throw new CephError(r.r, r.rs);
}
