/**
 * The `rbd` commands tsceph lists, explains (`rbd help <command>`) and parses
 * exactly as Pacific does, but does not run yet: config overrides, devices,
 * encryption, groups, journals, migration, mirroring, namespaces, perf,
 * persistent cache, sparsify, pool stats, trash purge and its schedules,
 * deep copy and merge-diff. Running one prints that it is not supported and
 * exits with EOPNOTSUPP.
 */
import * as at from './argument-types.js';
import { boolSwitch, stringValue, u64Value, Value, type OptionsDescription } from './program-options.js';
import type { Action } from './shell.js';
import type { Execute } from './context.js';

const EOPNOTSUPP = 95;

function notSupported(spec: readonly string[]): Execute {
  return (_vm, ctx) => {
    ctx.io.stderr(`rbd: '${spec.join(' ')}' is not supported by tsceph\n`);
    return Promise.resolve(-EOPNOTSUPP);
  };
}

type Args = (pos: OptionsDescription, opt: OptionsDescription) => void;

function action(
  spec: string[],
  alias: string[],
  description: string,
  getArguments: Args,
  extra: Partial<Pick<Action, 'help' | 'visible' | 'switches'>> = {},
): Action {
  return { spec, alias, description, getArguments, execute: notSupported(spec), ...extra };
}

const doubleValue = (): Value =>
  new Value((values) => {
    const v = Number(values[0]);
    return v;
  });

const optionalPositional = (): Value => stringValue().defaultValue('');

const N = at.Modifier.NONE;

// --- config ---------------------------------------------------------------

const configEntity = (pos: OptionsDescription) =>
  pos.add('config-entity', undefined, 'config entity (global, client, client.<id>)');
const configKey = (pos: OptionsDescription) => pos.add('key', undefined, 'config key');
const configValue = (pos: OptionsDescription) => pos.add('value', undefined, 'config value');
const configPool = (pos: OptionsDescription) => pos.add('pool-name', undefined, 'pool name');

function configActions(): Action[] {
  const out: Action[] = [];
  const levels: [string, (pos: OptionsDescription, opt: OptionsDescription) => void][] = [
    ['global', (pos) => configEntity(pos)],
    ['pool', (pos) => configPool(pos)],
    ['image', (pos, opt) => at.addImageSpecOptions(pos, opt, N)],
  ];
  for (const [level, target] of levels) {
    const an = level === 'image' ? 'an' : 'a';
    out.push(
      action(['config', level, 'get'], [], `Get ${an} ${level}-level configuration override.`, (pos, opt) => {
        target(pos, opt);
        configKey(pos);
      }),
      action(['config', level, 'set'], [], `Set ${an} ${level}-level configuration override.`, (pos, opt) => {
        target(pos, opt);
        configKey(pos);
        configValue(pos);
      }),
      action(
        ['config', level, 'remove'],
        ['config', level, 'rm'],
        `Remove ${an} ${level}-level configuration override.`,
        (pos, opt) => {
          target(pos, opt);
          configKey(pos);
        },
      ),
      action(
        ['config', level, 'list'],
        ['config', level, 'ls'],
        `List ${level}-level configuration overrides.`,
        (pos, opt) => {
          target(pos, opt);
          at.addFormatOptions(opt);
        },
      ),
    );
  }
  return out;
}

// --- deep copy --------------------------------------------------------------

export const deepCopyAction = action(
  ['deep', 'copy'],
  ['deep', 'cp'],
  'Deep copy src image to dest.',
  (pos, opt) => {
    at.addImageOrSnapSpecOptions(pos, opt, at.Modifier.SOURCE);
    at.addImageSpecOptions(pos, opt, at.Modifier.DEST);
    at.addCreateImageOptions(opt, false);
    at.addFlattenOption(opt);
    at.addNoProgressOption(opt);
  },
  { help: at.LONG_FEATURES_HELP },
);

// --- device -----------------------------------------------------------------

const deviceType = (opt: OptionsDescription) =>
  opt.add('device-type,t', stringValue(), 'device type [ggate, krbd (default), nbd]');
const deviceOptions = (opt: OptionsDescription) =>
  opt.add('options,o', stringsValue1(), 'device specific options');
