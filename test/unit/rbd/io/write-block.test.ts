/**
 * The write block (librbd's block_writes): image writes issued while an
 * operation holds writes blocked wait for it and then go out with the snap
 * context the operation left; writes issued before it are drained first.
 * Driven against an ImageCtx whose data IoCtx only records what it is sent.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Config } from '../../../../src/common/config.js';
import { isCephError } from '../../../../src/common/errors.js';
import type { IoCtx } from '../../../../src/rados/io-ctx.js';
import type { Rados } from '../../../../src/rados/rados.js';
import { RbdFeature } from '../../../../src/cls/rbd/types.js';
import { ImageCtx } from '../../../../src/rbd/image-ctx.js';
import { discardImage, writeImage } from '../../../../src/rbd/io/image-io.js';

const M = 1 << 20;

interface Sent {
  oid: string;
  seq: bigint;
}

/** A data IoCtx that records each write's object and snap context; each write takes `delayMs`. */
function recordingIo(sent: Sent[], delayMs: number): IoCtx {
  return {
    poolId: 1,
    namespace: '',
    dup: () => recordingIo(sent, delayMs),
    operate: async (oid: string, _op: unknown, o: { snapContext: { seq: bigint } }) => {
      const seq = o.snapContext.seq;
      await new Promise((r) => setTimeout(r, delayMs));
      sent.push({ oid, seq });
    },
  } as unknown as IoCtx;
}

function imageCtx(sent: Sent[]): ImageCtx {
  const io = recordingIo(sent, 5);
  const ictx = new ImageCtx({
    rados: {} as Rados,
    config: new Config({ environment: 'library' }),
    mdIoCtx: io,
    name: 'img',
    id: 'abc123',
    readOnly: false,
  });
  ictx.header = {
    size: 16 * M,
    order: 22,
    features: RbdFeature.LAYERING,
    incompatibleFeatures: 0n,
    flags: 0n,
    opFeatures: 0n,
    objectPrefix: 'rbd_data.abc123',
    dataPoolId: -1,
    layout: { objectSize: 4 * M, stripeUnit: 4 * M, stripeCount: 1 },
    snapSeq: 0n,
    snapIds: [],
    snaps: new Map(),
    parent: null,
    createTimestampMs: 0,
    accessTimestampMs: 0,
    modifyTimestampMs: 0,
    configOverrides: new Map(),
    lockOwners: [],
    lockTag: '',
    exclusiveLockHeld: false,
    snapLimit: undefined,
  };
  return ictx;
}

describe('write block', () => {
  it('drains earlier writes, holds later ones until the body is done, then sends them with its snap context', async () => {
    const sent: Sent[] = [];
    const ictx = imageCtx(sent);
    const before = [writeImage(ictx, 0, Buffer.alloc(512, 1)), discardImage(ictx, 4 * M, 4096, 0)];
    let sentWhenBodyRan = -1;
    const blocked = ictx.withWritesBlocked(async () => {
      sentWhenBodyRan = sent.length;
      assert.equal(ictx.writesBlocked, true);
      await new Promise((r) => setTimeout(r, 20));
      // What a snapshot create leaves behind: a newer snap context.
      ictx.header = { ...ictx.header, snapSeq: 7n, snapIds: [7n] };
      assert.equal(sent.length, 2, 'no held write went out while the body ran');
      return 'done';
    });
    const after = [
      writeImage(ictx, 8 * M, Buffer.alloc(512, 2)),
      writeImage(ictx, 12 * M, Buffer.alloc(512, 3)),
    ];
    assert.equal(await blocked, 'done');
    await Promise.all([...before, ...after]);
    assert.equal(sentWhenBodyRan, 2, 'the writes issued before the block were finished first');
    assert.equal(ictx.writesBlocked, false);
    assert.deepEqual(
      sent.map((s) => s.seq),
      [0n, 0n, 7n, 7n],
    );
    assert.deepEqual(
      sent.slice(2).map((s) => s.oid),
      ['rbd_data.abc123.0000000000000002', 'rbd_data.abc123.0000000000000003'],
    );
  });

  it('blocks nest: writes wait for the outermost one; a failing body still lifts its block', async () => {
    const sent: Sent[] = [];
    const ictx = imageCtx(sent);
    let write: Promise<number> | undefined;
    await ictx.withWritesBlocked(async () => {
      await assert.rejects(
        ictx.withWritesBlocked(async () => {
          write = writeImage(ictx, 0, Buffer.alloc(16, 9));
          throw new Error('inner failure');
        }),
        /inner failure/,
      );
      await new Promise((r) => setTimeout(r, 10));
      assert.equal(sent.length, 0, 'still held by the outer block');
      assert.equal(ictx.writesBlocked, true);
    });
    assert.equal(await write, 16);
    assert.equal(sent.length, 1);
  });

  it('a write held by a block fails with ESHUTDOWN when the image closes meanwhile', async () => {
    const sent: Sent[] = [];
    const ictx = imageCtx(sent);
    let write: Promise<number> | undefined;
    await ictx.withWritesBlocked(async () => {
      write = writeImage(ictx, 0, Buffer.alloc(16, 9));
      ictx.closed = true;
    });
    await assert.rejects(write!, (e) => isCephError(e, 'ESHUTDOWN'));
    assert.equal(sent.length, 0);
  });
});
