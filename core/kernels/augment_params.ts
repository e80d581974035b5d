/**
 * The packed parameters of the fused augmentation kernel (augment_webgpu.ts), apart from the
 * kernel so that methods/augment.ts can pack them without loading the webgpu backend.
 *
 * Per view, AUGMENT_PARAMS floats: the crop box y1, x1, y2, x2 (normalised, as
 * tf.image.cropAndResize takes it; x1 > x2 mirrors), then jitter (0 or 1), brightness,
 * contrast, saturation, hue (turns), the order (op k at position j adds k * 4^j; brightness 0,
 * contrast 1, saturation 2, hue 3), gray (0 or 1) and one unused slot.
 * @module
 */

/** Floats per view in the packed parameters. */
export const AUGMENT_PARAMS = 12;

/** Threads per view: one workgroup. */
export const AUGMENT_GROUP = 64;

/** The largest view (pixels) one workgroup holds in registers: 64 per thread. */
export const AUGMENT_MAX_PIXELS = 64 * AUGMENT_GROUP;