/** `po::value<std::vector<std::string>>()` given one token at a time. */
function stringsValue1(): Value {
  return new Value((values, previous) => [...((previous as string[] | undefined) ?? []), ...values]);
}

function deviceListArgs(_pos: OptionsDescription, opt: OptionsDescription) {
  deviceType(opt);
  at.addFormatOptions(opt);
}

function deviceMapArgs(pos: OptionsDescription, opt: OptionsDescription) {
  deviceType(opt);
  at.addImageOrSnapSpecOptions(pos, opt, N);
  opt
    .add('show-cookie', boolSwitch(), 'show device cookie')
    .add('cookie', stringValue(), 'specify device cookie')
    .add('read-only', boolSwitch(), 'map read-only')
    .add('exclusive', boolSwitch(), 'disable automatic exclusive lock transitions')
    .add('quiesce', boolSwitch(), 'use quiesce hooks')
    .add('quiesce-hook', stringValue(), 'quiesce hook path');
  deviceOptions(opt);
}

function deviceUnmapArgs(pos: OptionsDescription, opt: OptionsDescription) {
  deviceType(opt);
  pos.add(
    'image-or-snap-or-device-spec',
    undefined,
    'image, snapshot, or device specification\n[<pool-name>/[<namespace>/]]<image-name>[@<snap-name>] or <device-path>',
  );
  at.addPoolOption(opt, N);
  at.addNamespaceOption(opt, N);
  at.addImageOption(opt, N);
  at.addSnapOption(opt, N);
  deviceOptions(opt);
}

function deviceAttachArgs(pos: OptionsDescription, opt: OptionsDescription) {
  deviceType(opt);
  at.addImageOrSnapSpecOptions(pos, opt, N);
  opt
    .add('device', stringValue().required(), 'specify device path')
    .add('show-cookie', boolSwitch(), 'show device cookie')
    .add('cookie', stringValue(), 'specify device cookie')
    .add('read-only', boolSwitch(), 'attach read-only')
    .add('force', boolSwitch(), 'force attach')
    .add('exclusive', boolSwitch(), 'disable automatic exclusive lock transitions')
    .add('quiesce', boolSwitch(), 'use quiesce hooks')
    .add('quiesce-hook', stringValue(), 'quiesce hook path');
  deviceOptions(opt);
}

function deviceDetachArgs(pos: OptionsDescription, opt: OptionsDescription) {
  deviceType(opt);
  pos.add(
    'image-or-snap-or-device-spec',
    undefined,
    'image, snapshot, or device specification\n[<pool-name>/]<image-name>[@<snap-name>] or <device-path>',
  );
  at.addPoolOption(opt, N);
  at.addImageOption(opt, N);
  at.addSnapOption(opt, N);
  deviceOptions(opt);
}

const DEVICE_SWITCHES = ['exclusive', 'force', 'quiesce', 'read-only', 'show-cookie'];

function deviceActions(): Action[] {
  return [
    action(['device', 'list'], ['showmapped'], 'List mapped rbd images.', deviceListArgs, {
      switches: DEVICE_SWITCHES,
    }),
    action(['device', 'ls'], [], 'List mapped rbd images.', deviceListArgs, { visible: false }),
    action(['device', 'map'], ['map'], 'Map an image to a block device.', deviceMapArgs),
    action(['device', 'unmap'], ['unmap'], 'Unmap a rbd device.', deviceUnmapArgs),
    action(['device', 'attach'], [], 'Attach image to device.', deviceAttachArgs),
    action(['device', 'detach'], [], 'Detach image from device.', deviceDetachArgs),
  ];
}

// --- encryption ---------------------------------------------------------------

export const encryptionFormatAction = action(
  ['encryption', 'format'],
  [],
  'Format image to an encrypted format.',
  (pos, opt) => {
    at.addImageSpecOptions(pos, opt, N);
    pos.add('format', undefined, 'encryption format [possible values: luks1, luks2]');
    pos.add('passphrase-file', undefined, 'path of file containing passphrase for unlocking the image');
    opt.add(
      'cipher-alg',
      stringValue(),
      'encryption algorithm [possible values: aes-128, aes-256 (default)]',
    );
  },
);

