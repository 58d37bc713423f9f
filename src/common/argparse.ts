/**
 * The command-line and environment handling every Ceph program shares
 * (`global_pre_init`, `ceph_argparse_early_args`, `md_config_t::parse_argv`):
 *
 *   argv + CEPH_ARGS (its options first, so the real command line wins)
 *     → early args: -c/--conf, --cluster, -n/--name, -i/--id/--user
 *     → Config(name), then the first readable file of the search list at level "file":
 *         -c LIST  |  $CEPH_CONF  |  /etc/ceph/$cluster.conf, ~/.ceph/$cluster.conf, ./$cluster.conf
 *     → CEPH_KEYRING and CEPH_ARGS at level "env"
 *     → argv at level "cmdline": -m, -k, -K, -d, -f, --bind, -M, -r, and --<any option>[=v],
 *       --<bool option>[=true|false], --no-<bool option>, --default-<option> v
 *     → whatever is left goes back to the tool.
 *
 * Option names on the command line treat '-' and '_' alike (unlike in ceph.conf).
 */
import { readFileSync } from 'node:fs';
import { CephError, isCephError } from './errors.js';
import { ConfFile, splitConfSearchList } from './conf-file.js';
import { Config, ConfigLevel, type CodeEnvironment } from './config.js';
import type { OptionSchema } from './options/schema.js';

export interface CommonArgsOptions {
  /** What kind of program this is (default: utility, like `rbd` and `rados`). */
  environment?: CodeEnvironment;
  /** Entity type when -n is not given (default client). */
  entityType?: string;
  /** Entity id when neither -n nor -i is given (default admin). */
  defaultId?: string;
  /** Do not look for a config file unless one is named (CINIT_FLAG_NO_DEFAULT_CONFIG_FILE). */
  noDefaultConfigFile?: boolean;
  schema?: OptionSchema;
  hostname?: string;
  pid?: number;
  /** For daemons: the option $data_dir stands for, so "$data_dir/config" is searched first. */
  dataDirOption?: string;
}

export interface CommonArgsResult {
  config: Config;
  /** Arguments the common parser did not consume, in order, for the tool itself. */
  rest: string[];
  /** The config file that was read, if any. */
  confPath?: string;
  confFile?: ConfFile;
  /** What Ceph prints to stderr while starting: unreadable values, "did not load config file…". */
  warnings: string[];
  /** --show-config was given: the tool should print `name = value` lines and exit. */
  showConfig: boolean;
  /** --show-config-value NAME was given. */
  showConfigValue?: string;
}

/** The default search list (`CEPH_CONF_FILE_DEFAULT`). */
export const DEFAULT_CONF_SEARCH =
  '$data_dir/config,/etc/ceph/$cluster.conf,$home/.ceph/$cluster.conf,$cluster.conf';

/** Split CEPH_ARGS the way `env_to_vec` does: on whitespace, no quoting. */
export function splitCephArgs(value: string | undefined): string[] {
  return (value ?? '').split(/[ \t\n]+/).filter((s) => s !== '');
}

/**
 * `env_to_vec`: CEPH_ARGS options go before the command line's options; after a
 * `--` come the command line's positional arguments, then CEPH_ARGS' own.
 */
export function mergeCephArgs(argv: readonly string[], cephArgs: string | undefined): string[] {
  const env = splitCephArgs(cephArgs);
  const [argOptions, argRest, argDash] = splitDashDash(argv);
  const [envOptions, envRest, envDash] = splitDashDash(env);
  const merged = [...envOptions, ...argOptions];
  if (argDash || envDash) merged.push('--');
  return [...merged, ...argRest, ...envRest];
}

function splitDashDash(args: readonly string[]): [string[], string[], boolean] {
  const at = args.indexOf('--');
  return at < 0 ? [[...args], [], false] : [args.slice(0, at), args.slice(at + 1), true];
}

/** `ceph_argparse_cmp_dash`: flag names compare with '-' and '_' equivalent. */
function flagName(arg: string): string {
  return arg.replace(/-/g, '_');
}

/**
 * A small cursor over an argument vector that consumes what it recognizes
 * (`ceph_argparse_witharg` / `_flag` / `_binary_flag` semantics).
 */
class ArgCursor {
  readonly kept: string[] = [];
  private i = 0;
  stopped = false;

  constructor(private readonly args: readonly string[]) {}

  get done(): boolean {
    return this.i >= this.args.length;
  }

  get current(): string {
    return this.args[this.i]!;
  }

  /** Keep the current argument for later and move on. */
  keep(): void {
    this.kept.push(this.args[this.i++]!);
  }

  /** Stop at `--`: it and everything after it are kept. */
  keepRest(): void {
    while (!this.done) this.keep();
    this.stopped = true;
  }

  /** `--name` or one of its aliases exactly (a flag). */
  flag(...names: string[]): boolean {
    if (!names.some((n) => flagName(n) === flagName(this.current))) return false;
    this.i++;
    return true;
  }

