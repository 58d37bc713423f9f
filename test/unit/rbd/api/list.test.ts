import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isCephError } from '../../../../src/common/errors.js';
import { encode } from '../../../../src/encoding/encoder.js';
import { decodeV1Directory } from '../../../../src/rbd/api/list.js';

describe('rbd list', () => {
  it('list: an empty rbd_directory (format 2 only) has no format-1 names', () => {
    assert.deepEqual(decodeV1Directory(Buffer.alloc(0)), []);
  });

  it('list: a tmap lists its keys in stored order, whatever the header and values hold', () => {
    const tmap = encode((e) => {
      e.u32(3).bytes(Buffer.from('hdr'));
      e.u32(2);
      e.string('alpha').u32(1).u8(7);
      e.string('beta').u32(0);
    });
    assert.deepEqual(decodeV1Directory(tmap), ['alpha', 'beta']);
  });

  it('list: a truncated tmap is EBADMSG', () => {
    const tmap = encode((e) => e.u32(0).u32(2).string('alpha').u32(0));
    assert.throws(
      () => decodeV1Directory(tmap),
      (err: unknown) => isCephError(err, 'EBADMSG'),
    );
  });
});
