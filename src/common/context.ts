/**
 * `CephContext`: what every Ceph entity carries — its config, log, perf
 * counters and admin socket — plus the admin-socket commands that inspect
 * them (config show/get/set/unset/diff/help, injectargs, log dump/flush/reopen,
 * perf dump/schema/reset), with Pacific's output shapes and error texts.
 *
 * Lifecycle:
 *   new CephContext(config) → init(): config marked started (startup-only options
 *   now refuse changes), admin socket bound at the expanded `admin_socket` path
 *   if that option is set → … → shutDown(): socket closed and removed, log flushed.
 * A socket that cannot be bound is logged as an error and the entity runs on
 * without one, as Ceph does.
 */
import {
  AdminSocket,
  cmdGetString,
  cmdGetStringList,
  cppStrerror,
  type CommandRequest,
} from './admin-socket.js';
import { parseConfigArgv } from './argparse.js';
import { systemClock, type Clock } from './clock.js';
import { Config, ConfigLevel, dumpOptionSchema } from './config.js';
import { CephError, isCephError } from './errors.js';
import { Log, setDefaultLog, type Logger } from './log.js';
import { PerfCountersCollection } from './perf-counters.js';

export interface CephContextOptions {
  clock?: Clock;
  /** Where log lines for stderr go (default process.stderr). */
  stderr?: (text: string) => void;
  threadId?: string;
}

let nextContextId = 1;

export class CephContext {
  readonly config: Config;
  readonly log: Log;
  readonly perf = new PerfCountersCollection();
  readonly adminSocket: AdminSocket;
  readonly clock: Clock;
  private readonly id = nextContextId++;
  private initPromise: Promise<void> | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private readonly asokLog: Logger;

  constructor(config: Config, options: CephContextOptions = {}) {
    this.config = config;
    this.clock = options.clock ?? systemClock;
    this.log = new Log(config, { clock: this.clock, stderr: options.stderr, threadId: options.threadId });
    this.asokLog = this.log.logger('asok', `asok(0x${this.id.toString(16)}) `);
    this.adminSocket = new AdminSocket({ logger: this.asokLog });
    this.perf.setEnabled(config.get('perf'));
    config.addObserver(['perf'], () => this.perf.setEnabled(config.get('perf')));
    this.registerCommands();
  }

  /** A logger for a subsystem of this context's log. */
  logger(subsys: string, prefix?: string): Logger {
    return this.log.logger(subsys, prefix);
  }

  /** Make this context's log the one `logger(subsys)` writes to. */
  makeDefault(): this {
    setDefaultLog(this.log);
    return this;
  }

  /** Start: mark the config started and bind the admin socket. Idempotent. */
  init(): Promise<void> {
    this.initPromise ??= this.start();
    return this.initPromise;
  }

