/**
 * The `ceph` CLI's command matcher (Pacific's src/pybind/ceph_argparse.py):
 * read the command descriptions a daemon publishes
 * (`get_command_descriptions`), find the one the command-line words mean,
 * and build the JSON command the real CLI would send — same keys, same key
 * order, same int/float/bool/list types, same bytes — or the same error text.
 *
 *   words ──matchnum (partial, then exact) per signature──▶ best candidates
 *         ──validate, fewest required args first──▶ command dict  (+ target/poll from flags)
 *                                                └─▶ "Invalid command: …" / "no valid command found; …"
 */
import { CephError } from '../../common/errors.js';
import { pyDictRepr, pyInt, pyJsonDumps, pyStrListRepr, type PyValue } from './argparse-python.js';
import {
  ArgumentError,
  isArgTypeName,
  makeArgType,
  type ArgType,
  type ArgTypeParams,
  type ArgumentErrorKind,
} from './argparse-types.js';

export { ArgumentError, type ArgType, type ArgTypeName } from './argparse-types.js';
export type { PyValue } from './argparse-python.js';

/** `MonCommand` flags carried by each description. */
export const CommandFlag = {
  NOFORWARD: 1 << 0,
  OBSOLETE: 1 << 1,
  DEPRECATED: 1 << 2,
  /** Handled by the mgr: the CLI adds `"target": ["mon-mgr", ""]` and sends it to the mgr. */
  MGR: 1 << 3,
  /** A polling command (`iostat`): the CLI adds `"poll": true` and repeats it. */
  POLL: 1 << 4,
  HIDDEN: 1 << 5,
} as const;
export type CommandFlag = (typeof CommandFlag)[keyof typeof CommandFlag];

/** One argument descriptor of a signature (ceph_argparse's `argdesc`). */
export interface ArgDesc {
  /** The key the value gets in the command JSON; `prefix` for the fixed words. */
  name: string;
  /** The type, with its parameters. */
  type: ArgType;
  /** `n=N`: one or more values, collected in a list. */
  repeat: boolean;
  /** `n`: how many words when not repeated (1 unless the description says otherwise). */
  count: number;
  /** `req`: must be given (false for `req=false`). */
  required: boolean;
}

/** One command description. */
export interface CommandSignature {
  /** Its key in the descriptions (`cmd042`). */
  tag: string;
  /** The fixed words and the arguments, in order. */
  sig: ArgDesc[];
  /** The one-line help text. */
  help: string;
  /** The service that handles it (`osd`, `mon`, `config`…). */
  module: string;
  /** Capabilities needed: `r`, `w`, `rw`, `x`… */
  perm: string;
  /** CommandFlag bits. */
  flags: number;
}

/** A command the words matched: the dictionary the CLI sends (before it adds `format`). */
export interface CommandMatch {
  cmd: Record<string, PyValue>;
  sig: CommandSignature;
}

/** Words that matched no command, with what the real CLI prints on stderr. */
export interface CommandMismatch {
  /** `Invalid command: …` or `no valid command found; N closest matches:`. */
  error: string;
  /** The usage lines printed after `error`. */
  usage: string[];
  /** Every stderr line the real CLI prints for this, in order (notes, error, usage, `Error EINVAL: …`). */
  stderr: string[];
}

/** The exit status of `ceph` for an invalid command (EINVAL). */
export const INVALID_COMMAND_EXIT = 22;

interface RawArgDesc {
  type?: unknown;
  name?: unknown;
  n?: unknown;
  req?: unknown;
  [key: string]: unknown;
}

