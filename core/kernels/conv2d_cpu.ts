/**
 * A convolution filter gradient for TF.js's `cpu` backend, the fallback without Vulkan. TF.js
 * 4.22's computes each filter element as its own dot product over the batch and the output
 * positions, reading both tensors through TensorBuffer.get at strides of the channel count: 90-96
 * % of a ci step on that backend (`deno task perf`, "The cpu backend"). This one walks the output
 * positions once and, for each tap, adds x's channel times dy's channel row into the filter's
 * contiguous [out channels] row, accumulating in float64 as TF.js's does (the order differs, so
 * the last bits may). NHWC and dilation 1; other cases go to the stock kernel.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { convInfo, supported } from "./conv_attrs.ts";
import { type CpuBackendLike, transformPerImage } from "./transform_cpu.ts";

type KernelFunc = tf.KernelConfig["kernelFunc"];
type Attrs = Record<string, unknown>;

/** The filter gradient [KH, KW, CI, CO] of a convolution of x [B, H, W, CI] giving dy. */
export function conv2dFilterGradValues(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  info: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: CI } = info;
  const { outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  const acc = new Float64Array(KH * KW * CI * CO);
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const d = ((b * OH + oy) * OW + ox) * CO;
        for (let kh = 0; kh < KH; kh++) {
          const iy = oy * SH + kh - top;
          if (iy < 0 || iy >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const ix = ox * SW + kw - left;
            if (ix < 0 || ix >= W) continue;
            const xo = ((b * H + iy) * W + ix) * CI, wo = (kh * KW + kw) * CI * CO;
            for (let ci = 0; ci < CI; ci++) {
              const xv = x[xo + ci]!;
              if (xv === 0) continue; // ReLU outputs: half the terms add nothing
              const row = wo + ci * CO;
              for (let co = 0; co < CO; co++) acc[row + co]! += xv * dy[d + co]!;
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

/** The cpu backend's stock kernels the suite replaces, while replaced. */
let stock: { filter: KernelFunc; transform: KernelFunc | null } | null = null;

/**
 * Registers the filter gradient above, and tf.image.transform one image at a time
 * (transform_cpu.ts: TF.js's renders only the first image of a batch), for the `cpu` backend
 * (idempotent).
 */
export function registerCpuKernels(): void {
  if (stock) return;
  const found = tf.getKernel("Conv2DBackpropFilter", "cpu");
  if (!found) return; // no cpu backend loaded
  const transform = tf.getKernel("Transform", "cpu")?.kernelFunc ?? null;
  stock = { filter: found.kernelFunc, transform };
  const filter = stock.filter;
  tf.unregisterKernel("Conv2DBackpropFilter", "cpu");
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "cpu",
    kernelFunc: (args) => {
      const attrs = args.attrs as Attrs;
      if (!supported(attrs)) return filter(args);
      const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
      const info = convInfo(x!.shape, attrs.filterShape as number[], attrs);
      const backend = args.backend as unknown as CpuBackendLike;
      const dW = conv2dFilterGradValues(
        backend.data.get(x!.dataId).values,
        backend.data.get(dy!.dataId).values,
        info,
      );
      return backend.makeTensorInfo(info.filterShape, "float32", dW);
    },
  });
  if (transform) {
    tf.unregisterKernel("Transform", "cpu");
    tf.registerKernel({
      kernelName: "Transform",
      backendName: "cpu",
      kernelFunc: transformPerImage(transform),
    });
  }
}

/** Restores TF.js's own kernels on the `cpu` backend (for comparisons and tests). */
export function unregisterCpuKernels(): void {
  if (!stock) return;
  const restore: [string, KernelFunc | null][] = [
    ["Conv2DBackpropFilter", stock.filter],
    ["Transform", stock.transform],
  ];
  for (const [name, kernelFunc] of restore) {
    if (!kernelFunc) continue;
    tf.unregisterKernel(name, "cpu");
    tf.registerKernel({ kernelName: name, backendName: "cpu", kernelFunc });
  }
  stock = null;
}
