/**
 * The part of boost::program_options the `rbd` tool relies on, with Boost
 * 1.74's behaviour and error texts (Debian 12's Pacific is built with it):
 * option tables, the command-line parser in rbd's style (long and short
 * options, `--x=v`, `--x v`, `-xv`, `-x v`, grouped short switches, `--`,
 * no abbreviations) and `store` into a variables map.
 *
 *   tokens → PARSE (one option or positional per token, in order; unknown
 *   options and syntax errors throw here) → POSITIONAL NAMES (too many → error)
 *   → STORE (each value through its option's validator, in order).
 *
 * `notify` is never called by rbd, so `required()` options are only marked as
 * such for the help text.
 */

/** A failure Boost reports as `po::error`; rbd prints "rbd: " + message. */
export class ProgramOptionsError extends Error {
  constructor(
    message: string,
    readonly kind:
      | 'unknown_option'
      | 'missing_parameter'
      | 'extra_parameter'
      | 'empty_adjacent_parameter'
      | 'multiple_occurrences'
      | 'invalid_option_value'
      | 'too_many_positional',
  ) {
    super(message);
    this.name = 'ProgramOptionsError';
  }
}

/** Thrown by validators: `po::validation_error(invalid_option_value)`, with the text when Boost's own cast failed. */
export class ValidationError extends Error {
  constructor(readonly value?: string) {
    super('invalid option value');
    this.name = 'ValidationError';
  }
}

/** `validate(v, values, ...)`: the new value from the tokens and the value stored so far (undefined at first). */
export type Validator = (values: readonly string[], previous: unknown) => unknown;

/** What `po::value<T>()` and its modifiers describe. */
export interface ValueSemantic {
  minTokens: number;
  /** 0 for switches; more than 1 for multitoken and vector values. */
  maxTokens: number;
  required: boolean;
  /** A value `store` puts in the map when the option is absent (bool_switch: false). */
  defaultValue?: unknown;
  /** True when a default exists (for `default_value("")` optional positionals). */
  hasDefault: boolean;
  /** How the help shows the default: "arg (=now)". */
  defaultText?: string;
  /** The parameter's name in help ("arg" unless `value_name` set one). */
  valueName?: string;
  /** The value of a zero-token option given on the command line. */
  implicitValue?: unknown;
  /** Values of repeated occurrences are merged by the validator (`composing()`). */
  composing: boolean;
  validate: Validator;
}

export interface OptionDescription {
  longName: string;
  /** "-p" style, or empty. */
  shortName: string;
  description: string;
  semantic: ValueSemantic;
}

/** `check_first_occurrence`: a scalar value given twice. */
export class MultipleOccurrences extends Error {}