function parseArgDesc(desc: unknown, tag: string): ArgDesc {
  if (typeof desc === 'string') {
    return {
      name: 'prefix',
      type: makeArgType('CephPrefix', { prefix: desc }),
      repeat: false,
      count: 1,
      required: true,
    };
  }
  if (typeof desc !== 'object' || desc === null)
    throw new CephError('EINVAL', `JSON descriptor ${tag} is malformed`);
  const d = desc as RawArgDesc;
  if (d.type === undefined) throw new CephError('EINVAL', `JSON descriptor ${tag} has no type`);
  const typeName = String(d.type);
  if (!isArgTypeName(typeName)) throw new CephError('EINVAL', `unknown type ${typeName}`);
  const n = d.n ?? 1;
  const repeat = n === 'n' || n === 'N';
  const count = repeat ? 1 : Number(typeof n === 'number' ? n : pyInt(String(n)));
  if (!Number.isInteger(count)) throw new CephError('EINVAL', `JSON descriptor ${tag}: bad n ${String(n)}`);
  const req = d.req ?? true;
  const params: ArgTypeParams = {};
  for (const key of ['range', 'goodchars', 'strings', 'prefix'] as const) {
    if (d[key] !== undefined) params[key] = String(d[key]);
  }
  let type: ArgType;
  try {
    type = makeArgType(typeName, params);
  } catch (err) {
    throw new CephError('EINVAL', `JSON descriptor ${tag}: ${(err as Error).message}`);
  }
  return {
    name: d.name === undefined ? '' : String(d.name),
    type,
    repeat,
    count,
    required: req === true || req === 'True' || req === 'true',
  };
}

/**
 * Parse `get_command_descriptions` output (`{"cmd000": {"sig": [...],
 * "help": ..., "module": ..., "perm": ..., "flags": N}, ...}`), keeping the
 * daemon's order. Commands whose `avail` excludes `consumer` are dropped.
 */
export function parseCommandDescriptions(json: string, consumer = 'cli'): CommandSignature[] {
  let overall: unknown;
  try {
    overall = JSON.parse(json);
  } catch (err) {
    throw new CephError('EINVAL', `Couldn't parse JSON ${json.slice(0, 80)}: ${(err as Error).message}`);
  }
  if (typeof overall !== 'object' || overall === null)
    throw new CephError('EINVAL', 'command descriptions: not an object');
  const out: CommandSignature[] = [];
  for (const [tag, raw] of Object.entries(overall as Record<string, Record<string, unknown>>)) {
    if (!Array.isArray(raw?.sig)) throw new CephError('EINVAL', `JSON descriptor ${tag} has no 'sig'`);
    if (raw.avail !== undefined && !String(raw.avail).includes(consumer)) continue;
    out.push({
      tag,
      sig: raw.sig.map((d: unknown) => parseArgDesc(d, tag)),
      help: String(raw.help ?? ''),
      module: String(raw.module ?? ''),
      perm: String(raw.perm ?? ''),
      flags: Number(raw.flags ?? 0),
    });
  }
  return out;
}

/** The mutable part of an argdesc during one match (ceph_argparse deep-copies the signature for this). */
interface DescState {
  numseen: number;
  n: number;
}

const freshState = (sig: readonly ArgDesc[]): DescState[] =>
  sig.map((d) => ({ numseen: 0, n: d.repeat ? 1 : d.count }));

const isArgError = (err: unknown, kind?: ArgumentErrorKind): err is ArgumentError =>
  err instanceof ArgumentError && (kind === undefined || err.kind === kind);

/** Validate one word (or a comma list, for repeated non-string args and keyword values). */
function validateOne(
  word: string,
  desc: ArgDesc,
  st: DescState,
  isKwarg: boolean,
  partial = false,
): PyValue[] {
  const allowCsv = isKwarg || desc.type.typeName !== 'CephString';
  const vals =
    desc.repeat && allowCsv
      ? word.split(',').map((p) => desc.type.valid(p, partial))
      : [desc.type.valid(word, partial)];
  st.numseen += 1;
  if (desc.repeat) st.n = st.numseen + 1;
  return vals;
}

/** How many required descriptors `words` satisfy, in order (matchnum). */
function matchnum(words: readonly string[], sig: readonly ArgDesc[], partial: boolean): number {
  const left = [...words];
  const states = freshState(sig);
  let matched = 0;
  for (let i = 0; i < sig.length; i++) {
    const desc = sig[i]!;
    const st = states[i]!;
    while (st.numseen < st.n) {
      if (!left.length) return matched;
      const word = left.shift()!;
      try {
        // partial matching only for the last word given, so "foo bar" does not match "foot bar"
        validateOne(word, desc, st, false, partial && left.length === 0);
      } catch (err) {
        if (!isArgError(err)) throw err;
        if (desc.required) return matched;
        left.unshift(word);
        break;
      }
    }
    if (desc.required) matched += 1;
  }
  return matched;
}

