/**
 * Ceph's ceph_argparse helpers as crushtool uses them: option names compare
 * with '-' and '_' alike (after the first two characters), "--opt=value" and
 * "--opt value" are both accepted, matched arguments are removed from the
 * list and everything else is left for the caller.
 */

/** dashes_to_underscores: keep the first two characters, then '-' -> '_' up to an '='. */
export function dashesToUnderscores(s: string): string {
  if (s.length <= 2) return s;
  let out = s.slice(0, 2);
  for (let i = 2; i < s.length; i++) {
    const c = s[i]!;
    if (c === '=') return out + s.slice(i);
    out += c === '-' ? '_' : c;
  }
  return out;
}

/** A cursor over the argument list that Ceph's helpers erase from. */
export class ArgList {
  i = 0;
  constructor(readonly args: string[]) {}

  get done(): boolean {
    return this.i >= this.args.length;
  }
  get current(): string {
    return this.args[this.i]!;
  }
  /** Remove and return the argument at the cursor. */
  take(): string {
    return this.args.splice(this.i, 1)[0]!;
  }
  /** Leave the current argument in place and move on. */
  skip(): void {
    this.i++;
  }

  /** ceph_argparse_double_dash. */
  doubleDash(): boolean {
    if (this.current === '--') {
      this.take();
      return true;
    }
    return false;
  }

  /** ceph_argparse_flag. */
  flag(...names: string[]): boolean {
    const first = dashesToUnderscores(this.current);
    for (const n of names) {
      if (dashesToUnderscores(n) === first) {
        this.take();
        return true;
      }
    }
    return false;
  }

  /** Whether the current argument is `name` or `name=...` (what withArg would take). */
  withArgMatches(name: string): boolean {
    const first = dashesToUnderscores(this.current);
    const a = dashesToUnderscores(name);
    return first.startsWith(a) && (first.length === a.length || first[a.length] === '=');
  }

  /**
   * va_ceph_argparse_witharg: undefined when no name matches; { error } when
   * the option is last (it is removed and Ceph's message is returned).
   */
  withArg(...names: string[]): { value: string } | { error: string } | undefined {
    const orig = this.current;
    const first = dashesToUnderscores(orig);
    for (const n of names) {
      const a = dashesToUnderscores(n);
      if (!first.startsWith(a)) continue;
      if (first[n.length] === '=') {
        this.take();
        return { value: first.slice(n.length + 1) };
      }
      if (first.length === n.length) {
        if (this.i + 1 >= this.args.length) {
          this.take();
          return { error: `Option ${orig} requires an argument.\n` };
        }
        this.take();
        return { value: this.take() };
      }
    }
    return undefined;
  }
}

/** ceph_arg_value_type: does a value look like an option, and like a number? */
export function argValueType(s: string): { isOption: boolean; isNumeric: boolean } {
  let isOption = s.length >= 2 && s[0] === '-' && s[1] === '-';
  let isNumeric = true;
  let isFloat = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c >= '0' && c <= '9') continue;
    if (i === 0 && s.length >= 2 && c === '-') continue;
    if (c === '.' && !isFloat) {
      isFloat = true;
      continue;
    }
    isNumeric = false;
    break;
  }
  if (s[0] === '-' && !isNumeric) isOption = true;
  return { isOption, isNumeric };
}

/** strtoll's accepted prefix in base 10: the parsed value and how many characters it used. */
function strtoll(s: string): { value: bigint; used: number; overflow: boolean } {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(s);
  if (m === null) return { value: 0n, used: 0, overflow: false };
  let v = BigInt(m[2]!);
  if (m[1] === '-') v = -v;
  const min = -(2n ** 63n);
  const max = 2n ** 63n - 1n;
  const overflow = v < min || v > max;
  if (v < min) v = min;
  if (v > max) v = max;
  return { value: v, used: m[0].length, overflow };
}

/** strict_strtoll: the whole string must be an integer. */
export function strictStrtoll(s: string): { value: number; err: string } {
  const r = strtoll(s);
  if (r.used === 0 || r.used !== s.length) {
    return { value: 0, err: `Expected option value to be integer, got '${s}'` };
  }
  if (r.overflow) return { value: 0, err: `The option value '${s}' seems to be invalid` };
  return { value: Number(r.value), err: '' };
}

/** strict_strtol: strict_strtoll within int range. */
export function strictStrtol(s: string): { value: number; err: string } {
  const r = strictStrtoll(s);
  if (r.err !== '') return r;
  if (r.value < -0x80000000 || r.value > 0x7fffffff) {
    return { value: 0, err: `The option value '${s}' seems to be invalid` };
  }
  return r;
}

/** strict_strtof: the whole string must be a float. */
export function strictStrtof(s: string): { value: number; err: string } {
  const m = /^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf(inity)?|nan)/i.exec(s);
  if (m === null || m[0].length !== s.length) {
    return { value: 0, err: `strict_strtof: expected float, got: '${s}'` };
  }
  return { value: Math.fround(Number.parseFloat(s)), err: '' };
}

/** C's atof: the longest numeric prefix, 0 when there is none. */
export function atof(s: string): number {
  const m = /^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf(inity)?|nan)/i.exec(s);
  if (m === null) return 0;
  const t = m[0].trim().toLowerCase();
  if (t.endsWith('nan')) return NaN;
  if (t.includes('inf')) return t.startsWith('-') ? -Infinity : Infinity;
  return Number.parseFloat(m[0]);
}

/** C's atoi (via strtol): the integer prefix, 0 when there is none, wrapped to int. */
export function atoi(s: string): number {
  const r = strtoll(s);
  return Number(BigInt.asIntN(32, r.value));
}

/**
 * The templated ceph_argparse_witharg<int/long long/float>: parse the value;
 * errors are appended to `err` (Ceph's ostringstream) and the option still counts as matched.
 */
export function withNumArg(
  args: ArgList,
  err: { text: string },
  kind: 'int' | 'longlong' | 'float',
  ...names: string[]
): { matched: boolean; value?: number } {
  const r = args.withArg(...names);
  if (r === undefined) return { matched: false };
  if ('error' in r) {
    err.text += r.error;
    return { matched: true };
  }
  const t = argValueType(r.value);
  if (t.isOption || !t.isNumeric) {
    err.text += t.isOption ? 'Missing option value' : `The option value '${r.value}' is invalid`;
    return { matched: true, value: 1 }; // EXIT_FAILURE
  }
  const parsed =
    kind === 'int'
      ? strictStrtol(r.value)
      : kind === 'longlong'
        ? strictStrtoll(r.value)
        : strictStrtof(r.value);
  err.text += parsed.err;
  return { matched: true, value: parsed.value };
}
