/**
 * `OSDMap::dump` (Pacific): the structured form `osdmaptool --dump json`
 * and `ceph osd dump -f json` print, with `pg_pool_t::dump`,
 * `osd_info_t::dump`, `osd_xinfo_t::dump` and `entity_addrvec_t::dump`.
 */
import type { Formatter } from '../common/formatter.js';
import { AddrType, type EntityAddr, type EntityAddrVec } from '../encoding/types.js';
import { formatPgId } from '../encoding/osd-types.js';
import { cephReleaseName, compareBytes, osdMapFlagString, osdStateSet } from './constants.js';
import { formatAddr, formatUTimeLocal } from './format.js';
import type { SnapIntervalSet } from './interval-set.js';
import type { OSDMap } from './osdmap.js';
import { minCompatClient } from './print.js';
import {
  cacheModeName,
  HitSetType,
  pgAutoscaleModeName,
  poolFlagsString,
  poolOptName,
  type PgPool,
} from './pg-pool.js';
import { unorderedMapOrder } from './print.js';

const ADDR_TYPE_NAMES = ['none', 'v1', 'v2', 'any', 'cidr'];

/** `operator<<(const sockaddr*)`: `1.2.3.4:80`, `[::1]:80`, or Ceph's complaint for a blank address. */
function formatSockaddr(a: EntityAddr): string {
  if (a.family === 2) return `${a.ip}:${a.port}`;
  if (a.family === 10) return `[${a.ip}]:${a.port}`;
  return `(unrecognized address family ${a.family})`;
}

/** `entity_addrvec_t::dump`: `{"addrvec":[{"type","addr","nonce"}...]}`. */
function dumpAddrVec(f: Formatter, name: string, v: EntityAddrVec): void {
  f.object(name, () =>
    f.array('addrvec', () => {
      for (const a of v) {
        f.object('addr', () => {
          f.dumpString('type', ADDR_TYPE_NAMES[a.type] ?? 'unknown');
          f.dumpString('addr', formatSockaddr(a));
          f.dumpUnsigned('nonce', a.nonce);
        });
      }
    }),
  );
}

/** `entity_addrvec_t::get_legacy_str`: the v1 (else first, else blank) address as `ip:port/nonce`. */
function legacyString(v: EntityAddrVec): string {
  const a = v.find((x) => x.type === AddrType.LEGACY) ?? v[0];
  if (!a) return `(unrecognized address family 0)/0`;
  return `${formatSockaddr(a)}/${a.nonce}`;
}

/** `calc_grade_table`: hit set grades decaying by `hit_set_grade_decay_rate` percent each. */
function gradeTable(p: PgPool): number[] {
  const out: number[] = [];
  let v = 1000000;
  for (let i = 0; i < p.hitSetCount; i++) {
    v = Math.trunc(v * (1 - p.hitSetGradeDecayRate / 100.0)) >>> 0;
    out.push(v);
  }
  return out;
}

