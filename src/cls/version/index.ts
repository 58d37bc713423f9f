/**
 * The `version` object class: a version counter with a tag per object,
 * checked and bumped inside compound operations (client side).
 */
export * from './types.js';
export * from './ops.js';
export * from './client.js';
