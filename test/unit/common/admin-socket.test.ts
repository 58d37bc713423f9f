import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  adminSocketRequest,
  AdminSocket,
  cmdGetString,
  formatCommandReply,
  parseCommandArgs,
} from '../../../src/common/admin-socket.js';
import { CephError, isCephError } from '../../../src/common/errors.js';

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tsceph-asok-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Send raw bytes, collect everything until the server closes. */
function rawExchange(path: string, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect(path, () => sock.write(bytes));
    const chunks: Buffer[] = [];
    sock.on('data', (c) => chunks.push(c));
    sock.on('close', () => resolve(Buffer.concat(chunks)));
    sock.on('error', reject);
  });
}

test('admin-socket: command descriptors → Ceph syntax parsed into sorted-key signature objects', async () => {
  assert.deepEqual(parseCommandArgs('name=var,type=CephString name=val,type=CephString,n=N'), [
    { name: 'var', type: 'CephString' },
    { name: 'val', type: 'CephString', n: 'N' },
  ]);
  const asok = new AdminSocket();
  asok.registerCommand(
    { prefix: 'config set', args: 'name=var,type=CephString name=val,type=CephString,n=N', help: 'set it' },
    () => undefined,
  );
  asok.registerCommand(
    { prefix: 'config help', args: [{ name: 'var', type: 'CephString', req: 'false' }], help: 'h' },
    () => undefined,
  );
  const out = await asok.execute({ prefix: 'get_command_descriptions', format: 'json' });
  const descs = JSON.parse(out.out.toString()) as Record<string, { sig: unknown[]; help: string }>;
  const byPrefix = Object.values(descs).map((d) => d.sig);
  assert.deepEqual(Object.keys(descs).slice(0, 3), ['cmd000', 'cmd001', 'cmd002']);
  assert.deepEqual(descs.cmd000, { sig: ['0'], help: '' });
  assert.ok(
    byPrefix.some(
      (s) => JSON.stringify(s) === '["config","help",{"name":"var","req":"false","type":"CephString"}]',
    ),
  );
  assert.ok(
    byPrefix.some(
      (s) =>
        JSON.stringify(s) ===
        '["config","set",{"name":"var","type":"CephString"},{"n":"N","name":"val","type":"CephString"}]',
    ),
  );
});

test('admin-socket: errors → "ERROR: (22) Invalid argument\\n<message>\\n" like Pacific', async () => {
  const asok = new AdminSocket();
  asok.registerCommand({ prefix: 'config get', args: 'name=var,type=CephString', help: '' }, ({ cmd }) => {
    throw new CephError(
      'ENOENT',
      `error getting '${cmdGetString(cmd, 'var')}': (2) No such file or directory`,
    );
  });
  const reply = async (req: string): Promise<string> =>
    formatCommandReply(await asok.execute(req)).toString();
  assert.equal(await reply('version'), 'ERROR: (22) Invalid argument\ninvalid json\n');
  assert.equal(await reply('0'), 'ERROR: (22) Invalid argument\ninvalid json\n');
  assert.equal(
    await reply('{"prefix":"nope"}'),
    'ERROR: (22) Invalid argument\nunknown command prefix nope\n',
  );
  assert.equal(
    await reply('{"prefix":"config get"}'),
    'ERROR: (22) Invalid argument\ninvalid command json\n',
  );
  assert.equal(
    await reply('{"prefix":"config get","var":"nope"}'),
    "ERROR: (2) No such file or directory\nerror getting 'nope': (2) No such file or directory\n",
  );
});

test('admin-socket: built-ins → "0" answers "2", version/git_version/help in Ceph\'s shapes', async () => {
  const asok = new AdminSocket();
  asok.registerCommand({ prefix: 'perf dump', help: 'dump perfcounters value' }, () => undefined);
  asok.registerCommand({ prefix: 'hidden', help: '' }, () => undefined);
  assert.equal((await asok.execute('{"prefix":"0"}')).out.toString(), '2');
  const version = JSON.parse((await asok.execute('{"prefix":"version"}')).out.toString());
  assert.deepEqual(Object.keys(version), ['version', 'release', 'release_type']);
  assert.match(version.version, /^16\.2\.15-/);
  assert.equal(version.release, 'pacific');
  assert.deepEqual(Object.keys(JSON.parse((await asok.execute('{"prefix":"git_version"}')).out.toString())), [
    'git_version',
  ]);
  const help = JSON.parse((await asok.execute('{"prefix":"help"}')).out.toString());
  assert.deepEqual(Object.keys(help), [
    'get_command_descriptions',
    'git_version',
    'help',
    'perf dump',
    'version',
  ]);
  assert.equal(
    (await asok.execute({ prefix: 'version', format: 'xml' })).out.toString().slice(0, 18),
    '<version><version>',
  );
});

