import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  createNetwork,
  drlim,
  type DrlimConfig,
  drlimDefaults,
  drlimOptimizer,
  drlimStep,
  drlimTrainer,
  trainDrlim,
} from "./drlim.ts";
import { stepper } from "../core/train.ts";
import { deriveStreams, Rng } from "../core/rng.ts";
import { NonFiniteLossError, type Plot } from "../suite/method.ts";
import { fileSources } from "../datasets/sources.ts";
import { initBackend } from "../core/backend.ts";
import { loadMnist } from "../datasets/mnist.ts";
import {
  buildData,
  neighbourGraph,
  padShift,
  selectIndices,
  SIDE,
  similarPairs,
} from "./drlim_data.ts";

// The training tests run on WebGPU where an adapter exists (lavapipe in CI), else on cpu.
const backend = await initBackend("auto", { warn: () => {} });
const mnist = await loadMnist();
const tiny: DrlimConfig = { ...drlimDefaults, trainPerDigit: 16, batch: 16, epochs: 2 };

async function tinyRun(seed: number, cfg: DrlimConfig = tiny) {
  const s = deriveStreams(seed);
  const data = buildData(
    mnist.train,
    selectIndices(mnist.train.labels, [4, 9], cfg.trainPerDigit, s.data),
    [],
  );
  const graph = await neighbourGraph(data.x, SIDE * SIDE, cfg.neighbours);
  const sim = similarPairs(data, graph, cfg.neighbours, cfg.pairing);
  const r = await trainDrlim(cfg, data, sim, s);
  const w = await Promise.all(r.net.params.vars.map((v) => v.data()));
  r.net.dispose();
  return { ...r, weights: w.map((a) => Array.from(a)) };
}

Deno.test(`trainDrlim: the same seed gives bit-identical losses and weights (${backend.backend})`, async () => {
  const a = await tinyRun(5), b = await tinyRun(5);
  assert.deepEqual(a.stepLosses, b.stepLosses);
  assert.deepEqual(a.weights, b.weights);
  const c = await tinyRun(6);
  assert.notDeepEqual(c.stepLosses, a.stepLosses);
});

Deno.test("trainDrlim: a few epochs lower the loss, and tensors do not grow per step", async () => {
  const r = await tinyRun(1, { ...tiny, epochs: 6, lr: 0.005 });
  assert.ok(r.epochLosses.at(-1)! < r.epochLosses[0]!, `epoch losses ${r.epochLosses}`);
  const after = r.tensorsPerEpoch.slice(1);
  assert.ok(after.every((t) => t === after[0]), `tensors per epoch ${r.tensorsPerEpoch}`);
});

Deno.test("trainDrlim: a non-finite loss stops training with a clear error", async () => {
  await assert.rejects(
    () => tinyRun(1, { ...tiny, optimizer: "sgd", lr: 1e30, epochs: 5 }),
    (e: unknown) => e instanceof NonFiniteLossError && /lower lr/.test((e as Error).message),
  );
  assert.equal(tf.memory().numTensors, 0, "the failed run disposed its network and optimiser");
});

Deno.test("padShift centres a 28x28 digit in 32x32 and shifts it horizontally with zero fill", () => {
  const src = new Uint8Array(28 * 28);
  src[0] = 255; // top-left pixel
  src[27] = 255; // top-right pixel
  const out = new Float32Array(SIDE * SIDE);
  padShift(src, 28, 28, 0, out, 0);
  assert.equal(out[2 * SIDE + 2], 1);
  assert.equal(out[2 * SIDE + 29], 1);
  const shifted = new Float32Array(SIDE * SIDE);
  padShift(src, 28, 28, 3, shifted, 0);
  assert.equal(shifted[2 * SIDE + 5], 1);
  assert.equal(shifted[2 * SIDE + 2], 0);
  // +3 pushes the right edge (column 29 + 3 = 32) out of the frame
  assert.equal(shifted.reduce((a, b) => a + b, 0), 1);
});

Deno.test("buildData lays out each image followed by its shifted copies", () => {
  const d = buildData(mnist.test, [0, 1], [-3, 3]);
  assert.equal(d.n, 6);
  assert.deepEqual([...d.shift], [0, -3, 3, 0, -3, 3]);
  assert.deepEqual([...d.base], [0, 0, 0, 1, 1, 1]);
  assert.deepEqual([...d.digit], [
    mnist.test.labels[0],
    mnist.test.labels[0],
    mnist.test.labels[0],
    mnist.test.labels[1],
    mnist.test.labels[1],
    mnist.test.labels[1],
  ]);
});

