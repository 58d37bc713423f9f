/**
 * librbd's object map: the BitVector codec, the state rules, the fast-diff
 * computation and the `ObjectMap` an open image keeps.
 */
export * from './bit-vector.js';
export * from './types.js';
export * from './rules.js';
export * from './diff.js';
