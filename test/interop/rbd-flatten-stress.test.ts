/**
 * Flatten under load, against a real Pacific cluster (3 memstore OSDs, pool
 * size 1 to keep memory small): a 1 GiB parent image is filled completely
 * with a deterministic pattern by our librbd, snapshotted, protected and
 * cloned; our flattenImage then runs on a clone while random 4 KiB–1 MiB
 * writes go to the same clone, through the same ImageCtx, for as long as the
 * flatten lasts.
 *
 *   variant "anywhere": writes land anywhere in the image, so some hit
 *   objects flatten already copied up and some hit objects it has not
 *   reached (those take the write path's own copy-up).
 *   variant "ahead": every write lands on an object past flatten's frontier
 *   (objects done + rbd_concurrent_management_ops), so each one races a
 *   copy-up flatten is about to do.
 *
 * The expected content is a model: the parent pattern overlaid with the
 * writes in completion order. Writes in flight never overlap each other, so
 * completion order is the order the OSDs applied them. The clone read back
 * by our readImage (chunk by chunk, first difference reported) and by the
 * real `rbd export` must have the model's md5; the real `rbd info` must show
 * no parent, the real `rbd children` no longer lists the clone, and the real
 * `rbd object-map check` passes when the image has an object map.
 *
 * Features: the librbd default set (layering, exclusive-lock, object-map,
 * fast-diff, deep-flatten) when our open wires the exclusive lock and the
 * object map (image/lifecycle.ts), checked on a probe image first; else
 * layering only, because the real librbd trusts an object map our writes
 * would not update.
 *
 * FLATTEN_STRESS_SEED=<n> replays the write choices (offsets, lengths, data);
 * the interleaving with flatten depends on timing.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { Config } from '../../src/common/config.js';
import { Rados } from '../../src/rados/rados.js';
import type { IoCtx } from '../../src/rados/io-ctx.js';
import {
  RbdFeature,
  cloneImage,
  closeImage,
  createImage,
  flattenImage,
  flushImage,
  openImage,
  readImage,
  removeImage,
  writeImage,
  type ImageCtx,
} from '../../src/rbd/index.js';
import { enableImageLifecycle } from '../../src/rbd/image/lifecycle.js';
import { snapshotCreate } from '../../src/rbd/operation/snapshot-create.js';
import { snapshotProtect } from '../../src/rbd/operation/snapshot-protect.js';
import { startRealCluster, waitForCleanPgs, type RealCluster } from '../helpers/real-cluster.js';

const MiB = 1 << 20;
const IMAGE_BYTES = 1024 * MiB;
const CHUNK = 4 * MiB;
const FILL_IN_FLIGHT = 8;
const WRITE_LANES = 4;
const MIN_WRITE = 4096;
const MAX_WRITE = MiB;
const ALIGN = 512;
const POOL = 'rbd';
const PARENT = 'parent';
const SNAP = 'base';

const seed = Number(process.env.FLATTEN_STRESS_SEED ?? Math.floor(Math.random() * 0x7fffffff));

let cluster: RealCluster;
let rados: Rados;
let io: IoCtx;
let features: bigint;
let objectMapOn = false;

/** mulberry32: small seeded PRNG, so a failing run's write choices replay from its seed. */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** AES-128-CTR keystream: fast deterministic bytes, named by a stream tag and an index. */
function stream(tag: number, index: number, length: number): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32LE(0x7c3e_91a5, 0);
  key.writeUInt32LE(tag, 4);
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(index, 0);
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(length));
}

/** Bytes of the parent image in chunk `n` (4 MiB). */
const parentChunk = (n: number): Buffer => stream(1, n, CHUNK);

interface Written {
  offset: number;
  length: number;
  /** Names the data: stream(2 + seed, seq). */
  seq: number;
}

/** The data of a write. */
const writeData = (w: { length: number; seq: number }): Buffer => stream(2 + seed, w.seq, w.length);

/** Expected content: the parent pattern overlaid with acknowledged writes, in completion order. */
class Model {
  readonly writes: Written[] = [];

  expectedChunk(n: number): Buffer {
    const out = parentChunk(n);
    const lo = n * CHUNK;
    const hi = lo + CHUNK;
    for (const w of this.writes) {
      const a = Math.max(lo, w.offset);
      const b = Math.min(hi, w.offset + w.length);
      if (a >= b) continue;
      writeData(w).copy(out, a - lo, a - w.offset, b - w.offset);
    }
    return out;
  }
}

function realRbd(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('rbd', ['-c', cluster.confPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** md5 of the real `rbd export <image> -`, streamed (never 1 GiB in memory). */
function realExportMd5(image: string): Promise<{ md5: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('rbd', ['-c', cluster.confPath, 'export', '--no-progress', `${POOL}/${image}`, '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const h = createHash('md5');
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      h.update(b);
      bytes += b.length;
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`rbd export ${image} failed (${code}): ${stderr}`));
      else resolve({ md5: h.digest('hex'), bytes });
    });
  });
}

