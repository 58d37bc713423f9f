import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CephError } from '../../../../src/common/errors.js';
import {
  CommandFlag,
  INVALID_COMMAND_EXIT,
  commandJson,
  commandRepr,
  conciseSig,
  findCommandTarget,
  isCommandMatch,
  matchCommand,
  parseCommandDescriptions,
  type CommandSignature,
} from '../../../../src/cli/ceph/argparse.js';
import { formatCommandTable, formatPrefixHelp, wrapText } from '../../../../src/cli/ceph/argparse-help.js';
import {
  pyFloat,
  pyFloatRepr,
  pyInt,
  pyJsonDumps,
  pyStrListRepr,
  pyStrRepr,
} from '../../../../src/cli/ceph/argparse-python.js';
import {
  ArgumentError,
  inetPton4,
  inetPton6,
  isArgTypeName,
  makeArgType,
} from '../../../../src/cli/ceph/argparse-types.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../../../test/fixtures/ceph-commands/${name}`, import.meta.url), 'utf8');

const sigsByDaemon: Record<string, CommandSignature[]> = {
  mon: parseCommandDescriptions(fixture('mon-commands.json')),
  osd: parseCommandDescriptions(fixture('osd-commands.json')),
  'mgr-tell': parseCommandDescriptions(fixture('mgr-tell-commands.json')),
};

/** A row of table.json: made by make-table.py with Ceph's ceph_argparse and checked against the real CLI. */
interface TableRow {
  argv: string[];
  words: string[];
  descriptions?: string;
  format?: string;
  json?: string;
  stderr?: string[];
  exit: number;
}

interface PythonSamples {
  ints: { s: string; base0: string; base16: string; base10: string }[];
  floats: { s: string; repr: string | null }[];
  reprs: { hex: string; repr: string }[];
  strs: { s: string; repr: string; json: string }[];
  types: {
    type: string;
    params: Record<string, string>;
    word: string;
    partial: boolean;
    value?: string;
    error?: string;
    crash?: boolean;
  }[];
  targets: { words: string[]; target?: [string | null, string | number | null]; error?: string }[];
}

const table: TableRow[] = JSON.parse(fixture('table.json'));
const samples: PythonSamples = JSON.parse(fixture('python-samples.json'));

describe('argparse: command table from the real ceph CLI', () => {
  for (const row of table) {
    const shown = `ceph ${row.format ? `-f ${row.format} ` : ''}${row.argv.join(' ')}`;
    it(`argparse: \`${shown}\` → ${row.json ? 'sends the same JSON' : `exits ${row.exit} with the same stderr`}`, () => {
      const result = matchCommand(sigsByDaemon[row.descriptions ?? 'mon']!, row.words);
      if (row.json !== undefined) {
        assert.ok(
          isCommandMatch(result),
          isCommandMatch(result) ? '' : `expected a match, got ${result.stderr.join(' | ')}`,
        );
        const cmd = row.format ? { ...result.cmd, format: row.format } : result.cmd;
        assert.equal(commandJson(cmd, result.sig), row.json);
        assert.equal(row.exit, 0);
      } else {
        assert.ok(
          !isCommandMatch(result),
          isCommandMatch(result) ? `expected no match, got ${commandJson(result.cmd, result.sig)}` : '',
        );
        assert.deepEqual(result.stderr, row.stderr);
        assert.equal(INVALID_COMMAND_EXIT, row.exit);
      }
    });
  }
});

