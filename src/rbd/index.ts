/** librbd: images on RADOS (format 2), their IO, operations and public API. */
export * from './constants.js';
export * from './image-ctx.js';
export { openImage, closeImage, lookupImageId, lookupImageName } from './image/open.js';
export { refreshImage } from './image/refresh.js';
export { createImage, validatePool, generateImageId, parseFeatures } from './image/create.js';
export { removeImage } from './image/remove.js';
export * from './io/image-io.js';
export { cloneImage } from './operation/clone.js';
export { flattenImage } from './operation/flatten.js';
export { resizeImage } from './operation/resize.js';
export { librbdConnector, RadosClient, RbdClient, ImageHandle, PoolHandle } from './api/librbd.js';
