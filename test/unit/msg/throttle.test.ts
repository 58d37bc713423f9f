import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Throttle } from '../../../src/msg/throttle.js';

const microtasks = () => new Promise<void>((r) => queueMicrotask(r));

test('throttle: takes units while they fit, refuses beyond max', () => {
  const t = new Throttle('t', 10);
  assert.ok(t.getOrFail(6));
  assert.ok(t.getOrFail(4));
  assert.ok(!t.getOrFail(1));
  assert.equal(t.current, 10);
  t.put(5);
  assert.ok(t.getOrFail(5));
});

test('throttle: a request larger than max passes only when the throttle is empty', () => {
  const t = new Throttle('t', 10);
  assert.ok(t.getOrFail(1));
  assert.ok(!t.getOrFail(25));
  t.put(1);
  assert.ok(t.getOrFail(25));
  assert.ok(!t.getOrFail(1), 'nothing else while over max');
});

test('throttle: waiters are granted in FIFO order as units come back; newcomers cannot jump the queue', async () => {
  const t = new Throttle('t', 4);
  assert.ok(t.getOrFail(4));
  const order: string[] = [];
  t.get(3, () => order.push('a'));
  t.get(1, () => order.push('b'));
  assert.ok(!t.getOrFail(1), 'queued waiters go first');
  t.put(2);
  await microtasks();
  assert.deepEqual(order, [], 'a needs 3 and only 2 are free; b waits behind a');
  t.put(2);
  await microtasks();
  assert.deepEqual(order, ['a', 'b']);
  assert.equal(t.current, 4);
});

test('throttle: a cancelled waiter never runs and lets the next one through', async () => {
  const t = new Throttle('t', 2);
  assert.ok(t.getOrFail(2));
  const order: string[] = [];
  const cancel = t.get(2, () => order.push('big'));
  t.get(1, () => order.push('small'));
  t.put(1);
  cancel();
  await microtasks();
  assert.deepEqual(order, ['small']);
});

test('throttle: max 0 disables it', () => {
  const t = new Throttle('t', 0);
  assert.ok(t.getOrFail(1 << 30));
});