test('admin-socket: registry → duplicate prefix EEXIST, unregister by handle or name, unknown ENOENT', () => {
  const asok = new AdminSocket();
  const off = asok.registerCommand({ prefix: 'rbd mirror status', help: '' }, () => undefined);
  assert.throws(
    () => asok.registerCommand({ prefix: 'rbd  mirror status', help: '' }, () => undefined),
    (e: unknown) => isCephError(e, 'EEXIST'),
  );
  off();
  assert.ok(!asok.commands().includes('rbd mirror status'));
  assert.throws(
    () => asok.unregisterCommand('rbd mirror status'),
    (e: unknown) => isCephError(e, 'ENOENT'),
  );
});

test('admin-socket: argument validation → CephInt, CephChoices, optional args, n=N lists', async () => {
  const asok = new AdminSocket();
  asok.registerCommand(
    {
      prefix: 'x',
      args: 'name=n,type=CephInt name=c,type=CephChoices,strings=a|b name=o,type=CephString,req=false',
      help: '',
    },
    () => ({ out: 'ok' }),
  );
  assert.equal((await asok.execute({ prefix: 'x', n: 3, c: 'a' })).r, 0);
  assert.equal((await asok.execute({ prefix: 'x', n: '3', c: 'b', o: 'z' })).r, 0);
  assert.equal((await asok.execute({ prefix: 'x', n: 'three', c: 'a' })).r, -22);
  assert.equal((await asok.execute({ prefix: 'x', n: 3, c: 'z' })).r, -22);
  assert.equal((await asok.execute({ prefix: 'x', c: 'a' })).r, -22);
});

test('admin-socket: socket round trip → u32 big-endian length then body; connection closed after one reply', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'a.asok');
    const asok = new AdminSocket();
    asok.registerCommand({ prefix: 'echo', args: 'name=v,type=CephString', help: '' }, ({ cmd, f }) => {
      f.object('echo', () => f.dumpString('v', cmdGetString(cmd, 'v')!));
    });
    await asok.init(path);
    await asok.init(path);
    assert.equal(asok.path, path);
    assert.ok(statSync(path).isSocket());
    const raw = await rawExchange(path, Buffer.from('{"prefix":"echo","v":"hi","format":"json"}\n'));
    assert.equal(raw.readUInt32BE(0), raw.length - 4);
    assert.equal(raw.subarray(4).toString(), '{"v":"hi"}');
    assert.equal(
      (await adminSocketRequest(path, { prefix: 'echo', v: 'x' })).toString(),
      '{\n    "v": "x"\n}\n',
    );
    // the legacy binary request 0 is the version ping
    const legacy = await rawExchange(path, Buffer.from([0, 0, 0, 0]));
    assert.equal(legacy.subarray(4).toString(), '2');
    await asok.shutDown();
    await asok.shutDown();
    assert.equal(existsSync(path), false);
  });
});

test('admin-socket: request longer than 1023 bytes without terminator → connection closed without reply', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'b.asok');
    const asok = new AdminSocket();
    await asok.init(path);
    const raw = await rawExchange(path, Buffer.alloc(2000, 0x61));
    assert.equal(raw.length, 0);
    await asok.shutDown();
  });
});

test('admin-socket: commands run one at a time in arrival order', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'c.asok');
    const asok = new AdminSocket();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    asok.registerCommand({ prefix: 'slow', help: '' }, async () => {
      order.push('slow start');
      await gate;
      order.push('slow end');
      return { out: 'slow' };
    });
    asok.registerCommand({ prefix: 'fast', help: '' }, () => {
      order.push('fast');
      return { out: 'fast' };
    });
    await asok.init(path);
    const slow = adminSocketRequest(path, { prefix: 'slow' });
    while (order.length === 0) await new Promise((r) => setImmediate(r));
    const fast = adminSocketRequest(path, { prefix: 'fast' });
    await new Promise((r) => setImmediate(r));
    release();
    assert.deepEqual([(await slow).toString(), (await fast).toString()], ['slow', 'fast']);
    assert.deepEqual(order, ['slow start', 'slow end', 'fast']);
    await asok.shutDown();
  });
});

test('admin-socket: leftover file → replaced; a live socket → EEXIST; an over-long path → ENAMETOOLONG', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'd.asok');
    // a leftover file at the path (what a crashed process leaves behind) is replaced
    writeFileSync(path, '');
    const first = new AdminSocket();
    await first.init(path);
    assert.equal((await adminSocketRequest(path, { prefix: '0' })).toString(), '2');
    await first.shutDown();

    const live = new AdminSocket();
    await live.init(path);
    const second = new AdminSocket();
    await assert.rejects(second.init(path), (e: unknown) => isCephError(e, 'EEXIST'));
    await live.shutDown();

    const third = new AdminSocket();
    await assert.rejects(third.init(join(dir, 'x'.repeat(120))), (e: unknown) =>
      isCephError(e, 'ENAMETOOLONG'),
    );
  });
});

test('admin-socket: socket file of a killed process → unlinked and rebound', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'e.asok');
    // a process that binds the path and is then killed hard leaves the socket file behind
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.stdout.write('up'))`,
    ]);
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    assert.ok(statSync(path).isSocket(), 'the dead process left its socket file');
    const fresh = new AdminSocket();
    await fresh.init(path);
    assert.equal((await adminSocketRequest(path, { prefix: '0' })).toString(), '2');
    await fresh.shutDown();
    assert.equal(existsSync(path), false);
  });
});
