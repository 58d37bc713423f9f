/**
 * Runs the rbd CLI in-process: captured stdout/stderr, a pinned clock and
 * timezone (UTC), and a librbd connector (the fake by default).
 */
import { readFileSync } from 'node:fs';
import { main } from '../../../../src/cli/rbd/main.js';
import type { LocalTime, RbdIo } from '../../../../src/cli/rbd/context.js';
import type { LibrbdConnector } from '../../../../src/cli/rbd/librbd-api.js';

export interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export const fixtureUrl = (name: string): URL =>
  new URL(`../../../../../test/fixtures/rbd-cli/${name}`, import.meta.url);
export const fixture = (name: string): string => readFileSync(fixtureUrl(name), 'utf8');
export const fixtureBytes = (name: string): Buffer => readFileSync(fixtureUrl(name));

export function utcTime(seconds: number): LocalTime {
  const d = new Date(seconds * 1000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth(),
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

/** A connector for runs that must never reach a cluster. */
export const unreachable: LibrbdConnector = {
  connect: () => Promise.reject(Object.assign(new Error('no cluster in this test'), { errno: -110 })),
};

export interface RunOptions {
  stdin?: Buffer;
  /** Runs when the command waits for enter (rbd watch), before it goes on. */
  onWaitForEnter?: () => void | Promise<void>;
  nowSeconds?: number;
  env?: Record<string, string>;
}

export async function run(
  args: string[],
  librbd: LibrbdConnector = unreachable,
  o: RunOptions = {},
): Promise<RunResult> {
  const out: Buffer[] = [];
  let err = '';
  let clock = 0;
  const io: RbdIo = {
    stdout: (d) => {
      out.push(Buffer.isBuffer(d) ? Buffer.from(d) : Buffer.from(d, 'utf8'));
    },
    stderr: (t) => {
      err += t;
    },
    stdin: async function* () {
      if (o.stdin) yield o.stdin;
    },
    waitForEnter: async () => {
      await o.onWaitForEnter?.();
    },
    now: () => o.nowSeconds ?? 1_700_000_000,
    monotonicMs: () => (clock += 10),
    localTime: utcTime,
  };
  const code = await main(args, io, o.env ?? {}, librbd);
  return { code, stdout: Buffer.concat(out), stderr: err };
}