// --- group --------------------------------------------------------------------

function groupSpec(pos: OptionsDescription, opt: OptionsDescription, m: at.Modifier = N) {
  pos.add(
    `${at.namePrefix(m)}group-spec`,
    undefined,
    `${at.descriptionPrefix(m)}group specification\n(example: [<pool-name>/[<namespace>/]]<group-name>)`,
  );
  at.addPoolOption(opt, m);
  at.addNamespaceOption(opt, m);
  opt.add(
    m === at.Modifier.DEST ? 'dest-group' : 'group',
    stringValue(),
    `${at.descriptionPrefix(m)}group name`,
  );
}

function groupSnapSpec(pos: OptionsDescription, opt: OptionsDescription) {
  pos.add(
    'group-snap-spec',
    undefined,
    'group specification\n(example: [<pool-name>/[<namespace>/]]<group-name>@<snap-name>)',
  );
  at.addPoolOption(opt, N);
  at.addNamespaceOption(opt, N);
  opt.add('group', stringValue(), 'group name');
  at.addSnapOption(opt, N);
}

function groupImageArgs(pos: OptionsDescription, opt: OptionsDescription, withId: boolean) {
  opt
    .add('group-pool', stringValue(), 'group pool name')
    .add('group-namespace', stringValue(), 'group namespace name')
    .add('group', stringValue(), 'group name')
    .add('image-pool', stringValue(), 'image pool name')
    .add('image-namespace', stringValue(), 'image namespace name');
  at.addImageOption(opt, N);
  at.addPoolOption(opt, N, ' unless overridden');
  if (withId) at.addImageIdOption(opt);
  pos.add(
    'group-spec',
    undefined,
    'group specification\n(example: [<pool-name>/[<namespace>/]]<group-name>)',
  );
  pos.add(
    'image-spec',
    undefined,
    'image specification\n(example: [<pool-name>/[<namespace>/]]<image-name>)',
  );
}

function groupActions(): Action[] {
  return [
    action(['group', 'create'], [], 'Create a group.', (pos, opt) => groupSpec(pos, opt)),
    action(['group', 'remove'], ['group', 'rm'], 'Delete a group.', (pos, opt) => groupSpec(pos, opt)),
    action(['group', 'list'], ['group', 'ls'], 'List rbd groups.', (pos, opt) => {
      at.addPoolOptions(pos, opt, true);
      at.addFormatOptions(opt);
    }),
    action(['group', 'rename'], [], 'Rename a group within pool.', (pos, opt) => {
      groupSpec(pos, opt, at.Modifier.SOURCE);
      groupSpec(pos, opt, at.Modifier.DEST);
    }),
    action(['group', 'image', 'add'], [], 'Add an image to a group.', (pos, opt) =>
      groupImageArgs(pos, opt, false),
    ),
    action(
      ['group', 'image', 'remove'],
      ['group', 'image', 'rm'],
      'Remove an image from a group.',
      (pos, opt) => groupImageArgs(pos, opt, true),
    ),
    action(['group', 'image', 'list'], ['group', 'image', 'ls'], 'List images in a group.', (pos, opt) => {
      at.addFormatOptions(opt);
      groupSpec(pos, opt);
    }),
    action(['group', 'snap', 'create'], [], 'Make a snapshot of a group.', (pos, opt) => {
      groupSnapSpec(pos, opt);
      at.addSnapCreateOptions(opt);
    }),
    action(
      ['group', 'snap', 'remove'],
      ['group', 'snap', 'rm'],
      'Remove a snapshot from a group.',
      (pos, opt) => groupSnapSpec(pos, opt),
    ),
    action(['group', 'snap', 'rename'], [], "Rename group's snapshot.", (pos, opt) => {
      groupSnapSpec(pos, opt);
      pos.add('dest-snap', undefined, 'destination snapshot name\n(example: <snap-name>)');
      opt.add('dest-snap', stringValue(), 'destination snapshot name');
    }),
    action(['group', 'snap', 'list'], ['group', 'snap', 'ls'], 'List snapshots of a group.', (pos, opt) => {
      at.addFormatOptions(opt);
      groupSpec(pos, opt);
    }),
    action(['group', 'snap', 'rollback'], [], 'Rollback group to snapshot.', (pos, opt) => {
      at.addNoProgressOption(opt);
      groupSnapSpec(pos, opt);
    }),
  ];
}

