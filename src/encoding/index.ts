export * from './decoder.js';
export * from './encoder.js';
export * from './types.js';
export * from './osd-types.js';
