import assert from "node:assert/strict";
import { join } from "node:path";
import { REFERENCES_CSV, referencesTable, seedSummary } from "./report.ts";
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

Deno.test("referencesTable: a difference only where dataset, network, budget and protocol match", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const refs = join(dir, "refs.csv");
    await Deno.writeTextFile(
      refs,
      "method,dataset,network,budget,protocol,metric,value,plus_minus,source\n" +
        "simclr,CIFAR-10,ResNet-18 (CIFAR stem),500 epochs,linear probe,linear_accuracy,0.90,,paper\n" +
        "simclr,CIFAR-10,ResNet-50 (CIFAR stem),1000 epochs,linear probe,linear_accuracy,0.94,,paper\n" +
        "simclr,CIFAR-10,ResNet-18 (CIFAR stem),500 epochs,unstated,accuracy,0.42,,poster\n" +
        "exemplar,STL-10,x,y,z,fold_accuracy,0.742,0.004,paper\n",
    );
    const run = (value: number, seed: number) => ({
      method: "simclr",
      config: { encoder: "resnet18", stem: "cifar", width: 64, epochs: 500 },
      rows: [
        {
          method: "simclr",
          dataset: "CIFAR-10",
          protocol: "linear probe",
          metric: "linear_accuracy",
          features: "h",
          value: String(value),
          seed: String(seed),
        },
        {
          method: "random-init",
          dataset: "CIFAR-10",
          protocol: "linear probe",
          metric: "linear_accuracy",
          features: "h",
          value: "0.3",
          seed: String(seed),
        },
      ],
    });
    const text = (await referencesTable([run(0.88, 0), run(0.9, 1)], refs)).join("\n");
    // everything matches: a difference (the random-init rows are not "here")
    assert.match(
      text,
      /\| 0\.90 \| paper \| 0\.8900 \+\/- 0\.0141 \(2\), linear probe \| -0\.0100 \|/,
    );
    // another network and budget: named, no difference
    assert.match(
      text,
      /not comparable: network \(here ResNet-18 \(CIFAR stem\); published ResNet-50 \(CIFAR stem\)\); budget \(here 500 epochs; published 1000 epochs\)/,
    );
    // a number on another metric (the poster's): compared with the first accuracy, metric named
    assert.match(
      text,
      /not comparable: metric \(here linear_accuracy; published accuracy\); protocol/,
    );
    // other methods' numbers are left out
    assert.doesNotMatch(text, /STL-10/);
    assert.deepEqual(await referencesTable([], refs), []);
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
