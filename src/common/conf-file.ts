/**
 * `ceph.conf` parsing with Pacific's grammar (common/ConfUtils.cc), checked
 * against `ceph-conf` on tricky inputs:
 *
 *   file     := blank-or-comment lines, then sections; text outside a section is an error
 *   section  := "[" name "]" eol+ (key "=" value eol+)*      (repeated sections merge)
 *   key      := words separated by blanks; whitespace runs become "_" (so "mon host" is
 *               mon_host) but '-' is NOT equivalent to '_' in a file (Pacific ignores
 *               "log-file = x" for the log_file option)
 *   value    := "double" or 'single' quoted (no '#'/';' inside unless escaped), or
 *               unquoted text ended by '#' or ';' (a comment) or end of line;
 *               "\<newline>" continues an unquoted value on the next line; "\x" is x;
 *               surrounding whitespace is trimmed (inside quotes too)
 *
 * Every line must end with a newline, as in Pacific (a file whose last line has
 * no newline is a parse error there too).
 */
import { readFileSync } from 'node:fs';
import { CephError, Errno, strerror } from './errors.js';

/** Ceph's `ConfFile::normalize_key_name`: trim, and turn each run of whitespace into one '_'. */
export function normalizeKeyName(key: string): string {
  return key.trim().replace(/\s+/g, '_');
}

class ParseError extends Error {
  constructor(
    readonly expected: string,
    readonly at: number,
  ) {
    super(expected);
  }
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';
const isCommentStart = (c: string | undefined): boolean => c === '#' || c === ';';

/** A recursive-descent scanner over the whole file (continuations span lines). */
class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  get eof(): boolean {
    return this.pos >= this.text.length;
  }

  peek(offset = 0): string | undefined {
    return this.text[this.pos + offset];
  }

  /** Length of the end-of-line sequence at `at` (\r\n, \n or \r), 0 if none. */
  eolLength(at = this.pos): number {
    const c = this.text[at];
    if (c === '\r') return this.text[at + 1] === '\n' ? 2 : 1;
    return c === '\n' ? 1 : 0;
  }

  atEol(): boolean {
    return this.eolLength() > 0;
  }

  skipBlanks(): void {
    while (isBlank(this.peek())) this.pos++;
  }

  /**
   * The grammar's skipper: line continuations and comments (optional blanks,
   * then '#' or ';', up to but not including the end of line).
   */
  skipTrivia(): void {
    for (;;) {
      if (this.peek() === '\\' && this.eolLength(this.pos + 1) > 0) {
        this.pos += 1 + this.eolLength(this.pos + 1);
        continue;
      }
      let p = this.pos;
      while (isBlank(this.text[p])) p++;
      if (isCommentStart(this.text[p])) {
        while (p < this.text.length && this.eolLength(p) === 0) p++;
        this.pos = p;
        continue;
      }
      return;
    }
  }

  /** One `text_char`: "\x" yields x, otherwise any character but a comment start or end of line. */
  textChar(): string | undefined {
    const c = this.peek();
    if (c === undefined || this.atEol()) return undefined;
    if (c === '\\' && this.pos + 1 < this.text.length && this.eolLength(this.pos + 1) === 0) {
      this.pos += 2;
      return this.text[this.pos - 1];
    }
    if (isCommentStart(c)) return undefined;
    this.pos++;
    return c;
  }

  /** `empty_line`: optional blanks or comment, then an end of line. */
  emptyLine(): boolean {
    const save = this.pos;
    this.skipTrivia();
    this.skipBlanks();
    this.skipTrivia();
    const n = this.eolLength();
    if (n === 0) {
      this.pos = save;
      return false;
    }
    this.pos += n;
    return true;
  }

  /** `+empty_line`, as an expectation. */
  expectEmptyLines(): void {
    if (!this.emptyLine()) throw new ParseError('<empty_line>', this.pos);
    while (this.emptyLine());
  }
}

/** A parsed configuration file: sections of normalized key → value. */
export class ConfFile {
  private readonly sectionMap = new Map<string, Map<string, string>>();

  /** Parse the text of a ceph.conf; throws CephError EINVAL with Ceph's "parse error" message. */
  static parse(text: string): ConfFile {
    const conf = new ConfFile();
    const s = new Scanner(text);
    try {
      conf.parseFile(s);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      const before = text.slice(0, err.at);
      const line = before.split(/\r\n|\n|\r/).length;
      const column = err.at - Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
      throw new CephError(
        'EINVAL',
        `parse error: expected '${err.expected}' in line ${line} at position ${column}`,
      );
    }
    return conf;
  }

