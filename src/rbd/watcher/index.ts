/**
 * The image header watch: the notify message codec, the ImageWatcher
 * (notifications, lock announcements, request forwarding to the lock owner)
 * and the RADOS calls it makes (HeaderIo).
 */
export * from './notify-types.js';
export * from './header-io.js';
export * from './task-finisher.js';
export * from './image-watcher.js';
