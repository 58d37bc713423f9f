/**
 * `tsceph crushtool`: Ceph Pacific 16.2.15's crushtool — decompile, compile,
 * build and test CRUSH maps — with the same arguments, output, messages and
 * exit codes. The five stages run in crushtool's order:
 *
 *   parse arguments (Ceph's argparse: '-'/'_' alike, --opt=value, unknown args kept)
 *   → sanity checks (no action / more than one of -c -d --build / stray args)
 *   → INPUT: -i/-d file (or "-" for stdin) decoded | -c text compiled | --build layers
 *   → TUNABLES: --set-* adjust the map
 *   → DISPLAY/TEST: -d prints the text, --test runs CrushTester
 *   → OUTPUT: a built or modified map is written to -o (or a hint is printed)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  buildCrushMap,
  addSimpleRuleAt,
  compileCrushMap,
  crushCheckNameMaps,
  crushCheckOverlappedRules,
  crushFullLocation,
  crushTreeText,
  dumpCrushMap,
  decodeCrushMap,
  decompileCrushMap,
  defaultTesterOptions,
  emptyCrushMap,
  encodeCrushMap,
  finalizeCrushMap,
  runCrushTester,
  testerDeviceWeight,
  type CrushBuildLayer,
  type CrushMap,
} from '../../crush/index.js';
import { Errno, strerror, type ErrnoName } from '../../common/errors.js';
import { Formatter } from '../../common/formatter.js';
import { ArgList, atof, atoi, withNumArg } from './crushtool-args.js';

/** Where crushtool writes and reads; replaceable in tests. */
export interface CrushtoolIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Buffer;
  writeFile: (path: string, data: Buffer | string) => void;
  /** Standard input (for "-i -"), and whether it is a terminal. */
  readStdin: () => Buffer;
  stdinIsTty: () => boolean;
}

const ME = 'crushtool';

