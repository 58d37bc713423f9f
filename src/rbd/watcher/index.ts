/**
 * The image header watch: the notify message codec, the ImageWatcher
 * (notifications, lock announcements, request forwarding to the lock owner).
 */
export * from './notify-types.js';