// --- journal ------------------------------------------------------------------

function journalSpec(pos: OptionsDescription, opt: OptionsDescription, m: at.Modifier = N) {
  pos.add(
    `${at.namePrefix(m)}journal-spec`,
    undefined,
    `${at.descriptionPrefix(m)}journal specification\n(example: [<pool-name>/[<namespace>/]]<journal-name>)`,
  );
  at.addPoolOption(opt, m);
  at.addNamespaceOption(opt, m);
  at.addImageOption(opt, m);
  opt.add(
    m === at.Modifier.DEST ? 'dest-journal' : 'journal',
    stringValue(),
    `${at.descriptionPrefix(m)}journal name`,
  );
}

function journalActions(): Action[] {
  return [
    action(['journal', 'info'], [], 'Show information about image journal.', (pos, opt) => {
      journalSpec(pos, opt);
      at.addFormatOptions(opt);
    }),
    action(['journal', 'status'], [], 'Show status of image journal.', (pos, opt) => {
      journalSpec(pos, opt);
      at.addFormatOptions(opt);
    }),
    action(['journal', 'reset'], [], 'Reset image journal.', (pos, opt) => journalSpec(pos, opt)),
    action(['journal', 'inspect'], [], 'Inspect image journal for structural errors.', (pos, opt) => {
      journalSpec(pos, opt);
      at.addVerboseOption(opt);
    }),
    action(['journal', 'export'], [], 'Export image journal.', (pos, opt) => {
      journalSpec(pos, opt, at.Modifier.SOURCE);
      at.addPathOptions(pos, opt, "export file (or '-' for stdout)");
      at.addVerboseOption(opt);
      at.addNoErrorOption(opt);
    }),
    action(['journal', 'import'], [], 'Import image journal.', (pos, opt) => {
      at.addPathOptions(pos, opt, "import file (or '-' for stdin)");
      journalSpec(pos, opt, at.Modifier.DEST);
      at.addVerboseOption(opt);
      at.addNoErrorOption(opt);
    }),
    action(
      ['journal', 'client', 'disconnect'],
      [],
      'Flag image journal client as disconnected.',
      (pos, opt) => {
        journalSpec(pos, opt);
        opt.add('client-id', stringValue(), 'client ID (or leave unspecified to disconnect all)');
      },
    ),
  ];
}

// --- merge-diff ---------------------------------------------------------------

export const mergeDiffAction = action(['merge-diff'], [], 'Merge two diff exports together.', (pos, opt) => {
  pos.add('diff1-path', undefined, "path to first diff (or '-' for stdin)");
  pos.add('diff2-path', undefined, 'path to second diff');
  at.addPathOptions(pos, opt, "path to merged diff (or '-' for stdout)");
  at.addNoProgressOption(opt);
});

// --- migration ----------------------------------------------------------------

function migrationActions(): Action[] {
  return [
    action(
      ['migration', 'prepare'],
      [],
      'Prepare image migration.',
      (pos, opt) => {
        opt
          .add('import-only', boolSwitch(), 'only import data from source')
          .add('source-spec-path', stringValue(), "source-spec file (or '-' for stdin)")
          .add('source-spec', stringValue(), 'source-spec');
        at.addImageOrSnapSpecOptions(pos, opt, at.Modifier.SOURCE);
        at.addImageSpecOptions(pos, opt, at.Modifier.DEST);
        at.addCreateImageOptions(opt, true);
        at.addFlattenOption(opt);
      },
      { help: at.LONG_FEATURES_HELP, switches: ['import-only'] },
    ),
    action(['migration', 'execute'], [], 'Execute image migration.', (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      at.addNoProgressOption(opt);
    }),
    action(['migration', 'abort'], [], 'Cancel interrupted image migration.', (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      at.addNoProgressOption(opt);
    }),
    action(['migration', 'commit'], [], 'Commit image migration.', (pos, opt) => {
      at.addImageSpecOptions(pos, opt, N);
      at.addNoProgressOption(opt);
      opt.add('force', boolSwitch(), 'proceed even if the image has children');
    }),
  ];
}