  /**
   * `--name value` or `--name=value` for any alias; undefined when the current
   * argument is not this option. A missing value is EINVAL.
   */
  withArg(...names: string[]): string | undefined {
    const arg = this.current;
    for (const name of names) {
      if (flagName(arg) === flagName(name)) {
        if (this.i + 1 >= this.args.length)
          throw new CephError('EINVAL', `Option ${name} requires an argument.`);
        const value = this.args[this.i + 1]!;
        this.i += 2;
        return value;
      }
      const eq = arg.indexOf('=');
      if (eq > 0 && flagName(arg.slice(0, eq)) === flagName(name)) {
        this.i++;
        return arg.slice(eq + 1);
      }
    }
    return undefined;
  }

  /** `--name` (1), `--name=true|1` (1), `--name=false|0` (0); undefined if not this option. */
  binaryFlag(name: string): boolean | undefined {
    const arg = this.current;
    if (flagName(arg) === flagName(name)) {
      this.i++;
      return true;
    }
    const eq = arg.indexOf('=');
    if (eq > 0 && flagName(arg.slice(0, eq)) === flagName(name)) {
      const value = arg.slice(eq + 1);
      this.i++;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw new CephError(
        'EINVAL',
        `Parse error parsing binary flag  ${name}. Expected true or false, but got '${value}'`,
      );
    }
    return undefined;
  }
}

interface EarlyArgs {
  confList?: string;
  cluster?: string;
  /** TYPE.ID after applying -n and -i in the order given. */
  name: string;
  rest: string[];
}

/** `ceph_argparse_early_args`: what must be known before the config exists. */
function parseEarlyArgs(args: readonly string[], entityType: string, defaultId: string): EarlyArgs {
  let type = entityType;
  let id = defaultId;
  const out: EarlyArgs = { name: '', rest: [] };
  const c = new ArgCursor(args);
  while (!c.done) {
    if (c.current === '--') {
      c.keepRest();
      break;
    }
    let v: string | undefined;
    if ((v = c.withArg('--conf', '-c')) !== undefined) out.confList = v;
    else if ((v = c.withArg('--cluster')) !== undefined) out.cluster = v;
    else if ((v = c.withArg('--id', '--user', '-i')) !== undefined) id = v;
    else if ((v = c.withArg('--name', '-n')) !== undefined) {
      const dot = v.indexOf('.');
      if (dot <= 0 || dot === v.length - 1) {
        throw new CephError('EINVAL', `error parsing '${v}': expected string of the form TYPE.ID`);
      }
      type = v.slice(0, dot);
      id = v.slice(dot + 1);
    } else c.keep();
  }
  out.name = `${type}.${id}`;
  out.rest = c.kept;
  return out;
}

/**
 * Consume the options `md_config_t::parse_argv` knows, setting them at `level`;
 * return the arguments left over. Throws EINVAL/ERANGE for a bad value.
 */
export function parseConfigArgv(
  config: Config,
  args: readonly string[],
  level: ConfigLevel = ConfigLevel.CMDLINE,
  actions: { showConfig?: boolean; showConfigValue?: string } = {},
): string[] {
  const c = new ArgCursor(args);
  const set = (name: string, value: string, at: ConfigLevel = level): void => {
    try {
      config.set(name, value, at);
    } catch (err) {
      if (!isCephError(err)) throw err;
      throw new CephError(
        err.code as 'EINVAL',
        `parse error setting '${name}' to '${value}' (${err.message})`,
        {
          cause: err,
        },
      );
    }
  };
  // the short options with their own meaning are set the way `set_val` does: as runtime overrides
  const override = (name: string, value: string): void => set(name, value, ConfigLevel.OVERRIDE);
  while (!c.done) {
    if (c.current === '--') {
      c.keepRest();
      break;
    }
    let v: string | undefined;
    if (c.flag('--show_config')) actions.showConfig = true;
    else if ((v = c.withArg('--show_config_value')) !== undefined) actions.showConfigValue = v;
    else if (c.flag('--no-mon-config')) config.noMonConfig = true;
    else if (c.flag('--mon-config')) config.noMonConfig = false;
    else if (c.flag('--log-early')) continue;
    else if (c.flag('--foreground', '-f')) override('daemonize', 'false');
    else if (c.flag('-d')) {
      override('daemonize', 'false');
      override('log_file', '');
      override('log_to_stderr', 'true');
      override('err_to_stderr', 'true');
      override('log_to_syslog', 'false');
    } else if ((v = c.withArg('--monmap', '-M')) !== undefined) override('monmap', v);
    else if ((v = c.withArg('--mon_host', '-m')) !== undefined) override('mon_host', v);
    else if ((v = c.withArg('--bind')) !== undefined) override('public_addr', v);
    else if ((v = c.withArg('--keyfile', '-K')) !== undefined) override('key', readKeyFile(v));
    else if ((v = c.withArg('--keyring', '-k')) !== undefined) override('keyring', v);
    else if ((v = c.withArg('--client_mountpoint', '-r')) !== undefined) override('client_mountpoint', v);
    else if (!parseOption(config, c, set)) c.keep();
  }
  return c.kept;
}

