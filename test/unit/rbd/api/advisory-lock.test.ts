import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCephError } from '../../../../src/common/errors.js';
import { AddrType, EntityType } from '../../../../src/encoding/types.js';
import { legacyAddrString, parseLockClient } from '../../../../src/rbd/api/advisory-lock.js';

describe('rbd advisory lock', () => {
  it('advisory lock: client.<gid> parses; anything else is EINVAL', () => {
    assert.deepEqual(parseLockClient('client.4306'), { type: EntityType.CLIENT, num: 4306n });
    assert.deepEqual(parseLockClient('osd.3'), { type: EntityType.OSD, num: 3n });
    for (const bad of ['client', 'client.', 'client.x', 'nobody.3', '4306']) {
      assert.throws(
        () => parseLockClient(bad),
        (err: unknown) => isCephError(err, 'EINVAL'),
        bad,
      );
    }
  });

  it('advisory lock: addresses print without a protocol prefix, as rbd lock ls shows them', () => {
    const addr = { type: AddrType.ANY, nonce: 2341663672, family: 2, ip: '127.0.0.1', port: 0 };
    assert.equal(legacyAddrString(addr), '127.0.0.1:0/2341663672');
    assert.equal(
      legacyAddrString({ ...addr, type: AddrType.MSGR2, family: 10, ip: '::1', port: 6800 }),
      '[::1]:6800/2341663672',
    );
  });
});