const USAGE =
  [
    'usage: crushtool ...',
    '',
    'Display, modify and test a crush map',
    '',
    'There are five stages, running one after the other:',
    '',
    ' - input/build',
    ' - tunables adjustments',
    ' - modifications',
    ' - display/test',
    ' - output',
    '',
    'Options that are not specific to a stage.',
    '',
    '   [--infn|-i infile]',
    '                         read the crush map from infile',
    '',
    'Options for the input/build stage',
    '',
    '   --decompile|-d map    decompile a crush map to source',
    '   [--outfn|-o outfile]',
    '                         specify output for for (de)compilation',
    '   --compile|-c map.txt  compile a map from source',
    '   --enable-unsafe-tunables',
    '                         compile with unsafe tunables',
    '   --build --num_osds N layer1 ...',
    "                         build a new map, where each 'layer' is",
    "                         'name (uniform|straw2|straw|list|tree) size'",
    '',
    'Options for the tunables adjustments stage',
    '',
    '   --set-choose-local-tries N',
    '                         set choose local retries before re-descent',
    '   --set-choose-local-fallback-tries N',
    '                         set choose local retries using fallback',
    '                         permutation before re-descent',
    '   --set-choose-total-tries N',
    '                         set choose total descent attempts',
    '   --set-chooseleaf-descend-once <0|1>',
    '                         set chooseleaf to (not) retry the recursive descent',
    '   --set-chooseleaf-vary-r <0|1>',
    '                         set chooseleaf to (not) vary r based on parent',
    '   --set-chooseleaf-stable <0|1>',
    '                         set chooseleaf firstn to (not) return stable results',
    '',
    'Options for the modifications stage',
    '',
    '   -i mapfn --add-item id weight name [--loc type name ...]',
    '                         insert an item into the hierarchy at the',
    '                         given location',
    '   -i mapfn --update-item id weight name [--loc type name ...]',
    '                         insert or move an item into the hierarchy at the',
    '                         given location',
    '   -i mapfn --remove-item name',
    '                         remove the given item',
    '   -i mapfn --reweight-item name weight',
    '                         reweight a given item (and adjust ancestor',
    '                         weights as needed)',
    '   -i mapfn --add-bucket name type [--loc type name ...]',
    '                         insert a bucket into the hierarchy at the given',
    '                         location',
    '   -i mapfn --move       name --loc type name ...',
    '                         move the given item to specified location',
    '   -i mapfn --reweight   recalculate all bucket weights',
    '   -i mapfn --rebuild-class-roots',
    '                         rebuild the per-class shadow trees (normally a no-op)',
    '   -i mapfn --create-simple-rule name root type mode',
    '                         create crush rule <name> to start from <root>,',
    '                         replicate across buckets of type <type>, using',
    '                         a choose mode of <firstn|indep>',
    '   -i mapfn --create-replicated-rule name root type',
    '                         create crush rule <name> to start from <root>,',
    '                         replicate across buckets of type <type>',
    '   --device-class <class>',
    '                         use device class <class> for new rule',
    '   -i mapfn --remove-rule name',
    '                         remove the specified crush rule',
    '',
    'Options for the display/test stage',
    '',
    '   -f --format           the format of --dump, defaults to json-pretty',
    '                         can be one of json, json-pretty, xml, xml-pretty,',
    '                         table, table-kv, html, html-pretty',
    '   --dump                dump the crush map',
    '   --tree                print map summary as a tree',
    '   --bucket-tree         print bucket map summary as a tree',
    '   --bucket-name         specify bucket bucket name for bucket-tree',
    '   --check [max_id]      check if any item is referencing an unknown name/type',
    '   -i mapfn --show-location id',
    '                         show location for given device id',
    '   -i mapfn --test       test a range of inputs on the map',
    '      [--min-x x] [--max-x x] [--x x]',
    '      [--min-rule r] [--max-rule r] [--rule r] [--ruleset rs]',
    '      [--num-rep n]',
    '      [--pool-id n]      specifies pool id',
    '      [--batches b]      split the CRUSH mapping into b > 1 rounds',
    '      [--weight|-w devno weight]',
    '                         where weight is 0 to 1.0',
    '      [--simulate]       simulate placements using a random',
    '                         number generator in place of the CRUSH',
    '                         algorithm',
    '   --show-utilization    show OSD usage',
    '   --show-utilization-all',
    '                         include zero weight items',
    '   --show-statistics     show chi squared statistics',
    '   --show-mappings       show mappings',
    '   --show-bad-mappings   show bad mappings',
    '   --show-choose-tries   show choose tries histogram',
    '   --output-name name',
    '                         prepend the data file(s) generated during the',
    '                         testing routine with name',
    '   --output-csv',
    '                         export select data generated during testing routine',
    '                         to CSV files for off-line post-processing',
    '                         use --help-output for more information',
    '   --reclassify          transform legacy CRUSH map buckets and rules',
    '                         by adding classes',
    '      --reclassify-bucket <bucket-match> <class> <default-parent>',
    '      --reclassify-root <bucket-name> <class>',
    '   --set-subtree-class <bucket-name> <class>',
    '                         set class for all items beneath bucket-name',
    '   --compare <otherfile> compare two maps using --test parameters',
    '',
    'Options for the output stage',
    '',
    '   [--outfn|-o outfile]',
    '                         specify output for modified crush map',
    '',
  ].join('\n') + '\n';

const DATA_ANALYSIS_USAGE =
  [
    'data output from testing routine ...',
    '           absolute_weights',
    '                  the decimal weight of each OSD',
    '                  data layout: ROW MAJOR',
    '                               OSD id (int), weight (int)',
    '           batch_device_expected_utilization_all',
    '                  the expected number of objects each OSD should receive per placement batch',
    '                  which may be a decimal value',
    '                  data layout: COLUMN MAJOR',
    '                               round (int), objects expected on OSD 0...OSD n (float)',
    '           batch_device_utilization_all',
    '                  the number of objects stored on each OSD during each placement round',
    '                  data layout: COLUMN MAJOR',
    '                               round (int), objects stored on OSD 0...OSD n (int)',
    '           device_utilization_all',
    '                  the number of objects stored on each OSD at the end of placements',
    '                  data_layout: ROW MAJOR',
    '                               OSD id (int), objects stored (int), objects expected (float)',
    '           device_utilization',
    "                  the number of objects stored on each OSD marked 'up' at the end of placements",
    '                  data_layout: ROW MAJOR',
    '                               OSD id (int), objects stored (int), objects expected (float)',
    '           placement_information',
    '                  the map of input -> OSD',
    '                  data_layout: ROW MAJOR',
    "                               input (int), OSD's mapped (int)",
    '           proportional_weights_all',
    '                  the proportional weight of each OSD specified in the CRUSH map',
    '                  data_layout: ROW MAJOR',
    '                               OSD id (int), proportional weight (float)',
    '           proportional_weights',
    "                  the proportional weight of each 'up' OSD specified in the CRUSH map",
    '                  data_layout: ROW MAJOR',
    '                               OSD id (int), proportional weight (float)',
  ].join('\n') + '\n';

