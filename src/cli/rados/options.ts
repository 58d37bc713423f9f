/**
 * The `rados` command line as Pacific's rados.cc `main()` reads it:
 *
 *   argv → [no arguments: "-h or --help for usage"] → [-h/--help anywhere: usage to stdout, exit 0]
 *        → pre-scan "-f FORMAT" (global_init would take -f as --foreground)
 *        → common Ceph arguments (-c, -n/--id, -m, CEPH_ARGS, --<config option>) → Config
 *        → the tool's own options, in any position, into an option map; everything
 *          else stays a positional argument (the command and its words)
 *        → [no command: "you must give an action"]
 *
 * Option names compare with '-' and '_' alike, as `ceph_argparse_flag` does;
 * options with a value take it as the next argument or after '='.
 */
import { Formatter } from '../../common/formatter.js';

/** The tool's options as rados.cc keys them in its `opts` map. */
export type RadosOptionMap = Map<string, string>;

interface OptionSpec {
  names: readonly string[];
  key: string;
  /** Takes a value (`ceph_argparse_witharg`) rather than being a flag. */
  withArg: boolean;
}

const flag = (key: string, ...names: string[]): OptionSpec => ({ names, key, withArg: false });
const arg = (key: string, ...names: string[]): OptionSpec => ({ names, key, withArg: true });

/** In the order rados.cc tries them (the first match wins). */
const OPTIONS: readonly OptionSpec[] = [
  flag('force-full', '--force-full'),
  flag('delete-after', '-d', '--delete-after'),
  flag('create', '-C', '--create', '--create-pool'),
  flag('pretty-format', '--pretty-format'),
  flag('show-time', '--show-time'),
  flag('no-cleanup', '--no-cleanup'),
  flag('no-hints', '--no-hints'),
  flag('reuse-bench', '--reuse-bench'),
  flag('no-verify', '--no-verify'),
  arg('run-name', '--run-name'),
  arg('prefix', '--prefix'),
  arg('pool', '-p', '--pool'),
  arg('target_pool', '--target-pool'),
  arg('object_locator', '--object-locator'),
  arg('target_locator', '--target-locator'),
  arg('target_nspace', '--target-nspace'),
  flag('striper', '--striper'),
  arg('concurrent-ios', '-t', '--concurrent-ios'),
  arg('block-size', '--block-size'),
  arg('block-size', '-b'),
  arg('object-size', '--object-size'),
  arg('max-objects', '--max-objects'),
  arg('offset', '--offset'),
  arg('object-size', '-O'),
  arg('snap', '-s', '--snap'),
  arg('snapid', '-S', '--snapid'),
  arg('min-object-size', '--min-object-size'),
  arg('max-object-size', '--max-object-size'),
  arg('min-op-len', '--min-op-len'),
  arg('max-op-len', '--max-op-len'),
  arg('max-ops', '--max-ops'),
  arg('max-backlog', '--max-backlog'),
  arg('target-throughput', '--target-throughput'),
  arg('offset_align', '--offset-align'),
  arg('read-percent', '--read-percent'),
  arg('num-objects', '--num-objects'),
  arg('run-length', '--run-length'),
  arg('workers', '--workers'),
  arg('format', '-f', '--format'),
  arg('lock-tag', '--lock-tag'),
  arg('lock-cookie', '--lock-cookie'),
  arg('lock-description', '--lock-description'),
  arg('lock-duration', '--lock-duration'),
  arg('lock-type', '--lock-type'),
  arg('namespace', '-N', '--namespace'),
  flag('all', '--all'),
  flag('default', '--default'),
  arg('output', '-o', '--output'),
  flag('write-dest-omap', '--write-omap'),
  flag('write-dest-obj', '--write-object'),
  flag('write-dest-xattr', '--write-xattr'),
  flag('with-clones', '--with-clones'),
  arg('omap-key-file', '--omap-key-file'),
  arg('obj-name-file', '--obj-name-file'),
  flag('with-reference', '--with-reference'),
  arg('pgid', '--pgid'),
  arg('input_file', '--input-file'),
];

