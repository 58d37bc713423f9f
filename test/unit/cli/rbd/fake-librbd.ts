/**
 * An in-memory librbd behind the rbd CLI's interface (src/cli/rbd/librbd-api.ts),
 * behaving the way Pacific's librbd answers the CLI: its errnos, its progress
 * callbacks and the extents its diff reports (a RADOS object covers
 * [0, highest byte written) of its range; a snapshot's delta is what was
 * written after the previous one), so that the CLI's output can be compared
 * with the real rbd's.
 *
 * Simplifications: data is laid out in plain object-size chunks whatever the
 * striping; clones read through to the parent within the overlap; the
 * exclusive lock, journals and mirroring are only flags.
 */
import { CephError, type ErrnoName } from '../../../../src/common/errors.js';
import type { Config } from '../../../../src/common/config.js';
import type {
  Image,
  ImageGroupInfo,
  ImageOptions,
  ImageSpec,
  ImageStat,
  ImageWatcher,
  IoCtx,
  LibrbdConnector,
  LinkedImageSpec,
  Lockers,
  LockMode,
  MirrorImageInfo,
  ParentInfo,
  Progress,
  RadosClient,
  Rbd,
  SnapGroupNamespace,
  SnapInfo,
  SnapMirrorNamespace,
  SnapNamespaceType,
  Timespec,
  TrashImageInfo,
  WatchNotification,
} from '../../../../src/cli/rbd/librbd-api.js';

const fail = (code: ErrnoName, message?: string): never => {
  throw new CephError(code, message);
};

const F = {
  LAYERING: 1n,
  STRIPINGV2: 2n,
  EXCLUSIVE_LOCK: 4n,
  OBJECT_MAP: 8n,
  FAST_DIFF: 16n,
  DEEP_FLATTEN: 32n,
  JOURNALING: 64n,
  DATA_POOL: 128n,
};

const MUTABLE = F.EXCLUSIVE_LOCK | F.OBJECT_MAP | F.FAST_DIFF | F.JOURNALING;
const U64_MAX = (1n << 64n) - 1n;
const FLAG_OBJECT_MAP_INVALID = 1n;
const FLAG_FAST_DIFF_INVALID = 2n;

/** [start, end) byte ranges, kept sorted and merged. */
type Ranges = [number, number][];

function addRange(ranges: Ranges, start: number, end: number): Ranges {
  const out: Ranges = [];
  let s = start;
  let e = end;
  for (const [a, b] of ranges) {
    if (b < s || a > e) out.push([a, b]);
    else {
      s = Math.min(s, a);
      e = Math.max(e, b);
    }
  }
  out.push([s, e]);
  return out.sort((x, y) => x[0] - y[0]);
}

/** One RADOS data object of an image version. */
interface DataObject {
  /** objectSize bytes; beyond `size` they are zero. */
  data: Buffer;
  /** The RADOS object's length: highest byte written. */
  size: number;
  /** What was written since the previous snapshot (relative to the object). */
  dirty: Ranges;
}

type Objects = Map<number, DataObject>;

function cloneObjects(objects: Objects): Objects {
  const out: Objects = new Map();
  for (const [n, o] of objects) out.set(n, { data: Buffer.from(o.data), size: o.size, dirty: [] });
  return out;
}

interface ParentLink {
  poolId: number;
  namespace: string;
  imageId: string;
  snapId: bigint;
  overlap: number;
}

interface FakeSnap {
  id: bigint;
  name: string;
  size: number;
  timestamp: number;
  protected: boolean;
  namespace: SnapNamespaceType;
  objects: Objects;
  /** Per object: what this snapshot's version changed relative to the previous snapshot. */
  deltas: Map<number, { existed: boolean; ranges: Ranges; size: number }>;
  parent?: ParentLink;
  flags: bigint;
}

interface FakeImageState {
  id: string;
  name: string;
  pool: FakePool;
  namespace: string;
  size: number;
  order: number;
  features: bigint;
  opFeatures: bigint;
  flags: bigint;
  stripeUnit: number;
  stripeCount: number;
  dataPoolId: number;
  createTs: number;
  accessTs: number;
  modifyTs: number;
  snaps: FakeSnap[];
  objects: Objects;
  /** Objects existing at the last snapshot (for the head's delta). */
  parent?: ParentLink;
  limit: bigint;
  metadata: Map<string, string>;
  lockers: Lockers;
  watchers: ImageWatcher[];
  /** Children of each snapshot: `poolId/namespace/imageId`. */
  children: Map<bigint, Set<string>>;
  trash?: TrashImageInfo;
}

export class FakePool {
  readonly images = new Map<string, FakeImageState>();
  readonly namespaces = new Set<string>();
  /** Self-managed snapshot ids; `rbd pool init` validation leaves the next one at 4. */
  snapSeq = 3n;
  application = '';

  constructor(
    readonly id: number,
    readonly name: string,
  ) {}

  /** Images by name in a namespace (trashed ones excluded). */
  byName(namespace: string, name: string): FakeImageState | undefined {
    for (const img of this.images.values()) {
      if (img.namespace === namespace && img.name === name && !img.trash) return img;
    }
    return undefined;
  }
}

class FakeIoCtx implements IoCtx {
  constructor(
    readonly pool: FakePool,
    readonly namespace: string,
  ) {}
  get poolId(): number {
    return this.pool.id;
  }
  get poolName(): string {
    return this.pool.name;
  }
  withNamespace(namespace: string): IoCtx {
    return new FakeIoCtx(this.pool, namespace);
  }
}

function asFake(io: IoCtx): FakeIoCtx {
  if (!(io instanceof FakeIoCtx)) throw new Error('fake librbd: foreign IoCtx');
  return io;
}

