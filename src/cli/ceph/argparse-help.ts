/**
 * `ceph … -h` as Pacific's CLI prints it: the general usage block (Python
 * argparse's help for the global options plus the locally handled commands,
 * fixed text) and the "Monitor commands" table, where each signature whose
 * concise form starts with the words given is wrapped into two columns of
 * half the terminal width (80 columns when stdin is not a terminal).
 */
import { conciseSig, CommandFlag, type CommandSignature } from './argparse.js';

/** Characters `wrap` will not break after (letters and brackets), so words and `<name>` stay whole. */
const DONTSPLIT = new Set([...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ{[<>]}']);

/**
 * ceph's `wrap()`: cut `s` into lines of at most `width` characters (one less
 * after the first, which makes room for the one-space indent of the
 * continuation lines), preferring to break after anything but a letter or bracket.
 */
export function wrapText(text: string, width: number, indent: number): string[] {
  let s = text;
  let w = width;
  let result = '';
  let leader = '';
  const out: string[] = [];
  while (s.length) {
    if (s.length <= w) {
      result = leader + s;
      s = '';
      out.push(result);
      continue;
    }
    let split = w;
    while (split > 0 && DONTSPLIT.has(s[split - 1]!)) split -= 1;
    if (split === 0) split = w;
    if (result) result = leader;
    else {
      leader = ' '.repeat(indent);
      w -= 1;
    }
    result += s.slice(0, split).replace(/^\s+/, '');
    s = s.slice(split);
    out.push(result);
  }
  return out;
}

/**
 * `format_help`: the two-column table of commands, sorted by signature,
 * skipping obsolete, deprecated and hidden ones and those without help; with
 * `partial`, only signatures starting with it.
 */
export function formatCommandTable(
  sigs: readonly CommandSignature[],
  partial?: string,
  columns = 80,
): string {
  const width = columns - 1; // one column between signature and help
  const sigWidth = Math.floor(width / 2);
  const helpWidth = Math.floor(width / 2) + (width % 2);
  const rows = sigs
    .map((cmd) => ({ cmd, concise: conciseSig(cmd.sig) }))
    .sort((a, b) => (a.concise < b.concise ? -1 : a.concise > b.concise ? 1 : 0));
  let out = '';
  for (const { cmd, concise } of rows) {
    if (!cmd.help) continue;
    if (cmd.flags & (CommandFlag.OBSOLETE | CommandFlag.DEPRECATED | CommandFlag.HIDDEN)) continue;
    if (partial && !concise.startsWith(partial)) continue;
    const sigLines = wrapText(concise, sigWidth, 1);
    const helpLines = wrapText(cmd.help, helpWidth, 1);
    const n = Math.max(sigLines.length, helpLines.length);
    for (let i = 0; i < n; i++) out += `${(sigLines[i] ?? '').padEnd(sigWidth)} ${helpLines[i] ?? ''}\n`;
  }
  return out;
}

/** ceph's `hdr()`: a blank line, the title between spaces, then `=` under it. */
export function helpHeader(title: string): string {
  return `\n ${title} \n ${'='.repeat(title.length)}\n`;
}

const GENERAL_HELP_LINES = [
  '',
  ' General usage: ',
  ' ==============',
  'usage: ceph [-h] [-c CEPHCONF] [-i INPUT_FILE] [-o OUTPUT_FILE]',
  '            [--setuser SETUSER] [--setgroup SETGROUP] [--id CLIENT_ID]',
  '            [--name CLIENT_NAME] [--cluster CLUSTER]',
  '            [--admin-daemon ADMIN_SOCKET] [-s] [-w] [--watch-debug]',
  '            [--watch-info] [--watch-sec] [--watch-warn] [--watch-error]',
  '            [-W WATCH_CHANNEL] [--version] [--verbose] [--concise]',
  '            [-f {json,json-pretty,xml,xml-pretty,plain,yaml}]',
  '            [--connect-timeout CLUSTER_TIMEOUT] [--block] [--period PERIOD]',
  '',
  'Ceph administration tool',
  '',
  'options:',
  '  -h, --help            request mon help',
  '  -c CEPHCONF, --conf CEPHCONF',
  '                        ceph configuration file',
  '  -i INPUT_FILE, --in-file INPUT_FILE',
  '                        input file, or "-" for stdin',
  '  -o OUTPUT_FILE, --out-file OUTPUT_FILE',
  '                        output file, or "-" for stdout',
  '  --setuser SETUSER     set user file permission',
  '  --setgroup SETGROUP   set group file permission',
  '  --id CLIENT_ID, --user CLIENT_ID',
  '                        client id for authentication',
  '  --name CLIENT_NAME, -n CLIENT_NAME',
  '                        client name for authentication',
  '  --cluster CLUSTER     cluster name',
  '  --admin-daemon ADMIN_SOCKET',
  '                        submit admin-socket commands ("help" for help)',
  '  -s, --status          show cluster status',
  '  -w, --watch           watch live cluster changes',
  '  --watch-debug         watch debug events',
  '  --watch-info          watch info events',
  '  --watch-sec           watch security events',
  '  --watch-warn          watch warn events',
  '  --watch-error         watch error events',
  '  -W WATCH_CHANNEL, --watch-channel WATCH_CHANNEL',
  '                        watch live cluster changes on a specific channel',
  "                        (e.g., cluster, audit, cephadm, or '*' for all)",
  '  --version, -v         display version',
  '  --verbose             make verbose',
  '  --concise             make less verbose',
  '  -f {json,json-pretty,xml,xml-pretty,plain,yaml}, --format {json,json-pretty,xml,xml-pretty,plain,yaml}',
  '  --connect-timeout CLUSTER_TIMEOUT',
  '                        set a timeout for connecting to the cluster',
  '  --block               block until completion (scrub and deep-scrub only)',
  '  --period PERIOD, -p PERIOD',
  '                        polling period, default 1.0 second (for polling',
  '                        commands only)',
  '',
  ' Local commands: ',
  ' ===============',
  '',
  'ping <mon.id>           Send simple presence/life test to a mon',
  "                        <mon.id> may be 'mon.*' for all mons",
  'daemon {type.id|path} <cmd>',
  '                        Same as --admin-daemon, but auto-find admin socket',
  'daemonperf {type.id | path} [stat-pats] [priority] [<interval>] [<count>]',
  'daemonperf {type.id | path} list|ls [stat-pats] [priority]',
  '                        Get selected perf stats from daemon/admin socket',
  '                        Optional shell-glob comma-delim match string stat-pats',
  '                        Optional selection priority (can abbreviate name):',
  '                         critical, interesting, useful, noninteresting, debug',
  '                        List shows a table of all available stats',
  '                        Run <count> times (default forever),',
  '                         once per <interval> seconds (default 1)',
  '    ',
  '',
];

/** The general usage and local commands text `ceph -h` prints before the command table (Python 3.11 argparse, 80 columns). */
export const GENERAL_HELP = GENERAL_HELP_LINES.join('\n');

/**
 * Everything `ceph WORDS… -h` prints on stdout (stdin not a terminal): the
 * general usage, then "Monitor commands:" and the signatures that start with
 * the words.
 */
export function formatPrefixHelp(
  sigs: readonly CommandSignature[],
  words: readonly string[],
  columns = 80,
): string {
  return GENERAL_HELP + helpHeader('Monitor commands:') + formatCommandTable(sigs, words.join(' '), columns);
}
