import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Formatter } from '../../../src/common/formatter.js';
import {
  PerfCounterPriority,
  PerfCountersBuilder,
  PerfCountersCollection,
  PerfCounterUnit,
} from '../../../src/common/perf-counters.js';

function throttleLike() {
  return new PerfCountersBuilder('throttle-objecter_ops')
    .addU64('val', { description: 'Currently taken slots' })
    .addU64Counter('get', { description: 'Gets', nick: 'get', prio: PerfCounterPriority.USEFUL })
    .addU64Counter('get_sum', { description: 'Got data', unit: PerfCounterUnit.BYTES })
    .addU64Avg('oplen_avg', { description: 'Average length of operation vector' })
    .addTime('run_time', { description: 'Running time' })
    .addTimeAvg('wait', { description: 'Waiting latency' })
    .build();
}

function dump(
  collection: PerfCountersCollection,
  opts: Parameters<PerfCountersCollection['dump']>[1] = {},
): string {
  const f = new Formatter('json');
  collection.dump(f, opts);
  return f.flush();
}

test('perf-counters: perf dump → integers, {avgcount,sum} pairs and nine-decimal times as Ceph prints them', () => {
  const pc = throttleLike();
  const all = new PerfCountersCollection();
  all.add(pc);
  pc.set('val', 7);
  pc.inc('get');
  pc.inc('get_sum', 4096);
  pc.inc('oplen_avg', 3);
  pc.inc('oplen_avg', 6);
  pc.tset('run_time', 1500.25);
  pc.tinc('wait', 2);
  pc.tincNs('wait', 1n);
  assert.equal(
    dump(all),
    '{"throttle-objecter_ops":{"val":7,"get":1,"get_sum":4096,"oplen_avg":{"avgcount":2,"sum":9},' +
      '"run_time":1.500250000,"wait":{"avgcount":2,"sum":0.002000001,"avgtime":0.001000000}}}',
  );
});

test('perf-counters: perf schema → type bits, metric/value types, priority and units per counter', () => {
  const all = new PerfCountersCollection();
  all.add(throttleLike());
  const schema = JSON.parse(dump(all, { schema: true }))['throttle-objecter_ops'];
  assert.deepEqual(schema.val, {
    type: 2,
    metric_type: 'gauge',
    value_type: 'integer',
    description: 'Currently taken slots',
    nick: '',
    priority: 0,
    units: 'none',
  });
  assert.deepEqual(
    [schema.get.type, schema.get.metric_type, schema.get.nick, schema.get.priority],
    [10, 'counter', 'get', 5],
  );
  assert.equal(schema.get_sum.units, 'bytes');
  assert.deepEqual([schema.oplen_avg.type, schema.oplen_avg.value_type], [6, 'integer-integer-pair']);
  assert.deepEqual([schema.run_time.type, schema.run_time.value_type], [1, 'real']);
  assert.deepEqual([schema.wait.type, schema.wait.value_type], [5, 'real-integer-pair']);
  assert.deepEqual(Object.keys(schema.val), [
    'type',
    'metric_type',
    'value_type',
    'description',
    'nick',
    'priority',
    'units',
  ]);
});

test('perf-counters: perf reset → counters, averages and times zeroed; plain u64 gauges kept', () => {
  const pc = throttleLike();
  pc.set('val', 7);
  pc.inc('get', 2);
  pc.inc('oplen_avg', 3);
  pc.tset('run_time', 5);
  pc.tinc('wait', 5);
  pc.reset();
  assert.equal(pc.get('val'), 7);
  assert.equal(pc.get('get'), 0);
  assert.deepEqual(pc.getAvg('oplen_avg'), { avgcount: 0, sum: 0 });
  assert.equal(pc.tget('run_time'), 0);
  assert.deepEqual(pc.getAvg('wait'), { avgcount: 0, sum: 0n });
});

test('perf-counters: collection → loggers sorted by byte order, filters by logger and counter, reset by name', () => {
  const all = new PerfCountersCollection();
  const b = new PerfCountersBuilder('objecter').addU64Counter('op').build();
  const a = new PerfCountersBuilder('AsyncMessenger::Worker-0').addU64Counter('msgr_recv_messages').build();
  all.add(b);
  all.add(a);
  assert.equal(dump(all), '{"AsyncMessenger::Worker-0":{"msgr_recv_messages":0},"objecter":{"op":0}}');
  b.inc('op', 3);
  assert.equal(dump(all, { logger: 'objecter', counter: 'op' }), '{"objecter":{"op":3}}');
  assert.equal(dump(all, { logger: 'nope' }), '{}');
  assert.equal(dump(all, { histograms: true }), '{"AsyncMessenger::Worker-0":{},"objecter":{}}');
  assert.equal(all.reset('nope'), false);
  assert.equal(all.reset('objecter'), true);
  assert.equal(b.get('op'), 0);
  all.remove(a);
  assert.equal(dump(all), '{"objecter":{"op":0}}');
});

test('perf-counters: two loggers with one name → the second gets a unique suffix', () => {
  const all = new PerfCountersCollection();
  const first = new PerfCountersBuilder('librbd').addU64('x').build();
  const second = new PerfCountersBuilder('librbd').addU64('x').build();
  all.add(first);
  all.add(second);
  assert.equal(first.name, 'librbd');
  assert.notEqual(second.name, 'librbd');
  assert.equal(all.get(second.name), second);
});

test('perf-counters: perf option off → nothing counts until it is back on', () => {
  const all = new PerfCountersCollection();
  const pc = new PerfCountersBuilder('x').addU64Counter('n').build();
  all.add(pc);
  all.setEnabled(false);
  pc.inc('n');
  all.setEnabled(true);
  pc.inc('n');
  assert.equal(pc.get('n'), 1);
});

test('perf-counters: misuse → assertions (unknown counter, dec on an average, duplicate name)', () => {
  const pc = throttleLike();
  assert.throws(() => (pc as unknown as { inc(n: string): void }).inc('nope'), /does not exist/);
  assert.throws(() => pc.dec('oplen_avg'), /dec on an average/);
  assert.throws(() => pc.tinc('get', 1), /has type/);
  assert.throws(() => new PerfCountersBuilder('y').addU64('a').addU64('a'), /added twice/);
});
