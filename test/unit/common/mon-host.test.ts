import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config, ConfigLevel } from '../../../src/common/config.js';
import { ConfFile } from '../../../src/common/conf-file.js';
import { isCephError } from '../../../src/common/errors.js';
import {
  buildInitialMonMap,
  monsFromMonHost,
  parseMonHost,
  type InitialMon,
  type MonHostResolver,
} from '../../../src/common/mon-host.js';
import { formatEntityAddrVec } from '../../../src/encoding/types.js';

function describe(mons: InitialMon[]): string[] {
  return mons.map((m) => `${formatEntityAddrVec(m.addrs)} mon.${m.name}`);
}

const resolver = (
  hosts: Record<string, string[]>,
  srv: Record<string, { name: string; port: number }[]> = {},
): MonHostResolver => ({
  lookup: async (host) => {
    const addrs = hosts[host];
    if (!addrs) throw new Error(`ENOTFOUND ${host}`);
    return addrs;
  },
  resolveSrv: async (name) => {
    const records = srv[name];
    if (!records) throw new Error(`ENOTFOUND ${name}`);
    return records.map((r) => ({ ...r, priority: 0, weight: 0 }));
  },
});

test('mon-host: every mon_host form → the mons a real 16.2.15 client builds (build_initial_monmap debug output)', () => {
  const mons = monsFromMonHost(
    '127.0.0.1 127.0.0.2:6789, 127.0.0.3:3300;127.0.0.4:7000 [v2:127.0.0.5:3300,v1:127.0.0.5:6789] ' +
      'v1:127.0.0.6 [::1] [::2]:6000 v2:[::3]',
  );
  // the real client printed these 13 entries (ordered by rank there; the set is what matters here)
  assert.deepEqual(describe(mons).sort(), [
    '[v2:127.0.0.5:3300/0,v1:127.0.0.5:6789/0] mon.noname-e',
    'v1:127.0.0.1:6789/0 mon.noname-a-legacy',
    'v1:127.0.0.2:6789/0 mon.noname-b-legacy',
    'v1:127.0.0.4:7000/0 mon.noname-d-legacy',
    'v1:127.0.0.6:6789/0 mon.noname-f',
    'v1:[::1]:6789/0 mon.noname-g-legacy',
    'v1:[::2]:6000/0 mon.noname-h-legacy',
    'v2:127.0.0.1:3300/0 mon.noname-a',
    'v2:127.0.0.3:3300/0 mon.noname-c',
    'v2:127.0.0.4:7000/0 mon.noname-d',
    'v2:[::1]:3300/0 mon.noname-g',
    'v2:[::2]:6000/0 mon.noname-h',
    'v2:[::3]:3300/0 mon.noname-i',
  ]);
});

test('mon-host: forMkfs → a port-less address is one mon with [v2:3300,v1:6789], no -legacy twins', () => {
  assert.deepEqual(describe(monsFromMonHost('10.0.0.1,10.0.0.2:7000', true)), [
    '[v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0] mon.noname-a',
    'v2:10.0.0.2:7000/0 mon.noname-b',
  ]);
});

test('mon-host: duplicate addresses → listed once', () => {
  assert.deepEqual(describe(monsFromMonHost('v2:10.0.0.1:3300 10.0.0.1:3300')), [
    'v2:10.0.0.1:3300/0 mon.noname-a',
  ]);
});

test('mon-host: parseMonHost → addrvecs per item; host names and garbage → EINVAL', () => {
  assert.equal(parseMonHost('[v2:1.2.3.4:3300,v1:1.2.3.4:6789]')[0]!.length, 2);
  assert.equal(parseMonHost('[::1]:3300')[0]!.length, 1);
  assert.equal(parseMonHost('1.2.3.4,5.6.7.8').length, 2);
  assert.throws(
    () => parseMonHost('mon1.example.com'),
    (e: unknown) => isCephError(e, 'EINVAL'),
  );
  assert.throws(
    () => parseMonHost('1.2.3.4:'),
    (e: unknown) => isCephError(e, 'EINVAL'),
  );
  assert.throws(
    () => parseMonHost('[v2:1.2.3.4:3300'),
    (e: unknown) => isCephError(e, 'EINVAL'),
  );
});

test('mon-host: host names in mon_host → resolved through DNS, ports kept, IPv6 bracketed', async () => {
  const c = new Config();
  c.set('mon_host', 'mon1:6789 mon2', ConfigLevel.FILE);
  const mons = await buildInitialMonMap(c, {
    resolver: resolver({ mon1: ['10.0.0.1'], mon2: ['10.0.0.2', '::5'] }),
  });
  assert.deepEqual(describe(mons), [
    'v1:10.0.0.1:6789/0 mon.noname-a-legacy',
    'v2:10.0.0.2:3300/0 mon.noname-b',
    'v1:10.0.0.2:6789/0 mon.noname-b-legacy',
    'v2:[::5]:3300/0 mon.noname-c',
    'v1:[::5]:6789/0 mon.noname-c-legacy',
  ]);
  c.set('mon_host', 'nosuchhost', ConfigLevel.CMDLINE);
  await assert.rejects(buildInitialMonMap(c, { resolver: resolver({}) }), (e: unknown) =>
    isCephError(e, 'EINVAL'),
  );
});

test('mon-host: no mon_host → [mon.X] "mon addr" sections (legacy v1, port 6789 by default)', async () => {
  const conf = ConfFile.parse(
    '[global]\n[mon.a]\nmon addr = 10.0.0.1\n[mon.b]\nmon addr = v2:10.0.0.2:3300\n[mon]\n',
  );
  const mons = await buildInitialMonMap(new Config(), { confFile: conf, resolver: resolver({}) });
  assert.deepEqual(describe(mons), ['v1:10.0.0.1:6789/0 mon.a', 'v2:10.0.0.2:3300/0 mon.b']);
});

test('mon-host: nothing configured → DNS SRV _ceph-mon._tcp, else ENOENT', async () => {
  const c = new Config();
  const srv = resolver(
    { 'mon1.example.com': ['10.0.0.9'] },
    { '_ceph-mon._tcp': [{ name: 'mon1.example.com', port: 3300 }] },
  );
  assert.deepEqual(describe(await buildInitialMonMap(c, { resolver: srv })), ['v2:10.0.0.9:3300/0 mon.mon1']);
  c.set('mon_dns_srv_name', 'ceph-mon_example.com', ConfigLevel.FILE);
  await assert.rejects(buildInitialMonMap(c, { resolver: srv }), (e: unknown) => isCephError(e, 'ENOENT'));
});
