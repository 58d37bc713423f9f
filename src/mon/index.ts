export * from './monmap.js';
export * from './mon-sub.js';
export * from './mon-client.js';