/** The whole fake cluster: pools, a clock, ids. */
export class FakeCluster implements LibrbdConnector {
  readonly pools = new Map<string, FakePool>();
  private nextPoolId = 1;
  private nextImage = 0;
  /** Seconds since the epoch the fake stamps things with. */
  now = 1_700_000_000;
  /** Global id of the next client that connects (4 digits like a young real cluster's). */
  nextGid = 4123n;
  /** Object names notified to watchers: (pool, namespace, oid) → callbacks. */
  readonly watches = new Map<bigint, { pool: FakePool; oid: string; cb: (n: WatchNotification) => void }>();
  private nextCookie = 94000000000000n;
  connectError?: ErrnoName;

  createPool(name: string): FakePool {
    const p = new FakePool(this.nextPoolId++, name);
    this.pools.set(name, p);
    return p;
  }

  poolById(id: number): FakePool | undefined {
    return [...this.pools.values()].find((p) => p.id === id);
  }

  /** A 12-hex-digit image id, like most of Pacific's. */
  newImageId(): string {
    this.nextImage++;
    return (0x10a5_0000_0000 + this.nextImage * 0x1_0203).toString(16);
  }

  connect(config: Config): Promise<RadosClient> {
    if (this.connectError) return Promise.reject(new CephError(this.connectError));
    return Promise.resolve(new FakeRadosClient(this, config, this.nextGid++));
  }

  /** Deliver a notification to every watch of an object (test helper). */
  notify(poolName: string, oid: string, payload: Buffer): void {
    for (const [cookie, w] of this.watches) {
      if (w.pool.name === poolName && w.oid === oid) {
        w.cb({ notifyId: 1000n, cookie, notifierId: 4567n, payload });
      }
    }
  }

  registerWatch(pool: FakePool, oid: string, cb: (n: WatchNotification) => void): bigint {
    const cookie = this.nextCookie++;
    this.watches.set(cookie, { pool, oid, cb });
    return cookie;
  }
}

class FakeRadosClient implements RadosClient {
  readonly rbd: Rbd;
  constructor(
    readonly cluster: FakeCluster,
    readonly config: Config,
    readonly gid: bigint,
  ) {
    this.rbd = new FakeRbd(this);
  }
  ioCtx(poolName: string): Promise<IoCtx> {
    const p = this.cluster.pools.get(poolName);
    return p ? Promise.resolve(new FakeIoCtx(p, '')) : Promise.reject(new CephError('ENOENT'));
  }
  ioCtxById(poolId: number): Promise<IoCtx> {
    const p = this.cluster.poolById(poolId);
    return p ? Promise.resolve(new FakeIoCtx(p, '')) : Promise.reject(new CephError('ENOENT'));
  }
  instanceId(): bigint {
    return this.gid;
  }
  /** What `lock ls` shows as the locker's address. */
  address(): string {
    return `127.0.0.1:0/${3000000000 + Number(this.gid)}`;
  }
  watch(ioCtx: IoCtx, oid: string, onNotify: (n: WatchNotification) => void): Promise<bigint> {
    return Promise.resolve(this.cluster.registerWatch(asFake(ioCtx).pool, oid, onNotify));
  }
  unwatch(cookie: bigint): Promise<void> {
    this.cluster.watches.delete(cookie);
    return Promise.resolve();
  }
  notifyAck(): Promise<void> {
    return Promise.resolve();
  }
  shutDown(): Promise<void> {
    return Promise.resolve();
  }
}

function defaultFeatures(config: Config): bigint {
  const v = String(config.get('rbd_default_features'));
  if (/^\d+$/.test(v)) return BigInt(v);
  const names: Record<string, bigint> = {
    layering: 1n,
    striping: 2n,
    'exclusive-lock': 4n,
    'object-map': 8n,
    'fast-diff': 16n,
    'deep-flatten': 32n,
    journaling: 64n,
  };
  return v.split(',').reduce((m, n) => m | (names[n.trim()] ?? 0n), 0n);
}

/** librbd's feature dependency rules for a new image. */
function checkFeatures(features: bigint): void {
  if (features & F.OBJECT_MAP && !(features & F.EXCLUSIVE_LOCK)) fail('EINVAL');
  if (features & F.FAST_DIFF && !(features & F.OBJECT_MAP)) fail('EINVAL');
  if (features & F.JOURNALING && !(features & F.EXCLUSIVE_LOCK)) fail('EINVAL');
}

class FakeRbd implements Rbd {
  constructor(private readonly client: FakeRadosClient) {}

  private get cluster(): FakeCluster {
    return this.client.cluster;
  }

  open(ioCtx: IoCtx, name: string, snapName: string | null, readOnly: boolean): Promise<Image> {
    const io = asFake(ioCtx);
    const img = io.pool.byName(io.namespace, name);
    if (!img) return Promise.reject(new CephError('ENOENT'));
    return this.openState(img, snapName, readOnly);
  }

  openById(ioCtx: IoCtx, id: string, snapName: string | null, readOnly: boolean): Promise<Image> {
    const io = asFake(ioCtx);
    const img = io.pool.images.get(id);
    if (!img || img.namespace !== io.namespace) return Promise.reject(new CephError('ENOENT'));
    return this.openState(img, snapName, readOnly);
  }

  private async openState(img: FakeImageState, snapName: string | null, readOnly: boolean): Promise<Image> {
    const image = new FakeImage(this.client, img, readOnly);
    if (snapName !== null) await image.snapSet(snapName);
    return image;
  }

