/**
 * The managed lock on an image header and librbd's exclusive lock on top of
 * it (lock requests, breaking dead holders, cooperative hand-over).
 */
export * from './lock-cookie.js';
export * from './get-locker.js';
export * from './break-request.js';
export * from './lock-requests.js';
export * from './managed-lock.js';
export * from './policy.js';
export * from './exclusive-lock.js';