describe('argparse: command descriptions', () => {
  it('parseCommandDescriptions: keeps all 584 mon commands in order with flags and help', () => {
    const mon = sigsByDaemon.mon!;
    assert.equal(mon.length, 584);
    assert.equal(mon[0]!.tag, 'cmd000');
    assert.equal(conciseSig(mon[0]!.sig), 'pg stat');
    assert.ok(mon[0]!.flags & CommandFlag.MGR);
    const create = mon.find((c) => conciseSig(c.sig).startsWith('osd pool create '))!;
    assert.equal(create.help, 'create pool');
    assert.equal(create.module, 'osd');
    assert.equal(create.perm, 'rw');
    const pgNum = create.sig.find((d) => d.name === 'pg_num')!;
    assert.deepEqual([pgNum.required, pgNum.repeat, pgNum.type.describe()], [false, false, '<int[0-]>']);
  });

  it('parseCommandDescriptions: unknown type, missing sig and bad JSON are EINVAL', () => {
    const einval = (e: unknown): boolean => e instanceof CephError && e.code === 'EINVAL';
    assert.throws(
      () => parseCommandDescriptions('{"cmd0": {"sig": [{"name": "x", "type": "CephNope"}]}}'),
      einval,
    );
    assert.throws(() => parseCommandDescriptions('{"cmd0": {"help": "x"}}'), einval);
    assert.throws(() => parseCommandDescriptions('{"cmd0": '), einval);
  });

  it('parseCommandDescriptions: commands whose avail excludes the consumer are dropped', () => {
    const json = JSON.stringify({
      a: { sig: ['a'], help: '', avail: 'rest' },
      b: { sig: ['b'], help: '', avail: 'cli,rest' },
    });
    assert.deepEqual(
      parseCommandDescriptions(json).map((c) => c.tag),
      ['b'],
    );
  });

  it('matchCommand: obsolete commands never match; flags add target and poll', () => {
    const sigs = parseCommandDescriptions(
      JSON.stringify({
        cmd0: { sig: ['old'], help: 'x', flags: CommandFlag.OBSOLETE },
        cmd1: { sig: ['watch', 'it'], help: 'x', flags: CommandFlag.MGR | CommandFlag.POLL },
      }),
    );
    assert.ok(!isCommandMatch(matchCommand(sigs, ['old'])));
    const r = matchCommand(sigs, ['watch', 'it']);
    assert.ok(isCommandMatch(r));
    assert.equal(commandJson(r.cmd), '{"prefix": "watch it", "target": ["mon-mgr", ""], "poll": true}');
  });
});

describe('argparse: --verbose output', () => {
  it('commandRepr: the dictionary exactly as `ceph --verbose -f json` printed it', () => {
    const repr = (words: string[]): string => {
      const r = matchCommand(sigsByDaemon.mon!, words);
      assert.ok(isCommandMatch(r));
      return commandRepr({ ...r.cmd, format: 'json' }, r.sig);
    };
    // lines copied from the real CLI's stderr ("Submitting command:  …")
    assert.equal(repr(['pg', 'stat']), "{'prefix': 'pg stat', 'target': ('mon-mgr', ''), 'format': 'json'}");
    assert.equal(
      repr(['osd', 'reweight', '0', '1']),
      "{'prefix': 'osd reweight', 'id': 0, 'weight': 1.0, 'format': 'json'}",
    );
    assert.equal(
      repr(['osd', 'pool', 'ls', 'detail']),
      "{'prefix': 'osd pool ls', 'detail': 'detail', 'format': 'json'}",
    );
  });
});

describe('argparse: help output', () => {
  it('formatPrefixHelp: `ceph osd pool create -h` matches the real CLI byte for byte', () => {
    assert.equal(
      formatPrefixHelp(sigsByDaemon.mon!, ['osd', 'pool', 'create']),
      fixture('help-osd-pool-create.txt'),
    );
  });

  it('formatPrefixHelp: `ceph -h` (all 500-odd commands, wrapped) matches the real CLI byte for byte', () => {
    assert.equal(formatPrefixHelp(sigsByDaemon.mon!, []), fixture('help-all.txt'));
  });

  it('formatCommandTable: wider terminals give wider columns; hidden and deprecated commands are left out', () => {
    const sigs = parseCommandDescriptions(
      JSON.stringify({
        a: { sig: ['zeta', { name: 'x', type: 'CephInt' }], help: 'last one', flags: 0 },
        b: { sig: ['alpha'], help: 'first one', flags: 0 },
        c: { sig: ['hidden'], help: 'nope', flags: CommandFlag.HIDDEN },
        d: { sig: ['deprecated'], help: 'nope', flags: CommandFlag.DEPRECATED },
        e: { sig: ['nohelp'], help: '', flags: 0 },
      }),
    );
    assert.equal(
      formatCommandTable(sigs, undefined, 41),
      'alpha                first one\nzeta <x:int>         last one\n',
    );
  });

  it('wrapText: same lines as ceph.in wrap() (outputs taken from Python)', () => {
    assert.deepEqual(wrapText('long string long string long string', 11, 1), [
      'long ',
      ' string ',
      ' long ',
      ' string ',
      ' long ',
      ' string',
    ]);
    assert.deepEqual(wrapText('abcdefghijklmnop', 5, 1), ['abcde', ' fghi', ' jklm', ' nop']);
    assert.deepEqual(wrapText('osd pool create <pool> [<pg_num:int>]', 12, 1), [
      'osd pool ',
      ' create ',
      ' <pool> ',
      ' [<pg_num:',
      ' int>]',
    ]);
  });
});