function storeArg(desc: ArgDesc, vals: PyValue[], d: Map<string, PyValue>): void {
  const prev = d.get(desc.name);
  if (desc.repeat) d.set(desc.name, Array.isArray(prev) ? [...(prev as PyValue[]), ...vals] : vals);
  else if (desc.type.typeName === 'CephPrefix' && prev !== undefined)
    d.set(desc.name, `${String(prev)} ${String(vals[0])}`);
  else d.set(desc.name, vals[vals.length - 1]!);
}

/** Python's `str(argdesc)`: `pool(<poolname>)`, `[pg_num(<int[0-]>)]`, `ids(<string>)...`. */
export function describeArg(desc: ArgDesc): string {
  let s: string;
  const t = desc.type;
  if ((t.typeName === 'CephChoices' && !t.describe().includes('|')) || t.typeName === 'CephPrefix')
    s = t.describe();
  else s = `${desc.name}(${t.describe()})${desc.repeat ? '...' : ''}`;
  return desc.required ? s : `[${s}]`;
}

const KWARG_EQUALS = /^--([^=]+)=([^\n]+)/;
const KWARG_SPACE = /^--([^=]+)/;
/** Confirmation flags accepted as positional values (pre-Nautilus daemons declared them as strings). */
const CONFIRM_FLAGS = new Set([
  '--yes-i-really-mean-it',
  '--yes-i-really-really-mean-it',
  '--yes-i-really-really-mean-it-not-faking',
  '--force',
]);

/**
 * ceph_argparse's `validate`: bind `args` to `sig` (positionally, or as
 * `--name value` / `--name=value` / `--flag` keywords). Throws ArgumentError;
 * with `partial`, returns what matched so far instead of complaining.
 * `notes` receives the "X not valid: …" lines the real CLI prints.
 */
function validate(
  args: readonly string[],
  sig: readonly ArgDesc[],
  flags: number,
  partial: boolean,
  notes: string[],
): Map<string, PyValue> {
  const myargs = [...args];
  const states = freshState(sig);
  const stateOf = new Map(sig.map((d, i) => [d, states[i]!]));
  const reqsiglen = sig.filter((d) => d.required).length;
  let matchcnt = 0;
  const d = new Map<string, PyValue>();
  let saved: [string, ArgumentError] | undefined;
  const byName = new Map<string, ArgDesc>();
  for (const desc of sig) if (desc.type.typeName !== 'CephPrefix') byName.set(desc.name, desc);
  const injectargs = myargs[0] === 'injectargs';

  for (let i = 0; i < sig.length; i++) {
    const desc = sig[i]!;
    const st = states[i]!;
    st.numseen = 0;
    while (st.numseen < st.n) {
      const myarg = myargs.length ? myargs.shift()! : undefined;
      if (myarg === undefined) {
        if (!desc.required) break;
        if (d.has(desc.name)) break; // already given as a keyword
      }
      if (myarg) {
        let kwDesc: ArgDesc | undefined;
        let kwValue = '';
        const eq = KWARG_EQUALS.exec(myarg);
        if (eq) {
          kwDesc = byName.get(eq[1]!.replaceAll('-', '_'));
          kwValue = eq[2]!;
        } else {
          const sp = KWARG_SPACE.exec(myarg);
          if (sp) {
            kwDesc = byName.get(sp[1]!.replaceAll('-', '_'));
            if (kwDesc?.type.typeName === 'CephBool') kwValue = 'true';
            else if (kwDesc && myargs.length) kwValue = myargs.shift()!;
            else kwDesc = undefined; // "--name" with nothing after it is no keyword
          }
        }
        if (kwDesc) {
          const vals = validateOne(kwValue, kwDesc, stateOf.get(kwDesc)!, true);
          matchcnt += 1;
          storeArg(kwDesc, vals, d);
          continue;
        }
        if (
          myarg.startsWith('--') &&
          !(desc.type.typeName === 'CephChoices' || CONFIRM_FLAGS.has(myarg) || injectargs)
        ) {
          // a mistyped option must not slip through as a positional value
          throw new ArgumentError('valid', `Unexpected argument '${myarg}'`);
        }
      }
      if (myarg === undefined && desc.required) {
        if (desc.repeat && st.numseen < 1) {
          if (partial) return d;
          throw new ArgumentError('number', `saw ${st.numseen} of ${describeArg(desc)}, expected at least 1`);
        }
        if (!desc.repeat && st.numseen < st.n) {
          if (partial) return d;
          if (st.numseen === 0 && st.n === 1) {
            throw new ArgumentError('missing', `missing required parameter ${describeArg(desc)}`);
          }
          throw new ArgumentError('number', `saw ${st.numseen} of ${describeArg(desc)}, expected ${st.n}`);
        }
        break;
      }
      let vals: PyValue[];
      try {
        vals = validateOne(myarg!, desc, st, false);
      } catch (err) {
        if (!isArgError(err)) throw err;
        if (!desc.required) {
          // not required: the word may belong to the next descriptor
          saved = [myarg!, err];
          myargs.unshift(myarg!);
          break;
        }
        if (partial) return d;
        throw err;
      }
      matchcnt += 1;
      storeArg(desc, vals, d);
      saved = undefined;
    }
  }
  if (matchcnt < reqsiglen) throw new ArgumentError('toofew', 'not enough arguments given');
  if (myargs.length && !partial) {
    if (saved) notes.push(`${saved[0]} not valid:  ${saved[1].message}`);
    throw new ArgumentError('error', `unused arguments: ${pyStrListRepr(myargs)}`);
  }
  if (flags & CommandFlag.MGR) d.set('target', ['mon-mgr', '']);
  if (flags & CommandFlag.POLL) d.set('poll', true);
  return d;
}

