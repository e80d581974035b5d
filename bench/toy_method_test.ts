/**
 * The proof of "a new method is one file plus one registry line": a toy method, a linear
 * denoising autoencoder on synthetic clusters, is declared here through the public contract
 * alone (suite/method.ts, core/train.ts, eval/harness.ts), registered with `registerMethod` (the
 * registry line, made at run time so that no other file changes), and then run through every
 * driver's machinery: bench (runner and report), sweep, report, and bench:ci (a baseline, then a
 * comparison against it, including its declared claim).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { defineMethod, type MetricRow, rowsValue, type RunContext } from "../suite/method.ts";
import type { Docs } from "../suite/config.ts";
import { Params } from "../core/layers.ts";
import { createOptimizer } from "../core/optim.ts";
import { train } from "../core/train.ts";
import { chanceRow, classifierRows, extractBatched, RANDOM_INIT } from "../eval/harness.ts";
import { evalDefaults, evalDocs } from "../eval/config.ts";
import type { LabelledFeatures } from "../eval/features.ts";
import { CI_RUNS, METHODS, registerMethod, SWEEPS } from "./methods.ts";
import { parseCli } from "./cli.ts";
import { runBenchmark } from "./runner.ts";
import { runSweep } from "./sweep.ts";
import { writeReport } from "./report.ts";
import { runCi } from "./ci_main.ts";

const toyDefaults = {
  clusters: 4,
  dim: 12,
  perCluster: 24,
  code: 3,
  noise: 0.3,
  epochs: 4,
  batch: 16,
  lr: 0.05,
  logEvery: 3,
  ...evalDefaults,
  knnK: 5,
  probeEpochs: 5,
  probeBatch: 32,
};
type ToyConfig = typeof toyDefaults;

const toyDocs: Docs<ToyConfig> = {
  clusters: { help: "Gaussian clusters (the classes)", integer: true, min: 2 },
  dim: { help: "input dimension", integer: true, min: 2 },
  perCluster: { help: "training (and test) points per cluster", integer: true, min: 2 },
  code: { help: "code dimension", integer: true, min: 1 },
  noise: { help: "std of the Gaussian noise added to the input", min: 0 },
  epochs: { help: "passes over the training points", integer: true, min: 1 },
  batch: { help: "points per step", integer: true, min: 1 },
  lr: { help: "SGD learning rate", min: 0 },
  logEvery: { help: "steps between loss read-backs", integer: true, min: 1 },
  ...evalDocs,
};

/** Synthetic clusters: centres and points from the run's data stream. */
function clusters(c: ToyConfig, ctx: RunContext<ToyConfig>) {
  const rng = ctx.streams.data;
  const centres = Array.from({ length: c.clusters * c.dim }, () => rng.uniform(-1, 1));
  const make = (): LabelledFeatures => {
    const n = c.clusters * c.perCluster;
    const x = new Float32Array(n * c.dim), y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % c.clusters;
      for (let d = 0; d < c.dim; d++) {
        x[i * c.dim + d] = centres[y[i]! * c.dim + d]! + 0.4 * rng.normal();
      }
    }
    return { x, y, dim: c.dim };
  };
  return { train: make(), test: make() };
}

async function runToy(ctx: RunContext<ToyConfig>) {
  const c = ctx.config;
  const { train: tr, test: te } = clusters(c, ctx);
  const n = tr.y.length;
  const net = (rng: typeof ctx.streams.init) => {
    const p = new Params(rng);
    return {
      p,
      enc: p.fanInUniform("enc", [c.dim, c.code], c.dim),
      dec: p.fanInUniform("dec", [c.code, c.dim], c.code),
    };
  };
  const m = net(ctx.streams.init);
  const opt = createOptimizer({ kind: "sgd", momentum: 0.9, weightDecay: 0 });
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const batch = Math.min(c.batch, n);
  const stats = await train({
    name: "toy",
    label: "toy train",
    epochs: c.epochs,
    stepsPerEpoch: Math.floor(n / batch),
    imagesPerStep: batch,
    logEvery: c.logEvery,
    lr: () => c.lr,
    startEpoch: () => ctx.streams.data.shuffle(order),
    step: ({ index, lr }) => {
      const idx = order.subarray(index * batch, (index + 1) * batch);
      const clean = new Float32Array(batch * c.dim);
      idx.forEach((i, j) => clean.set(tr.x.subarray(i * c.dim, (i + 1) * c.dim), j * c.dim));
      const noisy = clean.map((v) => v + c.noise * ctx.streams.augment.normal());
      const { value, grads } = tf.variableGrads(() =>
        tf.tidy(() => {
          const x = tf.tensor2d(noisy, [batch, c.dim]);
          const out = tf.matMul(tf.matMul(x, m.enc), m.dec);
          return tf.mean(tf.square(tf.sub(out, tf.tensor2d(clean, [batch, c.dim])))) as tf.Scalar;
        }), m.p.vars);
      opt.apply(m.p.params, grads, lr);
      tf.dispose(Object.values(grads));
      return { loss: value };
    },
    advice: `lower lr (now ${c.lr})`,
    log: ctx.log,
    quiet: ctx.quiet,
  });
  opt.dispose();
  const codes = async (enc: tf.Variable, f: LabelledFeatures): Promise<LabelledFeatures> => {
    const [x] = await extractBatched(f.y.length, 32, (s, k) => [
      tf.matMul(tf.tensor2d(f.x.subarray(s * c.dim, (s + k) * c.dim), [k, c.dim]), enc),
    ]);
    return { x: x!, y: f.y, dim: c.code };
  };
  const on = { key: "code", describe: "on the code" };
  const settings = { ...c, classes: c.clusters };
  // the trained encoder, then one of the same shape from the random-init stream: same protocols
  const rows: MetricRow[] = [];
  for (const [method, model] of [["toy", m], [RANDOM_INIT, net(ctx.streams.randomInit)]] as const) {
    const [ftr, fte] = [await codes(model.enc, tr), await codes(model.enc, te)];
    rows.push(
      ...await classifierRows(
        method,
        "clusters",
        ftr,
        fte,
        on,
        ["knn", "linear"],
        settings,
        ctx.streams.eval,
      ),
    );
    model.p.dispose();
  }
  rows.push(chanceRow("clusters", c.clusters, "knn_accuracy"));
  return { rows, plots: [], imagesPerS: stats.imagesPerS, stepLosses: stats.stepLosses };
}