// --- mirror -------------------------------------------------------------------

const siteName = (opt: OptionsDescription) => opt.add('site-name', stringValue(), 'local site name');
const direction = (opt: OptionsDescription) =>
  opt.add('direction', stringValue(), 'mirroring direction (rx-only, rx-tx)\n[default: rx-tx]');
const quiesce = (opt: OptionsDescription) => at.addSnapCreateOptions(opt);

function mirrorImageActions(): Action[] {
  const spec = (pos: OptionsDescription, opt: OptionsDescription) => at.addImageSpecOptions(pos, opt, N);
  return [
    action(['mirror', 'image', 'enable'], [], 'Enable RBD mirroring for an image.', (pos, opt) => {
      spec(pos, opt);
      pos.add('mode', optionalPositional(), 'mirror image mode (journal or snapshot) [default: journal]');
    }),
    action(['mirror', 'image', 'disable'], [], 'Disable RBD mirroring for an image.', (pos, opt) => {
      opt.add('force', boolSwitch(), 'disable even if not primary');
      spec(pos, opt);
    }),
    action(
      ['mirror', 'image', 'promote'],
      [],
      'Promote an image to primary for RBD mirroring.',
      (pos, opt) => {
        opt.add('force', boolSwitch(), 'promote even if not cleanly demoted by remote cluster');
        spec(pos, opt);
      },
    ),
    action(['mirror', 'image', 'demote'], [], 'Demote an image to non-primary for RBD mirroring.', spec),
    action(['mirror', 'image', 'resync'], [], 'Force resync to primary image for RBD mirroring.', spec),
    action(['mirror', 'image', 'status'], [], 'Show RBD mirroring status for an image.', (pos, opt) => {
      spec(pos, opt);
      at.addFormatOptions(opt);
    }),
    action(['mirror', 'image', 'snapshot'], [], 'Create RBD mirroring image snapshot.', (pos, opt) => {
      spec(pos, opt);
      quiesce(opt);
    }),
  ];
}

function mirrorPoolActions(): Action[] {
  const poolSpec = (pos: OptionsDescription, opt: OptionsDescription) => at.addPoolOptions(pos, opt, true);
  const poolName = (pos: OptionsDescription, opt: OptionsDescription) => at.addPoolOptions(pos, opt, false);
  return [
    action(
      ['mirror', 'pool', 'peer', 'bootstrap', 'create'],
      [],
      'Create a peer bootstrap token to import in a remote cluster',
      (pos, opt) => {
        poolName(pos, opt);
        siteName(opt);
      },
    ),
    action(
      ['mirror', 'pool', 'peer', 'bootstrap', 'import'],
      [],
      'Import a peer bootstrap token created from a remote cluster',
      (pos, opt) => {
        poolName(pos, opt);
        siteName(opt);
        pos.add('token-path', stringValue(), "bootstrap token file (or '-' for stdin)");
        opt.add('token-path', stringValue(), "bootstrap token file (or '-' for stdin)");
        direction(opt);
      },
    ),
    action(['mirror', 'pool', 'peer', 'add'], [], 'Add a mirroring peer to a pool.', (pos, opt) => {
      poolName(pos, opt);
      pos.add(
        'remote-cluster-spec',
        undefined,
        'remote cluster spec\n(example: [<client name>@]<cluster name>)',
      );
      opt
        .add('remote-client-name', stringValue(), 'remote client name')
        .add('remote-cluster', stringValue(), 'remote cluster name')
        .add('remote-mon-host', stringValue(), 'remote mon host(s)')
        .add('remote-key-file', stringValue(), 'path to file containing remote key');
      direction(opt);
    }),
    action(['mirror', 'pool', 'peer', 'remove'], [], 'Remove a mirroring peer from a pool.', (pos, opt) => {
      poolName(pos, opt);
      pos.add('uuid', undefined, 'peer uuid');
    }),
    action(['mirror', 'pool', 'peer', 'set'], [], 'Update mirroring peer settings.', (pos, opt) => {
      poolName(pos, opt);
      pos
        .add('uuid', undefined, 'peer uuid')
        .add('key', undefined, 'peer parameter\n(direction, site-name, client, mon-host, key-file)')
        .add('value', undefined, 'new value for specified key\n(rx-only, tx-only, or rx-tx for direction)');
    }),
    action(['mirror', 'pool', 'disable'], [], 'Disable RBD mirroring by default within a pool.', poolSpec),
    action(['mirror', 'pool', 'enable'], [], 'Enable RBD mirroring by default within a pool.', (pos, opt) => {
      poolSpec(pos, opt);
      pos.add('mode', undefined, 'mirror mode [image or pool]');
      siteName(opt);
    }),
    action(
      ['mirror', 'pool', 'info'],
      [],
      'Show information about the pool mirroring configuration.',
      (pos, opt) => {
        poolSpec(pos, opt);
        at.addFormatOptions(opt);
        opt.add('all', boolSwitch(), 'list all attributes');
      },
    ),
    action(
      ['mirror', 'pool', 'status'],
      [],
      'Show status for all mirrored images in the pool.',
      (pos, opt) => {
        poolSpec(pos, opt);
        at.addFormatOptions(opt);
        at.addVerboseOption(opt);
      },
    ),
    action(['mirror', 'pool', 'promote'], [], 'Promote all non-primary images in the pool.', (pos, opt) => {
      opt.add('force', boolSwitch(), 'promote even if not cleanly demoted by remote cluster');
      poolSpec(pos, opt);
    }),
    action(['mirror', 'pool', 'demote'], [], 'Demote all primary images in the pool.', poolSpec),
  ];
}

