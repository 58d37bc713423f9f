import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/common/clock.js';

test('clock: ManualClock.advance → fires due timers in time order, including ones they set', () => {
  const clock = new ManualClock(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => {
    fired.push(`a@${clock.now()}`);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5);
  }, 10);
  clock.advance(12);
  assert.deepEqual(fired, ['a@1010']);
  assert.equal(clock.now(), 1012);
  clock.advance(10);
  assert.deepEqual(fired, ['a@1010', 'c@1015', 'b@1020']);
  assert.equal(clock.pending, 0);
});

test('clock: clearTimeout → the timer never fires; equal due times fire in creation order', () => {
  const clock = new ManualClock(0);
  const fired: number[] = [];
  const h = clock.setTimeout(() => fired.push(0), 5);
  clock.setTimeout(() => fired.push(1), 5);
  clock.setTimeout(() => fired.push(2), 5);
  clock.clearTimeout(h);
  clock.advance(5);
  assert.deepEqual(fired, [1, 2]);
});

test('clock: sleep → resolves when time is advanced past it', async () => {
  const clock = new ManualClock(0);
  let done = false;
  const p = clock.sleep(100).then(() => (done = true));
  clock.advance(99);
  await Promise.resolve();
  assert.equal(done, false);
  clock.advance(1);
  await p;
  assert.equal(done, true);
});

test('clock: runUntilIdle → a timer that always rearms trips the guard', () => {
  const clock = new ManualClock(0);
  const rearm = (): void => {
    clock.setTimeout(rearm, 1);
  };
  rearm();
  assert.throws(() => clock.runUntilIdle(100), /keep rearming/);
  assert.throws(() => clock.advance(-1), /forward/);
});