/** `pg_pool_t::dump`. */
export function dumpPool(f: Formatter, p: PgPool): void {
  f.dumpString('create_time', formatUTimeLocal(p.createTime));
  f.dumpUnsigned('flags', p.flags);
  f.dumpString('flags_names', poolFlagsString(p.flags));
  f.dumpInt('type', p.type);
  f.dumpInt('size', p.size);
  f.dumpInt('min_size', p.minSize);
  f.dumpInt('crush_rule', p.crushRule);
  f.dumpInt('peering_crush_bucket_count', p.peeringCrushBucketCount);
  f.dumpInt('peering_crush_bucket_target', p.peeringCrushBucketTarget);
  f.dumpInt('peering_crush_bucket_barrier', p.peeringCrushBucketBarrier);
  f.dumpInt('peering_crush_bucket_mandatory_member', p.peeringCrushMandatoryMember);
  f.dumpInt('object_hash', p.objectHash);
  f.dumpString('pg_autoscale_mode', pgAutoscaleModeName(p.pgAutoscaleMode));
  f.dumpUnsigned('pg_num', p.pgNum);
  f.dumpUnsigned('pg_placement_num', p.pgpNum);
  f.dumpUnsigned('pg_placement_num_target', p.pgpNumTarget);
  f.dumpUnsigned('pg_num_target', p.pgNumTarget);
  f.dumpUnsigned('pg_num_pending', p.pgNumPending);
  const m = p.lastPgMergeMeta;
  f.object('last_pg_merge_meta', () => {
    f.dumpString('source_pgid', formatPgId(m.sourcePgid));
    f.dumpUnsigned('ready_epoch', m.readyEpoch);
    f.dumpUnsigned('last_epoch_started', m.lastEpochStarted);
    f.dumpUnsigned('last_epoch_clean', m.lastEpochClean);
    f.dumpString('source_version', `${m.sourceVersion.epoch}'${m.sourceVersion.version}`);
    f.dumpString('target_version', `${m.targetVersion.epoch}'${m.targetVersion.version}`);
  });
  f.dumpString('last_change', String(p.lastChange));
  f.dumpString('last_force_op_resend', String(p.lastForceOpResend));
  f.dumpString('last_force_op_resend_prenautilus', String(p.lastForceOpResendPrenautilus));
  f.dumpString('last_force_op_resend_preluminous', String(p.lastForceOpResendPreluminous));
  f.dumpUnsigned('auid', p.auid);
  f.dumpString('snap_mode', p.isPoolSnapsMode() ? 'pool' : 'selfmanaged');
  f.dumpUnsigned('snap_seq', p.snapSeq);
  f.dumpUnsigned('snap_epoch', p.snapEpoch);
  f.array('pool_snaps', () => {
    for (const id of [...p.snaps.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const s = p.snaps.get(id)!;
      f.object('pool_snap_info', () => {
        f.dumpUnsigned('snapid', s.snapid);
        f.dumpString('stamp', formatUTimeLocal(s.stamp));
        f.dumpString('name', s.name);
      });
    }
  });
  f.dumpString('removed_snaps', p.removedSnaps.toString());
  f.dumpUnsigned('quota_max_bytes', p.quotaMaxBytes);
  f.dumpUnsigned('quota_max_objects', p.quotaMaxObjects);
  f.array('tiers', () => [...p.tiers].sort((a, b) => a - b).forEach((t) => f.dumpUnsigned('pool_id', t)));
  f.dumpInt('tier_of', p.tierOf);
  f.dumpInt('read_tier', p.readTier);
  f.dumpInt('write_tier', p.writeTier);
  f.dumpString('cache_mode', cacheModeName(p.cacheMode));
  f.dumpUnsigned('target_max_bytes', p.targetMaxBytes);
  f.dumpUnsigned('target_max_objects', p.targetMaxObjects);
  f.dumpUnsigned('cache_target_dirty_ratio_micro', p.cacheTargetDirtyRatioMicro);
  f.dumpUnsigned('cache_target_dirty_high_ratio_micro', p.cacheTargetDirtyHighRatioMicro);
  f.dumpUnsigned('cache_target_full_ratio_micro', p.cacheTargetFullRatioMicro);
  f.dumpUnsigned('cache_min_flush_age', p.cacheMinFlushAge);
  f.dumpUnsigned('cache_min_evict_age', p.cacheMinEvictAge);
  f.dumpString('erasure_code_profile', p.erasureCodeProfile);
  f.object('hit_set_params', () => {
    const h = p.hitSetParams;
    const names = ['none', 'explicit_hash', 'explicit_object', 'bloom'];
    f.dumpString('type', names[h.type] ?? 'unknown');
    if (h.type === HitSetType.BLOOM && h.bloom) {
      f.dumpFloat('false_positive_probability', h.bloom.fppMicro / 1000000.0);
      f.dumpUnsigned('target_size', h.bloom.targetSize);
      f.dumpUnsigned('seed', h.bloom.seed);
    }
  });
  f.dumpUnsigned('hit_set_period', p.hitSetPeriod);
  f.dumpUnsigned('hit_set_count', p.hitSetCount);
  f.dumpBool('use_gmt_hitset', p.useGmtHitset);
  f.dumpUnsigned('min_read_recency_for_promote', p.minReadRecencyForPromote);
  f.dumpUnsigned('min_write_recency_for_promote', p.minWriteRecencyForPromote);
  f.dumpUnsigned('hit_set_grade_decay_rate', p.hitSetGradeDecayRate);
  f.dumpUnsigned('hit_set_search_last_n', p.hitSetSearchLastN);
  f.array('grade_table', () => gradeTable(p).forEach((g) => f.dumpUnsigned('value', g)));
  f.dumpUnsigned('stripe_width', p.stripeWidth);
  f.dumpUnsigned('expected_num_objects', p.expectedNumObjects);
  f.dumpBool('fast_read', p.fastRead);
  f.object('options', () => {
    const named = [...p.opts.keys()]
      .map((k) => ({ k, name: poolOptName(k) }))
      .filter((x): x is { k: number; name: string } => x.name !== undefined)
      .sort((a, b) => compareBytes(a.name, b.name));
    for (const { k, name } of named) {
      const v = p.opts.get(k)!;
      if (typeof v === 'string') f.dumpString(name, v);
      else if (typeof v === 'bigint') f.dumpInt(name, v);
      else f.dumpFloat(name, v);
    }
  });
  f.object('application_metadata', () => {
    for (const app of [...p.applicationMetadata.keys()].sort(compareBytes)) {
      const kv = p.applicationMetadata.get(app)!;
      f.object(app, () => [...kv.keys()].sort(compareBytes).forEach((k) => f.dumpString(k, kv.get(k)!)));
    }
  });
}

function dumpSnapQueue(f: Formatter, name: string, m: Map<number, SnapIntervalSet>): void {
  f.array(name, () => {
    for (const pool of [...m.keys()].sort((a, b) => a - b)) {
      f.object('pool', () => {
        f.dumpInt('pool', pool);
        f.array('snaps', () => {
          for (const r of m.get(pool)!.runs) {
            f.object('interval', () => {
              f.dumpUnsigned('begin', r.start);
              f.dumpUnsigned('length', r.len);
            });
          }
        });
      });
    }
  });
}

/** `OSDMap::dump` (Pacific), inside the caller's section. */
export function dumpOsdMap(f: Formatter, map: OSDMap): void {
  f.dumpInt('epoch', map.epoch);
  f.dumpString('fsid', map.fsid);
  f.dumpString('created', formatUTimeLocal(map.created));
  f.dumpString('modified', formatUTimeLocal(map.modified));
  f.dumpString('last_up_change', formatUTimeLocal(map.lastUpChange));
  f.dumpString('last_in_change', formatUTimeLocal(map.lastInChange));
  f.dumpString('flags', osdMapFlagString(map.flags));
  f.dumpUnsigned('flags_num', map.flags);
  f.array('flags_set', () => {
    const names = new Set<string>();
    for (let i = 0; i < 32; i++) {
      const bit = (1 << i) >>> 0;
      if ((map.flags & bit) >>> 0) names.add(osdMapFlagString(bit));
    }
    [...names].sort(compareBytes).forEach((n) => f.dumpString('flag', n));
  });
  f.dumpUnsigned('crush_version', map.crushVersion);
  f.dumpFloat('full_ratio', map.fullRatio);
  f.dumpFloat('backfillfull_ratio', map.backfillfullRatio);
  f.dumpFloat('nearfull_ratio', map.nearfullRatio);
  f.dumpString('cluster_snapshot', map.getClusterSnapshot());
  f.dumpInt('pool_max', map.poolMax);
  f.dumpInt('max_osd', map.maxOsd);
  f.dumpString('require_min_compat_client', cephReleaseName(map.requireMinCompatClient));
  f.dumpString('min_compat_client', cephReleaseName(minCompatClient(map)));
  f.dumpString('require_osd_release', cephReleaseName(map.requireOsdRelease));
  f.array('pools', () => {
    for (const id of [...map.pools.keys()].sort((a, b) => a - b)) {
      f.object('pool', () => {
        f.dumpInt('pool', id);
        f.dumpString('pool_name', map.poolNames.get(id) ?? '<unknown>');
        dumpPool(f, map.pools.get(id)!);
      });
    }
  });
  f.array('osds', () => {
    for (let i = 0; i < map.maxOsd; i++) {
      if (!map.exists(i)) continue;
      f.object('osd_info', () => {
        f.dumpInt('osd', i);
        f.dumpString('uuid', map.getUuid(i));
        f.dumpInt('up', map.isUp(i) ? 1 : 0);
        f.dumpInt('in', map.isIn(i) ? 1 : 0);
        f.dumpFloat('weight', map.getWeightf(i));
        f.dumpFloat('primary_affinity', map.getPrimaryAffinityf(i));
        const info = map.getInfo(i);
        f.dumpInt('last_clean_begin', info.lastCleanBegin);
        f.dumpInt('last_clean_end', info.lastCleanEnd);
        f.dumpInt('up_from', info.upFrom);
        f.dumpInt('up_thru', info.upThru);
        f.dumpInt('down_at', info.downAt);
        f.dumpInt('lost_at', info.lostAt);
        dumpAddrVec(f, 'public_addrs', map.getAddrs(i));
        dumpAddrVec(f, 'cluster_addrs', map.getClusterAddrs(i));
        dumpAddrVec(f, 'heartbeat_back_addrs', map.hbBackAddrs[i] ?? []);
        dumpAddrVec(f, 'heartbeat_front_addrs', map.hbFrontAddrs[i] ?? []);
        f.dumpString('public_addr', legacyString(map.getAddrs(i)));
        f.dumpString('cluster_addr', legacyString(map.getClusterAddrs(i)));
        f.dumpString('heartbeat_back_addr', legacyString(map.hbBackAddrs[i] ?? []));
        f.dumpString('heartbeat_front_addr', legacyString(map.hbFrontAddrs[i] ?? []));
        f.array('state', () => osdStateSet(map.getState(i)).forEach((s) => f.dumpString('state', s)));
      });
    }
  });
  f.array('osd_xinfo', () => {
    for (let i = 0; i < map.maxOsd; i++) {
      if (!map.exists(i)) continue;
      const x = map.osdXinfo[i]!;
      f.object('xinfo', () => {
        f.dumpInt('osd', i);
        f.dumpString('down_stamp', formatUTimeLocal(x.downStamp));
        f.dumpFloat(
          'laggy_probability',
          Math.fround(Math.fround(x.laggyProbabilityRaw) / Math.fround(0xffffffff)),
        );
        f.dumpInt('laggy_interval', x.laggyInterval);
        f.dumpInt('features', BigInt.asIntN(64, x.features));
        f.dumpUnsigned('old_weight', x.oldWeight);
        f.dumpString('last_purged_snaps_scrub', formatUTimeLocal(x.lastPurgedSnapsScrub));
        f.dumpInt('dead_epoch', x.deadEpoch);
      });
    }
  });
  f.array('pg_upmap', () => {
    for (const [pg, osds] of map.pgUpmap.entries()) {
      f.object('mapping', () => {
        f.dumpString('pgid', formatPgId(pg));
        f.array('osds', () => osds.forEach((o) => f.dumpInt('osd', o)));
      });
    }
  });
  f.array('pg_upmap_items', () => {
    for (const [pg, items] of map.pgUpmapItems.entries()) {
      f.object('mapping', () => {
        f.dumpString('pgid', formatPgId(pg));
        f.array('mappings', () => {
          for (const [from, to] of items) {
            f.object('mapping', () => {
              f.dumpInt('from', from);
              f.dumpInt('to', to);
            });
          }
        });
      });
    }
  });
  f.array('pg_temp', () => {
    for (const [pg, osds] of map.pgTemp.entries()) {
      f.object('osds', () => {
        f.dumpString('pgid', formatPgId(pg));
        f.array('osds', () => osds.forEach((o) => f.dumpInt('osd', o)));
      });
    }
  });
  f.array('primary_temp', () => {
    for (const [pg, osd] of map.primaryTemp.entries()) {
      f.dumpString('pgid', formatPgId(pg));
      f.dumpInt('osd', osd);
    }
  });
  f.object('blocklist', () => {
    for (const b of unorderedMapOrder(map.blocklist))
      f.dumpString(formatAddr(b.addr), formatUTimeLocal(b.expires));
  });
  f.object('range_blocklist', () => {
    for (const b of map.rangeBlocklist) f.dumpString(formatAddr(b.addr), formatUTimeLocal(b.expires));
  });
  f.object('erasure_code_profiles', () => {
    for (const name of [...map.erasureCodeProfiles.keys()].sort(compareBytes)) {
      const prof = map.erasureCodeProfiles.get(name)!;
      f.object(name, () => [...prof.keys()].sort(compareBytes).forEach((k) => f.dumpString(k, prof.get(k)!)));
    }
  });
  dumpSnapQueue(f, 'removed_snaps_queue', map.removedSnapsQueue);
  dumpSnapQueue(f, 'new_removed_snaps', map.newRemovedSnaps);
  dumpSnapQueue(f, 'new_purged_snaps', map.newPurgedSnaps);
  f.object('crush_node_flags', () => {
    for (const id of [...map.crushNodeFlags.keys()].sort((a, b) => a - b)) {
      const name = map.crush.names.get(id) ?? String(id);
      f.array(name, () => osdStateSet(map.crushNodeFlags.get(id)!).forEach((s) => f.dumpString('flag', s)));
    }
  });
  f.object('device_class_flags', () => {
    for (const id of [...map.deviceClassFlags.keys()].sort((a, b) => a - b)) {
      const name = map.crush.classNames.get(id) ?? String(id);
      f.array(name, () => osdStateSet(map.deviceClassFlags.get(id)!).forEach((s) => f.dumpString('flag', s)));
    }
  });
  f.object('stretch_mode', () => {
    f.dumpBool('stretch_mode_enabled', map.stretchModeEnabled);
    f.dumpUnsigned('stretch_bucket_count', map.stretchBucketCount);
    f.dumpUnsigned('degraded_stretch_mode', map.degradedStretchMode);
    f.dumpUnsigned('recovering_stretch_mode', map.recoveringStretchMode);
    f.dumpInt('stretch_mode_bucket', map.stretchModeBucket);
  });
}