  /** Close the admin socket (removing its file) and flush the log. Idempotent. */
  shutDown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      await this.initPromise?.catch(() => undefined);
      await this.adminSocket.shutDown();
      this.log.flush();
    })();
    return this.shutdownPromise;
  }

  private async start(): Promise<void> {
    // deliver anything set before start, then freeze the startup-only options
    this.config.applyChanges();
    this.config.markStarted();
    const path = this.config.get('admin_socket');
    if (path === '') return;
    try {
      await this.adminSocket.init(path, this.config.get('admin_socket_mode') || undefined);
    } catch (err) {
      if (!isCephError(err)) throw err;
      this.asokLog.error(`AdminSocketConfigObs::init: failed: ${err.message}`);
    }
  }

  private registerCommands(): void {
    const asok = this.adminSocket;
    const config = this.config;
    /** Most of Ceph's context commands wrap their output in a section named after the command. */
    const section =
      (body: (req: CommandRequest) => void) =>
      (req: CommandRequest): void => {
        this.log.logger('none', '').debug(1, `do_command '${req.prefix}' '${describeCmd(req.cmd)}'`);
        req.f.object(req.prefix, () => body(req));
      };

    asok.registerCommand(
      { prefix: 'config show', help: 'dump current config settings' },
      section(({ f }) => config.show(f)),
    );
    asok.registerCommand(
      {
        prefix: 'config get',
        args: 'name=var,type=CephString',
        help: 'config get <field>: get the config value',
      },
      section(({ cmd, f }) => {
        const name = cmdGetString(cmd, 'var')!;
        let value: string;
        try {
          value = config.getString(name);
        } catch (err) {
          throw rethrow(err, `error getting '${name}'`);
        }
        f.dumpString(name, value);
      }),
    );
    asok.registerCommand(
      {
        prefix: 'config set',
        args: 'name=var,type=CephString name=val,type=CephString,n=N',
        help: 'config set <field> <val> [<val> ...]: set a config variable',
      },
      section(({ cmd, f }) => {
        const name = cmdGetString(cmd, 'var')!;
        const value = (cmdGetStringList(cmd, 'val') ?? []).join(' ');
        try {
          config.set(name, value);
        } catch (err) {
          throw rethrow(err, `error setting '${name}' to '${value}'`);
        }
        f.dumpString('success', describeUnobserved(config, config.applyChanges()));
      }),
    );
    asok.registerCommand(
      {
        prefix: 'config unset',
        args: 'name=var,type=CephString',
        help: 'config unset <field>: unset a config variable',
      },
      section(({ cmd }) => {
        const name = cmdGetString(cmd, 'var')!;
        try {
          config.rm(name);
        } catch (err) {
          if (!isCephError(err, 'ENOENT')) throw rethrow(err, `error unsetting '${name}'`);
        }
        config.applyChanges();
      }),
    );
    asok.registerCommand(
      { prefix: 'config diff', help: 'dump diff of current config and default config' },
      section(({ f }) => f.object('diff', () => config.diff(f))),
    );
    // Pacific ignores <field> here and prints the whole diff; so do we
    asok.registerCommand(
      {
        prefix: 'config diff get',
        args: 'name=var,type=CephString',
        help: 'dump diff get <field>: dump diff of current and default config setting <field>',
      },
      section(({ f }) => f.object('diff', () => config.diff(f))),
    );
    asok.registerCommand(
      {
        prefix: 'config help',
        args: 'name=var,type=CephString,req=false',
        help: 'get config setting schema and descriptions',
      },
      section(({ cmd, f }) => {
        const name = cmdGetString(cmd, 'var');
        if (name === undefined) {
          f.array('options', () => config.schema.helpOrder().forEach((opt) => dumpOptionSchema(f, opt)));
          return;
        }
        const key = name.trim().replace(/\s+/g, '_');
        const opt = config.schema.get(key);
        if (!opt) throw new CephError('ENOENT', `Setting not found: '${key}'`);
        dumpOptionSchema(f, opt);
      }),
    );
    asok.registerCommand(
      {
        prefix: 'injectargs',
        args: 'name=injected_args,type=CephString,n=N',
        help: 'inject configuration arguments into running daemon',
      },
      section(({ cmd }) => {
        const args = (cmdGetStringList(cmd, 'injected_args') ?? [])
          .join(' ')
          .split(' ')
          .filter((a) => a !== '');
        let left: string[];
        try {
          left = parseConfigArgv(config, args, ConfigLevel.OVERRIDE);
        } catch (err) {
          throw rethrow(err, 'injectargs');
        }
        config.applyChanges();
        if (left.length > 0) throw new CephError('EINVAL', ` failed to parse arguments: ${left.join(',')}`);
      }),
    );
    asok.registerCommand(
      { prefix: 'log flush', help: 'flush log entries to log file' },
      section(() => this.log.flush()),
    );
    asok.registerCommand(
      { prefix: 'log dump', help: 'dump recent log entries to log file' },
      section(() => this.log.dumpRecent()),
    );
    asok.registerCommand(
      { prefix: 'log reopen', help: 'reopen log file' },
      section(() => this.log.reopen()),
    );

    const perfArgs = 'name=logger,type=CephString,req=false name=counter,type=CephString,req=false';
    const perfDump =
      (schema: boolean, histograms: boolean) =>
      ({ cmd, f }: CommandRequest): void => {
        this.perf.dump(f, {
          schema,
          histograms,
          logger: cmdGetString(cmd, 'logger') ?? '',
          counter: cmdGetString(cmd, 'counter') ?? '',
        });
      };
    asok.registerCommand(
      { prefix: 'perf dump', args: perfArgs, help: 'dump perfcounters value' },
      perfDump(false, false),
    );
    asok.registerCommand({ prefix: 'perfcounters_dump', help: '' }, perfDump(false, false));
    asok.registerCommand({ prefix: '1', help: '' }, perfDump(false, false));
    asok.registerCommand({ prefix: 'perf schema', help: 'dump perfcounters schema' }, perfDump(true, false));
    asok.registerCommand({ prefix: 'perfcounters_schema', help: '' }, perfDump(true, false));
    asok.registerCommand({ prefix: '2', help: '' }, perfDump(true, false));
    asok.registerCommand(
      { prefix: 'perf histogram dump', args: perfArgs, help: 'dump perf histogram values' },
      perfDump(false, true),
    );
    asok.registerCommand(
      { prefix: 'perf histogram schema', help: 'dump perf histogram schema' },
      perfDump(true, true),
    );
    asok.registerCommand(
      {
        prefix: 'perf reset',
        args: 'name=var,type=CephString',
        help: 'perf reset <name>: perf reset all or one perfcounter name',
      },
      section(({ cmd, f }) => {
        const name = cmdGetString(cmd, 'var')!;
        if (this.perf.reset(name)) f.dumpString('success', `perf reset ${name}`);
        else f.dumpString('error', `Not find: ${name}`);
      }),
    );
  }
}

/** Ceph's "error doing X: (22) Invalid argument" with the errno of the failure. */
function rethrow(err: unknown, what: string): CephError {
  if (!isCephError(err)) throw err;
  return new CephError(err.errno, `${what}: ${cppStrerror(err.errno)}`, { cause: err });
}

/** What `config set` reports: "name = 'value' (not observed, change may require restart) " per key. */
function describeUnobserved(config: Config, keys: readonly string[]): string {
  return keys
    .map((k) => `${k} = '${config.getString(k)}' (not observed, change may require restart) `)
    .join('');
}

/** The cmdmap as Ceph's operator<< prints it: {key=value,...} in key order. */
function describeCmd(cmd: Readonly<Record<string, unknown>>): string {
  const parts = Object.keys(cmd)
    .sort()
    .map((k) => `${k}=${Array.isArray(cmd[k]) ? (cmd[k] as unknown[]).join(',') : String(cmd[k])}`);
  return `{${parts.join(',')}}`;
}