/** Schedules name their target by --pool/--namespace[/--image] only. */
function levelSpec(opt: OptionsDescription, withImage: boolean) {
  at.addPoolOption(opt, N);
  at.addNamespaceOption(opt, N);
  if (withImage) at.addImageOption(opt, N);
}

function scheduleActions(prefix: string[], what: string, withImage: boolean): Action[] {
  const interval = (pos: OptionsDescription, required: boolean) => {
    pos.add('interval', required ? undefined : optionalPositional(), 'schedule interval');
    pos.add('start-time', optionalPositional(), 'schedule start time');
  };
  return [
    action([...prefix, 'add'], [], `Add ${what}.`, (pos, opt) => {
      levelSpec(opt, withImage);
      interval(pos, true);
    }),
    action([...prefix, 'remove'], [...prefix, 'rm'], `Remove ${what}.`, (pos, opt) => {
      levelSpec(opt, withImage);
      interval(pos, false);
    }),
    action(
      [...prefix, 'list'],
      [...prefix, 'ls'],
      `List ${what}.`,
      (_pos, opt) => {
        levelSpec(opt, withImage);
        opt.add('recursive,R', boolSwitch(), 'list all schedules');
        at.addFormatOptions(opt);
      },
      { switches: ['recursive', 'R'] },
    ),
    action([...prefix, 'status'], [], `Show ${what} status.`, (_pos, opt) => {
      levelSpec(opt, withImage);
      at.addFormatOptions(opt);
    }),
  ];
}

// --- namespace, nbd, perf, persistent cache, pool stats, sparsify, trash purge --

function namespaceActions(): Action[] {
  const spec = (pos: OptionsDescription, opt: OptionsDescription) => at.addPoolOptions(pos, opt, true);
  return [
    action(['namespace', 'create'], [], 'Create an RBD image namespace.', spec),
    action(['namespace', 'remove'], ['namespace', 'rm'], 'Remove an RBD image namespace.', spec),
    action(['namespace', 'list'], ['namespace', 'ls'], 'List RBD image namespaces.', (pos, opt) => {
      at.addPoolOptions(pos, opt, false);
      at.addFormatOptions(opt);
    }),
  ];
}

