/**
 * Seeded random streams. Every source of randomness in the suite (initialisation, data order,
 * pair sampling, augmentation, dropout, evaluation) draws from its own stream, derived from the
 * run's seed and the stream's name, so that adding draws to one stream never shifts another.
 * JavaScript's global random function is never used.
 *
 * The generator is xoshiro128** (Blackman and Vigna), seeded through splitmix32 from a 32-bit
 * hash of (seed, name).
 * @module
 */

/** FNV-1a over the UTF-16 code units of `s`, mixed with `seed`. */
function hash32(seed: number, s: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  h = Math.imul(h ^ (seed / 0x100000000 >>> 0), 0x01000193) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seeded pseudo-random stream (xoshiro128**). */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /**
   * @param seed the run's seed (a non-negative integer below 2^53)
   * @param name the stream's name; different names give independent streams
   * @example
   * ```ts
   * import { Rng } from "./rng.ts";
   * const a = new Rng(1, "init"), b = new Rng(1, "init");
   * if (a.float() !== b.float()) throw new Error("not reproducible");
   * ```
   */
  constructor(seed: number, name = "") {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`Cannot use seed ${seed}: it must be an integer in [0, 2^53)`);
    }
    const st = { s: hash32(seed, name) };
    this.#a = splitmix32(st);
    this.#b = splitmix32(st);
    this.#c = splitmix32(st);
    this.#d = splitmix32(st);
  }

  /** Next 32-bit unsigned integer. */
  uint32(): number {
    const r = Math.imul(rotl(Math.imul(this.#b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.#b << 9) >>> 0;
    this.#c = (this.#c ^ this.#a) >>> 0;
    this.#d = (this.#d ^ this.#b) >>> 0;
    this.#b = (this.#b ^ this.#c) >>> 0;
    this.#a = (this.#a ^ this.#d) >>> 0;
    this.#c = (this.#c ^ t) >>> 0;
    this.#d = rotl(this.#d, 11);
    return r;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.uint32() >>> 5, lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in [0, n), unbiased. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) {
      throw new RangeError(`Cannot draw an integer below ${n}: n must be an integer in [1, 2^32]`);
    }
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = this.uint32();
    while (x >= limit) x = this.uint32();
    return x % n;
  }

  /** Standard normal draw (Box-Muller; uses two uniforms per call, no cached spare). */
  normal(): number {
    const u = 1 - this.float(); // (0, 1]
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `arr` in place (Fisher-Yates) and returns it. */
  shuffle<T, A extends { length: number; [i: number]: T }>(arr: A): A {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i] as T;
      arr[i] = arr[j] as T;
      arr[j] = t;
    }
    return arr;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The named streams a run draws from. */
export interface Streams {
  /** weight initialisation */
  init: Rng;
  /** data subset selection and order */
  data: Rng;
  /** pair sampling (siamese methods) */
  pairs: Rng;
  /** augmentation parameters */
  augment: Rng;
  /** dropout masks */
  dropout: Rng;
  /** evaluation (subsampling, probes' initial weights and order) */
  eval: Rng;
  /** weights of the randomly initialised network every method is compared against */
  randomInit: Rng;
}

/** Derives every stream of a run from its one seed. */
export function deriveStreams(seed: number): Streams {
  return {
    init: new Rng(seed, "init"),
    data: new Rng(seed, "data"),
    pairs: new Rng(seed, "pairs"),
    augment: new Rng(seed, "augment"),
    dropout: new Rng(seed, "dropout"),
    eval: new Rng(seed, "eval"),
    randomInit: new Rng(seed, "init-random"),
  };
}

/**
 * PCG hash of a 32-bit word (Jarzynski and Olano 2020, "Hash Functions for GPU Rendering",
 * JCGT 9(3)): a counter-based generator that the WebGPU dropout kernel evaluates per element with
 * the same integer operations, so host and device draw identical masks.
 */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** {@linkcode pcgHash} in WGSL (u32 arithmetic wraps as Math.imul does). */
export const PCG_HASH_WGSL = `
  fn pcgHash(v : u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
  }`;

/**
 * Whether element `i` of a dropout mask drawn with `seed` is kept: its 24-bit uniform
 * pcgHash(pcgHash(seed) + i) >> 8 is at least `threshold` (= round(rate x 2^24), see
 * {@linkcode dropoutThreshold}).
 */
export function dropoutKeeps(seedHash: number, i: number, threshold: number): boolean {
  return pcgHash((seedHash + i) >>> 0) >>> 8 >= threshold;
}

/** The 24-bit threshold below which a dropout mask drops an element with probability `rate`. */
export function dropoutThreshold(rate: number): number {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate ${rate}: must be in [0, 1)`);
  return Math.round(rate * (1 << 24));
}
