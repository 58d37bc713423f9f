/**
 * Connecting a command-line tool to a cluster from its Config. The `ceph`
 * CLI talks to mons and mgrs only, so it connects without an Objecter; the
 * handle is the librados `Rados` object itself.
 */
import type { Config } from '../../common/config.js';
import { Rados } from '../../rados/rados.js';

export type ClusterHandle = Pick<
  Rados,
  'config' | 'cct' | 'messenger' | 'monc' | 'mgrc' | 'command' | 'shutDown'
>;

export function connectCluster(config: Config, opts: { timeoutMs?: number } = {}): Promise<ClusterHandle> {
  return Rados.connect(config, { ...opts, withoutObjecter: true });
}
