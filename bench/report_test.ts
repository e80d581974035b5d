import assert from "node:assert/strict";
import { join } from "node:path";
import { peerReferences, REFERENCES_CSV, referencesTable, seedSummary } from "./report.ts";
import { readReferences } from "../io/csv.ts";

Deno.test("reports/references.csv holds the published numbers the issues name, each with a source", async () => {
  const refs = await readReferences(REFERENCES_CSV);
  const find = (method: string, value: string) =>
    refs.find((r) => r.method === method && r.value === value);
  assert.equal(find("exemplar", "0.742")?.plus_minus, "0.004");
  assert.ok(find("exemplar", "0.728"));
  assert.ok(find("exemplar", "0.4210"));
  assert.ok(find("simclr", "0.940"));
  for (const v of ["0.596", "0.610", "0.626", "0.632", "0.645", "0.9074", "0.848", "0.879"]) {
    assert.ok(find("simclr", v), v);
  }
  for (const r of refs) {
    assert.ok(
      r.source!.length > 5 && Number(r.value) > 0 && Number(r.value) < 1,
      JSON.stringify(r),
    );
  }
});

const HEADER =
  "method,dataset,image_size,network,width,train_images,epochs,steps,batch,protocol,probe,metric,value,plus_minus,n,source,note\n";

