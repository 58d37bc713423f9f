/**
 * The `ceph` CLI's own options (what ceph.in's argparse knows), separated from
 * the command words and the generic Ceph options that the config parser takes.
 * Like Python's parse_known_args, options may appear anywhere; `--` ends them.
 */
import { CephError } from '../../common/errors.js';

export const OUTPUT_FORMATS = ['json', 'json-pretty', 'xml', 'xml-pretty', 'plain', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface CephCliOptions {
  help: boolean;
  conf?: string;
  inFile?: string;
  outFile?: string;
  clientId?: string;
  clientName?: string;
  cluster?: string;
  adminSocket?: string;
  status: boolean;
  watch: boolean;
  /** Level from --watch-debug/info/sec/warn/error. */
  watchLevel?: string;
  watchChannel?: string;
  version: boolean;
  verbose: boolean;
  format?: OutputFormat;
  connectTimeoutSec?: number;
  /** Everything else: command words and generic Ceph options, in order. */
  rest: string[];
}

/** Options that take a value: flag → field. */
const valued: Record<string, keyof CephCliOptions> = {
  '-c': 'conf',
  '--conf': 'conf',
  '-i': 'inFile',
  '--in-file': 'inFile',
  '-o': 'outFile',
  '--out-file': 'outFile',
  '--id': 'clientId',
  '--user': 'clientId',
  '--name': 'clientName',
  '-n': 'clientName',
  '--cluster': 'cluster',
  '--admin-daemon': 'adminSocket',
  '-W': 'watchChannel',
  '--watch-channel': 'watchChannel',
  '-f': 'format',
  '--format': 'format',
  '--connect-timeout': 'connectTimeoutSec',
  '--setuser': 'rest',
  '--setgroup': 'rest',
  '--period': 'rest',
  '-p': 'rest',
};

const WATCH_LEVELS = ['debug', 'info', 'sec', 'warn', 'error'];

/** Python argparse accepts any unambiguous prefix of a long option; ceph's users rely on a few. */
export function parseCephCliArgs(argv: readonly string[]): CephCliOptions {
  const o: CephCliOptions = {
    help: false,
    status: false,
    watch: false,
    version: false,
    verbose: false,
    rest: [],
  };
  const setValue = (flag: string, value: string | undefined): void => {
    if (value === undefined) throw new CephError('EINVAL', `argument ${flag}: expected one argument`);
    const field = valued[flag]!;
    if (field === 'rest') return; // accepted and ignored (ownership, polling period)
    if (field === 'format') {
      if (!(OUTPUT_FORMATS as readonly string[]).includes(value)) {
        throw new CephError(
          'EINVAL',
          `argument -f/--format: invalid choice: '${value}' (choose from ${OUTPUT_FORMATS.map((f) => `'${f}'`).join(', ')})`,
        );
      }
      o.format = value as OutputFormat;
    } else if (field === 'connectTimeoutSec') {
      const n = Number(value);
      if (!Number.isInteger(n))
        throw new CephError('EINVAL', `argument --connect-timeout: invalid int value: '${value}'`);
      o.connectTimeoutSec = n;
    } else {
      (o as unknown as Record<string, string>)[field] = value;
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      o.rest.push(...argv.slice(i + 1));
      break;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag in valued) {
      setValue(flag, eq > 0 ? arg.slice(eq + 1) : argv[++i]);
      continue;
    }
    // short options glued to their value: -fjson, -cFILE
    if (/^-[cionfW]./.test(arg) && !arg.startsWith('--')) {
      setValue(arg.slice(0, 2), arg.slice(2));
      continue;
    }
    switch (arg) {
      case '-h':
      case '--help':
        o.help = true;
        break;
      case '-s':
      case '--status':
        o.status = true;
        break;
      case '-w':
      case '--watch':
        o.watch = true;
        break;
      case '-v':
      case '--version':
        o.version = true;
        break;
      case '--verbose':
        o.verbose = true;
        break;
      case '--concise':
        o.verbose = false;
        break;
      default: {
        const level = WATCH_LEVELS.find((l) => arg === `--watch-${l}`);
        if (level) o.watchLevel = level;
        else o.rest.push(arg);
      }
    }
  }
  if (o.watchChannel !== undefined) o.watch = true;
  else if (o.watch) o.watchChannel = 'cluster';
  if (o.watchLevel && !o.watchChannel) o.watchChannel = 'cluster';
  return o;
}
