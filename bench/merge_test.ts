import assert from "node:assert/strict";
import { join } from "node:path";
import { merge, mergeResults } from "./merge.ts";
import { appendResults, readResults, type ResultRow } from "../io/csv.ts";

function row(runId: string, value: number, commit = "abc123"): ResultRow {
  return {
    method: "drlim",
    dataset: "MNIST",
    protocol: "kNN",
    metric: "knn_accuracy",
    value,
    seed: 0,
    config_hash: "h",
    backend: "webgpu",
    adapter: "a",
    commit,
    started_at: "t",
    wall_s: 1,
    images_per_s: 1,
    run_id: runId,
  };
}

async function shard(rows: ResultRow[]): Promise<string> {
  const dir = await Deno.makeTempDir();
  await appendResults(join(dir, "results.csv"), rows);
  for (const r of rows) {
    await Deno.mkdir(join(dir, "runs", String(r.run_id)), { recursive: true });
    await Deno.writeTextFile(join(dir, "runs", String(r.run_id), "log.jsonl"), "{}\n");
  }
  return dir;
}

Deno.test("merge combines shards, keeps identical duplicates once, copies run folders", async () => {
  const a = await shard([row("r1", 0.5), row("r2", 0.6)]);
  const b = await shard([row("r2", 0.6), row("r3", 0.7)]);
  const out = join(await Deno.makeTempDir(), "merged");
  assert.equal(await merge([a, b], out), 3);
  const rows = await readResults(join(out, "results.csv"));
  assert.deepEqual(rows.map((r) => r.run_id).sort(), ["r1", "r2", "r3"]);
  await Deno.stat(join(out, "runs", "r3", "log.jsonl"));
  await Deno.stat(join(out, "README.md"));
  await assert.rejects(() => merge([a], out), /already holds a results.csv/);
});

Deno.test("merge refuses duplicates that disagree and shards from different commits", async () => {
  const a = await shard([row("r1", 0.5)]);
  const disagree = await shard([row("r1", 0.9)]);
  const otherCommit = await shard([row("r2", 0.5, "def456")]);
  await assert.rejects(() => mergeResults([a, disagree]), /different results/);
  await assert.rejects(() => mergeResults([a, otherCommit]), /different commits/);
  await assert.rejects(() => mergeResults([a, "/nonexistent"]), /does not exist/);
});

Deno.test("merge refuses shards of different sweeps, and accepts shards of one", async () => {
  const status = (dir: string, sweep: string, i: number) =>
    Deno.writeTextFile(
      join(dir, `sweep-status-${i}of2.json`),
      JSON.stringify({ sweep, shard: { i, n: 2 }, statuses: [] }),
    );
  const a = await shard([row("r1", 0.5)]), b = await shard([row("r2", 0.6)]);
  await status(a, "drlim-margin-cpu", 1);
  await status(b, "drlim-pairs-cpu", 2);
  await assert.rejects(() => mergeResults([a, b]), /shards of different sweeps.*drlim-margin-cpu/);
  await status(b, "drlim-margin-cpu", 2);
  assert.equal((await mergeResults([a, b])).length, 2);
});
