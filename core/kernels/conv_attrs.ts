/**
 * What the suite's convolution kernels (WebGPU and cpu) read from TF.js's kernel attributes:
 * which cases they cover, and the convolution's geometry.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

type Attrs = Record<string, unknown>;

/** NHWC, dilation 1, no explicit rounding mode: what the suite's kernels cover. */
export function supported(attrs: Attrs): boolean {
  const d = attrs.dilations as number | [number, number] | undefined;
  const dil = d === undefined || d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1);
  return dil && (attrs.dataFormat === undefined || attrs.dataFormat === "NHWC") &&
    attrs.dimRoundingMode == null;
}

/** The convolution's geometry from its input and filter shapes and its strides and padding. */
export function convInfo(
  inShape: number[],
  filterShape: number[],
  attrs: Attrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as "valid" | "same" | number,
  );
}
