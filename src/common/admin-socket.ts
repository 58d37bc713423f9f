/**
 * The admin socket (common/admin_socket.cc): a unix socket that speaks exactly
 * what Pacific's `ceph --admin-daemon PATH ...` and `ceph daemon NAME ...` speak.
 *
 * Protocol, one request per connection:
 *
 *   client → server   JSON command object terminated by '\0' or '\n' (at most 1023 bytes),
 *                     e.g. {"prefix": "config get", "var": "debug_ms", "format": "json"};
 *                     or the legacy form: a big-endian u32 0/1/2 ("0", perfcounters_dump/_schema)
 *   server → client   u32 big-endian length, then that many bytes; on error the bytes start
 *                     "ERROR: (22) Invalid argument\n<message>\n" followed by any output
 *   then the server closes the connection.
 *
 * The CLI first asks for {"prefix": "get_command_descriptions"} and validates the
 * user's words against the signatures, so every command is registered with a
 * Ceph command descriptor ("config set name=var,type=CephString name=val,type=CephString,n=N").
 *
 * Lifecycle (both steps idempotent):
 *
 *   init(path) → BIND ─ok──────────────────────────────→ CHMOD(admin_socket_mode) → SERVING
 *                  └─EADDRINUSE → PING "0" ─answers→ EEXIST (a live process owns it)
 *                                          └─silent → UNLINK stale file → BIND
 *   shutDown() → CLOSE listener → DROP connections still sending → DRAIN running command → UNLINK
 *
 * Commands execute one at a time in arrival order, like Ceph's single
 * admin-socket thread; at most MAX_CONNECTIONS clients wait at once.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { assert, CephError, isCephError, strerror } from './errors.js';
import { Formatter, isFormatName, type FormatName } from './formatter.js';
import type { Logger } from './log.js';
import { CEPH_GIT_VERSION, CEPH_RELEASE, CEPH_VERSION_STRING } from './version.js';

/** `CEPH_ADMIN_SOCK_VERSION`: what the "0" ping answers. */
export const ADMIN_SOCK_VERSION = '2';
/** Ceph reads requests into a 1024-byte buffer, terminator included. */
export const MAX_REQUEST_BYTES = 1024;
/** Connections accepted at once; more are closed immediately. */
export const MAX_CONNECTIONS = 64;
/** A client that has not sent a complete request by then is disconnected. */
export const REQUEST_READ_TIMEOUT_MS = 30_000;
/** Longest socket path `struct sockaddr_un` can hold. */
const MAX_SOCKET_PATH = 107;

/** One argument of a command signature, as Ceph's descriptor key=value pairs (all values strings). */
export type CommandArg = Readonly<Record<string, string>>;

export interface CommandDescriptor {
  /** The command words, e.g. "config set" or "rbd mirror status". */
  prefix: string;
  /**
   * The arguments after the prefix, either in Ceph's descriptor syntax
   * ("name=var,type=CephString name=val,type=CephString,n=N") or as objects
   * ({name: 'var', type: 'CephString', req: 'false'}).
   */
  args?: string | readonly CommandArg[];
  /** One line for `help`; commands with empty help are hidden from it. */
  help: string;
}

/** The decoded JSON command. */
export type CommandMap = Readonly<Record<string, unknown>>;

export interface CommandRequest {
  prefix: string;
  cmd: CommandMap;
  format: FormatName;
  /** Where the handler writes structured output. */
  f: Formatter;
}

/** A handler either writes to the formatter and returns nothing, or returns raw output. */
export type CommandResult = void | { out: string | Buffer };

/** Handlers report failure by throwing a CephError (its errno and message reach the client). */
export type CommandHandler = (req: CommandRequest) => CommandResult | Promise<CommandResult>;

interface Hook {
  prefix: string;
  args: CommandArg[];
  help: string;
  handler: CommandHandler;
}

/** The result of executing one command. */
export interface CommandOutcome {
  /** 0 or a negative errno. */
  r: number;
  /** The error message (only meaningful when r < 0). */
  err: string;
  out: Buffer;
}

