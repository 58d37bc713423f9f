/**
 * rbd's IndentStream: text written to it is wrapped at a line width and every
 * line after the first is indented, the way `rbd help` lays out descriptions
 * and usage lines.
 *
 * Characters arrive one at a time. When a line would reach the width, the
 * buffered text is cut at the last delimiter (the delimiter itself is dropped
 * when it is a space and kept at the start of the next line otherwise; with no
 * delimiter a non-space delimiter falls back to the last space, else the line
 * is cut where it is). The first line starts at `initialOffset` (the caller has
 * already printed that much); if that is at or past the indent, a newline
 * comes first. Tabs print as spaces. Text after the last newline is dropped,
 * as the C++ stream buffer never flushes a partial line.
 */
export class IndentStream {
  private buffer = '';
  private out = '';
  private delimiter = ' ';

  constructor(
    private readonly indent: number,
    private initialOffset: number,
    private readonly lineLength: number,
  ) {}

  setDelimiter(delimiter: string): this {
    this.delimiter = delimiter;
    return this;
  }

  write(text: string): this {
    for (const ch of text) this.put(ch);
    return this;
  }

  /** Everything written up to the last newline. */
  toString(): string {
    return this.out;
  }

  private put(ch: string): void {
    if (ch === '\n') {
      this.buffer += ch;
      this.flushLine();
      this.out += this.buffer;
      this.buffer = '';
      return;
    }
    const c = ch === '\t' ? ' ' : ch;
    if (this.indent + this.buffer.length >= this.lineLength) {
      const spaceDelimiter = this.delimiter === ' ';
      let cut = this.buffer.lastIndexOf(this.delimiter);
      if (cut < 0 && !spaceDelimiter) cut = this.buffer.lastIndexOf(' ');
      this.flushLine();
      if (cut >= 0) {
        this.out += this.buffer.slice(0, cut);
        this.buffer = this.buffer.slice(cut + (spaceDelimiter ? 1 : 0));
      } else {
        this.out += this.buffer;
        this.buffer = '';
      }
      this.out += '\n';
    }
    this.buffer += c;
  }

  private flushLine(): void {
    if (this.initialOffset >= this.indent) {
      this.initialOffset = 0;
      this.out += '\n';
    }
    this.out += ' '.repeat(this.indent - this.initialOffset);
    this.initialOffset = 0;
  }
}