Deno.test("referencesTable: a difference with its interval only where every recipe field matches", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const refs = join(dir, "refs.csv");
    await Deno.writeTextFile(
      refs,
      HEADER +
        // the runs' recipe, field by field: matches by construction
        'simclr,CIFAR-10,32,ResNet-18 (CIFAR stem),64,50000,500,,512,linear on h,"softmax regression, 20 epochs",linear_accuracy,0.90,,,paper,\n' +
        // another network and budget, the probe unstated
        "simclr,CIFAR-10,32,ResNet-50 (CIFAR stem),64,50000,1000,,512,linear on h,,linear_accuracy,0.94,,,paper,\n" +
        // a spread over 4 runs: Welch's interval
        'simclr,CIFAR-10,32,ResNet-18 (CIFAR stem),64,50000,,48500,512,linear on h,"softmax regression, 20 epochs",linear_accuracy,0.85,0.02,4,peer,\n' +
        "simclr,CIFAR-10,,,,,,,,,,accuracy,0.42,,,poster,its protocol unstated\n" +
        "exemplar,STL-10,,x,,,,,,,,fold_accuracy,0.742,0.004,,paper,\n",
    );
    const run = (value: number, seed: number) => ({
      method: "simclr",
      config: {
        dataset: "cifar10",
        trainPerClass: 0,
        encoder: "resnet18",
        stem: "cifar",
        width: 64,
        epochs: 500,
        batch: 512,
        probeEpochs: 20,
      },
      rows: [
        { method: "simclr", metric: "linear_accuracy", features: "h", value: String(value) },
        { method: "random-init", metric: "linear_accuracy", features: "h", value: "0.3" },
      ].map((r) => ({ ...r, dataset: "CIFAR-10", protocol: "linear probe", seed: String(seed) })),
    });
    const text = (await referencesTable([run(0.88, 0), run(0.9, 1)], refs)).join("\n");
    // everything matches: 0.89 - 0.90 with the runs' interval, t(0.975, 1) x 0.0141 / sqrt 2
    // = 0.127 (the random-init rows are not "here")
    assert.match(
      text,
      /\| 0\.9 \| paper \| 0\.8900 \+\/- 0\.0141 \(2\) \| -0\.0100 \[-0\.1371, \+0\.1171\] \|/,
    );
    // another network and budget, the probe unstated: each named, no difference
    assert.match(
      text,
      /not comparable: network ResNet-18 \(CIFAR stem\) vs ResNet-50 \(CIFAR stem\); epochs 500 vs 1000; probe softmax regression, 20 epochs vs unstated \|/,
    );
    // the budget in steps (50,000 / 512 = 97 a epoch, x 500): matches; Welch's interval with the
    // source's 4 runs
    assert.match(
      text,
      /\| 0\.85 \+\/- 0\.02 \(4\) \| peer \| 0\.8900 \+\/- 0\.0141 \(2\) \| \+0\.0400 \[/,
    );
    // a number on another metric (the poster's): compared with an accuracy, the metric named
    assert.match(
      text,
      /not comparable: metric linear_accuracy vs accuracy; image size 32 vs unstated/,
    );
    assert.match(text, /poster \(its protocol unstated\)/);
    // other methods' numbers are left out
    assert.doesNotMatch(text, /0\.742/);
    assert.deepEqual(await referencesTable([], refs), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("peerReferences: the PyTorch peer's same-recipe runs, only for recipes the folder ran", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = {
      dataset: "cifar10-jpeg",
      trainPerClass: 1000,
      encoder: "small",
      width: 16,
      epochs: 4,
      batch: 128,
      knnK: 200,
      knnT: 0.1,
    };
    const row = (value: number, seed: number, backend: string, epochs: number) => ({
      method: "simclr",
      dataset: "CIFAR-10 (JPEG copy)",
      protocol: "weighted kNN",
      metric: "knn_accuracy",
      features: "h",
      value: String(value),
      seed: String(seed),
      backend,
      adapter: "cpu",
      commit: "c0",
      started_at: "2026-12-08T00:00:00Z",
      wall_s: "1",
      images_per_s: "1",
      config_hash: `e${epochs}`,
      run_id: `simclr-reference-seed${seed}-e${epochs}${backend === "pytorch" ? "-pytorch" : ""}`,
    });
    // a peer folder: epochs 4 at seeds 0-2, epochs 40 at seed 0
    const peer = join(dir, "peer-simclr-reference");
    await Deno.mkdir(join(peer, "runs"), { recursive: true });
    const rows = [
      row(0.41, 0, "pytorch", 4),
      row(0.40, 1, "pytorch", 4),
      row(0.42, 2, "pytorch", 4),
      row(0.49, 0, "pytorch", 40),
    ];
    const cols = Object.keys(rows[0]!);
    await Deno.writeTextFile(
      join(peer, "results.csv"),
      [
        cols.join(","),
        ...rows.map((r) => cols.map((c) => (r as Record<string, string>)[c]).join(",")),
      ]
        .join("\n") + "\n",
    );
    for (const r of rows) {
      await Deno.mkdir(join(peer, "runs", r.run_id));
      const epochs = Number(r.config_hash.slice(1));
      await Deno.writeTextFile(
        join(peer, "runs", r.run_id, "log.jsonl"),
        JSON.stringify({ type: "config", method: "simclr", config: { ...config, epochs } }) + "\n",
      );
    }
    const suite = [0, 1, 2].map((s) => ({
      method: "simclr",
      config,
      rows: [row(0.42 + s / 100, s, "webgpu", 4)],
    }));
    const refs = await peerReferences(suite, () => peer);
    // the 4-epoch recipe only (nothing here ran 40 epochs), mean +/- std over its 3 seeds
    assert.equal(refs.length, 1);
    assert.deepEqual([refs[0]!.value, refs[0]!.plusMinus, refs[0]!.n], [0.41, 0.01, 3]);
    const text = (await referencesTable(suite, REFERENCES_CSV, refs)).join("\n");
    // Welch: 0.43 - 0.41 = +0.02, both spreads 0.01 over 3
    assert.match(
      text,
      /PyTorch, the same recipe .* \| 0\.4300 \+\/- 0\.0100 \(3\) \| \+0\.0200 \[/,
    );
    // a folder of PyTorch runs gets none
    assert.deepEqual(
      await peerReferences([{ ...suite[0]!, rows: [row(0.4, 0, "pytorch", 4)] }], () => peer),
      [],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a references CSV without its columns is a clear error", async () => {
  const dir = await Deno.makeTempDir();
  const p = join(dir, "refs.csv");
  await Deno.writeTextFile(p, "method,value\nsimclr,0.9\n");
  await assert.rejects(() => readReferences(p), /lacks required column\(s\) dataset/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("seedSummary: mean +/- std over seeds, only when a configuration has several", () => {
  const row = (seed: number, value: number) => ({
    method: "m",
    dataset: "d",
    preset: "ci",
    metric: "acc",
    protocol: "kNN",
    value: String(value),
    seed: String(seed),
  });
  assert.deepEqual(seedSummary([row(0, 0.5)]), []);
  const text = seedSummary([row(0, 0.5), row(1, 0.7)]).join("\n");
  assert.match(text, /\| m \| `ci` \| acc \| 0\.6000 \+\/- 0\.1414 \(2\) \| kNN \|/);
});

Deno.test("seedSummary: a mean over runs of different commits names them", () => {
  const row = (seed: number, value: number, commit: string) => ({
    method: "drlim",
    dataset: "d",
    preset: "default",
    metric: "knn_digit_accuracy",
    protocol: "kNN",
    value: String(value),
    seed: String(seed),
    commit,
  });
  // what `deno task bench` did at a new commit in a folder holding two older seeds
  const text = seedSummary([
    row(0, 0.86, "f".repeat(40)),
    row(1, 0.87, "a".repeat(40)),
    row(2, 0.7, "a".repeat(40)),
  ])
    .join("\n");
  assert.match(text, /\(3; \*\*mixes 2 commits\*\* \(aaaaaaa, fffffff\)\)/);
  assert.doesNotMatch(seedSummary([row(0, 0.8, "a"), row(1, 0.7, "a")]).join("\n"), /mixes/);
});
