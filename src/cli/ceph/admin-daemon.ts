/**
 * `ceph --admin-daemon PATH cmd…`: what ceph_daemon.admin_socket() does —
 * fetch the daemon's command descriptions over the socket, match the words
 * against them, send the command JSON and write the raw reply.
 */
import { adminSocketRequest } from '../../common/admin-socket.js';
import { commandJson, isCommandMatch, matchCommand, parseCommandDescriptions } from './argparse.js';

const EINVAL = 22;

export async function adminSocketCommand(
  path: string,
  words: string[],
  format: string | undefined,
  out: { stdout(data: string | Buffer): void; stderr(line: string): void },
): Promise<number> {
  let descriptions: Buffer;
  try {
    descriptions = await adminSocketRequest(path, '{"prefix": "get_command_descriptions"}');
  } catch (err) {
    out.stderr(`admin_socket: exception getting command descriptions: ${(err as Error).message}`);
    return EINVAL;
  }
  if (words.length === 1 && words[0] === 'get_command_descriptions') {
    out.stdout(descriptions);
    return 0;
  }
  const sigs = parseCommandDescriptions(descriptions.toString('utf8'), 'cli');
  const match = matchCommand(sigs, words);
  if (!isCommandMatch(match)) {
    for (const line of match.stderr.slice(0, -1)) out.stderr(line);
    out.stderr('admin_socket: invalid command');
    return EINVAL;
  }
  const cmd = { ...match.cmd };
  if (format) cmd.format = format;
  try {
    out.stdout(await adminSocketRequest(path, commandJson(cmd, match.sig)));
  } catch (err) {
    out.stderr(`admin_socket: exception: ${(err as Error).message}`);
    return EINVAL;
  }
  return 0;
}