  /** Parse raw bytes, rejecting invalid UTF-8 as Ceph does. */
  static parseBuffer(bytes: Buffer): ConfFile {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      let valid = bytes.length;
      for (let n = 0; n < bytes.length; n++) {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n + 1), { stream: true });
        } catch {
          valid = n;
          break;
        }
      }
      const line = bytes.subarray(0, valid).toString('latin1').split('\n').length;
      throw new CephError('EINVAL', `parse error: invalid UTF-8 found at line ${line}`);
    }
    return ConfFile.parse(text);
  }

  /** Read and parse a file. ENOENT/EACCES come back as CephErrors with those codes. */
  static load(path: string): ConfFile {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') {
        const errno = Errno[code];
        throw new CephError(code, `can't open ${path}: (${errno}) ${strerror(errno)}`, { cause: err });
      }
      throw err;
    }
    return ConfFile.parseBuffer(bytes);
  }

  /** Build a ConfFile from plain data (tests, generated configs). Keys are normalized. */
  static fromSections(sections: Record<string, Record<string, string>>): ConfFile {
    const conf = new ConfFile();
    for (const [name, entries] of Object.entries(sections)) {
      for (const [key, value] of Object.entries(entries)) conf.set(name, key, value);
    }
    return conf;
  }

  /** Section names in byte order (Ceph keeps them in a std::map). */
  sections(): string[] {
    return [...this.sectionMap.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  hasSection(name: string): boolean {
    return this.sectionMap.has(name);
  }

  /** The keys and values of one section. */
  entries(section: string): [string, string][] {
    return [...(this.sectionMap.get(section) ?? new Map<string, string>()).entries()];
  }

  /** `ConfFile::read`: the value of `key` in `section`, or undefined. */
  read(section: string, key: string): string | undefined {
    return this.sectionMap.get(section)?.get(normalizeKeyName(key));
  }

  /** The value from the first of `sections` that has `key` (ceph-conf --lookup before expansion). */
  lookup(sections: readonly string[], key: string): string | undefined {
    for (const section of sections) {
      const v = this.read(section, key);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  set(section: string, key: string, value: string): void {
    let entries = this.sectionMap.get(section);
    if (!entries) {
      entries = new Map();
      this.sectionMap.set(section, entries);
    }
    entries.set(normalizeKeyName(key), value);
  }

  /** Render as Ceph's `operator<<(ConfFile)` does (what `--show_conf` prints). */
  toString(): string {
    const out: string[] = [];
    for (const name of this.sections()) {
      out.push(`[${name}]\n`);
      for (const [key, value] of this.entries(name)) if (key !== '') out.push(`\t${key} = "${value}"\n`);
    }
    return out.join('');
  }

  private parseFile(s: Scanner): void {
    // blank lines and comments may precede the first section; nothing else may
    for (;;) {
      s.skipTrivia();
      const n = s.eolLength();
      if (n === 0) break;
      s.pos += n;
    }
    while (!s.eof) {
      if (s.peek() !== '[') throw new ParseError('<eoi>', s.pos);
      this.parseSection(s);
    }
  }

  private parseSection(s: Scanner): void {
    s.pos++; // '['
    let heading = '';
    for (;;) {
      if (s.peek() === ']') break;
      const c = s.textChar();
      if (c === undefined) throw new ParseError(heading === '' ? 'text_char' : '"]"', s.pos);
      heading += c;
    }
    if (heading === '') throw new ParseError('text_char', s.pos);
    s.pos++; // ']'
    s.expectEmptyLines();
    if (!this.sectionMap.has(heading)) this.sectionMap.set(heading, new Map());
    const entries = this.sectionMap.get(heading)!;
    for (;;) {
      const line = this.parseKeyValue(s);
      if (!line) break;
      entries.set(line.key, line.value);
    }
    for (;;) {
      s.skipTrivia();
      const n = s.eolLength();
      if (n === 0) break;
      s.pos += n;
    }
  }

  /** One `key = value` line, or undefined (position restored) when the next line is not one. */
  private parseKeyValue(s: Scanner): { key: string; value: string } | undefined {
    const start = s.pos;
    s.skipTrivia();
    s.skipBlanks();
    const keyStart = s.pos;
    let keyEnd = s.pos;
    for (;;) {
      s.skipTrivia();
      const c = s.peek();
      if (c === undefined || c === '=' || c === '[' || s.atEol() || isCommentStart(c)) break;
      if (c === '\\' && s.eolLength(s.pos + 1) === 0 && s.pos + 1 < s.text.length) s.pos += 2;
      else s.pos++;
      if (!isBlank(c)) keyEnd = s.pos;
    }
    if (keyEnd === keyStart || s.peek() !== '=') {
      s.pos = start;
      return undefined;
    }
    const key = normalizeKeyName(s.text.slice(keyStart, keyEnd));
    s.pos++; // '='
    s.skipBlanks();
    const quote = s.peek();
    let value = '';
    if (quote === '"' || quote === "'") {
      s.pos++;
      for (;;) {
        if (s.peek() === quote) break;
        const c = s.textChar();
        if (c === undefined) throw new ParseError(`"${quote}"`, s.pos);
        value += c;
      }
      s.pos++;
    } else {
      for (;;) {
        s.skipTrivia();
        const c = s.textChar();
        if (c === undefined) break;
        value += c;
      }
    }
    s.expectEmptyLines();
    return { key, value: value.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '') };
  }
}

/**
 * Split a config-file search list (`-c`, CEPH_CONF, the built-in default) the
 * way Pacific does: on ',' and ';' only, without trimming (so "a.conf, b.conf"
 * names " b.conf", exactly as Ceph opens it).
 */
export function splitConfSearchList(list: string): string[] {
  return list.split(/[,;]/).filter((s) => s !== '');
}