const toy = defineMethod<ToyConfig>({
  name: "toy",
  title: "Toy DAE",
  summary: "a linear denoising autoencoder on synthetic clusters (the contract's test)",
  defaults: toyDefaults,
  docs: toyDocs,
  presets: { default: {}, ci: { epochs: 3 } },
  run: runToy,
  ci: [{ summary: "toy ci", presets: ["ci"], axes: [], seeds: [0, 1] }],
  sweeps: [{
    name: "toy-noise",
    summary: "input noise",
    presets: ["ci"],
    axes: [["noise", [0, 0.5]]],
    seeds: [0],
  }],
  claims: [{
    id: "toy-code",
    claim: "the trained code > a random projection",
    source: "the toy's own claim",
    measure: "kNN accuracy on the code",
    groups: ["toy", RANDOM_INIT].map((method) => ({
      name: method,
      runs: () => true,
      value: rowsValue((row) => row.method === method && row.metric === "knn_accuracy"),
    })),
    command: "deno task sweep toy-noise",
  }],
});

Deno.test("a method declared in one file runs through bench, sweep, report and bench:ci", async () => {
  registerMethod(toy);
  assert.ok(METHODS.toy && SWEEPS["toy-noise"] && CI_RUNS.some((r) => r.method === "toy"));
  const root = await Deno.makeTempDir();
  const say = () => {};
  try {
    // bench: the runner, its log and its report
    const a = join(root, "bench");
    const s = await runBenchmark(
      parseCli(
        ["--method", "toy", "--preset", "ci", "--backend", "cpu", "--out", a],
        Object.keys(METHODS),
      ),
      { quiet: true },
    );
    const knn = s.rows.find((r) => r.method === "toy" && r.metric === "knn_accuracy")!;
    assert.ok(Number(knn.value) > 0.25, `toy kNN ${knn.value}`); // 4 clusters: chance is 0.25
    assert.equal(knn.features, "code");
    assert.match(String(knn.protocol), /weighted kNN \(k=5, T=0.1\).*on the code/);
    const report = await Deno.readTextFile(join(a, "README.md"));
    assert.match(
      report,
      /Toy DAE: the trained code > a random projection .*inconclusive \(1 seed\)/,
    );
    // sweep, then report regenerated from its folder alone
    const b = join(root, "sweep");
    const st = await runSweep(
      SWEEPS["toy-noise"]!,
      { out: b, backend: "cpu", quiet: true, say },
      runBenchmark,
    );
    assert.deepEqual(st.map((x) => x.status), ["done", "done"]);
    await Deno.remove(join(b, "README.md"));
    await Deno.writeTextFile(join(b, "sweep_stale_vs_gone.svg"), "<svg/>"); // an older report's
    await writeReport(b);
    await assert.rejects(() => Deno.stat(join(b, "sweep_stale_vs_gone.svg")), Deno.errors.NotFound);
    assert.match(await Deno.readTextFile(join(b, "README.md")), /## Sweep over noise \(toy\)/);
    // bench:ci: a baseline from the toy's CI runs, then a new run compared against it
    const base = join(root, "baseline");
    for (const g of CI_RUNS.filter((r) => r.method === "toy")) {
      await runSweep(g, { out: base, backend: "cpu", quiet: true, say }, runBenchmark);
    }
    const ci = await runCi({
      out: join(root, "ci"),
      baseline: base,
      backend: "cpu",
      only: ["toy"],
      say,
    });
    assert.equal(ci.status, 0, ci.text);
    assert.match(ci.text, /\| toy \\\| clusters \\\| ci \\\| knn_accuracy .*\| ok \|/);
    assert.match(ci.text, /the trained code > a random projection/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
