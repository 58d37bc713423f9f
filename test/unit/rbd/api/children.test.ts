import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { compareLinked, type LinkedImageSpec } from '../../../../src/rbd/api/children.js';

const spec = (
  poolName: string,
  poolId: number,
  poolNamespace: string,
  imageName: string,
  imageId = 'x',
): LinkedImageSpec => ({
  poolId,
  poolName,
  poolNamespace,
  imageId,
  imageName,
  trash: false,
});

describe('rbd children', () => {
  it('children: sorted by pool name, pool id, namespace, image name, image id (byte order)', () => {
    const list = [
      spec('rbd', 2, '', 'b'),
      spec('kids', 5, 'ns', 'a'),
      spec('kids', 5, '', 'z'),
      spec('rbd', 2, '', 'B'),
      spec('rbd', 2, '', 'b', 'a'),
      spec('Rbd', 9, '', 'a'),
    ];
    list.sort(compareLinked);
    assert.deepEqual(
      list.map((s) => `${s.poolName}/${s.poolNamespace}/${s.imageName}/${s.imageId}`),
      ['Rbd//a/x', 'kids//z/x', 'kids/ns/a/x', 'rbd//B/x', 'rbd//b/a', 'rbd//b/x'],
    );
  });
});