/** `concise_sig`: the signature as help prints it (`osd pool create <pool> [<pg_num:int>] …`). */
export function conciseSig(sig: readonly ArgDesc[]): string {
  return sig.map(helpChunk).join(' ');
}

function helpChunk(desc: ArgDesc): string {
  const t = desc.type.typeName;
  let s: string;
  if (t === 'CephBool') s = `--${desc.name.replaceAll('_', '-')}`;
  else if (t === 'CephPrefix') s = desc.type.describe();
  else if (t === 'CephChoices')
    s = desc.name === 'format' ? `--${desc.name} {${desc.type.describe()}}` : desc.type.describe();
  else if (t === 'CephOsdName') s = '<id|osd.id>';
  else if (t === 'CephName') s = '<type.id>';
  else if (t === 'CephInt') s = `<${desc.name}:int>`;
  else if (t === 'CephFloat') s = `<${desc.name}:float>`;
  else s = `<${desc.name}>`;
  if (desc.repeat) s += '...';
  return desc.required ? s : `[${s}]`;
}

/**
 * Find the command `words` mean and build its dictionary, or say why not,
 * exactly as Pacific's `validate_command` does (including its tie-breaks:
 * exact matches beat partial ones, then candidates with fewer required
 * arguments are tried first).
 */
export function matchCommand(
  sigs: readonly CommandSignature[],
  words: readonly string[],
): CommandMatch | CommandMismatch {
  let bestCount = 0;
  let best: CommandSignature[] = [];
  for (const cmd of sigs) {
    if (cmd.flags & CommandFlag.OBSOLETE) continue;
    let matched = matchnum(words, cmd.sig, true);
    // prefer full matches over partial ones
    if (matched >= Math.floor(bestCount) && matched === matchnum(words, cmd.sig, false)) matched += 0.5;
    if (matched < bestCount) continue;
    if (matched > bestCount) {
      bestCount = matched;
      best = [cmd];
    } else best.push(cmd);
  }
  const required = (c: CommandSignature): number => c.sig.filter((d) => d.required).length;
  const sorted = [...best].sort((a, b) => required(a) - required(b));

  const notes: string[] = [];
  let found: CommandSignature | undefined;
  let failure: ArgumentError | undefined;
  for (const cmd of sorted) {
    try {
      const d = validate(words, cmd.sig, cmd.flags, false, notes);
      return { cmd: Object.fromEntries(d), sig: cmd };
    } catch (err) {
      if (!isArgError(err)) throw err;
      if (err.kind === 'prefix' || err.kind === 'toofew') continue; // not this command; try the next
      if (err.kind === 'missing') {
        failure = err;
        if (best.length === 1) found = cmd;
        break;
      }
      // a solid mismatch on an argument of the right command
      failure = err;
      found = cmd;
      break;
    }
  }
  const tail = 'Error EINVAL: invalid command';
  if (found) {
    const error = `Invalid command: ${failure?.message ?? ''}`;
    const usage = [`${conciseSig(found.sig)} :  ${found.help}`];
    return { error, usage, stderr: [...notes, error, ...usage, tail] };
  }
  const shown = best
    .filter((c) => !(c.flags & (CommandFlag.DEPRECATED | CommandFlag.HIDDEN)))
    .slice(0, 10)
    .map((c) => conciseSig(c.sig));
  const error = `no valid command found; ${shown.length} closest matches:`;
  return { error, usage: shown, stderr: [...notes, error, ...shown, tail] };
}