/** `ceph_argparse_cmp_dash`: '-' and '_' are the same character in option names. */
function sameName(a: string, b: string): boolean {
  return a.replace(/_/g, '-') === b.replace(/_/g, '-');
}

/** Why parsing stopped before the command could run. */
export type ParseStop =
  /** Print the usage to stderr (generic part to stdout) and exit 1 (`usage_exit`). */
  | { kind: 'usage' }
  /** Print this line to stderr and exit 1. */
  | { kind: 'error'; message: string };

/** `ceph_argparse_need_usage`: any -h or --help (or nothing at all) means print the usage. */
export function needUsage(args: readonly string[]): boolean {
  return args.length === 0 || args.some((a) => a === '-h' || a === '--help');
}

/**
 * The "-f FORMAT" pre-scan: the first "-f" (before "--") followed by a format
 * Ceph's `Formatter::create` knows is taken out of `args` and becomes the
 * format option. Returns the args left and the last value looked at (rados.cc
 * keeps it in the variable its option loop reuses).
 */
export function takeFormatShortOption(args: readonly string[]): {
  args: string[];
  format?: string;
  lastValue: string;
} {
  const out = [...args];
  let lastValue = '';
  for (let j = 0; j < out.length; j++) {
    if (out[j] === '--' || j + 1 === out.length) break;
    if (out[j] === '-f') {
      lastValue = out[j + 1]!;
      if (isKnownFormat(lastValue)) {
        out.splice(j, 2);
        return { args: out, format: lastValue, lastValue };
      }
    }
  }
  return { args: out, lastValue };
}

/**
 * Names `Formatter::create` accepts (an empty name means its default,
 * json-pretty). tsceph renders only JSON and XML; table and html are
 * accepted here and rejected later as unrecognized.
 */
export function isKnownFormat(name: string): boolean {
  return [
    '',
    'json',
    'json-pretty',
    'xml',
    'xml-pretty',
    'table',
    'table-kv',
    'html',
    'html-pretty',
  ].includes(name);
}

/** `Formatter::create(name)` for the formats tsceph renders; undefined otherwise. */
export function createFormatter(name: string): Formatter | undefined {
  const type = name === '' ? 'json-pretty' : name;
  if (type === 'json' || type === 'json-pretty' || type === 'xml' || type === 'xml-pretty') {
    return new Formatter(type);
  }
  return undefined;
}

/**
 * The option loop of rados.cc `main()` over what the common parser left.
 * `lastValue` is the value the pre-scan looked at last: rados.cc prints the
 * usage when an unknown argument follows an option whose value (or that
 * pre-scan value) starts with '-'.
 */
export function parseRadosOptions(
  rest: readonly string[],
  opts: RadosOptionMap,
  lastValue: string,
): { nargs: string[] } | ParseStop {
  const nargs: string[] = [];
  let val = lastValue;
  for (let i = 0; i < rest.length;) {
    const a = rest[i]!;
    if (a === '--') {
      nargs.push(...rest.slice(i + 1));
      break;
    }
    const eq = a.indexOf('=');
    let matched = false;
    for (const spec of OPTIONS) {
      if (!spec.withArg) {
        if (spec.names.some((n) => sameName(a, n))) {
          opts.set(spec.key, 'true');
          i += 1;
          matched = true;
          break;
        }
        continue;
      }
      if (spec.names.some((n) => sameName(a, n))) {
        if (i + 1 >= rest.length) return { kind: 'error', message: `Option ${a} requires an argument.` };
        val = rest[i + 1]!;
        opts.set(spec.key, val);
        i += 2;
        matched = true;
        break;
      }
      if (eq > 0 && spec.names.some((n) => sameName(a.slice(0, eq), n))) {
        val = a.slice(eq + 1);
        opts.set(spec.key, val);
        i += 1;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (val.startsWith('-')) return { kind: 'usage' };
    nargs.push(a);
    i += 1;
  }
  return { nargs };
}