/** Ends the run with an exit status, the way crushtool returns from deep inside main(). */
class Exit {
  constructor(readonly code: number) {}
}

/** cpp_strerror: "(2) No such file or directory". */
function cppStrerror(errno: number): string {
  const n = Math.abs(errno);
  const text = strerror(n);
  return text.startsWith('(') ? text : `(${n}) ${text}`;
}

/** The errno of a Node file-system error (EIO when it has none we know). */
function errnoOf(e: unknown): number {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code in Errno ? Errno[code as ErrnoName] : Errno.EIO;
}

/** bufferlist::read_file's error text. */
function readErrorText(path: string, e: unknown): string {
  const n = errnoOf(e);
  if (n === 21) return `bufferlist::read_file(${path}): read error:${cppStrerror(n)}`;
  return `can't open ${path}: ${cppStrerror(n)}`;
}

async function run(argv: string[], io: CrushtoolIo): Promise<number> {
  const out = (s: string): void => io.stdout(s);
  const errw = (s: string): void => io.stderr(s);
  if (argv.length === 0) {
    errw(`${ME}: -h or --help for usage\n`);
    return 1;
  }
  if (argv.some((a) => a === '-h' || a === '--help')) {
    out(USAGE);
    return 0;
  }

  let infn = '';
  let srcfn = '';
  let outfn = '';
  let compile = false;
  let decompile = false;
  let check = false;
  let maxId = -1;
  let tree = false;
  let dump = false;
  let addRuleAction = false;
  const rule = { name: '', root: '', type: '', mode: '', deviceClass: '' };
  let dumpFormat = 'json-pretty';
  let test = false;
  let display = false;
  let fullLocation = -1;
  let verbose = 0;
  let build = false;
  let numOsds = 0;
  let adjust = false;
  let compare = '';
  const unsupported: string[] = [];
  const tunables: Record<string, number> = {};
  const tester = defaultTesterOptions();
  const err = { text: '' };
  /** crushtool's own check after an option: a non-empty error stream ends the run. */
  const failOnErr = (): void => {
    if (err.text !== '') {
      errw(`${err.text}\n`);
      throw new Exit(1);
    }
  };
  /** The string witharg without a stream: a missing value is fatal at once. */
  const stringArg = (a: ArgList, ...names: string[]): string | undefined => {
    const r = a.withArg(...names);
    if (r === undefined) return undefined;
    if ('error' in r) {
      errw(r.error);
      throw new Exit(1);
    }
    return r.value;
  };
  const extra = (a: ArgList, what: string): string => {
    if (a.done) {
      errw(`expecting additional argument to ${what}\n`);
      throw new Exit(1);
    }
    return a.take();
  };

  const args = new ArgList([...argv]);
  while (!args.done) {
    let v: string | undefined;
    let n: { matched: boolean; value?: number };
    if (args.doubleDash()) break;
    else if ((v = stringArg(args, '-d', '--decompile')) !== undefined) {
      infn = v;
      decompile = true;
    } else if ((v = stringArg(args, '-i', '--infn')) !== undefined) infn = v;
    else if ((v = stringArg(args, '-o', '--outfn')) !== undefined) outfn = v;
    else if (args.flag('-v', '--verbose')) verbose++;
    else if ((v = stringArg(args, '--compare')) !== undefined) {
      compare = v;
      unsupported.push('--compare');
    } else if (args.flag('--reclassify')) unsupported.push('--reclassify');
    else if ((v = stringArg(args, '--reclassify-bucket')) !== undefined) {
      extra(args, '--reclassify-bucket');
      extra(args, '--reclassify-bucket');
      unsupported.push('--reclassify-bucket');
    } else if ((v = stringArg(args, '--reclassify-root')) !== undefined) {
      extra(args, '--reclassify-root');
      unsupported.push('--reclassify-root');
    } else if ((v = stringArg(args, '--set-subtree-class')) !== undefined) {
      extra(args, '--set-subtree-class');
      unsupported.push('--set-subtree-class');
    } else if (args.flag('--tree')) tree = true;
    else if (args.flag('--bucket-tree')) unsupported.push('--bucket-tree');
    else if ((v = stringArg(args, '--bucket-name')) !== undefined) unsupported.push('--bucket-name');
    else if ((v = stringArg(args, '-f', '--format')) !== undefined) dumpFormat = v;
    else if (args.flag('--dump')) dump = true;
    else if (args.flag('--show_utilization')) {
      display = true;
      tester.outputUtilization = true;
    } else if (args.flag('--show_utilization_all')) {
      display = true;
      tester.outputUtilizationAll = true;
    } else if (args.flag('--show_statistics')) {
      display = true;
      tester.outputStatistics = true;
    } else if (args.flag('--show_mappings')) {
      display = true;
      tester.outputMappings = true;
    } else if (args.flag('--show_bad_mappings')) {
      display = true;
      tester.outputBadMappings = true;
    } else if (args.flag('--show_choose_tries')) {
      display = true;
      tester.outputChooseTries = true;
    } else if ((v = stringArg(args, '-c', '--compile')) !== undefined) {
      srcfn = v;
      compile = true;
    } else if ((n = withNumArg(args, err, 'int', '--check')).matched) {
      check = true;
      if (n.value !== undefined) maxId = n.value;
    } else if (args.flag('-t', '--test')) test = true;
    else if ((n = withNumArg(args, err, 'int', '--show-location')).matched) {
      fullLocation = n.value ?? fullLocation;
    } else if (args.flag('-s', '--simulate')) unsupported.push('--simulate');
    else if (args.flag('--enable-unsafe-tunables')) void 0;
    else if (
      (() => {
        for (const t of TUNABLE_OPTIONS) {
          const r = withNumArg(args, err, 'int', t);
          if (r.matched) {
            if (r.value !== undefined) tunables[t] = r.value;
            adjust = true;
            return true;
          }
        }
        return false;
      })()
    ) {
      // tunable adjustment recorded
    } else if (args.flag('--reweight')) unsupported.push('--reweight');
    else if (args.flag('--rebuild-class-roots')) unsupported.push('--rebuild-class-roots');
    else if (
      (n = withNumArg(args, err, 'int', '--add_item')).matched ||
      (n = withNumArg(args, err, 'int', '--update_item')).matched
    ) {
      failOnErr();
      extra(args, '--add-item');
      extra(args, '--add-item');
      unsupported.push('--add-item');
    } else if (args.flag('--add-bucket')) {
      for (let k = 0; k < 2; k++) {
        if (args.done) {
          errw('expecting additional argument to --add-bucket\n');
          return 1;
        }
        args.take();
      }
      unsupported.push('--add-bucket');
    } else if (args.flag('--move')) {
      if (args.done) {
        errw('expecting additional argument to --move\n');
        return 1;
      }
      args.take();
      unsupported.push('--move');
    } else if (
      args.withArgMatches('--create-simple-rule') ||
      args.withArgMatches('--create-replicated-rule')
    ) {
      const simple = args.withArgMatches('--create-simple-rule');
      const opt = simple ? '--create-simple-rule' : '--create-replicated-rule';
      const r = args.withArg(opt)!;
      if ('error' in r) err.text += r.error;
      else rule.name = r.value;
      failOnErr();
      rule.root = extra(args, opt);
      rule.type = extra(args, opt);
      if (simple) {
        rule.mode = extra(args, opt);
        out(
          `--create-simple-rule: name=${rule.name} root=${rule.root} type=${rule.type} mode=${rule.mode}\n`,
        );
      } else {
        rule.mode = 'firstn';
        out(`--create-replicated-rule: name=${rule.name} root=${rule.root} type=${rule.type}\n`);
      }
      addRuleAction = true;
    } else if ((v = stringArg(args, '--device-class')) !== undefined) rule.deviceClass = v;
    else if ((v = stringArg(args, '--remove-rule')) !== undefined) unsupported.push('--remove-rule');
    else if ((v = stringArg(args, '--loc')) !== undefined) extra(args, '--loc');
    else if (args.flag('--output-csv')) unsupported.push('--output-csv');
    else if (args.flag('--help-output')) {
      out(DATA_ANALYSIS_USAGE);
      return 0;
    } else if ((v = stringArg(args, '--output-name')) !== undefined) {
      if (args.done) {
        errw('expecting additional argument to --output-name\n');
        return 1;
      }
    } else if ((v = stringArg(args, '--remove_item')) !== undefined) unsupported.push('--remove-item');
    else if ((v = stringArg(args, '--reweight_item')) !== undefined) {
      extra(args, '--reweight-item');
      unsupported.push('--reweight-item');
    } else if (args.flag('--build')) build = true;
    else if ((n = withNumArg(args, err, 'int', '--num_osds')).matched) {
      failOnErr();
      numOsds = n.value ?? numOsds;
    } else if ((n = withNumArg(args, err, 'int', '--num_rep')).matched) {
      failOnErr();
      tester.minRep = tester.maxRep = n.value!;
    } else if ((n = withNumArg(args, err, 'int', '--max_x')).matched) {
      failOnErr();
      tester.maxX = n.value!;
    } else if ((n = withNumArg(args, err, 'int', '--min_x')).matched) {
      failOnErr();
      tester.minX = n.value!;
    } else if ((n = withNumArg(args, err, 'longlong', '--pool_id')).matched) {
      failOnErr();
      tester.poolId = n.value!;
    } else if ((n = withNumArg(args, err, 'int', '--x')).matched) {
      failOnErr();
      tester.minX = tester.maxX = n.value!;
    } else if ((n = withNumArg(args, err, 'int', '--max_rule')).matched) {
      failOnErr();
      tester.maxRule = n.value!;
    } else if ((n = withNumArg(args, err, 'int', '--min_rule')).matched) {
      failOnErr();
      tester.minRule = n.value!;
    } else if ((n = withNumArg(args, err, 'int', '--rule')).matched) {
      failOnErr();
      tester.minRule = tester.maxRule = n.value!;
    } else if ((n = withNumArg(args, err, 'int', '--ruleset')).matched) {
      failOnErr();
      tester.ruleset = n.value!;
    } else if ((n = withNumArg(args, err, 'int', '--batches')).matched) {
      failOnErr();
      tester.numBatches = n.value!;
    } else if (
      (n = withNumArg(args, err, 'float', '--mark-down-ratio')).matched ||
      (n = withNumArg(args, err, 'float', '--mark-down-bucket-ratio')).matched
    ) {
      failOnErr();
      unsupported.push('--mark-down-ratio');
    } else if ((n = withNumArg(args, err, 'int', '--weight')).matched) {
      failOnErr();
      const dev = n.value!;
      if (args.done) {
        errw('expecting additional argument to --weight\n');
        return 1;
      }
      tester.deviceWeight.set(dev, testerDeviceWeight(atof(args.take())));
    } else args.skip();
  }
  const rest = args.args;

  if (test && !check && !display && compare === '' && !unsupported.includes('--output-csv')) {
    errw('WARNING: no output selected; use --output-csv or --show-X\n');
  }
  if (Number(decompile) + Number(compile) + Number(build) > 1) {
    errw('cannot specify more than one of compile, decompile, and build\n');
    return 1;
  }
  const otherActions = unsupported.filter(
    (u) => !['--simulate', '--output-csv', '--mark-down-ratio'].includes(u),
  );
  if (
    !check &&
    !compile &&
    !decompile &&
    !build &&
    !tree &&
    !dump &&
    !addRuleAction &&
    !test &&
    !adjust &&
    fullLocation < 0 &&
    compare === '' &&
    otherActions.length === 0
  ) {
    errw('no action specified; -h for help\n');
    return 1;
  }
  const layers: CrushBuildLayer[] = [];
  if (!build && rest.length > 0) {
    errw(`unrecognized arguments: [${rest.join(',')}]\n`);
    return 1;
  } else {
    if (rest.length % 3 !== 0) {
      errw(`remaining args: [${rest.join(',')}]\n`);
      errw('layers must be specified with 3-tuples of (name, buckettype, size)\n');
      return 1;
    }
    for (let j = 0; j < rest.length; j += 3) {
      layers.push({ name: rest[j]!, bucketType: rest[j + 1]!, size: atoi(rest[j + 2]!) });
    }
  }
  if (unsupported.length > 0) {
    errw(`tsceph ${ME}: ${[...new Set(unsupported)].join(', ')} not supported\n`);
    return 95; // EOPNOTSUPP
  }

  let modified = false;
  let map: CrushMap | undefined;

  // input ---
  if (infn !== '') {
    let bytes: Buffer;
    if (infn === '-') {
      if (io.stdinIsTty()) {
        errw('stdin must not be from a tty\n');
        return 1;
      }
      bytes = io.readStdin();
    } else {
      try {
        bytes = io.readFile(infn);
      } catch (e) {
        errw(`${ME}: error reading '${infn}': ${readErrorText(infn, e)}\n`);
        return 1;
      }
    }
    try {
      map = decodeCrushMap(bytes);
    } catch {
      errw(`${ME}: unable to decode ${infn}\n`);
      return 1;
    }
  }

  if (compile) {
    let text: string;
    try {
      text = io.readFile(srcfn).toString('utf8');
    } catch {
      errw(`input file ${srcfn} not found\n`);
      return 254; // -ENOENT
    }
    const r = compileCrushMap(text, srcfn, verbose);
    errw(r.err);
    if (r.map === undefined) return 1;
    map = r.map;
    modified = true;
  }

  if (build) {
    if (layers.length === 0) {
      errw(`${ME}: must specify at least one layer\n`);
      return 1;
    }
    const r = buildCrushMap(numOsds, layers);
    errw(r.err);
    if (r.map === undefined) return r.code;
    map = r.map;
    modified = true;
  }

  if (map === undefined) {
    // crushtool works on an empty CrushWrapper when nothing was read
    map = emptyCrushMap();
  }

  // tunables ---
  const t = map.tunables;
  for (const [opt, value] of Object.entries(tunables)) {
    if (value < 0) continue;
    switch (opt) {
      case '--set_choose_local_tries':
        t.chooseLocalTries = value >>> 0;
        break;
      case '--set_choose_local_fallback_tries':
        t.chooseLocalFallbackTries = value >>> 0;
        break;
      case '--set_choose_total_tries':
        t.chooseTotalTries = value >>> 0;
        break;
      case '--set_chooseleaf_descend_once':
        t.chooseleafDescendOnce = value ? 1 : 0;
        break;
      case '--set_chooseleaf_vary_r':
        t.chooseleafVaryR = value & 0xff;
        break;
      case '--set_chooseleaf_stable':
        t.chooseleafStable = value & 0xff;
        break;
      case '--set_straw_calc_version':
        t.strawCalcVersion = value & 0xff;
        break;
      case '--set_allowed_bucket_algs':
        t.allowedBucketAlgs = value >>> 0;
        break;
    }
    modified = true;
  }

  // modifications ---
  if (addRuleAction) {
    for (const n of map.ruleNames.values()) {
      if (n === rule.name) {
        errw(`rule ${rule.name} already exists\n`);
        return 1;
      }
    }
    const r = addSimpleRuleAt(map, rule.name, rule.root, rule.type, rule.deviceClass, rule.mode, 1, -1);
    if (typeof r !== 'number') {
      errw(`${err.text}${r.error}\n`);
      return 1;
    }
    modified = true;
  }

  // display ---
  if (fullLocation >= 0) {
    for (const [type, name] of crushFullLocation(map, fullLocation)) out(`${type}\t${name}\n`);
  }

  if (tree) out(crushTreeText(map));

  if (dump) {
    if (['table', 'table-kv', 'html', 'html-pretty'].includes(dumpFormat)) {
      errw(`tsceph ${ME}: --dump -f ${dumpFormat} not supported\n`);
      return 95;
    }
    const f = Formatter.create(dumpFormat, 'json-pretty');
    f.openObjectSection('crush_map');
    dumpCrushMap(map, f);
    f.closeSection();
    out(`${f.flush()}\n`);
  }

  if (decompile) {
    const r = decompileCrushMap(map);
    errw(r.err);
    if (outfn !== '') {
      try {
        io.writeFile(outfn, Buffer.from(r.text, 'utf8'));
      } catch {
        errw(`${ME}: error writing '${outfn}'\n`);
        return 1;
      }
    } else {
      out(r.text);
    }
  }

  if (check) {
    // CrushTester's stream is stdout
    out(crushCheckOverlappedRules(map));
    if (maxId >= 0) {
      const e = crushCheckNameMaps(map, maxId);
      if (e !== undefined) {
        out(e);
        return 1;
      }
    }
  }

  if (test) {
    if (tester.outputUtilizationAll || tester.outputUtilization) tester.outputStatistics = true;
    let bad = false;
    runCrushTester(map, tester, {
      write: (s) => {
        if (!bad) out(s);
      },
      fail: () => {
        bad = true;
      },
      writeErr: errw,
    });
  }

  // output ---
  if (modified) {
    finalizeCrushMap(map);
    if (outfn === '') {
      out(`${ME} successfully built or modified map.  Use '-o <file>' to write it out.\n`);
    } else {
      try {
        io.writeFile(outfn, encodeCrushMap(map));
      } catch (e) {
        errw(`${ME}: error writing '${outfn}': ${cppStrerror(errnoOf(e))}\n`);
        return 1;
      }
      if (verbose) out(`wrote crush map to ${outfn}\n`);
    }
  }
  return 0;
}