  list2(ioCtx: IoCtx): Promise<ImageSpec[]> {
    const io = asFake(ioCtx);
    const out = [...io.pool.images.values()]
      .filter((i) => i.namespace === io.namespace && !i.trash)
      .map((i) => ({ id: i.id, name: i.name }));
    return Promise.resolve(out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  }

  create4(ioCtx: IoCtx, name: string, size: number, opts: ImageOptions): Promise<void> {
    return Promise.resolve().then(() => {
      this.createState(asFake(ioCtx), name, size, opts);
    });
  }

  createState(
    io: FakeIoCtx,
    name: string,
    size: number,
    opts: ImageOptions,
    parentFeatures?: bigint,
  ): FakeImageState {
    if (io.namespace !== '' && !io.pool.namespaces.has(io.namespace)) fail('ENOENT');
    if (io.pool.byName(io.namespace, name)) fail('EEXIST');
    const format = opts.format ?? Number(this.client.config.get('rbd_default_format'));
    if (format === 1) fail('EINVAL');
    const order = opts.order ?? Number(this.client.config.get('rbd_default_order'));
    if (order < 12 || order > 25) fail('EDOM');
    let features = opts.features ?? parentFeatures ?? defaultFeatures(this.client.config);
    if (opts.featuresClear !== undefined) features &= ~opts.featuresClear;
    const objectSize = 2 ** order;
    let stripeUnit = opts.stripeUnit || objectSize;
    let stripeCount = opts.stripeCount || 1;
    if (stripeUnit !== objectSize || stripeCount !== 1) {
      if (objectSize % stripeUnit !== 0 || stripeUnit > objectSize) fail('EINVAL');
      features |= F.STRIPINGV2;
    } else {
      stripeUnit = objectSize;
      stripeCount = 1;
    }
    checkFeatures(features);
    let dataPoolId = io.pool.id;
    if (opts.dataPool) {
      const dp = this.cluster.pools.get(opts.dataPool);
      if (!dp) fail('ENOENT');
      dataPoolId = dp!.id;
      features |= F.DATA_POOL;
    }
    const now = this.cluster.now;
    const img: FakeImageState = {
      id: this.cluster.newImageId(),
      name,
      pool: io.pool,
      namespace: io.namespace,
      size,
      order,
      features,
      opFeatures: 0n,
      flags: 0n,
      stripeUnit,
      stripeCount,
      dataPoolId,
      createTs: now,
      accessTs: now,
      modifyTs: now,
      snaps: [],
      objects: new Map(),
      limit: U64_MAX,
      metadata: new Map(),
      lockers: { exclusive: false, tag: '', lockers: [] },
      watchers: [],
      children: new Map(),
    };
    io.pool.images.set(img.id, img);
    return img;
  }

  clone3(
    parentIoCtx: IoCtx,
    parentName: string,
    parentSnapName: string,
    childIoCtx: IoCtx,
    childName: string,
    opts: ImageOptions,
  ): Promise<void> {
    return Promise.resolve().then(() => {
      const pio = asFake(parentIoCtx);
      const parent = pio.pool.byName(pio.namespace, parentName) ?? fail('ENOENT');
      const snap = parent.snaps.find((s) => s.name === parentSnapName) ?? fail('ENOENT');
      if (!(parent.features & F.LAYERING)) fail('ENOSYS');
      // clone v1 (require-min-compat-client below mimic): the snapshot must be protected
      if (!snap.protected) fail('EINVAL');
      const cio = asFake(childIoCtx);
      const child = this.createState(
        cio,
        childName,
        snap.size,
        { ...opts, order: opts.order ?? parent.order },
        parent.features,
      );
      child.parent = {
        poolId: pio.pool.id,
        namespace: pio.namespace,
        imageId: parent.id,
        snapId: snap.id,
        overlap: snap.size,
      };
      const set = parent.children.get(snap.id) ?? new Set<string>();
      set.add(`${cio.pool.id}/${cio.namespace}/${child.id}`);
      parent.children.set(snap.id, set);
    });
  }

  async remove(ioCtx: IoCtx, name: string, progress: Progress): Promise<void> {
    const io = asFake(ioCtx);
    const img = io.pool.byName(io.namespace, name) ?? fail('ENOENT');
    this.removeState(img, progress);
    return Promise.resolve();
  }

  removeState(img: FakeImageState, progress: Progress): void {
    if (img.snaps.some((s) => s.namespace === 'user')) fail('ENOTEMPTY');
    if (img.watchers.length > 0) fail('EBUSY');
    const objects = Math.ceil(img.size / 2 ** img.order);
    for (let i = 0; i < objects; i++) progress(i, objects);
    this.detachFromParent(img);
    img.pool.images.delete(img.id);
  }

  private detachFromParent(img: FakeImageState): void {
    if (!img.parent) return;
    const parent = this.cluster.poolById(img.parent.poolId)?.images.get(img.parent.imageId);
    parent?.children.get(img.parent.snapId)?.delete(`${img.pool.id}/${img.namespace}/${img.id}`);
  }

  rename(ioCtx: IoCtx, srcName: string, destName: string): Promise<void> {
    return Promise.resolve().then(() => {
      const io = asFake(ioCtx);
      const img = io.pool.byName(io.namespace, srcName) ?? fail('ENOENT');
      if (io.pool.byName(io.namespace, destName)) fail('EEXIST');
      img.name = destName;
    });
  }

  trashMove(ioCtx: IoCtx, name: string, delaySeconds: number): Promise<void> {
    return Promise.resolve().then(() => {
      const io = asFake(ioCtx);
      const img = io.pool.byName(io.namespace, name) ?? fail('ENOENT');
      if (img.watchers.length > 0) fail('EBUSY');
      const now = this.cluster.now;
      img.trash = {
        id: img.id,
        name,
        source: 'user',
        deletionTime: now,
        defermentEndTime: now + delaySeconds,
      };
    });
  }

  trashGet(ioCtx: IoCtx, id: string): Promise<TrashImageInfo> {
    const io = asFake(ioCtx);
    const img = io.pool.images.get(id);
    if (!img?.trash || img.namespace !== io.namespace) return Promise.reject(new CephError('ENOENT'));
    return Promise.resolve({ ...img.trash });
  }

  trashList(ioCtx: IoCtx): Promise<TrashImageInfo[]> {
    const io = asFake(ioCtx);
    const out = [...io.pool.images.values()]
      .filter((i) => i.trash && i.namespace === io.namespace)
      .map((i) => ({ ...i.trash! }));
    return Promise.resolve(out.sort((a, b) => (a.id < b.id ? -1 : 1)));
  }

  trashRemove(ioCtx: IoCtx, id: string, force: boolean, progress: Progress): Promise<void> {
    return Promise.resolve().then(() => {
      const io = asFake(ioCtx);
      const img = io.pool.images.get(id);
      if (!img?.trash || img.namespace !== io.namespace) fail('ENOENT');
      if (!force && img!.trash!.defermentEndTime > this.cluster.now) fail('EPERM');
      img!.trash = undefined;
      this.removeState(img!, progress);
    });
  }

  trashRestore(ioCtx: IoCtx, id: string, name: string): Promise<void> {
    return Promise.resolve().then(() => {
      const io = asFake(ioCtx);
      const img = io.pool.images.get(id);
      if (!img?.trash || img.namespace !== io.namespace) fail('ENOENT');
      const newName = name === '' ? img!.trash!.name : name;
      if (io.pool.byName(io.namespace, newName)) fail('EEXIST');
      img!.name = newName;
      img!.trash = undefined;
    });
  }

  namespaceExists(ioCtx: IoCtx, namespace: string): Promise<boolean> {
    return Promise.resolve(asFake(ioCtx).pool.namespaces.has(namespace));
  }

  poolInit(ioCtx: IoCtx, force: boolean): Promise<void> {
    const pool = asFake(ioCtx).pool;
    if (pool.application !== '' && pool.application !== 'rbd' && !force)
      return Promise.reject(new CephError('EPERM'));
    pool.application = 'rbd';
    return Promise.resolve();
  }
}

const timespec = (sec: number): Timespec => ({ sec, nsec: 0 });

class FakeImage implements Image {
  /** The snapshot this handle reads (undefined: the head). */
  private snap: FakeSnap | undefined;

