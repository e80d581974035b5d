/**
 * The data a method receives, as types: whoever runs the method loads it (datasets/ under Deno,
 * a browser tab's fetches) and hands it over through the run context's DataSources
 * (suite/method.ts).
 * @module
 */

/** One MNIST split (train or test). */
export interface MnistSplit {
  /** Number of examples. */
  n: number;
  /** Image height in pixels (28). */
  rows: number;
  /** Image width in pixels (28). */
  cols: number;
  /** `n * rows * cols` pixel values 0..255, image after image, each row-major. */
  images: Uint8Array;
  /** `n` class labels 0..9. */
  labels: Uint8Array;
}

/** The MNIST data set. */
export interface Mnist {
  /** 60000 training examples. */
  train: MnistSplit;
  /** 10000 test examples. */
  test: MnistSplit;
  /** Human description of where the data came from and how it was verified. */
  source: string;
}