/** The tunable adjustment options, in crushtool's order. */
const TUNABLE_OPTIONS = [
  '--set_choose_local_tries',
  '--set_choose_local_fallback_tries',
  '--set_choose_total_tries',
  '--set_chooseleaf_descend_once',
  '--set_chooseleaf_vary_r',
  '--set_chooseleaf_stable',
  '--set_straw_calc_version',
  '--set_allowed_bucket_algs',
];

/** Write and wait until the stream has taken the data (pipes may not be synchronous). */
function writeAll(stream: NodeJS.WritableStream, text: string): Promise<void> {
  // a reader that went away (`| head`) ends the output quietly, as SIGPIPE ends crushtool
  if (stream.listenerCount('error') === 0) stream.on('error', () => undefined);
  return new Promise((resolve) => {
    stream.write(Buffer.from(text, 'utf8'), () => resolve());
  });
}

/** Run crushtool with `argv` (without the program name); resolves to the exit status. */
export async function crushtoolMain(argv: string[], io: Partial<CrushtoolIo> = {}): Promise<number> {
  const stdoutChunks: string[] = [];
  const stderrChunks: string[] = [];
  const full: CrushtoolIo = {
    stdout: io.stdout ?? ((s) => stdoutChunks.push(s)),
    stderr: io.stderr ?? ((s) => stderrChunks.push(s)),
    readFile: io.readFile ?? ((p) => readFileSync(p)),
    writeFile: io.writeFile ?? ((p, d) => writeFileSync(p, d)),
    readStdin: io.readStdin ?? (() => readFileSync(0)),
    stdinIsTty: io.stdinIsTty ?? (() => process.stdin.isTTY === true),
  };
  let code: number;
  try {
    code = await run(argv, full);
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    code = e.code;
  } finally {
    // output is gathered and written once (large --show-mappings runs stay fast); the
    // callbacks wait until a pipe took it all, since the caller exits right after
    if (stdoutChunks.length > 0) await writeAll(process.stdout, stdoutChunks.join(''));
    if (stderrChunks.length > 0) await writeAll(process.stderr, stderrChunks.join(''));
  }
  return code;
}
