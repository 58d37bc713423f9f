import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCephError } from '../../../../src/common/errors.js';
import { RbdFeature as F, RbdFlag } from '../../../../src/rbd/constants.js';
import {
  planDisable,
  planEnable,
  resolveFeatureUpdate,
} from '../../../../src/rbd/operation/update-features.js';

const DEFAULT = F.LAYERING | F.EXCLUSIVE_LOCK | F.OBJECT_MAP | F.FAST_DIFF | F.DEEP_FLATTEN;
const einval = (err: unknown) => isCephError(err, 'EINVAL');

describe('rbd update features', () => {
  it('update features: only mutable features; deep-flatten only off; non-primary and dirty-cache never', () => {
    for (const [f, on] of [
      [F.LAYERING, true],
      [F.LAYERING, false],
      [F.DEEP_FLATTEN, true],
      [F.NON_PRIMARY, true],
      [F.DIRTY_CACHE, false],
      [F.STRIPINGV2, false],
    ] as const) {
      assert.throws(() => resolveFeatureUpdate(DEFAULT, f, on), einval, `${f} ${on}`);
    }
    assert.equal(resolveFeatureUpdate(DEFAULT, F.DEEP_FLATTEN, false), F.DEEP_FLATTEN);
    assert.throws(() => resolveFeatureUpdate(DEFAULT, 0n, true), einval);
  });

  it('update features: object-map and fast-diff travel together; already on/off is EINVAL', () => {
    const noMap = F.LAYERING | F.EXCLUSIVE_LOCK;
    assert.equal(resolveFeatureUpdate(noMap, F.OBJECT_MAP, true), F.OBJECT_MAP | F.FAST_DIFF);
    assert.equal(resolveFeatureUpdate(noMap, F.FAST_DIFF, true), F.OBJECT_MAP | F.FAST_DIFF);
    assert.equal(resolveFeatureUpdate(DEFAULT, F.OBJECT_MAP, false), F.OBJECT_MAP | F.FAST_DIFF);
    assert.throws(() => resolveFeatureUpdate(DEFAULT, F.EXCLUSIVE_LOCK, true), einval);
    assert.throws(() => resolveFeatureUpdate(noMap, F.OBJECT_MAP, false), einval);
  });

  it('update features: enabling object-map flags both maps invalid and masks in its dependencies', () => {
    const plan = planEnable(F.LAYERING | F.EXCLUSIVE_LOCK, F.OBJECT_MAP | F.FAST_DIFF);
    assert.equal(plan.features, F.LAYERING | F.EXCLUSIVE_LOCK | F.OBJECT_MAP | F.FAST_DIFF);
    assert.equal(plan.mask, F.EXCLUSIVE_LOCK | F.OBJECT_MAP | F.FAST_DIFF);
    assert.equal(plan.flags, RbdFlag.OBJECT_MAP_INVALID | RbdFlag.FAST_DIFF_INVALID);
    assert.throws(() => planEnable(F.LAYERING, F.OBJECT_MAP), einval);
    assert.throws(() => planEnable(F.LAYERING, F.JOURNALING), einval);
    assert.deepEqual(planEnable(F.LAYERING, F.EXCLUSIVE_LOCK), {
      features: F.LAYERING | F.EXCLUSIVE_LOCK,
      mask: F.EXCLUSIVE_LOCK,
      flags: 0n,
    });
  });

  it('update features: disabling exclusive-lock needs object-map and journaling off first', () => {
    assert.throws(() => planDisable(DEFAULT, F.EXCLUSIVE_LOCK), einval);
    const plan = planDisable(F.LAYERING | F.EXCLUSIVE_LOCK, F.EXCLUSIVE_LOCK);
    assert.deepEqual(plan, {
      features: F.LAYERING,
      mask: F.EXCLUSIVE_LOCK | F.OBJECT_MAP | F.FAST_DIFF | F.JOURNALING,
      flags: 0n,
    });
    const drop = planDisable(DEFAULT, F.FAST_DIFF);
    assert.equal(drop.features, F.LAYERING | F.EXCLUSIVE_LOCK | F.DEEP_FLATTEN);
    assert.equal(drop.flags, RbdFlag.OBJECT_MAP_INVALID | RbdFlag.FAST_DIFF_INVALID);
  });
});
