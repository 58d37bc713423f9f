import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCephError } from '../../../src/common/errors.js';
import {
  canUpdateAtRuntime,
  optionValueToString,
  parseOptionValue,
  parseTimespan,
  parseTypedValue,
  strictIecCast,
  strictSiCast,
  strictStrtob,
  type OptionSpec,
} from '../../../src/common/options/option.js';
import { OptionSchema, validateDebugLevel, validateRbdFeatures } from '../../../src/common/options/schema.js';

function rejects(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => isCephError(err) && err.code === code);
}

const schema = OptionSchema.pacific();
const opt = (name: string): OptionSpec => schema.get(name)!;

// The accept/reject table below was taken from a real 16.2.15 client's `config set` answers.

test('option: size → IEC suffixes (10M, 1Ki, 10G, 1KB), negatives and fractions rejected', () => {
  assert.equal(strictIecCast('10M'), 10485760);
  assert.equal(strictIecCast('1Ki'), 1024);
  assert.equal(strictIecCast('10G'), 10737418240);
  assert.equal(strictIecCast('1KB'), 1024);
  assert.equal(strictIecCast('5B'), 5);
  assert.equal(strictIecCast('33554432'), 33554432);
  rejects(() => strictIecCast('1.5G'), 'EINVAL');
  rejects(() => strictIecCast('-5'), 'EINVAL');
  rejects(() => strictIecCast('1KiB'), 'EINVAL');
  rejects(() => strictIecCast('1Bi'), 'EINVAL');
  rejects(() => strictIecCast(''), 'EINVAL');
  rejects(() => strictIecCast('1X'), 'EINVAL');
});

test('option: int/uint → SI suffixes are powers of 1000 and upper-case only; uint refuses negatives', () => {
  assert.equal(strictSiCast('1K', false), 1000);
  assert.equal(strictSiCast('2M', true), 2000000);
  assert.equal(strictSiCast('-3', true), -3);
  rejects(() => strictSiCast('1k', false), 'EINVAL');
  rejects(() => strictSiCast('-1', false), 'EINVAL');
  rejects(() => strictSiCast(' 5', false), 'EINVAL');
  rejects(() => parseOptionValue(opt('rbd_default_order'), '1k'), 'EINVAL');
  rejects(() => parseOptionValue(opt('rbd_default_order'), '-1'), 'EINVAL');
});

test('option: bool → true/false any case, integers (non-zero true); "yes" rejected', () => {
  assert.equal(strictStrtob('true'), true);
  assert.equal(strictStrtob('FALSE'), false);
  assert.equal(strictStrtob('0'), false);
  assert.equal(strictStrtob('2'), true);
  rejects(() => strictStrtob('yes'), 'EINVAL');
});

test('option: secs → timespans with units, summed; empty is 0; junk rejected', () => {
  assert.equal(parseTimespan('300'), 300);
  assert.equal(parseTimespan('1m'), 60);
  assert.equal(parseTimespan('1h30m'), 5400);
  assert.equal(parseTimespan('5 min'), 300);
  assert.equal(parseTimespan('2d'), 172800);
  assert.equal(parseTimespan(''), 0);
  rejects(() => parseTimespan('x'), 'EINVAL');
  rejects(() => parseTimespan('5 parsecs'), 'EINVAL');
  assert.equal(optionValueToString('secs', parseTypedValue('secs', '1m')), '60');
});

test('option: float → C double text; prints with six decimals', () => {
  assert.equal(parseTypedValue('float', '2.5'), 2.5);
  assert.equal(parseTypedValue('float', '1e3'), 1000);
  rejects(() => parseTypedValue('float', '2.5x'), 'EINVAL');
  assert.equal(optionValueToString('float', 2), '2.000000');
});

test('option: uuid → dashed or plain hex, normalized to lower-case dashed; garbage EINVAL', () => {
  assert.equal(
    parseTypedValue('uuid', 'B2577215-0DF3-486D-8721-9C8EF02E2810'),
    'b2577215-0df3-486d-8721-9c8ef02e2810',
  );
  assert.equal(
    parseTypedValue('uuid', 'b25772150df3486d87219c8ef02e2810'),
    'b2577215-0df3-486d-8721-9c8ef02e2810',
  );
  rejects(() => parseTypedValue('uuid', '1'), 'EINVAL');
});

