/**
 * The packed parameters of the fused data kernels, apart from the kernels so that the methods can
 * pack them without loading the webgpu backend: SimCLR's augmentation (augment_webgpu.ts) and
 * Exemplar CNN's rendering (render_webgpu.ts).
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

/**
 * Floats per sample in Exemplar CNN's packed rendering parameters: the source image's row, the
 * affine map's a0, a1, a2, b0, b1, b2 (source x = a0 x + a1 y + a2, source y = b0 x + b1 y + b2,
 * tf.image.transform's first six numbers), the 3x3 colour matrix M (row j: input channel j to
 * the three output channels), saturation's and value's power, factor and offset, and the hue
 * shift in sixths of a turn (6 x turns, rounded once, as the TF.js ops add it).
 */
export const RENDER_PARAMS = 23;