/** A fluent builder for the semantics rbd uses. */
export class Value {
  readonly s: ValueSemantic;
  constructor(validate: Validator, tokens = 1) {
    this.s = {
      minTokens: tokens,
      maxTokens: tokens,
      required: false,
      hasDefault: false,
      composing: false,
      validate,
    };
  }
  required(): this {
    this.s.required = true;
    return this;
  }
  composing(): this {
    this.s.composing = true;
    return this;
  }
  multitoken(): this {
    this.s.maxTokens = 0x7fffffff;
    return this;
  }
  zeroTokens(): this {
    this.s.minTokens = 0;
    this.s.maxTokens = 0;
    return this;
  }
  /** `default_value(v)` or `default_value(v, text)`; strings and numbers show as themselves. */
  defaultValue(v: unknown, text?: string): this {
    this.s.defaultValue = v;
    this.s.hasDefault = true;
    this.s.defaultText = text ?? (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
    return this;
  }
  valueName(name: string): this {
    this.s.valueName = name;
    return this;
  }
  implicitValue(v: unknown): this {
    this.s.implicitValue = v;
    return this;
  }
}

/** `check_first_occurrence` + `get_single_string`, as every scalar validator starts. */
export function single(values: readonly string[], previous: unknown): string {
  if (previous !== undefined) throw new MultipleOccurrences();
  return values[0] ?? '';
}

/** `po::value<std::string>()`. */
export const stringValue = (): Value => new Value((values, previous) => single(values, previous));

/** `po::value<std::vector<std::string>>()`: every occurrence appends. */
export const stringsValue = (): Value =>
  new Value((values, previous) => [...((previous as string[] | undefined) ?? []), ...values]).multitoken();

const U64_MAX = (1n << 64n) - 1n;

/**
 * `boost::lexical_cast<uintN_t>`: optional sign then decimal digits only; a
 * leading '-' wraps modulo 2^N the way the C++ conversion does.
 */
export function lexicalCastUnsigned(text: string, bits: 32 | 64 | 16 | 8): bigint | undefined {
  const m = /^([+-]?)(\d+)$/.exec(text);
  if (!m) return undefined;
  const mag = BigInt(m[2]!);
  const max = (1n << BigInt(bits)) - 1n;
  if (mag > max) return undefined;
  return m[1] === '-' ? BigInt.asUintN(bits, -mag) : mag;
}

/** `boost::lexical_cast<intN_t>`. */
export function lexicalCastSigned(text: string, bits: 32 | 64): bigint | undefined {
  const m = /^[+-]?\d+$/.exec(text);
  if (!m) return undefined;
  const v = BigInt(text);
  const lim = 1n << BigInt(bits - 1);
  if (v < -lim || v >= lim) return undefined;
  return v;
}

/** `po::value<uint64_t>()` (a number when it fits, else a bigint). */
export const u64Value = (): Value =>
  new Value((values, previous) => {
    const s = single(values, previous);
    const v = lexicalCastUnsigned(s, 64);
    if (v === undefined) throw new ValidationError(s);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  });

/** `po::value<uint32_t>()` / `po::value<int>()` as a plain number. */
export const u32Value = (): Value =>
  new Value((values, previous) => {
    const s = single(values, previous);
    const v = lexicalCastUnsigned(s, 32);
    if (v === undefined) throw new ValidationError(s);
    return Number(v);
  });

export const intValue = (): Value =>
  new Value((values, previous) => {
    const s = single(values, previous);
    const v = lexicalCastSigned(s, 32);
    if (v === undefined) throw new ValidationError(s);
    return Number(v);
  });

/** `po::bool_switch()`: false unless given. */
export const boolSwitch = (): Value =>
  new Value((_values, previous) => {
    if (previous !== undefined) throw new MultipleOccurrences();
    return true;
  })
    .zeroTokens()
    .defaultValue(false)
    .implicitValue(true);

/** The semantic `add_options()(name, description)` gives an option with no value: zero tokens, required. */
export const untypedValue = (): Value => new Value(() => true).zeroTokens();

export { U64_MAX };

/** `po::options_description`: an ordered table of options. */
export class OptionsDescription {
  readonly options: OptionDescription[] = [];

  /**
   * `add_options()(name, semantic, description)`. `name` is "long" or
   * "long,s"; a value-less option is a flag with no semantic.
   */
  add(name: string, semantic: Value | undefined, description: string): this {
    const [longName, short] = name.split(',') as [string, string | undefined];
    this.options.push({
      longName,
      shortName: short ? `-${short}` : '',
      description,
      semantic: (semantic ?? untypedValue()).s,
    });
    return this;
  }

  /** Every option of another table, appended (`options_description::add`). */
  addAll(other: OptionsDescription): this {
    this.options.push(...other.options);
    return this;
  }

  /** Find by long name or "-s" short name, exactly (no guessing). */
  find(name: string): OptionDescription | undefined {
    return this.options.find((o) => o.longName === name || (o.shortName !== '' && o.shortName === name));
  }
}

/** `option_description::format_name`: "-p [ --pool ]" or "--namespace". */
export function formatName(o: OptionDescription): string {
  if (o.shortName !== '') return `${o.shortName} [ --${o.longName} ]`;
  return `--${o.longName}`;
}

/** `option_description::format_parameter`: "arg" for options taking a value, "" for switches. */
export function formatParameter(o: OptionDescription): string {
  if (o.semantic.maxTokens === 0) return '';
  const name = o.semantic.valueName ?? 'arg';
  return o.semantic.defaultText !== undefined ? `${name} (=${o.semantic.defaultText})` : name;
}

/** The name Boost's errors show: "--long", else "-s". */
function canonicalName(o: OptionDescription): string {
  return o.longName !== '' ? `--${o.longName}` : o.shortName;
}

/** `positional_options_description`: names for positional tokens by position. */
export class PositionalOptions {
  private readonly entries: { name: string; count: number }[] = [];