/** Parse Ceph's descriptor syntax for the arguments of a command. */
export function parseCommandArgs(args: string): CommandArg[] {
  return args
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((word) => {
      const arg: Record<string, string> = {};
      for (const pair of word.split(',')) {
        const eq = pair.indexOf('=');
        assert(eq > 0, `bad command argument descriptor '${word}'`);
        arg[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      assert(arg.name && arg.type, `command argument descriptor '${word}' needs name= and type=`);
      return arg;
    });
}

/** `cpp_strerror`: "(22) Invalid argument". */
export function cppStrerror(r: number): string {
  const text = strerror(r);
  return text.startsWith('(') ? text : `(${Math.abs(r)}) ${text}`;
}

/** The bytes of a reply body as Ceph builds them (error banner first when r < 0). */
export function formatCommandReply(outcome: CommandOutcome): Buffer {
  if (outcome.r >= 0) return outcome.out;
  return Buffer.concat([Buffer.from(`ERROR: ${cppStrerror(outcome.r)}\n${outcome.err}\n`), outcome.out]);
}

/** A string argument of a command, if present. */
export function cmdGetString(cmd: CommandMap, key: string): string | undefined {
  const v = cmd[key];
  return typeof v === 'string' ? v : undefined;
}

/** A list argument (n=N) of a command; a lone string counts as a one-element list. */
export function cmdGetStringList(cmd: CommandMap, key: string): string[] | undefined {
  const v = cmd[key];
  if (Array.isArray(v)) return v.map(String);
  return typeof v === 'string' ? [v] : undefined;
}

/** An integer argument of a command. */
export function cmdGetInt(cmd: CommandMap, key: string): number | undefined {
  const v = cmd[key];
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

/** A boolean argument of a command. */
export function cmdGetBool(cmd: CommandMap, key: string): boolean | undefined {
  const v = cmd[key];
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  return undefined;
}

/** `validate_cmd`: required arguments present and of the declared type. */
function validateArgs(args: readonly CommandArg[], cmd: CommandMap): boolean {
  for (const arg of args) {
    const value = cmd[arg.name!];
    if (value === undefined) {
      if (arg.req !== 'false') return false;
      continue;
    }
    const values = arg.n !== undefined && Array.isArray(value) ? value : [value];
    for (const v of values) {
      switch (arg.type) {
        case 'CephInt':
          if (cmdGetInt({ v }, 'v') === undefined) return false;
          break;
        case 'CephFloat':
          if (typeof v !== 'number' && !(typeof v === 'string' && Number.isFinite(Number(v)))) return false;
          break;
        case 'CephBool':
          if (cmdGetBool({ v }, 'v') === undefined) return false;
          break;
        case 'CephChoices':
          if (typeof v !== 'string' || !(arg.strings ?? '').split('|').includes(v)) return false;
          break;
        default:
          if (typeof v !== 'string') return false;
      }
    }
  }
  return true;
}

/** Sockets this process bound, removed when it exits (Ceph's atexit cleanup). */
const boundPaths = new Set<string>();
process.on('exit', () => {
  for (const path of boundPaths) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
});

export interface AdminSocketOptions {
  logger?: Logger;
  maxConnections?: number;
  requestTimeoutMs?: number;
}

export class AdminSocket {
  private readonly hooks = new Map<string, Hook>();
  private readonly logger: Logger | undefined;
  private readonly maxConnections: number;
  private readonly requestTimeoutMs: number;
  private server: Server | undefined;
  private readonly connections = new Set<Socket>();
  private queue: Promise<void> = Promise.resolve();
  private initPromise: Promise<void> | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private boundPath = '';

  constructor(options: AdminSocketOptions = {}) {
    this.logger = options.logger;
    this.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_READ_TIMEOUT_MS;
    this.registerBuiltins();
  }

  /** The path the socket is bound to ('' when not bound). */
  get path(): string {
    return this.boundPath;
  }

  /**
   * Add a command. EEXIST if the prefix is taken. Returns a function that
   * removes it again.
   */
  registerCommand(desc: CommandDescriptor, handler: CommandHandler): () => void {
    const prefix = desc.prefix.trim().split(/\s+/).join(' ');
    if (this.hooks.has(prefix))
      throw new CephError('EEXIST', `admin socket command '${prefix}' already registered`);
    const args = typeof desc.args === 'string' ? parseCommandArgs(desc.args) : [...(desc.args ?? [])];
    const hook: Hook = { prefix, args, help: desc.help, handler };
    this.hooks.set(prefix, hook);
    this.logger?.debug(5, `register_command ${prefix}`);
    return () => {
      if (this.hooks.get(prefix) === hook) this.hooks.delete(prefix);
    };
  }

  /** Remove a command; ENOENT if it is not registered. */
  unregisterCommand(prefix: string): void {
    if (!this.hooks.delete(prefix))
      throw new CephError('ENOENT', `admin socket command '${prefix}' not registered`);
  }

  /** The registered prefixes in the order `help` lists them. */
  commands(): string[] {
    return [...this.hooks.keys()].sort(byteOrder);
  }

  /**
   * Run one command as if it came over the socket (the request is the JSON text
   * or the decoded object). Never throws for command failures: they come back as r < 0.
   */
  async execute(request: string | CommandMap): Promise<CommandOutcome> {
    let cmd: CommandMap;
    if (typeof request === 'string') {
      try {
        const parsed: unknown = JSON.parse(request);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object');
        cmd = parsed as CommandMap;
      } catch {
        return failure('invalid json');
      }
    } else {
      cmd = request;
    }
    const prefix = typeof cmd.prefix === 'string' ? cmd.prefix : '';
    const format = isFormatName(cmd.format) ? cmd.format : 'json-pretty';
    const hook = this.hooks.get(prefix);
    if (!hook) {
      this.logger?.error(
        `AdminSocket: request '${typeof request === 'string' ? request : JSON.stringify(request)}' not defined`,
      );
      return failure(`unknown command prefix ${prefix}`);
    }
    if (!validateArgs(hook.args, cmd)) return failure('invalid command json');
    const f = new Formatter(format);
    try {
      const result: unknown = await hook.handler({ prefix, cmd, format, f });
      const raw = isRawResult(result) ? result.out : undefined;
      const out = raw !== undefined ? Buffer.from(raw) : Buffer.from(f.flush());
      this.logger?.debug(5, `AdminSocket: request '${prefix}' returned ${out.length} bytes`);
      return { r: 0, err: '', out };
    } catch (err) {
      if (isCephError(err)) return { r: err.errno, err: err.message, out: Buffer.alloc(0) };
      this.logger?.error(`AdminSocket: command '${prefix}' failed: ${(err as Error).stack ?? String(err)}`);
      return { r: -5, err: `internal error: ${(err as Error).message}`, out: Buffer.alloc(0) };
    }
  }

  /** Bind the socket at `path` and start serving. Idempotent; the mode (e.g. "0755") is applied if given. */
  init(path: string, mode?: string): Promise<void> {
    assert(!this.shutdownPromise, 'admin socket: init after shutDown');
    this.initPromise ??= this.bind(path, mode);
    return this.initPromise;
  }

  /** Stop serving, let the running command finish, remove the socket file. Idempotent. */
  shutDown(): Promise<void> {
    this.shutdownPromise ??= this.stop();
    return this.shutdownPromise;
  }

  private async bind(path: string, mode: string | undefined): Promise<void> {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      throw new CephError(
        'ENAMETOOLONG',
        `AdminSocket::bind_and_listen: The UNIX domain socket path ${path} is too long! The maximum length on this system is ${MAX_SOCKET_PATH}`,
      );
    }
    const server = createServer((sock) => this.onConnection(sock));
    try {
      await listen(server, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw bindError(path, err);
      if (await isAlive(path)) {
        throw new CephError(
          'EEXIST',
          `AdminSocket::bind_and_listen: failed to bind the UNIX domain socket to '${path}': ${cppStrerror(-17)}`,
        );
      }
      this.logger?.debug(20, `unlink stale file ${path}`);
      unlinkSync(path);
      try {
        await listen(server, path);
      } catch (again) {
        throw bindError(path, again);
      }
    }
    if (mode) chmodSync(path, parseInt(mode, 8));
    this.server = server;
    this.boundPath = path;
    boundPaths.add(path);
    this.logger?.debug(5, `init ${path}`);
  }

  private async stop(): Promise<void> {
    await this.initPromise?.catch(() => undefined);
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const sock of this.connections)
      if (!sock.readableEnded && sock.listenerCount('data') > 0) sock.destroy();
    await this.queue;
    await closed;
    try {
      if (lstatSync(this.boundPath).isSocket()) unlinkSync(this.boundPath);
    } catch {
      // removed by someone else already
    }
    boundPaths.delete(this.boundPath);
    this.logger?.debug(5, `shutdown ${this.boundPath}`);
  }

  private onConnection(sock: Socket): void {
    if (this.connections.size >= this.maxConnections || this.shutdownPromise) {
      sock.destroy();
      return;
    }
    this.connections.add(sock);
    sock.on('close', () => this.connections.delete(sock));
    sock.on('error', (err) => this.logger?.debug(1, `AdminSocket: connection error: ${err.message}`));
    const timer = setTimeout(() => sock.destroy(), this.requestTimeoutMs);
    timer.unref();
    let buf: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const request = takeRequest(buf);
      if (request === undefined) {
        if (buf.length >= MAX_REQUEST_BYTES) {
          this.logger?.error('AdminSocket: error reading request too long');
          clearTimeout(timer);
          sock.destroy();
        }
        return;
      }
      sock.off('data', onData);
      clearTimeout(timer);
      this.queue = this.queue.then(async () => {
        const outcome = await this.execute(request);
        const body = formatCommandReply(outcome);
        const len = Buffer.alloc(4);
        len.writeUInt32BE(body.length);
        if (!sock.destroyed) sock.end(Buffer.concat([len, body]));
      });
    };
    sock.on('data', onData);
  }

  private registerBuiltins(): void {
    this.registerCommand({ prefix: '0', help: '' }, () => ({ out: ADMIN_SOCK_VERSION }));
    this.registerCommand({ prefix: 'version', help: 'get ceph version' }, ({ f }) => {
      f.object('version', () => {
        f.dumpString('version', CEPH_VERSION_STRING);
        f.dumpString('release', CEPH_RELEASE.name);
        f.dumpString('release_type', CEPH_RELEASE.type);
      });
    });
    this.registerCommand({ prefix: 'git_version', help: 'get git sha1' }, ({ f }) => {
      f.object('version', () => f.dumpString('git_version', CEPH_GIT_VERSION));
    });
    this.registerCommand({ prefix: 'help', help: 'list available commands' }, ({ f }) => {
      f.object('help', () => {
        for (const prefix of this.commands()) {
          const { help } = this.hooks.get(prefix)!;
          if (help !== '') f.dumpString(prefix, help);
        }
      });
    });
    this.registerCommand({ prefix: 'get_command_descriptions', help: 'list available commands' }, ({ f }) => {
      f.object('command_descriptions', () => {
        this.commands().forEach((prefix, i) => {
          const hook = this.hooks.get(prefix)!;
          f.object(`cmd${String(i).padStart(3, '0')}`, () => {
            f.array('sig', () => {
              for (const word of prefix.split(' ')) f.dumpString('arg', word);
              for (const arg of hook.args) {
                f.object('arg', () => {
                  for (const key of Object.keys(arg).sort(byteOrder)) f.dumpString(key, arg[key]!);
                });
              }
            });
            f.dumpString('help', hook.help);
          });
        });
      });
    });
  }
}

function isRawResult(result: unknown): result is { out: string | Buffer } {
  if (typeof result !== 'object' || result === null || !('out' in result)) return false;
  const out = (result as { out: unknown }).out;
  return typeof out === 'string' || Buffer.isBuffer(out);
}

/** An EINVAL outcome, the only error the socket layer itself produces. */
function failure(err: string): CommandOutcome {
  return { r: -22, err, out: Buffer.alloc(0) };
}

/** The request text once a whole request has arrived, else undefined. */
function takeRequest(buf: Buffer): string | undefined {
  if (buf.length === 0) return undefined;
  if (buf[0] === 0) {
    // legacy protocol: a big-endian u32 request code
    if (buf.length < 4) return undefined;
    const legacy: Record<number, string> = { 0: '0', 1: 'perfcounters_dump', 2: 'perfcounters_schema' };
    return JSON.stringify({ prefix: legacy[buf.readUInt32BE(0)] ?? 'foo' });
  }
  for (let i = 0; i < buf.length && i < MAX_REQUEST_BYTES; i++) {
    if (buf[i] === 0 || buf[i] === 0x0a) return buf.subarray(0, i).toString('utf8');
  }
  return undefined;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(path);
  });
}