/** `md_config_t::parse_option`: one `--<option>` of the schema, or false. */
function parseOption(
  config: Config,
  c: ArgCursor,
  set: (name: string, value: string, at?: ConfigLevel) => void,
): boolean {
  const arg = c.current;
  if (!arg.startsWith('--')) return false;
  const eq = arg.indexOf('=');
  const bare = flagName(arg.slice(2, eq < 0 ? undefined : eq));
  let v: string | undefined;
  if (bare.startsWith('default_') && config.schema.has(bare.slice(8))) {
    const name = bare.slice(8);
    if ((v = c.withArg(`--default-${name}`)) !== undefined) {
      set(name, v, ConfigLevel.DEFAULT);
      return true;
    }
  }
  const opt = config.schema.get(bare);
  if (opt?.type === 'bool') {
    const b = c.binaryFlag(`--${bare}`);
    if (b === undefined) return false;
    set(bare, b ? 'true' : 'false');
    return true;
  }
  if (opt) {
    if ((v = c.withArg(`--${bare}`)) === undefined) return false;
    set(bare, v);
    return true;
  }
  if (bare.startsWith('no_') && config.schema.get(bare.slice(3))?.type === 'bool' && eq < 0) {
    c.flag(arg);
    set(bare.slice(3), 'false');
    return true;
  }
  return false;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new CephError('ENOENT', `unable to read key file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Find and read the first config file of a search list (`parse_config_files`).
 * Missing files are skipped; any other failure (unreadable, parse error) is
 * fatal. Returns undefined when no file of the list exists.
 */
export function readFirstConfFile(
  config: Config,
  list: string,
): { path: string; conf: ConfFile } | undefined {
  for (const raw of splitConfSearchList(list)) {
    const path = config.expandMeta(raw);
    try {
      return { path, conf: ConfFile.load(path) };
    } catch (err) {
      if (isCephError(err, 'ENOENT') || isCephError(err, 'ENOTDIR')) continue;
      throw err;
    }
  }
  return undefined;
}

/** The cluster name Ceph derives from a config file name: "backup.conf" → "backup", else "ceph". */
export function clusterFromConfPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const at = base.indexOf('.conf');
  return at < 0 ? 'ceph' : base.slice(0, at);
}

/**
 * Parse the common Ceph arguments of a program: build its Config from argv,
 * the environment (CEPH_ARGS, CEPH_CONF, CEPH_KEYRING) and the config file, and
 * return the arguments that are the tool's own.
 *
 * Throws CephError ENOENT when a named config file list has no readable file,
 * EINVAL for a config file that does not parse or a bad option value.
 */
export function parseCommonArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: CommonArgsOptions = {},
): CommonArgsResult {
  const args = mergeCephArgs(argv, env.CEPH_ARGS);
  const entityType = options.entityType ?? 'client';
  const defaultId = options.defaultId ?? 'admin';
  const early = parseEarlyArgs(args, entityType, defaultId);

  const config = new Config({
    name: early.name,
    // an explicit -c lets the file name choose the cluster; otherwise it is "ceph"
    cluster: early.cluster ?? (early.confList === undefined ? 'ceph' : ''),
    environment: options.environment ?? 'utility',
    schema: options.schema,
    hostname: options.hostname,
    pid: options.pid,
    home: env.HOME,
    dataDirOption: options.dataDirOption,
  });

  const result: CommonArgsResult = { config, rest: [], warnings: [], showConfig: false };
  let list = early.confList ?? env.CEPH_CONF;
  const explicit = list !== undefined;
  if (!explicit && !options.noDefaultConfigFile) list = DEFAULT_CONF_SEARCH;
  if (list !== undefined) {
    if (!options.dataDirOption)
      list = splitConfSearchList(list)
        .filter((p) => !p.includes('$data_dir'))
        .join(',');
    const found = readFirstConfFile(config, list);
    if (found) {
      if (config.cluster === '') config.cluster = clusterFromConfPath(found.path);
      result.confPath = found.path;
      result.confFile = found.conf;
      result.warnings.push(...config.applyConfFile(found.conf));
    } else if (explicit) {
      throw new CephError(
        'ENOENT',
        `unable to open config file from search list ${early.confList ?? env.CEPH_CONF}`,
      );
    } else {
      result.warnings.push('did not load config file, using default settings.');
    }
  }
  if (config.cluster === '') config.cluster = 'ceph';

  // parse_env: CEPH_KEYRING, then CEPH_ARGS itself once more at the env level
  if (env.CEPH_KEYRING !== undefined) config.set('keyring', env.CEPH_KEYRING, ConfigLevel.ENV);
  if (env.CEPH_ARGS !== undefined) {
    const envEarly = parseEarlyArgs(mergeCephArgs([], env.CEPH_ARGS), entityType, defaultId);
    parseConfigArgv(config, envEarly.rest, ConfigLevel.ENV);
  }
  const actions: { showConfig?: boolean; showConfigValue?: string } = {};
  result.rest = parseConfigArgv(config, early.rest, ConfigLevel.CMDLINE, actions);
  result.showConfig = actions.showConfig ?? false;
  if (actions.showConfigValue !== undefined) result.showConfigValue = actions.showConfigValue;
  config.applyChanges();
  return result;
}