export function isCommandMatch(r: CommandMatch | CommandMismatch): r is CommandMatch {
  return 'cmd' in r;
}

/**
 * The command as the real CLI puts it on the wire: Python's `json.dumps` of
 * the dictionary, CephFloat values printed as floats (`1.0`).
 */
export function commandJson(cmd: Record<string, PyValue>, sig?: CommandSignature): string {
  const floats = new Set(sig?.sig.filter((d) => d.type.typeName === 'CephFloat').map((d) => d.name) ?? []);
  return pyJsonDumps(cmd, (key) => floats.has(key));
}

/**
 * The dictionary as `ceph --verbose` shows it ("Submitting command:  {…}"):
 * Python's repr, where the mgr `target` is a tuple.
 */
export function commandRepr(cmd: Record<string, PyValue>, sig?: CommandSignature): string {
  const floats = new Set(sig?.sig.filter((d) => d.type.typeName === 'CephFloat').map((d) => d.name) ?? []);
  return pyDictRepr(
    cmd,
    (key) => floats.has(key),
    (key) => key === 'target',
  );
}

/** Where a command goes, as `find_cmd_target` decides before fetching descriptions. */
export interface CommandTarget {
  /** `mon`, `osd`, `mgr`, `mds`, `client` or `pg`; null for `tell *`. */
  type: string | null;
  /** The daemon id (an int for OSDs), the pgid, `*`, '' for "any mon", or null (`tell mgr`). */
  id: string | number | bigint | null;
}

const TELL_NAME = parseCommandDescriptions(
  JSON.stringify({ t: { sig: ['tell', { name: 'target', type: 'CephName' }] } }),
)[0]!.sig;
const TELL_PGID = parseCommandDescriptions(
  JSON.stringify({ t: { sig: ['tell', { name: 'pgid', type: 'CephPgid' }] } }),
)[0]!.sig;
const PG_PGID = parseCommandDescriptions(
  JSON.stringify({ t: { sig: ['pg', { name: 'pgid', type: 'CephPgid' }] } }),
)[0]!.sig;

/** Split a CephName the way ceph_argparse's CephName records it (osd ids become ints). */
function nameTarget(name: string): CommandTarget {
  if (name === '*') return { type: null, id: null };
  if (name === 'mgr' || name === 'mon') return { type: name, id: null };
  const dot = name.indexOf('.');
  const type = name.slice(0, dot);
  const id = name.slice(dot + 1);
  if (type === 'osd' && id !== '*') {
    const n = pyInt(id)!;
    return {
      type,
      id: n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n,
    };
  }
  return { type, id };
}

function partialValidate(
  words: readonly string[],
  sig: readonly ArgDesc[],
): Map<string, PyValue> | undefined {
  try {
    return validate(words, sig, 0, true, []);
  } catch (err) {
    if (isArgError(err)) return undefined;
    throw err;
  }
}

/**
 * `find_cmd_target`: `tell <name> …` goes to that daemon, `tell <pgid> …` and
 * `pg <pgid> …` to the PG's primary, anything else to a monitor. Throws
 * ArgumentError for a `tell` whose target is not a valid name.
 */
export function findCommandTarget(words: readonly string[]): CommandTarget {
  const named = partialValidate(words, TELL_NAME);
  if (named?.size === 2) return nameTarget(String(named.get('target')));
  const pg = partialValidate(words, TELL_PGID);
  if (pg?.size === 2) return { type: 'pg', id: String(pg.get('pgid')) };
  if (words.length > 1 && words[0] === 'tell') {
    TELL_NAME[1]!.type.valid(words[1]!, false); // throws: the target is garbage
    return nameTarget(words[1]!);
  }
  const pgCmd = partialValidate(words, PG_PGID);
  if (pgCmd?.size === 2) return { type: 'pg', id: String(pgCmd.get('pgid')) };
  return { type: 'mon', id: '' };
}
