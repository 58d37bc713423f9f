import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddrType } from '../../../src/encoding/types.js';
import {
  compareAddrs,
  formatAddr,
  formatAddrVec,
  inetNtop6,
  inetPton4,
  inetPton6,
  legacyAddrString,
  parseAddr,
  parseAddrVec,
  parseIpPortVec,
} from '../../../src/mon/monmap-addr.js';

test('monmap-addr: inet_pton4 → four decimal octets only, no leading zeros', () => {
  assert.deepEqual([...inetPton4('1.2.3.4')!], [1, 2, 3, 4]);
  for (const bad of ['01.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '', '1..2.3', 'a.b.c.d']) {
    assert.equal(inetPton4(bad), null, bad);
  }
});

test('monmap-addr: inet_pton6 → glibc rules for ::, group width and IPv4 tails', () => {
  assert.equal(inetPton6('::')!.toString('hex'), '0'.repeat(32));
  assert.equal(inetPton6('::1')!.toString('hex'), '0'.repeat(31) + '1');
  assert.equal(inetPton6('1:0:0:2:0:0:0:3')!.toString('hex'), '00010000000000020000000000000003');
  assert.equal(inetPton6('::ffff:1.2.3.4')!.toString('hex'), '00000000000000000000ffff01020304');
  assert.equal(inetPton6('1::2:3.4.5.6')!.toString('hex'), '00010000000000000000000203040506');
  for (const bad of [
    ':1',
    '1:',
    '1:::2',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '',
    '1.2.3.4',
  ]) {
    assert.equal(inetPton6(bad), null, bad);
  }
});

test('monmap-addr: inet_ntop6 → longest zero run compressed, first on ties, mapped IPv4 dotted', () => {
  const ntop = (s: string): string => inetNtop6(inetPton6(s)!);
  assert.equal(ntop('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
  assert.equal(ntop('1:0:0:2:3:0:0:4'), '1::2:3:0:0:4');
  assert.equal(ntop('1:0:2:3:4:5:6:7'), '1:0:2:3:4:5:6:7');
  assert.equal(ntop('0:0:0:0:0:0:0:0'), '::');
  assert.equal(ntop('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(ntop('0:0:0:0:0:ffff:102:304'), '::ffff:1.2.3.4');
  assert.equal(ntop('0:0:0:0:0:0:102:304'), '::1.2.3.4');
  assert.equal(ntop('fd00:0:0:0:0:0:0:0'), 'fd00::');
});

test('monmap-addr: parse → prefixes, ports, nonces, brackets; v2 when no prefix', () => {
  assert.deepEqual(parseAddr('10.0.0.1:3300/7'), {
    type: AddrType.MSGR2,
    nonce: 7,
    family: 2,
    ip: '10.0.0.1',
    port: 3300,
  });
  assert.equal(parseAddr('v1:1.2.3.4')!.type, AddrType.LEGACY);
  assert.equal(parseAddr('any:1.2.3.4:5')!.type, AddrType.ANY);
  assert.equal(parseAddr('1.2.3.4', AddrType.ANY)!.type, AddrType.ANY);
  assert.equal(parseAddr('-')!.type, AddrType.NONE);
  assert.equal(formatAddr(parseAddr('[fd00::2]:6789')!), 'v2:[fd00::2]:6789/0');
  assert.equal(formatAddr(parseAddr('::1')!), 'v2:[::1]:0/0');
  for (const bad of [
    '1.2.3.4:65536',
    'v3:1.2.3.4',
    '1.2.3.4:1x',
    '[::ffff:1.2.3.4]:5',
    '[1.2.3.4',
    '',
    '1.2.3.4:-1',
  ]) {
    assert.equal(parseAddr(bad), null, bad);
  }
});

test('monmap-addr: parse addrvec → brackets for lists, bracketed IPv6 is one address, trailing text ignored', () => {
  assert.equal(
    formatAddrVec(parseAddrVec('[v2:1.2.3.4:3300,v1:1.2.3.4:6789]')!),
    '[v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]',
  );
  assert.equal(formatAddrVec(parseAddrVec('[::2]:1')!), 'v2:[::2]:1/0');
  assert.equal(formatAddrVec(parseAddrVec('1.2.3.9:1,1.2.3.5')!), 'v2:1.2.3.9:1/0');
  assert.equal(formatAddrVec(parseAddrVec('[-,v1:1.2.3.4:5]')!), '[-,v1:1.2.3.4:5/0]');
  for (const bad of ['[]', '[1.2.3.4:1', '[1.2.3.4:1,]', 'x']) assert.equal(parseAddrVec(bad), null, bad);
});

test('monmap-addr: mon_host lists → items split on space, semicolon and comma', () => {
  const v = parseIpPortVec('1.2.3.4,5.6.7.8:6789 [v2:9.9.9.9:3300,v1:9.9.9.9:6789];10.0.0.1')!;
  assert.deepEqual(v.map(formatAddrVec), [
    '1.2.3.4:0/0',
    '5.6.7.8:6789/0',
    '[v2:9.9.9.9:3300/0,v1:9.9.9.9:6789/0]',
    '10.0.0.1:0/0',
  ]);
  assert.equal(parseIpPortVec('foo.example'), null);
});

test('monmap-addr: ordering → memcmp of type, nonce, family, port, then address bytes', () => {
  const a = (s: string) => parseAddr(s)!;
  assert.ok(compareAddrs(a('v1:9.9.9.9:9'), a('v2:1.1.1.1:1')) < 0);
  assert.ok(compareAddrs(a('v1:9.9.9.9:9/1'), a('v1:1.1.1.1:1/2')) < 0);
  assert.ok(compareAddrs(a('v1:9.9.9.9:1'), a('v1:1.1.1.1:2')) < 0);
  assert.ok(compareAddrs(a('v1:9.9.9.9:1'), a('v1:[::1]:1')) < 0);
  assert.equal(compareAddrs(a('v1:1.1.1.1:1'), a('v1:1.1.1.1:1')), 0);
});

test('monmap-addr: legacy string → the v1 address, else the first, as ip:port/nonce', () => {
  assert.equal(legacyAddrString(parseAddrVec('[v2:1.2.3.4:3300,v1:1.2.3.4:6789/3]')!), '1.2.3.4:6789/3');
  assert.equal(legacyAddrString(parseAddrVec('v2:1.2.3.4:3300')!), '1.2.3.4:3300/0');
  assert.equal(legacyAddrString([]), '(unrecognized address family 0)/0');
});
