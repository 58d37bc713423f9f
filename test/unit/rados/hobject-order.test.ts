import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareHObjects, reverseBits32 } from '../../../src/rados/objecter/hobject-order.js';
import { maxHObject, minHObject, type HObject } from '../../../src/encoding/osd-types.js';

test('reverseBits32', () => {
  assert.equal(reverseBits32(1), 0x80000000);
  assert.equal(reverseBits32(0x80000000), 1);
  assert.equal(reverseBits32(0xf0), 0x0f000000);
  assert.equal(reverseBits32(0xffffffff), 0xffffffff);
});

test('compareHObjects: max last, then pool, reversed hash, nspace, key, name, snap', () => {
  const h = (o: Partial<HObject>): HObject => ({ ...minHObject(), pool: 1n, ...o });
  assert.ok(compareHObjects(minHObject(), h({})) < 0);
  assert.ok(compareHObjects(h({ hash: 0xffffffff }), maxHObject()) < 0);
  // hash 1 reversed is 0x80000000, hash 2 reversed is 0x40000000: 2 sorts first.
  assert.ok(compareHObjects(h({ hash: 2 }), h({ hash: 1 })) < 0);
  assert.ok(compareHObjects(h({ nspace: 'a' }), h({ nspace: 'b' })) < 0);
  // The locator key, when set, sorts before the name: key 'a' < name 'b'.
  assert.ok(compareHObjects(h({ oid: 'z', key: 'a' }), h({ oid: 'b' })) < 0);
  assert.ok(compareHObjects(h({ oid: 'a', snap: 1n }), h({ oid: 'a', snap: 2n })) < 0);
  assert.equal(compareHObjects(h({ oid: 'x' }), h({ oid: 'x' })), 0);
});
