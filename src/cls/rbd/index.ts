/**
 * The `rbd` object class: the header, directory, id, children, trash and
 * object-map methods librbd stores everything through (client side; the
 * OSD-side methods will live here too).
 */
export * from './types.js';
export * from './ops.js';
export * from './client.js';
