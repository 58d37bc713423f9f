/**
 * The `rbd` command shell (Ceph's tools/rbd/Shell): find the command in the
 * arguments, print help, parse the command's options and run it.
 *
 *   arguments left by global_init → COMMAND SPEC (words that are not options
 *   or option values) → "help" / no command: help text, exit 0
 *   → unknown command: "error: unknown option '…'" + help, exit 1
 *   → PARSE the command's options (program-options.ts; errors: "rbd: …", exit 1)
 *   → EXECUTE → deprecated-option warnings → exit |r|
 */
import type { Execute, RbdContext } from './context.js';
import { CliExit } from './utils.js';
import { IndentStream } from './indent-stream.js';
import {
  LINE_WIDTH,
  MAX_DESCRIPTION_OFFSET,
  MIN_NAME_WIDTH,
  OPTIONAL_ARGUMENTS,
  POSITIONAL_ARGUMENTS,
  printDetailed,
  printOptional,
  printShort,
} from './option-printer.js';
import {
  formatName,
  OptionsDescription,
  parseCommandLine,
  PositionalOptions,
  ProgramOptionsError,
  stringsValue,
  stringValue,
  type OptionDescription,
} from './program-options.js';
import {
  POSITIONAL_ARGUMENTS as POSITIONAL_ARGUMENTS_KEY,
  POSITIONAL_COMMAND_SPEC,
  SWITCH_ARGUMENTS,
} from './argument-types.js';

const APP_NAME = 'rbd';
const HELP_SPEC = 'help';
const BASH_COMPLETION_SPEC = 'bash-completion';

/** One `rbd` command (Shell::Action). */
export interface Action {
  spec: readonly string[];
  /** Another name ("ls" for "list"); empty for none. */
  alias?: readonly string[];
  description: string;
  /** Extra text printed after the options in `rbd help <command>`. */
  help?: string;
  /** Hidden commands (deprecated spellings) still run but are not listed. */
  visible?: boolean;
  /** Option names (long, or a short letter) this command adds to the shell's switch set. */
  switches?: readonly string[];
  getArguments(positional: OptionsDescription, options: OptionsDescription): void;
  execute: Execute;
}

/** The options global_init takes, described for `rbd help` (parsing them is argparse.ts's job). */
export function globalOptions(): OptionsDescription {
  return new OptionsDescription()
    .add('conf,c', stringValue(), 'path to cluster configuration')
    .add('cluster', stringValue(), 'cluster name')
    .add('id', stringValue(), "client id (without 'client.' prefix)")
    .add('user', stringValue(), 'deprecated[:id]')
    .add('name,n', stringValue(), 'client name')
    .add('mon_host,m', stringValue(), 'monitor host')
    .add('secret', stringValue(), 'deprecated[:keyfile]')
    .add('keyfile,K', stringValue(), 'path to secret key')
    .add('keyring,k', stringValue(), 'path to keyring');
}

function joinSpec(spec: readonly string[]): string {
  return spec.join(' ');
}

/** "snap list (snap ls)", "config global list (... ls)" when two or more words are shared. */
export function formatCommandName(action: Action): string {
  const name = joinSpec(action.spec);
  const alias = action.alias ?? [];
  if (alias.length === 0) return name;
  let level = 0;
  while (level < action.spec.length && level < alias.length && action.spec[level] === alias[level]) level++;
  const aliasText = level < 2 ? joinSpec(alias) : `... ${joinSpec(alias.slice(level))}`;
  return `${name} (${aliasText})`;
}

function compareSpecs(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return a.length - b.length;
}

export class Shell {
  private readonly switchArguments: Set<string>;

  /** `actions` in registration order (bash completion lists them so). */
  constructor(private readonly actions: readonly Action[]) {
    this.switchArguments = new Set(actions.flatMap((a) => a.switches ?? []));
  }