describe('argparse: Python semantics, checked against Python 3.11', () => {
  it('pyInt: int(s, 0), int(s, 16) and int(s) accept and refuse what Python does', () => {
    for (const x of samples.ints) {
      const show = (v: bigint | undefined): string => (v === undefined ? 'None' : v.toString());
      assert.equal(show(pyInt(x.s, 0)), x.base0, `int(${JSON.stringify(x.s)}, 0)`);
      assert.equal(show(pyInt(x.s, 16)), x.base16, `int(${JSON.stringify(x.s)}, 16)`);
      assert.equal(show(pyInt(x.s)), x.base10, `int(${JSON.stringify(x.s)})`);
    }
  });

  it('pyFloat: float(s) accepts and refuses what Python does', () => {
    for (const x of samples.floats) {
      const v = pyFloat(x.s);
      assert.equal(v === undefined ? null : pyFloatRepr(v), x.repr, `float(${JSON.stringify(x.s)})`);
    }
  });

  it('pyFloatRepr: repr() of 417 doubles (edge cases and random bit patterns)', () => {
    for (const x of samples.reprs) {
      const d = Buffer.from(x.hex, 'hex').readDoubleLE(0);
      assert.equal(pyFloatRepr(d), x.repr, `repr of ${x.hex}`);
    }
  });

  it('pyStrRepr and pyJsonDumps: quoting and escapes of str', () => {
    for (const x of samples.strs) {
      assert.equal(pyStrRepr(x.s), x.repr, `repr(${JSON.stringify(x.s)})`);
      assert.equal(pyJsonDumps(x.s), x.json, `json.dumps(${JSON.stringify(x.s)})`);
    }
    assert.equal(pyStrListRepr(['a', "b'"]), `['a', "b'"]`);
    assert.equal(
      pyJsonDumps({ a: [1, 2n ** 70n, true], b: 0.5 }, (k) => k === 'b'),
      '{"a": [1, 1180591620717411303424, true], "b": 0.5}',
    );
    assert.equal(
      pyJsonDumps({ w: Infinity, n: NaN, i: 3 }, (k) => k !== 'i'),
      '{"w": Infinity, "n": NaN, "i": 3}',
    );
  });

  for (const type of [...new Set(samples.types.map((t) => t.type))]) {
    it(`${type}: valid() stores the same value or raises the same message as ceph_argparse`, () => {
      for (const x of samples.types.filter((t) => t.type === type)) {
        assert.ok(isArgTypeName(x.type));
        const what = `${x.type}(${JSON.stringify(x.params)}).valid(${JSON.stringify(x.word)}, ${x.partial})`;
        const t = makeArgType(x.type, x.params);
        let got: { value?: string; error?: string };
        try {
          const v = t.valid(x.word, x.partial);
          got = { value: pyJsonDumps(v, () => x.type === 'CephFloat') };
        } catch (err) {
          assert.ok(err instanceof ArgumentError, `${what} threw ${String(err)}`);
          got = { error: err.message };
        }
        // where Python dies with a traceback we refuse the word with an ArgumentError instead
        if (x.crash) assert.ok(got.error !== undefined, `${what} should be refused`);
        else assert.deepEqual(got, x.value !== undefined ? { value: x.value } : { error: x.error }, what);
      }
    });
  }

  it('inetPton4 / inetPton6: glibc rules', () => {
    assert.ok(inetPton4('0.0.0.0') && inetPton4('255.255.255.255'));
    assert.ok(!inetPton4('1.2.3.04') && !inetPton4('1.2.3.4.5') && !inetPton4('1..2.3') && !inetPton4(''));
    assert.ok(inetPton6('::') && inetPton6('::1') && inetPton6('1::') && inetPton6('1:2:3:4:5:6:1.2.3.4'));
    assert.ok(!inetPton6(':::') && !inetPton6('1:2:3:4:5:6:7:8::') && !inetPton6('1:2:3:4:5:6:7:1.2.3.4'));
  });
});

describe('argparse: command targets', () => {
  for (const x of samples.targets) {
    it(`findCommandTarget: ${x.words.join(' ')} → ${x.error ? 'error' : JSON.stringify(x.target)}`, () => {
      if (x.error) {
        assert.throws(
          () => findCommandTarget(x.words),
          (e: unknown) => e instanceof ArgumentError && e.message === x.error,
        );
        return;
      }
      const t = findCommandTarget(x.words);
      assert.deepEqual([t.type, t.id], x.target);
    });
  }
});
