import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfFile, normalizeKeyName, splitConfSearchList } from '../../../src/common/conf-file.js';
import { isCephError } from '../../../src/common/errors.js';

/**
 * Each case: file text, then the value `ceph-conf -c FILE --lookup x` printed
 * with 16.2.15 (undefined: "not found", 'ERROR': a parse error).
 */
const ORACLE_CASES: [string, string | undefined | 'ERROR'][] = [
  ['   \n[global]\nx=1\n', 'ERROR'],
  ['[global]\nx = "a" b\n', 'ERROR'],
  ['[global]\n\tx\t=\t1\n', '1'],
  ['[global]\nx y  z = 1\n', undefined],
  ['[global]\nx = a \\# b\n', 'a # b'],
  ['[global]\nx = a\\\\b\n', 'a\\b'],
  ['[glo#bal]\nx=1\n', 'ERROR'],
  ['[global]\nx==1\n', '=1'],
  ['[global]\n=1\n', 'ERROR'],
  ['[global]\ny\nx=1\n', 'ERROR'],
  ['[global]\n  [client]  \nx=1\n', 'ERROR'],
  ['[global]\nx = a;b\n', 'a'],
  ['[global]\r\nx = 1\r\n', '1'],
  ['[global]\nx = ""\n', ''],
  ['[global]\nx = \\\n  y\n', 'y'],
  ['[global]\nx = a\\\n', 'ERROR'],
  ['[global]\n x = 1\n  \n\n   # c\n[client]\ny=2\n', '1'],
  ['[global] \nx=1\n', '1'],
  ['[global]# c\nx=1\n', '1'],
  ['[ global]\nx=1\n', undefined],
  ['[global]\nx = a\\tb\n', 'atb'],
  ['[global]\nx = "a\\"b"\n', 'a"b'],
  ['[global]\nx = "a\\\nb"\n', 'ERROR'],
  ["[global]\nx = 'a' ; c\n", 'a'],
  ['[global]\n x = 1 \\\n# c\n', '1'],
  ['[global]\nx = 1 \\\n[client]\n', '1 [client]'],
  ['[global]\nx = [v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]\n', '[v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]'],
  ['[global]\nx = $y\ny = 1\n', '$y'],
  ['[global]\nx = a\n[global]\nx = b\n', 'b'],
  ['[global]\nx = "hello \\# not comment"\n', 'hello # not comment'],
  ['[global]\nx = "hello # not comment"\n', 'ERROR'],
  ["[global]\nx = 'it\"s'\n", 'it"s'],
  ["[global]\nx = 'it''s'\n", 'ERROR'],
  ['[global]\nx = 4', 'ERROR'],
  ['x = 4\n[global]\n', 'ERROR'],
  ['\n\n# c\n[global]\n\n\n  x = 1 \n\n', '1'],
];

for (const [text, expected] of ORACLE_CASES) {
  test(`conf-file: ${JSON.stringify(text)} → ${expected === undefined ? 'no value' : JSON.stringify(expected)} like ceph-conf`, () => {
    if (expected === 'ERROR') {
      assert.throws(
        () => ConfFile.parse(text),
        (err: unknown) => isCephError(err, 'EINVAL') && /parse error/.test(err.message),
      );
      return;
    }
    assert.equal(ConfFile.parse(text).lookup(['global'], 'x'), expected);
  });
}

test('conf-file: "x y  z = 1" → key x_y_z, found as "x y z" too', () => {
  const conf = ConfFile.parse('[global]\nx y  z = 1\n');
  assert.equal(conf.read('global', 'x_y_z'), '1');
  assert.equal(conf.read('global', 'x y z'), '1');
});

test('conf-file: a file of sections → section names in byte order, repeated sections merged', () => {
  const conf = ConfFile.parse('[osd.3]\na=1\n[global]\nb=2\n[client]\nc=3\n[global]\nd=4\n');
  assert.deepEqual(conf.sections(), ['client', 'global', 'osd.3']);
  assert.deepEqual(conf.entries('global'), [
    ['b', '2'],
    ['d', '4'],
  ]);
  assert.equal(conf.lookup(['osd.3', 'osd', 'global'], 'd'), '4');
});

test('conf-file: invalid UTF-8 → EINVAL naming the line, like Ceph', () => {
  assert.throws(
    () => ConfFile.parseBuffer(Buffer.from('[global]\nx = \xff\n', 'latin1')),
    (err: unknown) => isCephError(err, 'EINVAL') && /invalid UTF-8 found at line 2/.test(err.message),
  );
});

test('conf-file: missing file → ENOENT; /dev/null → an empty config', () => {
  assert.throws(
    () => ConfFile.load('/nonexistent/ceph.conf'),
    (err: unknown) => isCephError(err, 'ENOENT'),
  );
  assert.deepEqual(ConfFile.load('/dev/null').sections(), []);
});

test('conf-file: parse error message → line and 1-based position like boost::spirit reports', () => {
  assert.throws(
    () => ConfFile.parse('[global]\n=1\n'),
    (err: unknown) =>
      isCephError(err) && err.message === "parse error: expected '<eoi>' in line 2 at position 1",
  );
  assert.throws(
    () => ConfFile.parse('[global]\ndebug_ms = 4'),
    (err: unknown) => isCephError(err) && /expected '<empty_line>' in line 2/.test(err.message),
  );
});

test('conf-file: normalizeKeyName and search lists → whitespace runs to "_"; lists split on , and ; only', () => {
  assert.equal(normalizeKeyName('  mon   host '), 'mon_host');
  assert.equal(normalizeKeyName('log-file'), 'log-file');
  assert.deepEqual(splitConfSearchList('a.conf, b.conf;c.conf'), ['a.conf', ' b.conf', 'c.conf']);
  assert.deepEqual(splitConfSearchList('a.conf b.conf'), ['a.conf b.conf']);
});

test("conf-file: toString → Ceph's dump format with quoted values", () => {
  const conf = ConfFile.fromSections({ global: { 'mon host': '1.2.3.4' } });
  assert.equal(conf.toString(), '[global]\n\tmon_host = "1.2.3.4"\n');
});