  /**
   * The command words: arguments that are neither options nor (for options
   * not known to be switches and written without '=') the option's value.
   * -h/--help anywhere means help; after "--" every argument is a word.
   */
  getCommandSpec(args: readonly string[]): string[] {
    const spec: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === '-h' || arg === '--help') return [HELP_SPEC];
      if (arg === '--') {
        spec.push(...args.slice(i + 1));
        return spec;
      }
      if (arg.startsWith('-')) {
        if (
          arg.length >= 2 &&
          (arg[1] === '-' || !this.switchArguments.has(arg.slice(1, 2))) &&
          (arg[1] !== '-' || !this.switchArguments.has(arg.slice(2))) &&
          !SWITCH_ARGUMENTS.has(arg.slice(2)) &&
          !arg.includes('=')
        ) {
          i++;
        }
      } else {
        spec.push(arg);
      }
    }
    return spec;
  }

  /** The action whose spec (longest first) or alias starts the words. */
  findAction(
    words: readonly string[],
  ): { action: Action; matching: readonly string[]; isAlias: boolean } | undefined {
    const sorted = [...this.actions].sort((a, b) => b.spec.length - a.spec.length);
    const startsWith = (spec: readonly string[]) =>
      spec.length > 0 && spec.length <= words.length && spec.every((w, i) => words[i] === w);
    for (const action of sorted) {
      if (startsWith(action.spec)) return { action, matching: action.spec, isAlias: false };
      if (startsWith(action.alias ?? [])) return { action, matching: action.alias!, isAlias: true };
    }
    return undefined;
  }

  /** `rbd help`: every visible command, then the global options. */
  helpText(): string {
    const actions = [...this.actions].sort((a, b) => compareSpecs(a.spec, b.spec));
    let out = `usage: ${APP_NAME} <command> ...\n\nCommand-line interface for managing Ceph RBD images.\n\n`;
    out += `${POSITIONAL_ARGUMENTS}:\n  <command>\n`;
    const indent = '    ';
    let nameWidth = MIN_NAME_WIDTH;
    for (const a of actions) nameWidth = Math.max(nameWidth, formatCommandName(a).length);
    nameWidth = Math.min(nameWidth + indent.length, MAX_DESCRIPTION_OFFSET) + 1;
    for (const a of actions) {
      if (a.visible === false) continue;
      const head = indent + formatCommandName(a);
      out += head;
      out +=
        a.description !== ''
          ? new IndentStream(nameWidth, head.length, LINE_WIDTH).write(a.description + '\n').toString()
          : '\n';
    }
    out += `\n${OPTIONAL_ARGUMENTS}:\n` + printOptional(globalOptions(), nameWidth);
    out += `\nSee '${APP_NAME} help <command>' for help on a specific command.\n`;
    return out;
  }

  /** `rbd help <command>`. */
  actionHelpText(action: Action, isAlias: boolean): string {
    const head = `usage: ${APP_NAME} ${joinSpec(isAlias ? action.alias! : action.spec)}`;
    const positional = new OptionsDescription();
    const options = new OptionsDescription();
    action.getArguments(positional, options);
    let out = head + printShort(positional, options, head.length);
    if (action.description !== '') out += `\n${action.description}\n`;
    out += '\n' + printDetailed(positional, options);
    if (action.help) out += action.help + '\n';
    return out;
  }

  unknownActionText(words: readonly string[]): { stderr: string; stdout: string } {
    return { stderr: `error: unknown option '${joinSpec(words)}'\n\n`, stdout: this.helpText() };
  }

  /** `rbd bash-completion [<command>]`: option names with " arg", " path" or " host". */
  bashCompletion(words: readonly string[]): string {
    const found = this.findAction(words);
    let out = completionOptions(globalOptions());
    if (found) {
      const positional = new OptionsDescription();
      const options = new OptionsDescription();
      found.action.getArguments(positional, options);
      out += completionOptions(options);
    } else {
      out += '|help';
      for (const a of this.actions) {
        out += '|' + joinSpec(a.spec);
        if (a.alias && a.alias.length > 0) out += '|' + joinSpec(a.alias);
      }
    }
    return out + '|\n';
  }

  /**
   * Run the command in `args` (what global_init left). Output goes through
   * ctx.io; the result is the exit status.
   */
  async execute(args: readonly string[], ctx: RbdContext): Promise<number> {
    const io = ctx.io;
    const words = this.getCommandSpec(args);
    if (words.length === 0 || (words.length === 1 && words[0] === HELP_SPEC)) {
      await io.stdout(this.helpText());
      return 0;
    }
    if (words[0] === HELP_SPEC) {
      const found = this.findAction(words.slice(1));
      if (!found) return this.unknownAction(ctx, words.slice(1));
      await io.stdout(this.actionHelpText(found.action, found.isAlias));
      return 0;
    }
    if (words[0] === BASH_COMPLETION_SPEC) {
      await io.stdout(this.bashCompletion(words.slice(1)));
      return 0;
    }
    const found = this.findAction(words);
    if (!found) return this.unknownAction(ctx, words);

    const positional = new OptionsDescription();
    const commandOptions = new OptionsDescription();
    found.action.getArguments(positional, commandOptions);
    const all = new OptionsDescription()
      .addAll(commandOptions)
      .add(POSITIONAL_COMMAND_SPEC, stringsValue().required(), '')
      .add(POSITIONAL_ARGUMENTS_KEY, stringsValue(), '');
    const positionalNames = new PositionalOptions().add(POSITIONAL_COMMAND_SPEC, found.matching.length);
    if (positional.options.length > 0) {
      const last = positional.options[positional.options.length - 1]!;
      positionalNames.add(
        POSITIONAL_ARGUMENTS_KEY,
        last.semantic.maxTokens > 1 ? -1 : positional.options.length,
      );
    }
    let r: number;
    try {
      const vm = parseCommandLine(args, all, positionalNames);
      const spec = vm.opt<string[]>(POSITIONAL_COMMAND_SPEC) ?? [];
      if (joinSpec(spec) !== joinSpec(found.matching) || spec.length !== found.matching.length) {
        io.stderr('rbd: failed to parse command\n');
        return 1;
      }
      try {
        r = await found.action.execute(vm, ctx);
      } catch (err) {
        if (!(err instanceof CliExit)) throw err;
        r = err.r;
      }
      for (const name of vm.keys()) {
        const o = commandOptions.options.find((d) => d.longName === name);
        if (o && o.description.includes('deprecated')) io.stderr(deprecatedWarning(o));
      }
      const globals = globalOptions();
      for (const arg of ctx.globalInitArgs) {
        const dash = arg.lastIndexOf('-');
        if (dash < 0) continue;
        for (const o of globals.options) {
          const display = dash === 0 ? o.shortName : `--${o.longName}`;
          if (o.description.includes('deprecated') && display !== '' && arg === display) {
            io.stderr(deprecatedWarning(o));
            break;
          }
        }
      }
    } catch (err) {
      if (err instanceof ProgramOptionsError) {
        io.stderr(err.kind === 'too_many_positional' ? 'rbd: too many arguments\n' : `rbd: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    return Math.abs(r);
  }

  private async unknownAction(ctx: RbdContext, words: readonly string[]): Promise<number> {
    const t = this.unknownActionText(words);
    ctx.io.stderr(t.stderr);
    await ctx.io.stdout(t.stdout);
    return 1;
  }
}

/** "rbd: --order is deprecated, use --object-size" from a "deprecated[:object-size]" description. */
function deprecatedWarning(o: OptionDescription): string {
  const colon = o.description.indexOf(':');
  if (colon < 0) return '';
  const param = o.description.slice(colon + 1, o.description.length - 1);
  return `rbd: ${formatName(o)} is deprecated, use --${param}\n`;
}

function completionSuffix(o: OptionDescription): string {
  if (o.semantic.maxTokens === 0) return '';
  if (o.description.includes('path') || o.description.includes('file')) return ' path';
  if (o.description.includes('host')) return ' host';
  return ' arg';
}

function completionOptions(opts: OptionsDescription): string {
  let out = '';
  for (const o of opts.options) {
    out += `|--${o.longName}${completionSuffix(o)}`;
    if (o.shortName !== '') out += `|${o.shortName}${completionSuffix(o)}`;
  }
  return out;
}
