/**
 * The `rbd` command: Pacific's rbd.cc + Shell::execute in TypeScript.
 *
 *   argv + CEPH_ARGS → global_init (argparse.ts: -c, --cluster, --id, -n, -m,
 *   -k, -K, --<config option> …; errors: the message, exit 1)
 *   → the shell (shell.ts) with what is left → exit status
 *
 * The librbd behind the commands comes from a `LibrbdConnector`; by default
 * the one src/rbd/ exports as `librbdConnector`.
 */
import { guardStdout } from '../common/stdout.js';
import { createInterface } from 'node:readline';
import { parseCommonArgs } from '../../common/argparse.js';
import { cephVersionLine } from '../../common/version.js';
import { CephError } from '../../common/errors.js';
import { allActions } from './commands.js';
import type { RbdContext, RbdIo } from './context.js';
import type { LibrbdConnector } from './librbd-api.js';
import { Shell } from './shell.js';
import { CliExit, systemLocalTime } from './utils.js';

export const processIo: RbdIo = {
  stdout: (data) => {
    guardStdout();
    if (process.stdout.write(data)) return;
    return new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
  stdin: () => process.stdin as AsyncIterable<Buffer>,
  waitForEnter: () =>
    new Promise<void>((resolve) => {
      const rl = createInterface({ input: process.stdin });
      const done = () => {
        rl.close();
        process.off('SIGINT', done);
        process.off('SIGTERM', done);
        resolve();
      };
      rl.once('line', done);
      rl.once('close', done);
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    }),
  now: () => Math.floor(Date.now() / 1000),
  monotonicMs: () => performance.now(),
  localTime: systemLocalTime,
};

/** The librbd of src/rbd/, loaded when a command first needs the cluster. */
export const defaultConnector: LibrbdConnector = {
  async connect(config) {
    // resolved at run time so the CLI builds on its own interface (librbd-api.ts)
    const path = '../../rbd/index.js';
    let mod: { librbdConnector?: LibrbdConnector };
    try {
      mod = (await import(path)) as { librbdConnector?: LibrbdConnector };
    } catch (err) {
      throw new CephError('ENOSYS', `librbd is not available: ${(err as Error).message}`);
    }
    if (!mod.librbdConnector) throw new CephError('ENOSYS', 'librbd is not available');
    return mod.librbdConnector.connect(config);
  },
};

/** Exit statuses are bytes. */
function exitStatus(code: number): number {
  return ((code % 256) + 256) % 256;
}

/**
 * What global_init took out of argv (to warn about --user and the like), found
 * the way Shell.cc does: argv entries missing, in order, from what is left.
 */
function consumedArgs(argv: readonly string[], rest: readonly string[]): string[] {
  const out: string[] = [];
  let cursor = 0;
  for (const arg of argv) {
    let i = cursor;
    while (i < rest.length && rest[i] !== arg) i++;
    if (i === rest.length) out.push(arg);
    else cursor = i + 1;
  }
  return out;
}

export async function main(
  argv: string[],
  io: RbdIo = processIo,
  env: Readonly<Record<string, string | undefined>> = process.env,
  librbd: LibrbdConnector = defaultConnector,
): Promise<number> {
  if (argv.includes('--version') || argv.includes('-v')) {
    await io.stdout(cephVersionLine() + '\n');
    return 0;
  }
  let common;
  try {
    common = parseCommonArgs(argv, env, { environment: 'utility' });
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  for (const w of common.warnings) io.stderr(w + '\n');
  common.config.noMonConfig = true;
  const ctx: RbdContext = {
    io,
    config: common.config,
    librbd,
    globalInitArgs: consumedArgs(argv, common.rest),
  };
  const shell = new Shell(allActions());
  try {
    return exitStatus(await shell.execute(common.rest, ctx));
  } catch (err) {
    if (err instanceof CliExit) return exitStatus(Math.abs(err.r));
    throw err;
  }
}