/** Run `fn` over 0..count-1 with at most `limit` in flight. */
async function bounded(count: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

/**
 * Our readImage of the whole image, compared chunk by chunk with the model
 * (the first differing byte is reported); returns the md5 of what was read
 * and of the model, hashed in the same pass.
 */
async function ourMd5(ictx: ImageCtx, model: Model): Promise<{ ours: string; expected: string }> {
  const ours = createHash('md5');
  const expected = createHash('md5');
  const chunks = IMAGE_BYTES / CHUNK;
  // Read a few chunks ahead, hash in order.
  const pending = new Map<number, Promise<Buffer>>();
  try {
    for (let n = 0; n < chunks; n++) {
      for (let k = n; k < Math.min(chunks, n + 4); k++)
        if (!pending.has(k)) pending.set(k, readImage(ictx, k * CHUNK, CHUNK));
      const got = await pending.get(n)!;
      pending.delete(n);
      const want = model.expectedChunk(n);
      if (!got.equals(want)) {
        let i = 0;
        while (i < got.length && got[i] === want[i]) i++;
        assert.fail(`clone differs from the model at byte ${n * CHUNK + i} (object ${n}, offset ${i})`);
      }
      ours.update(got);
      expected.update(want);
    }
  } finally {
    // A mismatch leaves reads ahead in flight: let them settle before the client shuts down.
    await Promise.allSettled(pending.values());
  }
  return { ours: ours.digest('hex'), expected: expected.digest('hex') };
}

/**
 * Flatten clone `name` while WRITE_LANES writers send writes chosen by
 * `pick` (null: nothing to write right now) until flatten resolves.
 */
async function flattenUnderWrites(
  t: TestContext,
  name: string,
  pick: (frontierObject: number, objectCount: number) => { offset: number; length: number } | null,
): Promise<void> {
  const model = new Model();
  let expectedMd5 = '';
  await cloneImage(rados, io, PARENT, SNAP, io, name);
  const ictx = await openImage(rados, io, { name });
  try {
    assert.ok(ictx.header.parent, 'the clone has a parent before flatten');
    const objectCount = IMAGE_BYTES / ictx.objectSize;
    let done = 0;
    let flattening = true;
    // Flatten runs where the exclusive lock is held (the api layer's invokeAsyncRequest takes it first).
    await ictx.lock?.acquireLock();
    const started = Date.now();
    const flatten = flattenImage(ictx, { progress: (d) => (done = d) }).finally(() => (flattening = false));

    const inFlight = new Set<{ offset: number; length: number }>();
    const overlaps = (o: number, l: number) =>
      [...inFlight].some((w) => o < w.offset + w.length && w.offset < o + l);
    let seq = 0;
    let duringFlatten = 0;
    const lane = async () => {
      while (flattening) {
        const region = pick(done + ictx.concurrentManagementOps, objectCount);
        if (region === null || overlaps(region.offset, region.length)) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        const w: Written = { ...region, seq: seq++ };
        inFlight.add(w);
        try {
          await writeImage(ictx, w.offset, writeData(w));
        } finally {
          inFlight.delete(w);
        }
        model.writes.push(w);
        if (flattening) duringFlatten++;
      }
    };
    await Promise.all([flatten, ...Array.from({ length: WRITE_LANES }, lane)]);
    await flushImage(ictx);
    const bytes = model.writes.reduce((s, w) => s + w.length, 0);
    t.diagnostic(
      `${name}: flatten took ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `${model.writes.length} writes (${(bytes / MiB).toFixed(1)} MiB), ${duringFlatten} acknowledged while it ran`,
    );
    assert.ok(duringFlatten >= 10, `only ${duringFlatten} writes completed during the flatten`);
    assert.equal(ictx.header.parent, null, 'our view: no parent after flatten');
    assert.equal(ictx.parent, null, 'our view: parent image closed after flatten');

    const readStarted = Date.now();
    const md5 = await ourMd5(ictx, model);
    assert.equal(md5.ours, md5.expected, 'our readImage md5 equals the model');
    expectedMd5 = md5.expected;
    t.diagnostic(
      `${name}: our read + model check ${((Date.now() - readStarted) / 1000).toFixed(1)} s, md5 ${md5.ours}`,
    );
  } finally {
    await closeImage(ictx);
  }

  const exportStarted = Date.now();
  const real = await realExportMd5(name);
  t.diagnostic(
    `${name}: real rbd export ${((Date.now() - exportStarted) / 1000).toFixed(1)} s, md5 ${real.md5}`,
  );
  assert.equal(real.bytes, IMAGE_BYTES);
  assert.equal(real.md5, expectedMd5, 'real rbd export md5 equals the model');
  const info = await realRbd(['info', '--format', 'json', `${POOL}/${name}`]);
  assert.equal(info.code, 0, info.stderr);
  assert.equal(
    (JSON.parse(info.stdout) as { parent?: unknown }).parent,
    undefined,
    'real rbd info: no parent',
  );
  const children = await realRbd(['children', '--format', 'json', `${POOL}/${PARENT}@${SNAP}`]);
  assert.equal(children.code, 0, children.stderr);
  const listed = (JSON.parse(children.stdout) as { image: string }[]).map((c) => c.image);
  assert.ok(!listed.includes(name), `real rbd children still lists ${name}`);
  if (objectMapOn) {
    const check = await realRbd(['object-map', 'check', '--no-progress', `${POOL}/${name}`]);
    assert.equal(check.code, 0, `real rbd object-map check: ${check.stderr}`);
    // A map the check found wrong is flagged invalid (and rebuilt by no one): look at the flags too.
    const infoAfter = await realRbd(['info', '--format', 'json', `${POOL}/${name}`]);
    const flags = (JSON.parse(infoAfter.stdout) as { flags: string[] }).flags;
    assert.deepEqual(flags, [], `real rbd info flags after object-map check: ${flags.join(', ')}`);
  }
}

/** An aligned region of 4 KiB–1 MiB starting in [lo, hi), clipped to the image. */
function region(rand: () => number, lo: number, hi: number): { offset: number; length: number } {
  const offset = lo + Math.floor((rand() * (hi - lo)) / ALIGN) * ALIGN;
  const length = MIN_WRITE + Math.floor((rand() * (MAX_WRITE - MIN_WRITE + 1)) / ALIGN) * ALIGN;
  return { offset, length: Math.min(length, IMAGE_BYTES - offset) };
}

before(async () => {
  cluster = await startRealCluster({
    name: 'rbd-flatten-stress',
    basePort: 48700,
    osds: 3,
    objectStore: 'memstore',
    blockSizeBytes: 4 * 1024 ** 3,
    rbdPool: true,
  });
  // One copy of each object: three 1 GiB images stay about 1 GiB per OSD.
  await cluster.ceph(['osd', 'pool', 'set', POOL, 'size', '1', '--yes-i-really-mean-it']);
  await waitForCleanPgs((a) => cluster.ceph(a));
  const config = new Config({ environment: 'library' });
  config.set('mon_host', `[${cluster.monAddr}]`);
  rados = await Rados.connect(config);
  // Writable opens get the image watcher, exclusive lock and object map (idempotent; the api layer does the same).
  enableImageLifecycle();
  io = await rados.ioCtx(POOL);

  // Probe: does a writable open attach the exclusive lock and, once writing, the object map?
  await createImage(rados, io, 'probe', { sizeBytes: 16 * MiB });
  const probe = await openImage(rados, io, { name: 'probe' });
  await writeImage(probe, 0, Buffer.alloc(4096, 1));
  const wired = probe.lock !== null && probe.objectMap !== null;
  const defaults = probe.features;
  await closeImage(probe);
  await removeImage(rados, io, { name: 'probe' });
  features = wired ? defaults : RbdFeature.LAYERING;
  objectMapOn = (features & RbdFeature.OBJECT_MAP) !== 0n;

  await createImage(rados, io, PARENT, { sizeBytes: IMAGE_BYTES, features });
  const parent = await openImage(rados, io, { name: PARENT });
  try {
    const started = Date.now();
    await bounded(IMAGE_BYTES / CHUNK, FILL_IN_FLIGHT, async (n) => {
      await writeImage(parent, n * CHUNK, parentChunk(n));
    });
    await flushImage(parent);
    process.stderr.write(`parent filled (1 GiB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    await snapshotCreate(parent, SNAP);
    await snapshotProtect(parent, SNAP);
  } finally {
    await closeImage(parent);
  }
  process.stderr.write(
    `seed ${seed}; features 0x${features.toString(16)}` +
      (wired ? '' : ' (layering only: exclusive lock / object map not wired into open yet)') +
      '\n',
  );
});

after(async () => {
  await rados?.shutDown();
  await cluster?.stop();
});

test('rbd flatten: 1 GiB clone flattened while random writes land anywhere in it; our read and real export match the model', async (t) => {
  t.diagnostic(`seed ${seed}`);
  const rand = prng(seed);
  await flattenUnderWrites(t, 'clone-anywhere', () => region(rand, 0, IMAGE_BYTES));
});

test('rbd flatten: 1 GiB clone flattened while writes hit objects flatten has not reached yet; our read and real export match the model', async (t) => {
  t.diagnostic(`seed ${seed}`);
  const rand = prng(seed ^ 0x5bd1e995);
  await flattenUnderWrites(t, 'clone-ahead', (frontier, objectCount) => {
    // A margin past the objects flatten may have in flight, so each write meets an object it has not copied up.
    // Half of them just past it (racing the copy-up flatten is about to send), half anywhere further on.
    const first = frontier + 2;
    if (first >= objectCount) return null;
    const near = Math.min(objectCount, first + 8);
    return rand() < 0.5
      ? region(rand, first * CHUNK, near * CHUNK)
      : region(rand, first * CHUNK, objectCount * CHUNK);
  });
});
