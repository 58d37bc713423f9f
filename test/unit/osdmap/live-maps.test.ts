/**
 * OSD maps from a real Pacific cluster (test/fixtures/osdmap/live, made by
 * make-fixtures.ts): full maps re-encode to the same bytes; the monitor's
 * incrementals, applied from epoch 1, give at every epoch a map whose
 * encoding has the crc the incremental promises (and the exact bytes where
 * the full map was kept); incrementals re-encode to the same bytes; and
 * `tsceph osdmaptool` prints what the real tool printed for those maps.
 */
process.env['TZ'] = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { osdmaptoolMain } from '../../../src/cli/tsceph/osdmaptool.js';
import { isCephError } from '../../../src/common/errors.js';
import {
  OSDMap,
  OSDMapIncremental,
  decodeOSDMapIncremental,
  PoolType,
  CRUSH_ITEM_NONE,
} from '../../../src/osdmap/index.js';

const dir = new URL('../../../../test/fixtures/osdmap/live/', import.meta.url).pathname;
const file = (name: string): Buffer => readFileSync(join(dir, name));
const epochsOf = (prefix: string): number[] =>
  readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .map((f) => Number(f.slice(prefix.length)))
    .sort((a, b) => a - b);
const fulls = epochsOf('full.');
const incs = epochsOf('inc.');
const last = incs[incs.length - 1]!;

test('osdmap live: fixtures are present', () => {
  assert.ok(fulls.includes(1) && fulls.includes(last), 'full maps of the first and last epoch');
  assert.deepEqual(
    incs,
    Array.from({ length: last }, (_, i) => i + 1),
    'an incremental for every epoch',
  );
});

test('osdmap live: every full map re-encodes to the same bytes', () => {
  for (const e of fulls) {
    const buf = file(`full.${e}`);
    const map = OSDMap.decode(buf);
    assert.equal(map.epoch, e);
    assert.ok(map.crcDefined);
    assert.deepEqual(map.encode(), buf, `epoch ${e}`);
  }
});

test('osdmap live: incrementals re-encode to the same bytes', () => {
  for (const e of incs) {
    const buf = file(`inc.${e}`);
    const inc = decodeOSDMapIncremental(buf);
    assert.equal(inc.epoch, e);
    assert.ok(inc.haveCrc);
    assert.deepEqual(inc.encode(), buf, `incremental ${e}`);
  }
});

test('osdmap live: the epoch-1 incremental carries the whole first map', () => {
  const inc = decodeOSDMapIncremental(file('inc.1'));
  assert.ok(inc.fullMap);
  const map = new OSDMap();
  map.applyIncremental(inc);
  assert.deepEqual(map.encode(), file('full.1'));
  assert.equal(map.crc, inc.fullCrc);
});

test('osdmap live: applying the monitor incrementals from epoch 1 reproduces every epoch', () => {
  const map = OSDMap.decode(file('full.1'));
  for (const e of incs.filter((x) => x > 1)) {
    const inc = OSDMapIncremental.decode(file(`inc.${e}`));
    map.applyIncremental(inc);
    assert.equal(map.epoch, e);
    const enc = map.encode();
    assert.equal(map.crc, inc.fullCrc, `crc of epoch ${e}`);
    if (fulls.includes(e)) assert.deepEqual(enc, file(`full.${e}`), `bytes of epoch ${e}`);
  }
});

test('osdmap live: a corrupted map or incremental is refused with a crc error', () => {
  const buf = Buffer.from(file(`full.${last}`));
  buf[100] = buf[100]! ^ 0xff;
  assert.throws(
    () => OSDMap.decode(buf),
    (err: unknown) => isCephError(err),
  );
  const inc = Buffer.from(file(`inc.${last}`));
  inc[60] = inc[60]! ^ 0x01;
  assert.throws(
    () => decodeOSDMapIncremental(inc),
    (err: unknown) => isCephError(err),
  );
  assert.throws(
    () => OSDMap.decode(buf.subarray(0, 50)),
    (err: unknown) => isCephError(err, 'EBADMSG'),
  );
});

test('osdmap live: an incremental out of sequence or for another cluster is refused', () => {
  const map = OSDMap.decode(file('full.1'));
  assert.throws(
    () => map.applyIncremental(decodeOSDMapIncremental(file('inc.3'))),
    (err: unknown) => isCephError(err, 'EINVAL'),
  );
  const other = decodeOSDMapIncremental(file('inc.2'));
  other.fsid = '11111111-2222-3333-4444-555555555555';
  assert.throws(
    () => map.applyIncremental(other),
    (err: unknown) => isCephError(err, 'EINVAL'),
  );
});

