import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../suite/config.ts";
import { METHODS } from "./methods.ts";
import {
  checkPeerRun,
  PEER_METHODS,
  PEER_SCRIPT,
  peerArgs,
  peerMetricRows,
  writePeerSplit,
} from "./peer.ts";
import { peerResultRows, peerRunId } from "./peer_main.ts";
import type { ImageSet } from "../datasets/images.ts";

const ci = (m: string, over: string[] = []) => METHODS[m]!.resolve(["ci"], over).config;

/** The value after `flag` in `args`. */
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

Deno.test("peerArgs passes every key of every peer method's ci recipe to the peer", () => {
  for (const m of PEER_METHODS) {
    const cfg = ci(m);
    for (const k of ["blur", "blur2", "solarize"]) if (k in cfg) cfg[k] = 0;
    const args = peerArgs(m, cfg);
    assert.equal(after(args, "--method"), m);
    assert.equal(after(args, "--width"), String(cfg.width));
    assert.equal(after(args, "--lr"), String(cfg.lr));
    assert.equal(after(args, "--epochs"), String(cfg.epochs));
    assert.equal(after(args, "--probe-epochs"), String(cfg.probeEpochs));
  }
  const byol = peerArgs("byol", { ...ci("byol"), blur: 0, blur2: 0 });
  assert.equal(after(byol, "--tau"), String(ci("byol").tauBase));
  assert.equal(after(byol, "--solarize2"), String(ci("byol").solarize2));
  const moco = peerArgs("moco", ci("moco"));
  assert.equal(after(moco, "--tau"), String(ci("moco").keyMomentum));
  assert.equal(after(moco, "--queue"), String(ci("moco").queue));
  assert.equal(after(peerArgs("simclr", ci("simclr")), "--temperature"), "0.2");
});

Deno.test("peerArgs refuses what the peer does not write out, naming the key", () => {
  assert.throws(
    () => peerArgs("simclr", ci("simclr", ["blur=0.5"])),
    (e: Error) => e instanceof ConfigError && /blur=0.5/.test(e.message),
  );
  assert.throws(() => peerArgs("simclr", ci("simclr", ["objective=supervised"])), /objective/);
  assert.throws(() => peerArgs("simsiam", ci("simsiam", ["stopGradient=false"])), /stopGradient/);
  assert.throws(() => peerArgs("simclr", ci("simclr", ["encoder=resnet50"])), /resnet50/);
  // BYOL's default blurs its first views
  const byol = METHODS.byol!.resolve(["default"], []).config;
  assert.throws(() => peerArgs("byol", byol), /blur=1/);
  assert.throws(() => peerArgs("drlim", ci("drlim")), /runs simclr/);
  assert.throws(() => peerArgs("simclr", { ...ci("simclr"), newKey: 1 }), /no option.*newKey/);
});

const answer = {
  torch: "1.13",
  threads: 2,
  method: "simclr",
  seed: 1,
  train: 20,
  test: 10,
  train_s: 3,
  eval_s: 1,
  images_per_s: 13.3,
  epoch_losses: [4.5, 4.2],
  accuracy: {
    h: { knn: 0.4, linear: 0.45, mlp: 0.5 },
    z: { knn: 0.35, linear: 0.4, mlp: 0.42 },
    random_h: { knn: 0.3, linear: 0.35, mlp: 0.4 },
  },
};

Deno.test("a peer run's rows carry the suite's protocols, methods and features", () => {
  const cfg = ci("simclr");
  const rows = peerMetricRows(checkPeerRun(answer), "simclr", cfg, { dataset: "D", classes: 10 });
  assert.deepEqual(rows.map((r) => [r.method, r.features ?? "", r.metric, r.value]), [
    ["simclr", "h", "knn_accuracy", 0.4],
    ["simclr", "h", "linear_accuracy", 0.45],
    ["simclr", "h", "mlp_accuracy", 0.5],
    ["simclr", "z", "knn_accuracy", 0.35],
    ["simclr", "z", "linear_accuracy", 0.4],
    ["simclr", "z", "mlp_accuracy", 0.42],
    ["random-init", "h", "knn_accuracy", 0.3],
    ["random-init", "h", "linear_accuracy", 0.35],
    ["random-init", "h", "mlp_accuracy", 0.4],
    ["chance", "", "knn_accuracy", 0.1],
  ]);
  assert.equal(
    rows[1]!.protocol,
    "linear probe (softmax regression, Adam, 20 epochs of batch 256) on standardised frozen " +
      "features, on h (encoder output)",
  );
  const csv = peerResultRows(rows, answer, "CPU X, 2 cores, AVX2", {
    seed: 1,
    hash: "abcdef123456",
    runId: peerRunId("simclr", ["ci"], 1, "abcdef123456"),
    presets: ["ci"],
    overrides: [],
    commit: "c",
    startedAt: "t",
    wallS: 5,
    deno: "2.9.6",
  });
  assert.equal(csv[0]!.run_id, "simclr-ci-seed1-abcdef12-pytorch");
  assert.equal(csv[0]!.backend, "pytorch");
  assert.equal(csv[0]!.adapter, "cpu (CPU X, 2 cores, AVX2), 2 threads");
  assert.equal(csv[0]!.kernels, "torch 1.13");
});

Deno.test("checkPeerRun names what a peer's answer lacks", () => {
  assert.throws(() => checkPeerRun({ ...answer, train_s: undefined }), /train_s/);
  const { random_h: _, ...acc } = answer.accuracy;
  assert.throws(() => checkPeerRun({ ...answer, accuracy: acc }), /knn accuracy on random_h/);
});

const torch = await new Deno.Command("/usr/bin/python3", {
  args: ["-c", "import torch, numpy"],
  stdout: "null",
  stderr: "null",
}).output().then((o) => o.success, () => false);

Deno.test({
  name: "the PyTorch peer trains and evaluates on the data the suite writes for it",
  // the peer needs Debian's python3-torch (apt-get install python3-torch), which CI lacks
  ignore: !torch,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      // 40 images of 2 classes, red and blue, so even a random encoder separates them
      const n = 40, px = 32 * 32 * 3;
      const images = new Uint8Array(n * px);
      for (let i = 0; i < n * 32 * 32; i++) images[3 * i + ((i >> 10) % 2 ? 2 : 0)] = 200;
      const set: ImageSet = {
        name: "toy",
        n,
        height: 32,
        width: 32,
        channels: 3,
        images,
        labels: Int32Array.from({ length: n }, (_, i) => i % 2),
        classes: ["red", "blue"],
      };
      await writePeerSplit(set, join(dir, "d"), "train");
      await writePeerSplit(set, join(dir, "d"), "test");
      const cfg = ci("simclr", ["epochs=1", "batch=8", "probeEpochs=2", "knnK=5"]);
      const out = await new Deno.Command("/usr/bin/python3", {
        args: [PEER_SCRIPT, ...peerArgs("simclr", cfg), "--data", join(dir, "d"), "--threads", "1"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const run = checkPeerRun(JSON.parse(new TextDecoder().decode(out.stdout)));
      assert.equal(run.train, n);
      assert.equal(run.epoch_losses.length, 1);
      assert.equal(run.accuracy.random_h!.knn, 1); // colour alone tells the classes apart
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
