import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Decoder } from '../../../../src/encoding/decoder.js';
import { decodeTrashImageSpec, TrashImageSource, TrashImageState } from '../../../../src/cls/rbd/types.js';
import { encodeTrashNotify, trashSourceName } from '../../../../src/rbd/api/trash.js';

const golden = JSON.parse(
  readFileSync(
    new URL('../../../../../test/fixtures/rbd-trash/pacific-trash-notify.json', import.meta.url),
    'utf8',
  ),
) as { imageId: string; name: string; trashEntry: string; added: string; removed: string };

describe('rbd trash', () => {
  it('trash: the entry the real rbd stored decodes to a USER move in state NORMAL, one hour deferred', () => {
    const spec = decodeTrashImageSpec(new Decoder(Buffer.from(golden.trashEntry, 'hex')));
    assert.equal(spec.source, TrashImageSource.USER);
    assert.equal(spec.state, TrashImageState.NORMAL);
    assert.equal(spec.name, golden.name);
    assert.equal(spec.defermentEndTime.sec - spec.deletionTime.sec, 3600);
    assert.equal(spec.defermentEndTime.nsec, spec.deletionTime.nsec);
  });

  it('trash: IMAGE_ADDED and IMAGE_REMOVED notifications equal the real rbd bytes', () => {
    const spec = decodeTrashImageSpec(new Decoder(Buffer.from(golden.trashEntry, 'hex')));
    assert.equal(encodeTrashNotify(0, golden.imageId, spec).toString('hex'), golden.added);
    assert.equal(encodeTrashNotify(1, golden.imageId).toString('hex'), golden.removed);
  });

  it('trash: source names as rbd trash ls prints them (upper-cased there)', () => {
    assert.deepEqual([0, 1, 2, 3, 4].map(trashSourceName), [
      'user',
      'mirroring',
      'migration',
      'removing',
      'user_parent',
    ]);
  });
});