  /** count -1: every remaining positional. */
  add(name: string, count: number): this {
    this.entries.push({ name, count });
    return this;
  }

  get maxTotalCount(): number {
    let total = 0;
    for (const e of this.entries) {
      if (e.count < 0) return Infinity;
      total += e.count;
    }
    return total;
  }

  nameForPosition(position: number): string {
    let at = position;
    for (const e of this.entries) {
      if (e.count < 0 || at < e.count) return e.name;
      at -= e.count;
    }
    throw new Error('program options: position past the positional table');
  }
}

interface ParsedOption {
  /** Option name as written ("size" for --size, "-s" for -s); empty for a positional token. */
  key: string;
  description?: OptionDescription;
  values: string[];
  originalToken: string;
}

/** `po::variables_map`: name → value, with Boost's `count()` semantics (defaults count). */
export class VariablesMap {
  private readonly values = new Map<string, { value: unknown; defaulted: boolean }>();

  count(name: string): number {
    return this.values.has(name) ? 1 : 0;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  get<T>(name: string): T {
    const e = this.values.get(name);
    if (!e) throw new Error(`variables map: no value for '${name}'`);
    return e.value as T;
  }

  /** The value or undefined when absent. */
  opt<T>(name: string): T | undefined {
    return this.values.get(name)?.value as T | undefined;
  }

  defaulted(name: string): boolean {
    return this.values.get(name)?.defaulted ?? false;
  }

  set(name: string, value: unknown, defaulted = false): void {
    this.values.set(name, { value, defaulted });
  }

  /** Names in std::map order (byte order). */
  keys(): string[] {
    return [...this.values.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** True when a token is syntactically an option for rbd's style (long or short). */
function looksLikeOption(token: string): boolean {
  return (
    (token.length >= 3 && token.startsWith('--')) ||
    (token.length >= 2 && token[0] === '-' && token[1] !== '-')
  );
}

/**
 * `command_line_parser(args).style(default & ~allow_guessing).options(desc)
 * .positional(pos).run()` followed by `store(…, vm)`.
 */
export function parseCommandLine(
  args: readonly string[],
  desc: OptionsDescription,
  positional: PositionalOptions,
): VariablesMap {
  const parsed = parseTokens(args, desc);
  // positional tokens get their option names
  let position = 0;
  const max = positional.maxTotalCount;
  for (const p of parsed) {
    if (p.key !== '') continue;
    if (position >= max)
      throw new ProgramOptionsError(
        'too many positional options have been specified on the command line',
        'too_many_positional',
      );
    const name = positional.nameForPosition(position++);
    p.key = name;
    p.description = desc.find(name);
  }
  const vm = new VariablesMap();
  for (const p of parsed) {
    const d = p.description!;
    const name = d.longName;
    try {
      const previous = vm.has(name) && !vm.defaulted(name) ? vm.get(name) : undefined;
      const value =
        p.values.length === 0 && d.semantic.maxTokens === 0 && 'implicitValue' in d.semantic
          ? (d.semantic.validate([], previous), d.semantic.implicitValue)
          : d.semantic.validate(p.values, previous);
      vm.set(name, value);
    } catch (err) {
      throw storeError(err, d);
    }
  }
  for (const d of desc.options) {
    if (!vm.has(d.longName) && d.semantic.hasDefault && d.semantic.defaultValue !== undefined) {
      vm.set(d.longName, d.semantic.defaultValue, true);
    }
  }
  return vm;
}

function storeError(err: unknown, d: OptionDescription): Error {
  if (err instanceof MultipleOccurrences) {
    return new ProgramOptionsError(
      `option '${canonicalName(d)}' cannot be specified more than once`,
      'multiple_occurrences',
    );
  }
  if (err instanceof ValidationError) return invalidValueError(canonicalName(d), err.value);
  return err as Error;
}

/** Boost's invalid_option_value text; with no option name the quotes go too. */
export function invalidValueError(option: string, value?: string): ProgramOptionsError {
  const opt = option === '' ? 'option' : `option '${option}'`;
  const text =
    value === undefined
      ? `the argument for ${opt} is invalid`
      : `the argument ('${value}') for ${opt} is invalid`;
  return new ProgramOptionsError(text, 'invalid_option_value');
}

function parseTokens(args: readonly string[], desc: OptionsDescription): ParsedOption[] {
  const rest = [...args];
  const result: ParsedOption[] = [];
  while (rest.length > 0) {
    const tok = rest[0]!;
    if (tok.length >= 3 && tok.startsWith('--')) {
      rest.shift();
      const eq = tok.indexOf('=');
      const name = eq < 0 ? tok.slice(2) : tok.slice(2, eq);
      const values: string[] = [];
      if (eq >= 0) {
        const adjacent = tok.slice(eq + 1);
        if (adjacent === '') {
          throw new ProgramOptionsError(
            `the argument for option '--${name}' should follow immediately after the equal sign`,
            'empty_adjacent_parameter',
          );
        }
        values.push(adjacent);
      }
      const opt: ParsedOption = { key: name, values, originalToken: tok };
      finishOption(
        opt,
        desc.options.find((o) => o.longName === name),
        rest,
        desc,
      );
      result.push(opt);
    } else if (tok.length >= 2 && tok[0] === '-' && tok[1] !== '-') {
      rest.shift();
      // grouped short switches: "-la" is -l then -a; a value-taking option keeps the rest as its value
      let name = tok.slice(0, 2);
      let adjacent = tok.slice(2);
      const group: ParsedOption[] = [];
      for (;;) {
        const d = desc.find(name);
        if (d && d.semantic.maxTokens === 0 && adjacent !== '') {
          group.push({ key: name, values: [], originalToken: tok, description: d });
          name = `-${adjacent[0]}`;
          adjacent = adjacent.slice(1);
        } else {
          group.push({
            key: name,
            values: adjacent !== '' ? [adjacent] : [],
            originalToken: tok,
            description: d,
          });
          break;
        }
      }
      group.forEach((opt, i) =>
        finishOption(opt, desc.find(opt.key), i === group.length - 1 ? rest : [], desc),
      );
      result.push(...group);
    } else if (tok === '--') {
      rest.shift();
      for (const t of rest.splice(0)) result.push({ key: '', values: [t], originalToken: t });
    } else {
      rest.shift();
      result.push({ key: '', values: [tok], originalToken: tok });
    }
  }
  return result;
}

/** `cmdline::finish_option`: name lookup and the number of value tokens. */
function finishOption(
  opt: ParsedOption,
  d: OptionDescription | undefined,
  rest: string[],
  desc: OptionsDescription,
): void {
  if (!d) throw new ProgramOptionsError(`unrecognised option '${opt.originalToken}'`, 'unknown_option');
  opt.description = d;
  const { minTokens, maxTokens } = d.semantic;
  if (opt.values.length > maxTokens) {
    throw new ProgramOptionsError(
      `option '${canonicalName(d)}' does not take any arguments`,
      'extra_parameter',
    );
  }
  let wanted = opt.values.length <= minTokens ? minTokens - opt.values.length : 0;
  if (wanted > 0 && rest.length === 0) {
    throw new ProgramOptionsError(
      `the required argument for option '${canonicalName(d)}' is missing`,
      'missing_parameter',
    );
  }
  while (rest.length > 0 && wanted-- > 0) {
    const next = rest[0]!;
    // a following token that is exactly a known option ("-p") is not taken as the value
    if (looksLikeOption(next) && desc.find(next)) {
      throw new ProgramOptionsError(
        `the required argument for option '${canonicalName(d)}' is missing`,
        'missing_parameter',
      );
    }
    opt.values.push(rest.shift()!);
  }
}
