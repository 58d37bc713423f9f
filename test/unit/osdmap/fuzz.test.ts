/**
 * Decoders of network input turn garbage into one CephError: real maps and
 * incrementals, truncated anywhere or with random bytes changed, either
 * decode or throw CephError — never another exception. The seed is printed
 * and OSDMAP_FUZZ_SEED replays a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isCephError } from '../../../src/common/errors.js';
import { OSDMap, decodeOSDMapIncremental } from '../../../src/osdmap/index.js';

const dir = new URL('../../../../test/fixtures/osdmap/live/', import.meta.url).pathname;
const SEED = Number(process.env['OSDMAP_FUZZ_SEED'] ?? Date.now() % 1000000);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function survives(decode: (b: Buffer) => unknown, buf: Buffer, what: string): void {
  try {
    decode(buf);
  } catch (err) {
    assert.ok(isCephError(err), `${what}: ${String(err)} (seed ${SEED})`);
  }
}

test(`osdmap fuzz: damaged maps and incrementals fail with CephError only (OSDMAP_FUZZ_SEED=${SEED})`, () => {
  const r = rng(SEED);
  const files = readdirSync(dir).filter((f) => f.startsWith('full.') || f.startsWith('inc.'));
  const decoders = {
    full: (b: Buffer) => OSDMap.decode(b),
    inc: (b: Buffer) => decodeOSDMapIncremental(b),
  };
  for (let i = 0; i < 1500; i++) {
    const name = files[Math.floor(r() * files.length)]!;
    const original = readFileSync(join(dir, name));
    const decode = name.startsWith('full.') ? decoders.full : decoders.inc;
    const cut = Math.floor(r() * original.length);
    survives(decode, original.subarray(0, cut), `${name} cut at ${cut}`);
    const damaged = Buffer.from(original);
    const flips = 1 + Math.floor(r() * 4);
    for (let k = 0; k < flips; k++) damaged[Math.floor(r() * damaged.length)] = Math.floor(r() * 256);
    survives(decode, damaged, `${name} with ${flips} changed bytes`);
  }
});
