/** The `rbd` command-line tool; librbd-api.ts is the librbd interface it runs on. */
export { main, processIo, defaultConnector } from './main.js';
export { Shell, type Action } from './shell.js';
export type * from './librbd-api.js';
export type { RbdIo, RbdContext, LocalTime } from './context.js';