function bindError(path: string, err: unknown): CephError {
  const errno = (err as NodeJS.ErrnoException).errno;
  const num = typeof errno === 'number' ? Math.abs(errno) : 5;
  return new CephError(
    num,
    `AdminSocket::bind_and_listen: failed to bind the UNIX domain socket to '${path}': ${cppStrerror(-num)}`,
    { cause: err },
  );
}

/** Does a live process answer the "0" ping on this socket? (AdminSocketClient::ping) */
async function isAlive(path: string): Promise<boolean> {
  try {
    const reply = await adminSocketRequest(path, { prefix: '0' }, 2000);
    return reply.toString() === ADMIN_SOCK_VERSION;
  } catch {
    return false;
  }
}

/**
 * Send one request to an admin socket and return the reply body (the client
 * side of the protocol, as the ceph CLI's `admin_socket()` does it). Rejects
 * with ETIMEDOUT after `timeoutMs`, or the socket error.
 */
export function adminSocketRequest(
  path: string,
  request: string | CommandMap,
  timeoutMs = 10_000,
): Promise<Buffer> {
  const text = typeof request === 'string' ? request : JSON.stringify(request);
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    const chunks: Buffer[] = [];
    let received = 0;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new CephError('ETIMEDOUT', `admin socket ${path}: no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(Buffer.concat([Buffer.from(text), Buffer.from([0])])));
    sock.on('data', (chunk) => {
      chunks.push(chunk);
      received += chunk.length;
      const all = Buffer.concat(chunks);
      if (all.length >= 4 && all.length >= 4 + all.readUInt32BE(0)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(all.subarray(4, 4 + all.readUInt32BE(0)));
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      if (received < 4) reject(new CephError('EIO', `admin socket ${path}: no data returned`));
    });
  });
}
