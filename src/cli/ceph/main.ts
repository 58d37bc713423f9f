/**
 * The `ceph` command: ceph.in's flow in TypeScript.
 *
 *   parse CLI options → [--version] → [--admin-daemon: talk to a socket, exit]
 *   → read config (-c, CEPH_CONF, --cluster, -n/--id, generic --options)
 *   → CONNECT (MonClient; --connect-timeout) → [-w: print status, stream the cluster log]
 *   → GET_COMMAND_DESCRIPTIONS from the mon → MATCH the words → SEND to mon or mgr
 *   → print outbuf (a blank line first for JSON formats, as Ceph does), outs to stderr,
 *     `Error ENAME: outs` and exit status = errno on failure
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CephError, errnoName, isCephError } from '../../common/errors.js';
import { parseCommonArgs } from '../../common/argparse.js';
import { connectCluster, type ClusterHandle } from '../common/cluster.js';
import { MLog, formatLogLine } from '../../msg/messages/log.js';
import { MonMessageType } from '../../msg/messages/mon-message-types.js';
import {
  commandJson,
  findCommandTarget,
  isCommandMatch,
  matchCommand,
  parseCommandDescriptions,
  type CommandSignature,
} from './argparse.js';
import { parseCephCliArgs, type CephCliOptions } from './options.js';
import { adminSocketCommand } from './admin-daemon.js';
import { cephVersionLine } from '../../common/version.js';

const EINVAL = 22;

interface Output {
  stdout(data: string | Buffer): void;
  stderr(line: string): void;
}

const processOutput: Output = {
  stdout: (data) => process.stdout.write(data),
  stderr: (line) => process.stderr.write(line + '\n'),
};

export async function main(argv: string[], out: Output = processOutput): Promise<number> {
  let opts: CephCliOptions;
  try {
    opts = parseCephCliArgs(argv);
  } catch (err) {
    out.stderr(`ceph: error: ${(err as Error).message}`);
    return 2;
  }
  if (opts.version) {
    out.stdout(cephVersionLine() + '\n');
    return 0;
  }
  if (opts.adminSocket !== undefined) {
    return adminSocketCommand(opts.adminSocket, opts.rest, opts.format, out);
  }

  const commonArgv: string[] = [];
  if (opts.conf) commonArgv.push('-c', opts.conf);
  if (opts.cluster) commonArgv.push('--cluster', opts.cluster);
  if (opts.clientName) commonArgv.push('-n', opts.clientName);
  else if (opts.clientId) commonArgv.push('-n', `client.${opts.clientId}`);
  let words: string[];
  let cluster: ClusterHandle;
  try {
    const common = parseCommonArgs([...commonArgv, ...opts.rest], process.env, { environment: 'utility' });
    words = common.rest.filter((w) => w !== '--');
    const timeoutMs = opts.connectTimeoutSec !== undefined ? opts.connectTimeoutSec * 1000 : undefined;
    cluster = await connectCluster(common.config, timeoutMs !== undefined ? { timeoutMs } : {});
  } catch (err) {
    if (isCephError(err, 'ETIMEDOUT')) {
      out.stderr('[errno 110] RADOS timed out (error connecting to the cluster)');
      return 1;
    }
    out.stderr(err instanceof Error ? err.message : String(err));
    return 1;
  }
  try {
    if (opts.watch) return await watch(cluster, opts, out);
    if (opts.status) words.unshift('status');
    return await runCommand(cluster, opts, words, out);
  } finally {
    await cluster.shutDown();
  }
}

async function runCommand(
  cluster: ClusterHandle,
  opts: CephCliOptions,
  words: string[],
  out: Output,
): Promise<number> {
  const target = findCommandTarget(words);
  if (target.type !== 'mon') {
    out.stderr(
      `error handling command target: tsceph does not yet send commands to ${target.type ?? 'every daemon'}`,
    );
    return 1;
  }
  const descs = await cluster.command(JSON.stringify({ prefix: 'get_command_descriptions' }));
  if (descs.r < 0) {
    out.stderr(`Error ${errnoName(descs.r)}: problem getting command descriptions from mon.`);
    return -descs.r;
  }
  const sigs: CommandSignature[] = parseCommandDescriptions(descs.outbuf.toString('utf8'), 'cli');
  if (opts.help || words.length === 0) {
    out.stderr('usage: ceph [options] <command> (use `ceph -h` with a command prefix for help)');
    return words.length === 0 && !opts.help ? 1 : 0;
  }
  const match = matchCommand(sigs, words);
  if (!isCommandMatch(match)) {
    for (const line of match.stderr) out.stderr(line);
    return EINVAL;
  }
  const cmd = { ...match.cmd };
  if (opts.format) cmd.format = opts.format;
  if (opts.verbose) out.stderr(`Submitting command:  ${JSON.stringify(cmd)}`);
  const targetField = cmd.target as readonly unknown[] | undefined;
  const toMgr = Array.isArray(targetField) && (targetField[0] === 'mon-mgr' || targetField[0] === 'mgr');
  let inbuf = Buffer.alloc(0);
  if (opts.inFile !== undefined) {
    try {
      inbuf = opts.inFile === '-' ? readFileSync(0) : readFileSync(opts.inFile);
    } catch (err) {
      out.stderr(`Can't open input file ${opts.inFile}: ${(err as Error).message}`);
      return 1;
    }
  }
  const reply = await cluster.command(commandJson(cmd, match.sig), inbuf, toMgr);
  const { r, outbuf } = reply;
  let { rs } = reply;
  if (r === -110 && !rs) rs = "Connection timed out. Please check the client's permission and connection.";
  if (opts.outFile !== undefined && opts.outFile !== '-') {
    writeFileSync(opts.outFile, outbuf);
  } else {
    if (opts.format?.startsWith('json')) out.stdout('\n');
    if (outbuf.length) out.stdout(outbuf);
  }
  if (r < 0) {
    out.stderr(`Error ${errnoName(r)}: ${rs}`);
    return -r;
  }
  if (rs) out.stderr(rs);
  return 0;
}

/** `ceph -w`: print the status, then every cluster-log line of the channel until interrupted. */
async function watch(cluster: ClusterHandle, opts: CephCliOptions, out: Output): Promise<number> {
  const status = await cluster.command(JSON.stringify({ prefix: 'status' }));
  if (status.r !== 0) {
    out.stderr(`status query failed:  ${status.rs}`);
    return -status.r;
  }
  out.stdout(status.outbuf.toString('utf8') + '\n');
  const level = opts.watchLevel ?? 'info';
  cluster.messenger.addDispatcherTail({
    msDispatch: (msg) => {
      if (msg.type !== MonMessageType.MSG_LOG) return false;
      for (const entry of (msg as MLog).entries) {
        if (opts.watchChannel === '*' || opts.watchChannel === entry.channel)
          out.stdout(formatLogLine(entry) + '\n');
      }
      return true;
    },
  });
  cluster.monc.subWant(`log-${level}`, 0, 0);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  return 0;
}

export { CephError };
