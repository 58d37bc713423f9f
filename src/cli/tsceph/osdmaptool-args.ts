/**
 * Ceph's ceph_argparse helpers as osdmaptool uses them: option names compare
 * with '-' and '_' alike after the leading two characters, `--opt=value` and
 * `--opt value` both work, matched arguments are erased from the list, and
 * integer options report errors into one shared stream the way the tool's
 * `ostringstream err` accumulates them.
 */

/** `dashes_to_underscores`: keep the first two characters, then '-' → '_' up to an '='. */
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

/** `ceph_arg_value_type`: does a value look like an option, and is it numeric? */
function argValueType(s: string): { isOption: boolean; isNumeric: boolean } {
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

/** `strict_strtol`: the whole string is a decimal integer within int range. */
export function strictStrtol(s: string): { value: number; err: string } {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(s);
  if (m === null) return { value: 0, err: `Expected option value to be integer, got '${s}'` };
  const v = BigInt(m[1]!);
  if (v < -(2n ** 63n) || v > 2n ** 63n - 1n)
    return { value: 0, err: `The option value '${s}' seems to be invalid` };
  if (v < -0x80000000n || v > 0x7fffffffn)
    return { value: 0, err: `The option value '${s}' seems to be invalid` };
  return { value: Number(v), err: '' };
}

/** A cursor over the argument vector; what is not taken stays as a positional argument. */
export class ArgList {
  i = 0;
  /** The tool's `ostringstream err`: messages of integer options accumulate here. */
  err = '';

  constructor(
    readonly args: string[],
    private readonly stderr: (s: string) => void,
  ) {}

  get done(): boolean {
    return this.i >= this.args.length;
  }

  get current(): string {
    return this.args[this.i]!;
  }

  private take(): string {
    return this.args.splice(this.i, 1)[0]!;
  }

  skip(): void {
    this.i++;
  }

  /** `ceph_argparse_double_dash`. */
  doubleDash(): boolean {
    if (this.current !== '--') return false;
    this.take();
    return true;
  }

  /** `ceph_argparse_flag`. */
  flag(...names: string[]): boolean {
    const first = dashesToUnderscores(this.current);
    if (names.some((n) => dashesToUnderscores(n) === first)) {
      this.take();
      return true;
    }
    return false;
  }

  /**
   * `va_ceph_argparse_witharg`: 0 (no match), the value, or -1 when the
   * option is last (erased, Ceph's message written to `sink`).
   */
  private raw(names: string[], sink: (s: string) => void): string | 0 | -1 {
    const orig = this.current;
    const first = dashesToUnderscores(orig);
    for (const n of names) {
      const a = dashesToUnderscores(n);
      if (!first.startsWith(a)) continue;
      if (first[a.length] === '=') {
        this.take();
        return first.slice(a.length + 1);
      }
      if (first.length === a.length) {
        if (this.i + 1 >= this.args.length) {
          sink(`Option ${orig} requires an argument.\n`);
          this.take();
          return -1;
        }
        this.take();
        return this.take();
      }
    }
    return 0;
  }

  /** String option without an error stream: a missing value prints to stderr and exits 1 (`_exit(1)`). */
  withArg(...names: string[]): string | undefined {
    const r = this.raw(names, this.stderr);
    if (r === 0) return undefined;
    if (r === -1) throw new ArgExit(1);
    return r;
  }

  /** String option with the error stream: a missing value leaves `fallback` and notes the error. */
  withArgErr(fallback: string, ...names: string[]): string | undefined {
    const r = this.raw(names, (s) => (this.err += s));
    if (r === 0) return undefined;
    if (r === -1) return fallback;
    return r;
  }

  /**
   * Integer option (`ceph_argparse_witharg<int>`): undefined when no match,
   * else the new value (EXIT_FAILURE for a value that is not a number, the
   * old value when the argument is missing); problems go to `err`.
   */
  withInt(current: number, ...names: string[]): number | undefined {
    const r = this.raw(names, (s) => (this.err += s));
    if (r === 0) return undefined;
    if (r === -1) return current;
    const t = argValueType(r);
    if (t.isOption || !t.isNumeric) {
      this.err += t.isOption ? 'Missing option value' : `The option value '${r}' is invalid`;
      return 1;
    }
    const v = strictStrtol(r);
    if (v.err) this.err += v.err;
    return v.value;
  }
}

/** Ends the run with an exit status, the way the C++ tool calls exit() deep inside. */
export class ArgExit {
  constructor(readonly code: number) {}
}