test('option: addr → bare IP is a msgr2 address printed "v2:127.0.0.1:0/0"; blank prints "-"', () => {
  assert.equal(optionValueToString('addr', parseTypedValue('addr', '127.0.0.1')), 'v2:127.0.0.1:0/0');
  assert.equal(
    optionValueToString('addr', parseTypedValue('addr', 'v1:10.0.0.1:6789')),
    'v1:10.0.0.1:6789/0',
  );
  assert.equal(optionValueToString('addr', parseTypedValue('addr', '-')), '-');
  assert.equal(
    optionValueToString('addrvec', parseTypedValue('addrvec', '[v2:1.2.3.4:3300,v1:1.2.3.4:6789]')),
    '[v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]',
  );
  assert.equal(optionValueToString('addrvec', parseTypedValue('addrvec', '')), '');
  rejects(() => parseTypedValue('addr', 'not-an-ip'), 'EINVAL');
});

test('option: debug levels → "5" becomes "5/5", 100 is ERANGE, "x" EINVAL, "3/x" reads as 3', () => {
  assert.equal(validateDebugLevel('5'), '5/5');
  assert.equal(validateDebugLevel('1/5'), '1/5');
  assert.equal(validateDebugLevel('3/x'), '3/3');
  rejects(() => validateDebugLevel('100'), 'ERANGE');
  rejects(() => validateDebugLevel('1/100'), 'ERANGE');
  rejects(() => validateDebugLevel('x'), 'EINVAL');
});

test('option: rbd_default_features → names or numbers stored as the bitmask; internal/unknown bits EINVAL', () => {
  assert.equal(validateRbdFeatures('layering,exclusive-lock,object-map,fast-diff,deep-flatten'), '61');
  assert.equal(validateRbdFeatures('layering, striping ,journaling'), '67');
  assert.equal(validateRbdFeatures(' 3 '), '3');
  assert.equal(validateRbdFeatures(''), '61');
  assert.equal(validateRbdFeatures('non-primary'), '1024');
  rejects(() => validateRbdFeatures('1024'), 'EINVAL');
  rejects(() => validateRbdFeatures('4095'), 'EINVAL');
  rejects(() => validateRbdFeatures('-1'), 'EINVAL');
  rejects(() => validateRbdFeatures('0x3'), 'EINVAL');
  rejects(() => validateRbdFeatures('layering,foo'), 'EINVAL');
});

test('option: rbd_default_pool with "/" → silently falls back to "rbd" (Pacific validator)', () => {
  assert.equal(parseOptionValue(opt('rbd_default_pool'), 'a/b'), 'rbd');
  assert.equal(parseOptionValue(opt('rbd_default_data_pool'), 'x@y'), '');
});

test('option: enum and range checks → rbd_cache_policy outside its enum, log_stop_at_utilization > 1 → EINVAL', () => {
  assert.equal(parseOptionValue(opt('rbd_cache_policy'), 'writeback'), 'writeback');
  rejects(() => parseOptionValue(opt('rbd_cache_policy'), 'sometimes'), 'EINVAL');
  rejects(() => parseOptionValue(opt('log_stop_at_utilization'), '1.5'), 'EINVAL');
  rejects(() => parseOptionValue(opt('log_max_recent'), '0'), 'EINVAL');
});

test('option: runtime updatability → runtime flag, or not a string and not startup/create', () => {
  assert.equal(canUpdateAtRuntime(opt('rbd_cache_size')), true);
  assert.equal(canUpdateAtRuntime(opt('mon_client_hunt_interval')), true);
  assert.equal(canUpdateAtRuntime(opt('rbd_default_features')), true);
  assert.equal(canUpdateAtRuntime(opt('rbd_default_map_options')), false);
  assert.equal(canUpdateAtRuntime(opt('mon_host')), false);
  assert.equal(canUpdateAtRuntime(opt('fsid')), false);
  assert.equal(canUpdateAtRuntime(opt('debug_ms')), true);
});
