/**
 * rbd's OptionPrinter: the usage line ("usage: rbd create [--pool <pool>] …
 * <image-spec>") and the "Positional arguments" / "Optional arguments"
 * sections of `rbd help <command>`. Options whose description mentions
 * "deprecated" appear in the usage line only.
 */
import { IndentStream } from './indent-stream.js';
import {
  formatName,
  formatParameter,
  type OptionDescription,
  type OptionsDescription,
} from './program-options.js';

export const POSITIONAL_ARGUMENTS = 'Positional arguments';
export const OPTIONAL_ARGUMENTS = 'Optional arguments';
export const LINE_WIDTH = 80;
export const MIN_NAME_WIDTH = 20;
/** Descriptions start at most this far in (Pacific's value; later releases moved it to 42). */
export const MAX_DESCRIPTION_OFFSET = 37;

/** A positional is optional when it has a default ("" by rbd's convention). */
function positionalRequired(o: OptionDescription): boolean {
  return !o.semantic.hasDefault;
}

/** The short usage after "usage: rbd <command>", which already took `initialOffset` columns. */
export function printShort(
  positional: OptionsDescription,
  optional: OptionsDescription,
  initialOffset: number,
): string {
  let maxWidth = 0;
  const optionals = optional.options.map((o) => {
    const required = o.semantic.required;
    let s = required ? '' : '[';
    s += `--${o.longName}`;
    if (o.semantic.maxTokens !== 0) s += ` <${o.longName}>`;
    if (!required) s += ']';
    maxWidth = Math.max(maxWidth, s.length);
    return s;
  });
  const positionals: string[] = [];
  for (const o of positional.options) {
    const required = positionalRequired(o);
    let s = required ? '' : '[';
    s += `<${o.longName}>`;
    const multi = o.semantic.maxTokens > 1;
    if (multi) s += ` [<${o.longName}> ...]`;
    if (!required) s += ']';
    maxWidth = Math.max(maxWidth, s.length);
    positionals.push(s);
    if (multi) break;
  }
  let indent = Math.min(initialOffset, MAX_DESCRIPTION_OFFSET) + 1;
  if (indent + maxWidth + 2 > LINE_WIDTH) indent = LINE_WIDTH - maxWidth - 2;
  const stream = new IndentStream(indent, initialOffset, LINE_WIDTH).setDelimiter('[');
  for (const s of optionals) stream.write(s + ' ');
  if (optionals.length > 0 || positionals.length === 0) stream.write('\n');
  if (positionals.length > 0) {
    stream.setDelimiter(' ');
    for (const s of positionals) stream.write(s + ' ');
    stream.write('\n');
  }
  return stream.toString();
}

/** Global or command options, one per line, deprecated ones left out. */
export function printOptional(options: OptionsDescription, nameWidth: number): string {
  let out = '';
  for (const o of options.options) {
    if (o.description.includes('deprecated')) continue;
    const head = `  ${formatName(o)} ${formatParameter(o)}`;
    out += head + new IndentStream(nameWidth, head.length, LINE_WIDTH).write(o.description + '\n').toString();
  }
  return out;
}

function computeNameWidth(
  positional: OptionsDescription,
  optional: OptionsDescription,
  indent: number,
): number {
  let width = MIN_NAME_WIDTH;
  for (const o of [...positional.options, ...optional.options]) {
    width = Math.max(width, formatName(o).length + formatParameter(o).length + 1);
  }
  width += indent;
  return Math.min(width, MAX_DESCRIPTION_OFFSET) + 1;
}

/** The "Positional arguments" and "Optional arguments" sections. */
export function printDetailed(positional: OptionsDescription, optional: OptionsDescription): string {
  const nameWidth = computeNameWidth(positional, optional, 2);
  let out = '';
  if (positional.options.length > 0) {
    out += POSITIONAL_ARGUMENTS + '\n';
    for (const o of positional.options) {
      const head = `  <${o.longName}>`;
      out +=
        head + new IndentStream(nameWidth, head.length, LINE_WIDTH).write(o.description + '\n').toString();
    }
    out += '\n';
  }
  if (optional.options.length > 0) {
    out += OPTIONAL_ARGUMENTS + '\n' + printOptional(optional, nameWidth) + '\n';
  }
  return out;
}
