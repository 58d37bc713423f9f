/**
 * Replays the session captured from the real rbd on a real Pacific cluster
 * (test/fixtures/rbd-cli/session.json, see capture-session.mjs) against our
 * CLI on the in-memory librbd: same command lines in the same order, the
 * same stdout, stderr and exit status after the same normalisation, and the
 * same bytes in every file written (exports, diffs).
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixture, fixtureUrl, run } from './harness.js';
import { FakeCluster } from './fake-librbd.js';

interface SessionCase {
  args: string[];
  stdin?: string;
  capture?: Record<string, string>;
  code: number;
  stdout: string | null;
  binary?: boolean;
  stderr: string;
  files?: Record<string, string>;
}

interface SupportModule {
  makeDataFiles(dir: string): void;
  Normalizer: new (tmp: string) => { text(s: string): string };
}

const NOW = 1_700_000_000;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('rbd session: the real rbd session replayed on the fake librbd', async () => {
  const support = (await import(fixtureUrl('session-support.mjs').href)) as SupportModule;
  const cases = JSON.parse(fixture('session.json')) as SessionCase[];
  const tmp = mkdtempSync(join(tmpdir(), 'rbd-session-'));
  support.makeDataFiles(tmp);
  const norm = new support.Normalizer(tmp);
  // the fixture is normalised already; a second pass only applies rules added since the capture
  const again = (s: string) => new support.Normalizer('@TMP@').text(s);
  const cluster = new FakeCluster();
  cluster.now = NOW;
  cluster.createPool('sess').application = 'rbd';
  const captured: Record<string, string> = {};
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const [i, c] of cases.entries()) {
    it(`#${i} rbd ${c.args.join(' ')}`, async () => {
      const args = c.args.map((a) =>
        a.replace('@TMP@', tmp).replace(/@([A-Z0-9_]+)@/g, (m, n: string) => captured[n] ?? m),
      );
      const r = await run(args, cluster, {
        env: { CEPH_ARGS: '--rbd_default_pool=sess', CEPH_CONF: '/dev/null' },
        stdin: c.stdin ? readFileSync(join(tmp, c.stdin)) : undefined,
        nowSeconds: NOW,
      });
      for (const [name, re] of Object.entries(c.capture ?? {})) {
        const m = new RegExp(re, 'm').exec(r.stdout.toString('latin1'));
        assert.ok(m, `capture ${name}`);
        captured[name] = m[1]!;
      }
      assert.equal(norm.text(r.stderr), again(c.stderr), 'stderr');
      if (c.stdout !== null) {
        if (c.binary) assert.equal(sha256(r.stdout), c.stdout, 'stdout bytes');
        else assert.equal(norm.text(r.stdout.toString('utf8')), again(c.stdout), 'stdout');
      }
      assert.equal(r.code, c.code, 'exit status');
      for (const [name, hash] of Object.entries(c.files ?? {})) {
        const p = join(tmp, name);
        assert.equal(sha256(existsSync(p) ? readFileSync(p) : Buffer.alloc(0)), hash, `file ${name}`);
      }
    });
  }
});
