import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCephError } from '../../../../src/common/errors.js';
import {
  configOverrideKey,
  isRbdOverrideOption,
  validateMetadataConfig,
} from '../../../../src/rbd/operation/metadata.js';

describe('rbd metadata', () => {
  it('metadata: conf_<option> names an override; bare conf_ and other keys do not', () => {
    assert.equal(configOverrideKey('conf_rbd_cache'), 'rbd_cache');
    assert.equal(configOverrideKey('conf_'), undefined);
    assert.equal(configOverrideKey('confrbd_cache'), undefined);
    assert.equal(configOverrideKey('k'), undefined);
  });

  it('metadata: image-level overrides exclude creation defaults, rbd_mirror_* and librbd-internal options', () => {
    assert.equal(isRbdOverrideOption('rbd_cache', true), true);
    assert.equal(isRbdOverrideOption('rbd_default_map_options', true), true);
    assert.equal(isRbdOverrideOption('rbd_default_features', true), false);
    assert.equal(isRbdOverrideOption('rbd_default_features', false), true);
    assert.equal(isRbdOverrideOption('rbd_mirror_journal_poll_age', true), false);
    assert.equal(isRbdOverrideOption('rbd_mirror_journal_poll_age', false), true);
    assert.equal(isRbdOverrideOption('rbd_validate_pool', false), false);
    assert.equal(isRbdOverrideOption('rbd_config_pool_override_update_timestamp', false), false);
    assert.equal(isRbdOverrideOption('osd_max_backfills', false), false);
    assert.equal(isRbdOverrideOption('rbd_no_such_option', false), false);
  });

  it('metadata: conf_ values are parsed by the option (EINVAL), plain keys are not checked', () => {
    validateMetadataConfig('conf_rbd_cache', 'false');
    validateMetadataConfig('conf_rbd_cache_size', '1M');
    validateMetadataConfig('anything', 'goes');
    for (const [k, v] of [
      ['conf_rbd_cache', 'notbool'],
      ['conf_rbd_cache_size', '12abc'],
      ['conf_rbd_qos_iops_limit', '-1'],
      ['conf_rbd_xyz', '1'],
    ]) {
      assert.throws(
        () => validateMetadataConfig(k!, v!),
        (err: unknown) => isCephError(err, 'EINVAL'),
        `${k}=${v}`,
      );
    }
  });
});
