import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapeJson,
  escapeXml,
  formatDoubleFixed6,
  formatDoubleG17,
  Formatter,
} from '../../../src/common/formatter.js';

/** The `version` reply a real Pacific admin socket sends, for each format (captured from 16.2.15). */
function dumpVersion(f: Formatter): string {
  f.object('version', () => {
    f.dumpString('version', '16.2.15');
    f.dumpString('release', 'pacific');
    f.dumpString('release_type', 'stable');
  });
  return f.flush();
}

test('formatter: json-pretty version → byte-identical to Pacific (4-space indent, trailing newline)', () => {
  assert.equal(
    dumpVersion(new Formatter('json-pretty')),
    '{\n    "version": "16.2.15",\n    "release": "pacific",\n    "release_type": "stable"\n}\n',
  );
});

test('formatter: json version → compact, no trailing newline', () => {
  assert.equal(
    dumpVersion(new Formatter('json')),
    '{"version":"16.2.15","release":"pacific","release_type":"stable"}',
  );
});

test('formatter: xml and xml-pretty version → element per field, pretty ends with a blank line', () => {
  assert.equal(
    dumpVersion(new Formatter('xml')),
    '<version><version>16.2.15</version><release>pacific</release><release_type>stable</release_type></version>',
  );
  assert.equal(
    dumpVersion(new Formatter('xml-pretty')),
    '<version>\n <version>16.2.15</version>\n <release>pacific</release>\n <release_type>stable</release_type>\n</version>\n\n',
  );
});

test('formatter: nested sections → empty object/array print as {} and [], item names ignored in json arrays', () => {
  const f = new Formatter('json-pretty');
  f.object('option', () => {
    f.array('tags', () => undefined);
    f.array('services', () => f.dumpString('service', 'rbd'));
    f.object('empty', () => undefined);
    f.dumpBool('can_update_at_runtime', true);
    f.dumpInt('min', -1);
    f.dumpNull('none');
  });
  assert.equal(
    f.flush(),
    '{\n    "tags": [],\n    "services": [\n        "rbd"\n    ],\n    "empty": {},\n' +
      '    "can_update_at_runtime": true,\n    "min": -1,\n    "none": null\n}\n',
  );
});

test('formatter: empty top-level section in json-pretty → "{}\\n" (what `log reopen` replies)', () => {
  const f = new Formatter('json-pretty');
  f.object('log_reopen', () => undefined);
  assert.equal(f.flush(), '{}\n');
  const x = new Formatter('xml');
  x.object('log reopen', () => undefined);
  assert.equal(x.flush(), '<log_reopen></log_reopen>');
});

test('formatter: json escapes → quote, backslash, \\t, \\n short; other controls and DEL as \\u00XX; / and UTF-8 raw', () => {
  // the exact string a real admin socket echoed back for `config get ms_inject_delay_type`
  const value = 'a"b\\\\c\td/e\u0001f\u00e9\u007f<&>\u0008\r\'z';
  assert.equal(escapeJson(value), 'a\\"b\\\\\\\\c\\td/e\\u0001f\u00e9\\u007f<&>\\u0008\\u000d\'z');
  assert.equal(escapeJson('line\nnext'), 'line\\nnext');
  assert.equal(escapeJson('plain/path'), 'plain/path');
});

test('formatter: xml escapes → entities for & < > \' " and &#xNN; for controls except tab and newline', () => {
  const value = 'a"b\\\\c\td/e\u0001f\u00e9\u007f<&>\u0008\r\'z';
  assert.equal(escapeXml(value), 'a&quot;b\\\\c\td/e&#x01;f\u00e9&#x7f;&lt;&amp;&gt;&#x08;&#x0d;&apos;z');
});

test('formatter: dump_float → %.17g like Pacific (2.5, 259200, 0.10000000000000001)', () => {
  assert.equal(formatDoubleG17(2.5), '2.5');
  assert.equal(formatDoubleG17(259200), '259200');
  assert.equal(formatDoubleG17(0.1), '0.10000000000000001');
  assert.equal(formatDoubleG17(0.97), '0.96999999999999997');
  assert.equal(formatDoubleG17(3), '3');
  assert.equal(formatDoubleG17(0), '0');
  assert.equal(formatDoubleG17(1e-5), '1.0000000000000001e-05');
  assert.equal(formatDoubleG17(1e21), '1e+21');
  assert.equal(formatDoubleG17(-0.5), '-0.5');
  assert.equal(formatDoubleG17(Infinity), 'inf');
});

test('formatter: std::to_string(double) → six decimals (what config get prints for floats)', () => {
  assert.equal(formatDoubleFixed6(3), '3.000000');
  assert.equal(formatDoubleFixed6(0.97), '0.970000');
  assert.equal(formatDoubleFixed6(259200), '259200.000000');
  assert.equal(formatDoubleFixed6(1e22), '10000000000000000000000.000000');
});

test('formatter: unknown format name → falls back to json-pretty like Formatter::create', () => {
  assert.equal(Formatter.create('plain').format, 'json-pretty');
  assert.equal(Formatter.create(undefined).format, 'json-pretty');
  assert.equal(Formatter.create('xml').format, 'xml');
});

test('formatter: closeSection without an open section → assertion', () => {
  assert.throws(() => new Formatter().closeSection(), /closeSection/);
});

test('formatter: unquoted numbers → printed raw (perf counter times keep nine decimals)', () => {
  const f = new Formatter('json');
  f.object('x', () => f.dumpUnquoted('sum', '0.000000000'));
  assert.equal(f.flush(), '{"sum":0.000000000}');
});