Deno.test("similarPairs deduplicates, orders i < j, and adds translations for euclidean+shift", () => {
  const d = buildData(mnist.test, [0, 1, 2], [-3, 3]); // 9 samples
  // a fake 1-NN graph: each sample's neighbour is the next sample (wrapping)
  const graph = Int32Array.from({ length: 9 }, (_, i) => (i + 1) % 9);
  const e = similarPairs(d, graph, 1, "euclidean");
  assert.equal(e.length / 2, 9);
  for (let p = 0; p < e.length; p += 2) assert.ok(e[p]! < e[p + 1]!);
  const s = similarPairs(d, graph, 1, "euclidean+shift");
  const has = (i: number, j: number) => {
    for (let p = 0; p < s.length; p += 2) {
      if (s[p] === Math.min(i, j) && s[p + 1] === Math.max(i, j)) return true;
    }
    return false;
  };
  assert.ok(has(0, 1) && has(0, 2) && has(1, 2)); // copies of image 0
  assert.ok(has(2, 3) && has(2, 4) && has(2, 5)); // sample 2's neighbour 3 and 3's translations
  assert.ok(!has(0, 6));
});

Deno.test("selectIndices takes the wanted digits, seeded, in file order", () => {
  const a = selectIndices(mnist.test.labels, [4, 9], 10, new Rng(1, "d"));
  const b = selectIndices(mnist.test.labels, [4, 9], 10, new Rng(1, "d"));
  assert.deepEqual(a, b);
  assert.equal(a.length, 20);
  assert.ok(a.every((i) => mnist.test.labels[i] === 4 || mnist.test.labels[i] === 9));
  assert.equal(selectIndices(mnist.test.labels, [4], 0, new Rng(1)).length, 982);
});

Deno.test("createNetwork maps [B, 32, 32, 1] to [B, 2] for both networks and rejects unknown ones", () => {
  for (const kind of ["paper", "poster"]) {
    const net = createNetwork(kind, "relu", new Rng(1, "init"));
    const z = net.apply(tf.zeros([3, SIDE, SIDE, 1]));
    assert.deepEqual(z.shape, [3, 2]);
    z.dispose();
    net.dispose();
  }
  assert.throws(() => createNetwork("lenet", "relu", new Rng(1)), /Unknown DrLIM network "lenet"/);
});

Deno.test("the optimisers DrLIM uses free every tensor they made", async () => {
  await tf.setBackend("cpu");
  for (const optimizer of ["adam", "sgd"]) {
    const before = tf.memory().numTensors;
    const net = createNetwork("paper", "relu", new Rng(1, "init"));
    const opt = drlimOptimizer({ optimizer, momentum: 0.9 });
    const xb = new Float32Array(2 * 2 * SIDE * SIDE).fill(0.5), yb = Float32Array.of(1, 0);
    drlimStep(net, opt, xb, yb, 1, 0.1).dispose();
    opt.dispose();
    net.dispose();
    assert.equal(tf.memory().numTensors, before, optimizer);
  }
  await initBackend("auto", { warn: () => {} });
});

Deno.test("the perf stepper makes the steps the loop makes: the same losses, step by step", async () => {
  const s = () => deriveStreams(9);
  const data = (st: ReturnType<typeof deriveStreams>) =>
    buildData(mnist.train, selectIndices(mnist.train.labels, [4, 9], 16, st.data), []);
  const run = async () => {
    const st = s(), d = data(st);
    const sim = similarPairs(d, await neighbourGraph(d.x, SIDE * SIDE, 5), 5, "euclidean");
    return { st, d, sim };
  };
  const a = await run();
  const trained = await trainDrlim(tiny, a.d, a.sim, a.st);
  trained.net.dispose();
  const b = await run();
  const t = drlimTrainer(tiny, b.d, b.sim, b.st);
  const { step, dispose } = stepper(t);
  const losses: number[] = [];
  for (let i = 0; i < trained.steps; i++) {
    const l = step();
    losses.push((await l.data())[0]!);
    l.dispose();
  }
  dispose();
  assert.deepEqual(losses, trained.stepLosses.map((p) => p.loss));
});

Deno.test("a DrLIM run given a snapshot draws its test map as it trains, and its numbers stay", async () => {
  const overrides = ["trainPerDigit=24", "testPerDigit=10", "batch=8", "epochs=1", "logEvery=1"];
  const run = (snapshot?: (p: Plot) => void) =>
    drlim.resolve(["ci"], overrides).run({
      seed: 0,
      streams: deriveStreams(0),
      backend,
      data: fileSources,
      log: () => Promise.resolve(),
      quiet: true,
      phase: () => {},
      snapshot,
    });
  const maps: Plot[] = [];
  const drawn = await run((p) => maps.push(p));
  const plain = await run();
  assert.ok(maps.length >= 1, `${maps.length} maps`);
  assert.match(maps[0]!.svg, /DrLIM: test embedding by digit \(step \d+ of \d+\)/);
  assert.deepEqual(drawn.rows, plain.rows);
  assert.deepEqual(drawn.stepLosses, plain.stepLosses);
});