  constructor(
    private readonly client: FakeRadosClient,
    private readonly img: FakeImageState,
    private readonly readOnly: boolean,
  ) {}

  private get cluster(): FakeCluster {
    return this.client.cluster;
  }

  private get objectSize(): number {
    return 2 ** this.img.order;
  }

  private writable(): void {
    if (this.readOnly || this.snap) fail('EROFS');
  }

  private findSnap(name: string): FakeSnap {
    return this.img.snaps.find((s) => s.name === name && s.namespace === 'user') ?? fail('ENOENT');
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  stat(): Promise<ImageStat> {
    const size = this.snap ? this.snap.size : this.img.size;
    return Promise.resolve({
      size,
      objSize: this.objectSize,
      numObjs: Math.ceil(size / this.objectSize),
      order: this.img.order,
      blockNamePrefix: `rbd_data.${this.img.id}`,
    });
  }
  getId(): Promise<string> {
    return Promise.resolve(this.img.id);
  }
  getName(): string {
    return this.img.name;
  }
  getBlockNamePrefix(): string {
    return `rbd_data.${this.img.id}`;
  }
  getDataPoolId(): number {
    return this.img.dataPoolId;
  }
  oldFormat(): Promise<boolean> {
    return Promise.resolve(false);
  }
  getSize(): Promise<number> {
    return Promise.resolve(this.snap ? this.snap.size : this.img.size);
  }
  getFeatures(): Promise<bigint> {
    return Promise.resolve(this.img.features);
  }
  getOpFeatures(): Promise<bigint> {
    return Promise.resolve(this.img.opFeatures);
  }
  getFlags(): Promise<bigint> {
    return Promise.resolve(this.snap ? this.snap.flags : this.img.flags);
  }
  getStripeUnit(): number {
    return this.img.stripeUnit;
  }
  getStripeCount(): number {
    return this.img.stripeCount;
  }
  getCreateTimestamp(): Promise<Timespec> {
    return Promise.resolve(timespec(this.img.createTs));
  }
  getAccessTimestamp(): Promise<Timespec> {
    return Promise.resolve(timespec(this.img.accessTs));
  }
  getModifyTimestamp(): Promise<Timespec> {
    return Promise.resolve(timespec(this.img.modifyTs));
  }
  getGroup(): Promise<ImageGroupInfo> {
    return Promise.resolve({ pool: -1, name: '' });
  }

  private parentLink(): ParentLink | undefined {
    return this.snap ? this.snap.parent : this.img.parent;
  }

  private parentState(link: ParentLink): FakeImageState | undefined {
    return this.cluster.poolById(link.poolId)?.images.get(link.imageId);
  }

  getParent(): Promise<ParentInfo> {
    const link = this.parentLink();
    if (!link) return Promise.reject(new CephError('ENOENT'));
    const pool = this.cluster.poolById(link.poolId)!;
    const parent = pool.images.get(link.imageId)!;
    const snap = parent.snaps.find((s) => s.id === link.snapId)!;
    return Promise.resolve({
      image: {
        poolId: pool.id,
        poolName: pool.name,
        poolNamespace: link.namespace,
        imageId: parent.id,
        imageName: parent.trash ? parent.trash.name : parent.name,
        trash: parent.trash !== undefined,
      },
      snap: { id: snap.id, namespaceType: snap.namespace, name: snap.name },
    });
  }
  getOverlap(): Promise<number> {
    return Promise.resolve(this.parentLink()?.overlap ?? 0);
  }
  mirrorImageGetInfo(): Promise<MirrorImageInfo> {
    return Promise.resolve({ globalId: '', state: 'disabled', primary: false });
  }

  updateFeatures(features: bigint, enabled: boolean): Promise<void> {
    return Promise.resolve().then(() => {
      this.writable();
      if (features & ~MUTABLE && !(!enabled && features === F.DEEP_FLATTEN)) fail('EINVAL');
      let next = enabled ? this.img.features | features : this.img.features & ~features;
      if (enabled) {
        // enabling fast-diff or object-map brings what they need; both start invalid
        if (features & F.FAST_DIFF) next |= F.OBJECT_MAP;
        if (features & F.OBJECT_MAP) next |= F.FAST_DIFF;
        if (next & (F.OBJECT_MAP | F.JOURNALING) && !(next & F.EXCLUSIVE_LOCK)) fail('EINVAL');
        if (features & (F.OBJECT_MAP | F.FAST_DIFF)) {
          this.img.flags |= FLAG_OBJECT_MAP_INVALID | FLAG_FAST_DIFF_INVALID;
        }
      } else {
        if (features & F.OBJECT_MAP) next &= ~F.FAST_DIFF;
        if (features & F.EXCLUSIVE_LOCK && next & (F.OBJECT_MAP | F.JOURNALING)) fail('EINVAL');
        if (!(next & F.OBJECT_MAP)) this.img.flags &= ~(FLAG_OBJECT_MAP_INVALID | FLAG_FAST_DIFF_INVALID);
      }
      this.img.features = next;
    });
  }

  resize(size: number, allowShrink: boolean, progress: Progress): Promise<void> {
    return Promise.resolve().then(() => {
      this.writable();
      if (size < this.img.size && !allowShrink) fail('EINVAL');
      if (size < this.img.size) {
        const first = Math.ceil(size / this.objectSize);
        for (const n of [...this.img.objects.keys()]) if (n >= first) this.img.objects.delete(n);
        const partial = size % this.objectSize;
        const last = this.img.objects.get(first - 1);
        if (last && partial > 0 && last.size > partial) {
          last.data.fill(0, partial);
          last.size = partial;
        }
      }
      progress(0, 0);
      this.img.size = size;
      if (this.img.parent && this.img.parent.overlap > size) this.img.parent.overlap = size;
    });
  }

  flatten(progress: Progress): Promise<void> {
    return Promise.resolve().then(() => {
      this.writable();
      const link = this.img.parent ?? fail('EINVAL');
      const n = Math.ceil(this.img.size / this.objectSize);
      for (let i = 0; i < n; i++) {
        progress(i, n);
        if (!this.img.objects.has(i)) {
          const start = i * this.objectSize;
          if (start < link!.overlap) {
            const data = this.readVersion(undefined, start, Math.min(this.objectSize, link!.overlap - start));
            if (!data.every((b) => b === 0)) this.writeObject(i, 0, data);
          }
        }
      }
      const parent = this.parentState(link!);
      parent?.children.get(link!.snapId)?.delete(`${this.img.pool.id}/${this.img.namespace}/${this.img.id}`);
      this.img.parent = undefined;
    });
  }

  rebuildObjectMap(progress: Progress): Promise<void> {
    return Promise.resolve().then(() => {
      if (!(this.img.features & F.OBJECT_MAP)) fail('EINVAL');
      const n = Math.ceil((this.snap ? this.snap.size : this.img.size) / this.objectSize);
      for (let i = 0; i < n; i++) progress(i, n);
      if (this.snap) this.snap.flags = 0n;
      else this.img.flags &= ~(FLAG_OBJECT_MAP_INVALID | FLAG_FAST_DIFF_INVALID);
    });
  }

  checkObjectMap(progress: Progress): Promise<void> {
    return Promise.resolve().then(() => {
      if (!(this.img.features & F.OBJECT_MAP)) fail('EINVAL');
      const n = Math.ceil((this.snap ? this.snap.size : this.img.size) / this.objectSize);
      for (let i = 0; i < n; i++) progress(i, n);
    });
  }

  snapList(): Promise<SnapInfo[]> {
    return Promise.resolve(this.img.snaps.map((s) => ({ id: s.id, size: s.size, name: s.name })));
  }
  snapExists(name: string): Promise<boolean> {
    return Promise.resolve(this.img.snaps.some((s) => s.name === name && s.namespace === 'user'));
  }

  snapCreate(name: string, _flags: number, progress: Progress): Promise<void> {
    return Promise.resolve().then(() => {
      this.writable();
      if (this.img.snaps.some((s) => s.name === name)) fail('EEXIST');
      progress(1, 10);
      const pool = this.img.pool;
      // the id is allocated first; a refused snapshot gives it back, which uses another
      pool.snapSeq++;
      if (BigInt(this.img.snaps.length) >= this.img.limit) {
        pool.snapSeq++;
        fail('EDQUOT');
      }
      const deltas = new Map<number, { existed: boolean; ranges: Ranges; size: number }>();
      for (const [n, o] of this.img.objects) deltas.set(n, { existed: true, ranges: o.dirty, size: o.size });
      const previous = this.img.snaps[this.img.snaps.length - 1];
      for (const n of previous?.objects.keys() ?? []) {
        if (!this.img.objects.has(n)) deltas.set(n, { existed: false, ranges: [], size: 0 });
      }
      this.img.snaps.push({
        id: pool.snapSeq,
        name,
        size: this.img.size,
        timestamp: this.cluster.now,
        protected: false,
        namespace: 'user',
        objects: cloneObjects(this.img.objects),
        deltas,
        parent: this.img.parent ? { ...this.img.parent } : undefined,
        flags: this.img.flags,
      });
      for (const o of this.img.objects.values()) o.dirty = [];
    });
  }

  snapRemove(name: string, _flags: number, progress: Progress): Promise<void> {
    return Promise.resolve().then(() => {
      this.writable();
      void progress;
      this.removeSnap(this.findSnap(name));
    });
  }

  private removeSnap(snap: FakeSnap): void {
    if (snap.protected) fail('EBUSY');
    if ((this.img.children.get(snap.id)?.size ?? 0) > 0) fail('EBUSY');
    const i = this.img.snaps.indexOf(snap);
    // fold this snapshot's delta into the next version's
    const next = this.img.snaps[i + 1];
    for (const [n, d] of snap.deltas) {
      if (next) {
        const nd = next.deltas.get(n);
        if (nd) nd.ranges = d.ranges.reduce((r, [a, b]) => addRange(r, a, b), nd.ranges);
      } else {
        const o = this.img.objects.get(n);
        if (o) o.dirty = d.ranges.reduce((r, [a, b]) => addRange(r, a, b), o.dirty);
      }
    }
    this.img.snaps.splice(i, 1);
    // removing a self-managed snapshot bumps the pool's snap_seq too (Octopus and later)
    this.img.pool.snapSeq++;
  }

  snapRemoveById(snapId: bigint): Promise<void> {
    return Promise.resolve().then(() => {
      this.removeSnap(this.img.snaps.find((s) => s.id === snapId) ?? fail('ENOENT'));
    });
  }

  snapRename(srcName: string, destName: string): Promise<void> {
    return Promise.resolve().then(() => {
      this.writable();
      const snap = this.findSnap(srcName);
      if (this.img.snaps.some((s) => s.name === destName)) fail('EEXIST');
      snap.name = destName;
    });
  }

  snapRollback(name: string, progress: Progress): Promise<void> {
    return Promise.resolve().then(() => {
      this.writable();
      const snap = this.findSnap(name);
      const n = Math.ceil(snap.size / this.objectSize);
      for (let i = 0; i < n; i++) progress(i, n);
      this.img.objects = cloneObjects(snap.objects);
      for (const [k, o] of this.img.objects)
        o.dirty = [[0, Math.max(o.size, snap.objects.get(k)?.size ?? 0)]];
      this.img.size = snap.size;
    });
  }

  snapProtect(name: string): Promise<void> {
    return Promise.resolve().then(() => {
      const snap = this.findSnap(name);
      if (!(this.img.features & F.LAYERING)) fail('ENOSYS');
      if (snap.protected) fail('EBUSY');
      snap.protected = true;
    });
  }

  snapUnprotect(name: string): Promise<void> {
    return Promise.resolve().then(() => {
      const snap = this.findSnap(name);
      if (!snap.protected) fail('EINVAL');
      if ((this.img.children.get(snap.id)?.size ?? 0) > 0) fail('EBUSY');
      snap.protected = false;
    });
  }

  snapIsProtected(name: string): Promise<boolean> {
    return Promise.resolve().then(() => this.findSnap(name).protected);
  }
  snapGetLimit(): Promise<bigint> {
    return Promise.resolve(this.img.limit);
  }
  snapSetLimit(limit: bigint): Promise<void> {
    return Promise.resolve().then(() => {
      if (limit !== U64_MAX && BigInt(this.img.snaps.length) > limit) fail('ERANGE');
      this.img.limit = limit;
    });
  }
  snapGetTimestamp(snapId: bigint): Promise<Timespec> {
    const snap = this.img.snaps.find((s) => s.id === snapId);
    return snap ? Promise.resolve(timespec(snap.timestamp)) : Promise.reject(new CephError('ENOENT'));
  }
  snapGetNamespaceType(snapId: bigint): Promise<SnapNamespaceType> {
    const snap = this.img.snaps.find((s) => s.id === snapId);
    return snap ? Promise.resolve(snap.namespace) : Promise.reject(new CephError('ENOENT'));
  }
  snapGetGroupNamespace(): Promise<SnapGroupNamespace> {
    return Promise.reject(new CephError('EINVAL'));
  }
  snapGetTrashNamespace(): Promise<{ originalName: string; originalNamespaceType: SnapNamespaceType }> {
    return Promise.reject(new CephError('EINVAL'));
  }
  snapGetMirrorNamespace(): Promise<SnapMirrorNamespace> {
    return Promise.reject(new CephError('EINVAL'));
  }
  snapSet(name: string | null): Promise<void> {
    return Promise.resolve().then(() => {
      this.snap = name === null || name === '' ? undefined : this.findSnap(name);
    });
  }
  snapSetById(snapId: bigint | null): Promise<void> {
    return Promise.resolve().then(() => {
      this.snap =
        snapId === null ? undefined : (this.img.snaps.find((s) => s.id === snapId) ?? fail('ENOENT'));
    });
  }

  private linked(spec: string): LinkedImageSpec | undefined {
    const [poolId, namespace, imageId] = spec.split('/') as [string, string, string];
    const pool = this.cluster.poolById(Number(poolId));
    const img = pool?.images.get(imageId);
    if (!pool || !img) return undefined;
    return {
      poolId: pool.id,
      poolName: pool.name,
      poolNamespace: namespace,
      imageId: img.id,
      imageName: img.trash ? img.trash.name : img.name,
      trash: img.trash !== undefined,
    };
  }

  listChildren(): Promise<LinkedImageSpec[]> {
    const specs = this.snap
      ? [...(this.img.children.get(this.snap.id) ?? [])]
      : [...this.img.children.values()].flatMap((s) => [...s]);
    const out = specs.map((s) => this.linked(s)).filter((s): s is LinkedImageSpec => s !== undefined);
    return Promise.resolve(
      out.sort((a, b) => (a.poolName + a.imageName < b.poolName + b.imageName ? -1 : 1)),
    );
  }

  async listDescendants(): Promise<LinkedImageSpec[]> {
    const out: LinkedImageSpec[] = [];
    for (const child of await this.listChildren()) {
      out.push(child);
      const state = this.cluster.poolById(child.poolId)!.images.get(child.imageId)!;
      const handle = new FakeImage(this.client, state, true);
      out.push(...(await handle.listDescendants()));
    }
    return out;
  }

  /** Bytes of a version (head or a snapshot) of this image, through to the parent. */
  private readVersion(snap: FakeSnap | undefined, offset: number, length: number): Buffer {
    const objects = snap ? snap.objects : this.img.objects;
    const out = Buffer.alloc(length);
    const link = snap ? snap.parent : this.img.parent;
    for (let pos = offset; pos < offset + length;) {
      const n = Math.floor(pos / this.objectSize);
      const inObj = pos - n * this.objectSize;
      const chunk = Math.min(this.objectSize - inObj, offset + length - pos);
      const o = objects.get(n);
      if (o) o.data.copy(out, pos - offset, inObj, inObj + chunk);
      else if (link && pos < link.overlap) {
        const parent = this.parentState(link)!;
        const pImage = new FakeImage(this.client, parent, true);
        const pSnap = parent.snaps.find((s) => s.id === link.snapId);
        const want = Math.min(chunk, link.overlap - pos);
        pImage.readVersion(pSnap, pos, want).copy(out, pos - offset);
      }
      pos += chunk;
    }
    return out;
  }

  private writeObject(n: number, inObj: number, data: Buffer): void {
    let o = this.img.objects.get(n);
    if (!o) {
      o = { data: Buffer.alloc(this.objectSize), size: 0, dirty: [] };
      // copy-up from the parent when the object was backed by it
      const link = this.img.parent;
      const start = n * this.objectSize;
      if (link && start < link.overlap) {
        const from = this.readVersion(undefined, start, Math.min(this.objectSize, link.overlap - start));
        from.copy(o.data);
        if (!from.every((b) => b === 0)) o.size = from.length;
      }
      this.img.objects.set(n, o);
    }
    data.copy(o.data, inObj);
    o.size = Math.max(o.size, inObj + data.length);
    o.dirty = addRange(o.dirty, inObj, inObj + data.length);
  }

  read(offset: number, length: number): Promise<Buffer> {
    const size = this.snap ? this.snap.size : this.img.size;
    if (offset >= size) return Promise.resolve(Buffer.alloc(0));
    return Promise.resolve(this.readVersion(this.snap, offset, Math.min(length, size - offset)));
  }

  write(offset: number, data: Buffer): Promise<void> {
    return Promise.resolve().then(() => {
      this.writable();
      if (offset + data.length > this.img.size) fail('EINVAL');
      for (let pos = 0; pos < data.length;) {
        const abs = offset + pos;
        const n = Math.floor(abs / this.objectSize);
        const inObj = abs - n * this.objectSize;
        const chunk = Math.min(this.objectSize - inObj, data.length - pos);
        this.writeObject(n, inObj, data.subarray(pos, pos + chunk));
        pos += chunk;
      }
      this.img.modifyTs = this.cluster.now;
    });
  }

  discard(offset: number, length: number): Promise<void> {
    return Promise.resolve().then(() => {
      this.writable();
      for (let pos = offset; pos < offset + length;) {
        const n = Math.floor(pos / this.objectSize);
        const inObj = pos - n * this.objectSize;
        const chunk = Math.min(this.objectSize - inObj, offset + length - pos);
        const o = this.img.objects.get(n);
        if (o) {
          if (inObj === 0 && chunk === this.objectSize) this.img.objects.delete(n);
          else {
            o.data.fill(0, inObj, inObj + chunk);
            if (inObj + chunk >= o.size) o.size = Math.min(o.size, inObj);
            o.dirty = addRange(o.dirty, inObj, inObj + chunk);
          }
        }
        pos += chunk;
      }
    });
  }

  async writeSame(offset: number, length: number, pattern: Buffer): Promise<void> {
    const data = Buffer.alloc(length);
    for (let i = 0; i < length; i += pattern.length) pattern.copy(data, i);
    await this.write(offset, data);
  }

  async compareAndWrite(offset: number, compare: Buffer, data: Buffer): Promise<void> {
    const current = await this.read(offset, compare.length);
    for (let i = 0; i < compare.length; i++) {
      if (current[i] !== compare[i])
        throw Object.assign(new CephError('EILSEQ'), { mismatchOffset: offset + i });
    }
    await this.write(offset, data);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  async diffIterate(
    fromSnapName: string | null,
    offset: number,
    length: number,
    includeParent: boolean,
    wholeObject: boolean,
    callback: (offset: number, length: number, exists: boolean) => void | Promise<void>,
  ): Promise<void> {
    const from = fromSnapName === null ? undefined : this.findSnap(fromSnapName);
    const to = this.snap;
    const size = to ? to.size : this.img.size;
    const toObjects = to ? to.objects : this.img.objects;
    const fromObjects = from?.objects;
    const end = Math.min(offset + length, size);
    // the versions after `from` up to and including `to`: their deltas union to the diff
    const versions: (Map<number, { existed: boolean; ranges: Ranges; size: number }> | 'head')[] = [];
    const fromIndex = from ? this.img.snaps.indexOf(from) : -1;
    const toIndex = to ? this.img.snaps.indexOf(to) : this.img.snaps.length;
    for (let i = fromIndex + 1; i <= toIndex; i++) {
      versions.push(i < this.img.snaps.length ? this.img.snaps[i]!.deltas : 'head');
    }
    const link = to ? to.parent : this.img.parent;
    const first = Math.floor(offset / this.objectSize);
    const last = Math.ceil(end / this.objectSize);
    for (let n = first; n < last; n++) {
      const objStart = n * this.objectSize;
      const objEnd = Math.min(objStart + this.objectSize, size);
      const now = toObjects.get(n);
      const before = fromObjects?.get(n);
      const clip = async (a: number, b: number, exists: boolean) => {
        const s = Math.max(a, offset);
        const e = Math.min(b, end);
        if (e > s) await callback(s, e - s, exists);
      };
      if (!now) {
        if (before) await clip(objStart, objEnd, false);
        else if (!from && includeParent && link && objStart < link.overlap) {
          const parentData = this.readVersion(to, objStart, Math.min(objEnd, link.overlap) - objStart);
          if (!parentData.every((b) => b === 0))
            await clip(objStart, wholeObject ? objEnd : Math.min(objEnd, link.overlap), true);
        }
        continue;
      }
      if (!before) {
        await clip(objStart, wholeObject ? objEnd : Math.min(objStart + now.size, objEnd), true);
        continue;
      }
      let ranges: Ranges = [];
      for (const v of versions) {
        const d = v === 'head' ? { ranges: this.img.objects.get(n)?.dirty ?? [] } : v.get(n);
        for (const [a, b] of d?.ranges ?? []) ranges = addRange(ranges, a, b);
      }
      if (ranges.length === 0) continue;
      if (wholeObject) await clip(objStart, objEnd, true);
      else for (const [a, b] of ranges) await clip(objStart + a, objStart + b, true);
    }
  }

  lockAcquire(_mode: LockMode): Promise<void> {
    return Promise.resolve();
  }
  lockRelease(): Promise<void> {
    return Promise.resolve();
  }
  lockGetOwners(): Promise<{ mode: LockMode; owners: string[] }> {
    return Promise.reject(new CephError('ENOENT'));
  }
  lockBreak(): Promise<void> {
    return Promise.resolve();
  }
  isExclusiveLockOwner(): Promise<boolean> {
    return Promise.resolve(false);
  }

  listLockers(): Promise<Lockers> {
    const l = this.img.lockers;
    return Promise.resolve({ exclusive: l.exclusive, tag: l.tag, lockers: l.lockers.map((x) => ({ ...x })) });
  }

  private me(): string {
    return `client.${this.client.gid}`;
  }

  lockExclusive(cookie: string): Promise<void> {
    return Promise.resolve().then(() => {
      const l = this.img.lockers;
      if (l.lockers.length > 0)
        fail(l.lockers.some((x) => x.client === this.me() && x.cookie === cookie) ? 'EEXIST' : 'EBUSY');
      this.img.lockers = {
        exclusive: true,
        tag: '',
        lockers: [{ client: this.me(), cookie, address: this.client.address() }],
      };
    });
  }

  lockShared(cookie: string, tag: string): Promise<void> {
    return Promise.resolve().then(() => {
      const l = this.img.lockers;
      if (l.lockers.length > 0 && (l.exclusive || l.tag !== tag)) fail('EBUSY');
      if (l.lockers.some((x) => x.client === this.me() && x.cookie === cookie)) fail('EEXIST');
      this.img.lockers = {
        exclusive: false,
        tag,
        lockers: [...l.lockers, { client: this.me(), cookie, address: this.client.address() }],
      };
    });
  }

  unlock(cookie: string): Promise<void> {
    return Promise.resolve().then(() => {
      const l = this.img.lockers;
      const i = l.lockers.findIndex((x) => x.client === this.me() && x.cookie === cookie);
      if (i < 0) fail('ENOENT');
      l.lockers.splice(i, 1);
    });
  }

  breakLock(client: string, cookie: string): Promise<void> {
    return Promise.resolve().then(() => {
      const l = this.img.lockers;
      const i = l.lockers.findIndex((x) => x.client === client && x.cookie === cookie);
      if (i < 0) fail('ENOENT');
      l.lockers.splice(i, 1);
    });
  }

  listWatchers(): Promise<ImageWatcher[]> {
    return Promise.resolve(this.img.watchers.map((w) => ({ ...w })));
  }

  metadataGet(key: string): Promise<string> {
    const v = this.img.metadata.get(key);
    return v === undefined ? Promise.reject(new CephError('ENOENT')) : Promise.resolve(v);
  }
  metadataSet(key: string, value: string): Promise<void> {
    this.img.metadata.set(key, value);
    return Promise.resolve();
  }
  metadataRemove(key: string): Promise<void> {
    if (!this.img.metadata.delete(key)) return Promise.reject(new CephError('ENOENT'));
    return Promise.resolve();
  }
  metadataList(start: string, max: number): Promise<Map<string, string>> {
    const keys = [...this.img.metadata.keys()].filter((k) => k > start).sort();
    const picked = max > 0 ? keys.slice(0, max) : keys;
    return Promise.resolve(new Map(picked.map((k) => [k, this.img.metadata.get(k)!])));
  }

  async copy(
    destIoCtx: IoCtx,
    destName: string,
    opts: ImageOptions,
    sparseSize: number,
    progress: Progress,
  ): Promise<void> {
    const size = this.snap ? this.snap.size : this.img.size;
    const rbd = this.client.rbd as FakeRbd;
    const dest = rbd.createState(
      asFake(destIoCtx),
      destName,
      size,
      { ...opts, order: opts.order ?? this.img.order },
      this.img.features,
    );
    const destImage = new FakeImage(this.client, dest, false);
    const n = Math.ceil(size / this.objectSize);
    for (let i = 0; i < n; i++) {
      const start = i * this.objectSize;
      const data = this.readVersion(this.snap, start, Math.min(this.objectSize, size - start));
      // sparse copy: runs of zeros (in sparseSize steps) are not written
      const step = sparseSize || data.length;
      for (let at = 0; at < data.length; at += step) {
        const piece = data.subarray(at, Math.min(at + step, data.length));
        if (sparseSize === 0 || !piece.every((b) => b === 0)) await destImage.write(start + at, piece);
      }
      progress(Math.min(start + this.objectSize, size), size);
    }
    for (const [k, v] of this.img.metadata) dest.metadata.set(k, v);
  }
}

/** A cluster with one empty, rbd-initialised pool (the tests' default pool). */
export function fakeClusterWithPool(poolName = 'rbd'): FakeCluster {
  const c = new FakeCluster();
  c.createPool(poolName).application = 'rbd';
  return c;
}

/** Test helper: registers a watcher on an image's header (as an open client would). */
export function addWatcher(cluster: FakeCluster, poolName: string, imageName: string, w: ImageWatcher): void {
  const img = cluster.pools.get(poolName)!.byName('', imageName)!;
  img.watchers.push(w);
}
