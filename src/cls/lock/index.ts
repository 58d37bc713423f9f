/**
 * The `lock` object class: advisory locks on RADOS objects (client side;
 * the OSD-side methods will live here too).
 */
export * from './types.js';
export * from './ops.js';
export * from './client.js';
