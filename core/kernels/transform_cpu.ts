/**
 * tf.image.transform on TF.js's `cpu` backend, one image at a time. TF.js 4.22's cpu Transform
 * kernel returns from inside its loop over the batch, after the first image: every other image of
 * the batch comes back as the fill value (0). Exemplar CNN renders its samples as one batch, so
 * on the cpu backend all but one sample a step were black. This runs the stock kernel on each
 * image with its own row of `transforms` (the stock kernel is right for a batch of one) and joins
 * the results.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

type KernelFunc = tf.KernelConfig["kernelFunc"];

/** The methods of TF.js's `cpu` backend the suite's cpu kernels call. */
export interface CpuBackendLike {
  data: { get(id: unknown): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
  disposeData(id: unknown): void;
}

/** A Transform kernel that runs `stock` per image. */
export function transformPerImage(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { image, transforms } = args.inputs as Record<string, tf.TensorInfo>;
    const [b, h, w, c] = image!.shape as [number, number, number, number];
    if (b <= 1) return stock(args);
    const backend = args.backend as unknown as CpuBackendLike;
    const img = Float32Array.from(backend.data.get(image!.dataId).values);
    const tr = Float32Array.from(backend.data.get(transforms!.dataId).values);
    const one = transforms!.shape[0] === 1;
    let out: Float32Array | null = null, shape: number[] = [];
    for (let i = 0; i < b; i++) {
      const im = backend.makeTensorInfo(
        [1, h, w, c],
        "float32",
        img.slice(i * h * w * c, (i + 1) * h * w * c),
      );
      const t = backend.makeTensorInfo([1, 8], "float32", one ? tr : tr.slice(i * 8, i * 8 + 8));
      const r = stock({ ...args, inputs: { image: im, transforms: t } }) as tf.TensorInfo;
      const v = backend.data.get(r.dataId).values;
      if (!out) [out, shape] = [new Float32Array(b * v.length), [b, ...r.shape.slice(1)]];
      out.set(v, i * v.length);
      for (const d of [im, t, r]) backend.disposeData(d.dataId);
    }
    return backend.makeTensorInfo(shape, "float32", out!);
  };
}
