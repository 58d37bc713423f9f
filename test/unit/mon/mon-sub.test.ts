import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MonSub, SUBSCRIBE_ONETIME } from '../../../src/mon/mon-sub.js';

test('mon-sub: want then renewed moves subscriptions from new to sent', () => {
  const sub = new MonSub();
  assert.equal(sub.want('osdmap', 0, 0), true);
  assert.equal(sub.want('monmap', 3, 0), true);
  assert.deepEqual([...sub.getSubs().keys()], ['monmap', 'osdmap']);
  sub.renewed();
  assert.equal(sub.haveNew(), false);
  assert.equal(sub.want('osdmap', 0, 0), false, 'same subscription again is not new');
});

test('mon-sub: got advances start past the received epoch', () => {
  const sub = new MonSub();
  sub.want('osdmap', 5, 0);
  sub.renewed();
  sub.got('osdmap', 7);
  assert.equal(sub.reload(), true);
  assert.deepEqual(sub.getSubs().get('osdmap'), { start: 8, flags: 0 });
});

test('mon-sub: a one-time subscription is dropped once satisfied', () => {
  const sub = new MonSub();
  sub.want('monmap', 0, SUBSCRIBE_ONETIME);
  sub.renewed();
  sub.got('monmap', 1);
  assert.equal(sub.reload(), false);
});

test('mon-sub: an epoch older than the wanted start does not satisfy it', () => {
  const sub = new MonSub();
  sub.want('monmap', 10, SUBSCRIBE_ONETIME);
  sub.got('monmap', 9);
  assert.deepEqual(sub.getSubs().get('monmap'), { start: 10, flags: SUBSCRIBE_ONETIME });
});

test('mon-sub: reload on a new session re-sends everything sent before', () => {
  const sub = new MonSub();
  sub.want('config', 0, 0);
  sub.want('mgrmap', 0, 0);
  sub.renewed();
  assert.equal(sub.haveNew(), false);
  assert.equal(sub.reload(), true);
  assert.deepEqual([...sub.getSubs().keys()], ['config', 'mgrmap']);
});

test('mon-sub: wantIncrement ignores a start we already want', () => {
  const sub = new MonSub();
  sub.want('osdmap', 10, 0);
  assert.equal(sub.wantIncrement('osdmap', 5, 0), false);
  assert.equal(sub.wantIncrement('osdmap', 11, 0), true);
  assert.equal(sub.getSubs().get('osdmap')?.start, 11);
});