test('osdmap live: the last map has the overrides the cluster was given', () => {
  const map = OSDMap.decode(file(`full.${last}`));
  const rep = map.lookupPool('rep');
  const ec = map.lookupPool('ecpool');
  const cache = map.lookupPool('cache');
  assert.ok(rep > 0 && ec > 0 && cache > 0);
  assert.equal(map.lookupPool('doomed2'), -1);
  assert.equal(map.getPool(ec)!.type, PoolType.ERASURE);
  assert.ok(map.getPool(ec)!.isErasure() && map.getPool(ec)!.isPoolSnapsMode());
  assert.equal(map.getPool(rep)!.readTier, cache);
  assert.equal(map.getPool(cache)!.tierOf, rep);
  assert.ok(map.pgUpmap.has({ pool: rep, seed: 5 }));
  assert.ok(map.pgUpmapItems.has({ pool: rep, seed: 3 }));
  assert.equal(map.getPrimaryAffinity(2), 0);
  assert.ok(map.blocklist.length >= 4 && map.rangeBlocklist.length === 1);
  const blocked = map.blocklist[0]!.addr;
  assert.ok(map.isBlocklisted({ ...blocked, type: 2 }), 'any type of a blocklisted address');
  assert.ok(
    map.isBlocklisted({ type: 2, nonce: 77, family: 2, ip: '192.168.1.200', port: 6789 }),
    'in the range',
  );
  assert.ok(!map.isBlocklisted({ type: 2, nonce: 77, family: 2, ip: '192.168.2.1', port: 6789 }));
  assert.ok(map.isUp(0) && map.exists(3) && !map.isDown(3));
  assert.ok(map.getAddrs(0).length > 0);
  // EC pgs keep their shard positions: no CRUSH_ITEM_NONE folding into replicated semantics
  for (let seed = 0; seed < map.getPool(ec)!.pgNum; seed++) {
    const r = map.pgToUpActing({ pool: ec, seed });
    assert.equal(r.up.length, 3);
    const shard = map.getPrimaryShard({ pool: ec, seed });
    if (r.actingPrimary >= 0) assert.equal(r.acting[shard!.shard], r.actingPrimary);
    else assert.equal(shard, undefined);
    assert.ok(r.acting.every((o) => o === CRUSH_ITEM_NONE || map.exists(o)));
  }
});

interface OsdMapAnswer {
  pool: string;
  object: string;
  nspace: string;
  json: {
    pool_id: number;
    raw_pgid: string;
    pgid: string;
    up: number[];
    up_primary: number;
    acting: number[];
    acting_primary: number;
  };
}

test('osdmap live: objects (with namespaces) map to the pgs and OSDs the monitor named', () => {
  const { epoch, results } = JSON.parse(readFileSync(join(dir, 'osd-map.json'), 'utf8')) as {
    epoch: number;
    results: OsdMapAnswer[];
  };
  const map = OSDMap.decode(file(`full.${epoch}`));
  assert.ok(results.length > 0);
  for (const r of results) {
    const pool = map.lookupPool(r.pool);
    assert.equal(pool, r.json.pool_id);
    const raw = map.objectLocatorToPg(r.object, { pool, key: '', nspace: r.nspace, hash: -1 });
    const label = `${r.pool}/${r.nspace}/${r.object}`;
    assert.equal(`${raw.pool}.${raw.seed.toString(16)}`, r.json.raw_pgid, `raw pg of ${label}`);
    const pg = map.rawPgToPg(raw);
    assert.equal(`${pg.pool}.${pg.seed.toString(16)}`, r.json.pgid, `pg of ${label}`);
    const ua = map.pgToUpActing(pg);
    assert.deepEqual(
      [ua.up, ua.upPrimary, ua.acting, ua.actingPrimary],
      [r.json.up, r.json.up_primary, r.json.acting, r.json.acting_primary],
      `up/acting of ${label}`,
    );
  }
});

interface GoldenRun {
  epoch: number;
  args: string[];
  stdout: string;
  stderr: string;
  status: number;
}

test('osdmap live: tsceph osdmaptool prints what the real osdmaptool printed', async () => {
  const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as GoldenRun[];
  assert.ok(golden.length > 0);
  const work = mkdtempSync(join(tmpdir(), 'tsceph-osdmap-live-'));
  try {
    const path = join(work, 'map');
    for (const g of golden) {
      copyFileSync(join(dir, `full.${g.epoch}`), path);
      let stdout = '';
      let stderr = '';
      const status = await osdmaptoolMain([path, ...g.args], {
        stdout: (s) => (stdout += s),
        stderr: (s) => (stderr += s),
        env: { TZ: 'UTC' },
      });
      const label = `epoch ${g.epoch}: osdmaptool ${g.args.join(' ')}`;
      assert.equal(stderr.split(path).join('MAPFILE'), g.stderr, `stderr, ${label}`);
      assert.equal(stdout, g.stdout, `stdout, ${label}`);
      assert.equal(status, g.status, `status, ${label}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  assert.ok(existsSync(join(dir, 'golden.json')));
});
