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

Deno.test("referencesTable lists a method's published numbers and nothing for others", async () => {
  const lines = await referencesTable(["simclr"]);
  assert.match(lines[0]!, /not measured here/);
  assert.ok(lines.some((l) => l.includes("0.940") && l.includes("appendix B.9")));
  assert.ok(!lines.some((l) => l.startsWith("| exemplar |")));
  assert.deepEqual(await referencesTable(["drlim"]), []);
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
