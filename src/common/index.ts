export * from './errors.js';
export * from './crc32c.js';
