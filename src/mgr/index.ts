export * from './mgr-map.js';
export * from './mgr-client.js';
