import assert from "node:assert/strict";
import { join } from "node:path";
import { groupOf, readRunFolder, summarise, variantOf } from "./runs.ts";
import { unfinishedLines } from "./report.ts";

Deno.test("variantOf: presets and overrides; old rows without overrides group by config hash", () => {
  assert.equal(variantOf({ preset: "ci", overrides: "margin=2" }), "ci margin=2");
  assert.equal(variantOf({ preset: "ci", overrides: "", config_hash: "abc" }), "ci");
  // a random encoder measured in a BYOL run is not SimCLR's, whatever their presets are called
  const random = { method: "random-init", preset: "ci", overrides: "" };
  assert.equal(variantOf({ ...random, run_id: "byol-ci-seed0-ab" }), "ci of byol");
  assert.equal(variantOf({ ...random, run_id: "simclr-ci-seed0-cd" }), "ci of simclr");
  assert.equal(variantOf({ method: "simclr", preset: "ci", run_id: "simclr-ci-seed0-cd" }), "ci");
  // a results file from before the overrides column: two margins must not be averaged together
  const old = [0.8, 0.6].flatMap((v, i) =>
    [0, 1].map((seed) => ({
      method: "drlim",
      dataset: "D",
      metric: "acc",
      protocol: "kNN",
      preset: "ci",
      seed: String(seed),
      config_hash: `h${i}`,
      value: String(v + seed / 100),
    }))
  );
  const s = summarise(old);
  assert.equal(s.size, 2);
  assert.deepEqual([...s.values()].map((x) => x.n), [2, 2]);
  assert.equal(groupOf(old[0]!).variant, "ci config h0");
});

Deno.test("readRunFolder: a run's loss curve from its log, else its epochs' means; runs without results", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    join(dir, "results.csv"),
    "method,dataset,protocol,metric,value,seed,config_hash,backend,adapter,commit,started_at," +
      "wall_s,images_per_s,run_id\n" +
      [0, 1, 2].map((s) => `drlim,D,p,train_loss,0.5,${s},a,webgpu,x,c,t,1,1,drlim-ci-seed${s}-a\n`)
        .join(""),
  );
  const log = async (id: string, records: Record<string, unknown>[]) => {
    await Deno.mkdir(join(dir, "runs", id), { recursive: true });
    const first = { type: "config", method: "drlim", config: { lr: 1 } };
    await Deno.writeTextFile(
      join(dir, "runs", id, "log.jsonl"),
      [first, ...records].map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
  };
  await log("drlim-ci-seed0-a", [
    { type: "epoch", epoch: 1, step: 2, loss: 0.7 },
    { type: "loss_curve", every: 1, points: [[1, 0.8], [2, 0.6]] },
  ]);
  await log("drlim-ci-seed1-a", [
    { type: "epoch", epoch: 1, step: 2, loss: 0.7 },
    { type: "epoch", epoch: 2, step: 4, loss: 0.5 },
  ]);
  await log("drlim-ci-seed2-a", []);
  // runs with a folder and no rows: a failed one, an interrupted one, one killed without a word
  await log("drlim-ci-seed3-a", [{
    type: "error",
    error: "NonFiniteLossError",
    message: "NaN | x",
  }]);
  await log("drlim-ci-seed4-a", [{ type: "interrupted", signal: "SIGINT", after_s: 3.5 }]);
  await log("drlim-ci-seed5-a", [{ type: "epoch", epoch: 1, step: 2, loss: 0.7 }]);
  const { curves, unfinished } = await readRunFolder(dir);
  assert.deepEqual(unfinished, [
    { id: "drlim-ci-seed3-a", why: "NonFiniteLossError: NaN | x" },
    { id: "drlim-ci-seed4-a", why: "interrupted (SIGINT after 3.5 s)" },
    { id: "drlim-ci-seed5-a", why: "stopped without a result or an error (killed?)" },
  ]);
  const lines = unfinishedLines(unfinished).join("\n");
  assert.match(lines, /## Runs that did not finish/);
  assert.match(lines, /\| drlim-ci-seed3-a \| NonFiniteLossError: NaN \\\| x \|/);
  assert.deepEqual(curves.get("drlim-ci-seed0-a"), [{ step: 1, loss: 0.8 }, {
    step: 2,
    loss: 0.6,
  }]);
  assert.deepEqual(curves.get("drlim-ci-seed1-a"), [{ step: 2, loss: 0.7 }, {
    step: 4,
    loss: 0.5,
  }]);
  assert.equal(curves.has("drlim-ci-seed2-a"), false);
  await Deno.remove(dir, { recursive: true });
});
