/**
 * librbd's object map: the BitVector codec, the state rules, the fast-diff
 * computation and the `ObjectMap` an open image keeps.
 */
export * from './bit-vector.js';
export * from './types.js';
export * from './rules.js';
export * from './diff.js';
export * from './image.js';
export * from './lock.js';
export * from './refresh.js';
export * from './update.js';
export * from './resize.js';
export * from './snapshot-create.js';
export * from './snapshot-remove.js';
export * from './snapshot-rollback.js';
export * from './object-map-iterate.js';
export * from './rebuild.js';
export * from './check.js';
export * from './object-map.js';
