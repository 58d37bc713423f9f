/**
 * The write-around cache's rules (librbd WriteAroundObjectDispatch), driven
 * with sends the test completes by hand.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CephError, isCephError } from '../../../../src/common/errors.js';
import { WriteAroundCache } from '../../../../src/rbd/cache/write-around.js';

/** A send the test finishes (or fails) when it wants; `started` says whether it ran. */
function manualSend(): { send: () => Promise<void>; started: boolean; finish: (err?: Error) => void } {
  const s = {
    started: false,
    finish: (_err?: Error) => {},
    send: () => {
      s.started = true;
      return new Promise<void>((resolve, reject) => {
        s.finish = (err?: Error) => (err ? reject(err) : resolve());
      });
    },
  };
  return s;
}

/** Let promise callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

function state(p: Promise<unknown>): { done: boolean; error?: unknown } {
  const s: { done: boolean; error?: unknown } = { done: false };
  p.then(
    () => (s.done = true),
    (e: unknown) => {
      s.done = true;
      s.error = e;
    },
  );
  return s;
}

describe('write-around cache', () => {
  it('write-through until the first user flush; an internal flush does not turn it on', async () => {
    const tracked: Promise<unknown>[] = [];
    const cache = new WriteAroundCache(1 << 20, true, (p) => tracked.push(p));
    const a = manualSend();
    const w = state(cache.write(1, 0, 4096, a.send));
    await settle();
    assert.equal(a.started, true);
    assert.equal(w.done, false, 'write-through: the caller waits for the OSD');
    a.finish();
    await settle();
    assert.equal(w.done, true);
    await cache.flush('internal');
    assert.equal(cache.active, false);
    await cache.flush('user');
    assert.equal(cache.active, true);
    const b = manualSend();
    const w2 = state(cache.write(1, 0, 4096, b.send));
    await settle();
    assert.equal(w2.done, true, 'write-around: the caller completes once the write is sent');
    assert.equal(b.started, true);
    assert.equal(tracked.length, 1, 'the send is handed to the image for drains');
    b.finish();
  });

  it('an overlapping write waits for the in-flight one, in order; disjoint ones go at once', async () => {
    const cache = new WriteAroundCache(1 << 20, false, () => {});
    const a = manualSend();
    const b = manualSend();
    const c = manualSend();
    const d = manualSend();
    const wa = state(cache.write(7, 0, 8192, a.send));
    const wb = state(cache.write(7, 4096, 4096, b.send)); // overlaps a
    const wc = state(cache.write(7, 4096, 100, c.send)); // overlaps a and b: stays behind b
    const wd = state(cache.write(8, 0, 8192, d.send)); // another object
    await settle();
    assert.deepEqual([wa.done, wb.done, wc.done, wd.done], [true, false, false, true]);
    assert.deepEqual([a.started, b.started, c.started, d.started], [true, false, false, true]);
    a.finish();
    await settle();
    assert.deepEqual([wb.done, wc.done], [true, false], 'b goes; c still overlaps b');
    assert.equal(b.started, true);
    b.finish();
    await settle();
    assert.equal(wc.done, true);
    c.finish();
    d.finish();
  });

  it('max dirty bounds the bytes in flight; queued writes go in order as bytes free up', async () => {
    const cache = new WriteAroundCache(10_000, false, () => {});
    const sends = [manualSend(), manualSend(), manualSend()];
    const ws = sends.map((s, i) => state(cache.write(i, 0, 6000, s.send)));
    await settle();
    // The first always goes (nothing in flight); the second would pass 10 000 bytes.
    assert.deepEqual(
      ws.map((w) => w.done),
      [true, false, false],
    );
    assert.equal(cache.dirtyBytes, 6000);
    sends[0]!.finish();
    await settle();
    assert.deepEqual(
      ws.map((w) => w.done),
      [true, true, false],
    );
    sends[1]!.finish();
    await settle();
    assert.equal(ws[2]!.done, true);
    sends[2]!.finish();
    await settle();
    assert.equal(cache.dirtyBytes, 0);
  });

  it('a read waits only for in-flight writes that overlap it', async () => {
    const cache = new WriteAroundCache(1 << 20, false, () => {});
    const a = manualSend();
    void cache.write(3, 1000, 1000, a.send);
    await settle();
    const disjoint = state(cache.waitForOverlaps(3, 0, 1000));
    const sameRangeOtherObject = state(cache.waitForOverlaps(4, 1000, 10));
    const overlapping = state(cache.waitForOverlaps(3, 1500, 10));
    await settle();
    assert.deepEqual([disjoint.done, sameRangeOtherObject.done, overlapping.done], [true, true, false]);
    a.finish();
    await settle();
    assert.equal(overlapping.done, true);
  });

  it('a flush waits for the writes before it, not after, and reports a background error once', async () => {
    const cache = new WriteAroundCache(1 << 20, false, () => {});
    const a = manualSend();
    const w = state(cache.write(1, 0, 10, a.send));
    await settle();
    assert.equal(w.done, true);
    const f = state(cache.flush('user'));
    const later = manualSend();
    void cache.write(2, 0, 10, later.send);
    await settle();
    assert.equal(f.done, false);
    a.finish(new CephError('EIO', 'osd failed the write'));
    await settle();
    assert.equal(f.done, true, 'the later write does not hold the flush');
    assert.ok(isCephError(f.error, 'EIO'), 'the early-completed write failed: the flush says so');
    const g = state(cache.flush('user'));
    await settle();
    assert.equal(g.done, false, 'waits for the later write');
    later.finish();
    await settle();
    assert.equal(g.error, undefined, 'the error was reported once');
  });

  it('max dirty 0 (write-through) and FUA writes complete on the OSD result', async () => {
    const cache = new WriteAroundCache(0, false, () => {});
    await cache.flush('user');
    assert.equal(cache.active, false);
    const a = manualSend();
    const w = state(cache.write(1, 0, 10, a.send));
    await settle();
    assert.equal(w.done, false);
    a.finish(new CephError('EIO', 'x'));
    await settle();
    assert.ok(isCephError(w.error, 'EIO'), 'write-through errors go to the caller');

    const on = new WriteAroundCache(1 << 20, false, () => {});
    const b = manualSend();
    const fua = state(on.write(1, 0, 10, b.send, true));
    await settle();
    assert.equal(fua.done, false);
    b.finish();
    await settle();
    assert.equal(fua.done, true);
  });
});