function nbdActions(): Action[] {
  return [
    action(
      ['nbd', 'list'],
      ['nbd', 'ls'],
      'List the nbd devices already used.',
      (_pos, opt) => at.addFormatOptions(opt),
      {
        visible: false,
        switches: ['read-only', 'exclusive'],
      },
    ),
    action(
      ['nbd', 'map'],
      [],
      'Map image to a nbd device.',
      (pos, opt) => {
        at.addImageOrSnapSpecOptions(pos, opt, N);
        opt
          .add('read-only', boolSwitch(), 'map read-only')
          .add('exclusive', boolSwitch(), 'forbid writes by other clients')
          .add('device', stringValue(), 'specify nbd device')
          .add('nbds_max', stringValue(), 'override module param nbds_max')
          .add('max_part', stringValue(), 'override module param max_part')
          .add('timeout', stringValue(), 'set nbd request timeout (seconds)');
      },
      { visible: false },
    ),
    action(
      ['nbd', 'unmap'],
      [],
      'Unmap a nbd device.',
      (pos, opt) => {
        pos.add(
          'image-or-snap-or-device-spec',
          undefined,
          'image, snapshot, or device specification\n[<pool-name>/]<image-name>[@<snap-name>] or <device-path>',
        );
        at.addPoolOption(opt, N);
        at.addImageOption(opt, N);
        at.addSnapOption(opt, N);
      },
      { visible: false },
    ),
  ];
}

function perfActions(): Action[] {
  return [
    action(['perf', 'image', 'iotop'], [], 'Display a top-like IO monitor.', (pos, opt) =>
      at.addPoolOptions(pos, opt, true),
    ),
    action(['perf', 'image', 'iostat'], [], 'Display image IO statistics.', (pos, opt) => {
      at.addPoolOptions(pos, opt, true);
      opt
        .add('iterations', u64Value(), 'iterations of metric collection [> 0]')
        .add(
          'sort-by',
          stringValue().defaultValue('write_ops'),
          'sort-by IO metric (write-ops, read-ops, write-bytes, read-bytes, write-latency, read-latency) [default: write-ops]',
        )
        .add('format', at.formatValue(), 'output format (plain, json, or xml) [default: plain]')
        .add('pretty-format', boolSwitch(), 'pretty formatting (json and xml)');
    }),
  ];
}

function persistentCacheActions(): Action[] {
  const args = (pos: OptionsDescription, opt: OptionsDescription) => {
    at.addImageSpecOptions(pos, opt, N);
    at.addImageIdOption(opt);
  };
  return [
    action(
      ['persistent-cache', 'invalidate'],
      [],
      'Invalidate (discard) existing / dirty persistent cache.',
      args,
    ),
    action(['persistent-cache', 'flush'], [], 'Flush persistent cache.', args),
  ];
}

export const poolStatsAction = action(
  ['pool', 'stats'],
  [],
  'Display pool statistics.',
  (pos, opt) => {
    at.addPoolOptions(pos, opt, true);
    at.addFormatOptions(opt);
  },
  { help: 'Note: legacy v1 images are not included in stats' },
);

export const sparsifyAction = action(
  ['sparsify'],
  [],
  'Reclaim space for zeroed image extents.',
  (pos, opt) => {
    at.addImageSpecOptions(pos, opt, N);
    at.addNoProgressOption(opt);
    at.addSparseSizeOption(opt);
  },
);

export const trashPurgeAction = action(
  ['trash', 'purge'],
  [],
  'Remove all expired images from trash.',
  (pos, opt) => {
    at.addPoolOptions(pos, opt, true);
    at.addNoProgressOption(opt);
    opt
      .add(
        'expired-before',
        stringValue().valueName('date'),
        'purges images that expired before the given date',
      )
      .add(
        'threshold',
        doubleValue(),
        'purges images until the current pool data usage is reduced to X%, value range: 0.0-1.0',
      );
  },
);

export const notImplemented = {
  config: configActions,
  device: deviceActions,
  group: groupActions,
  journal: journalActions,
  migration: migrationActions,
  mirrorImage: mirrorImageActions,
  mirrorPool: mirrorPoolActions,
  mirrorSnapshotSchedule: () =>
    scheduleActions(['mirror', 'snapshot', 'schedule'], 'mirror snapshot schedule', true),
  namespace: namespaceActions,
  nbd: nbdActions,
  perf: perfActions,
  persistentCache: persistentCacheActions,
  trashPurgeSchedule: () => scheduleActions(['trash', 'purge', 'schedule'], 'trash purge schedule', false),
};
