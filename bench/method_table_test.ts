import assert from "node:assert/strict";
import { methodTable } from "./method_table.ts";
import type { PhaseSeconds, RunRecord } from "./runs.ts";

/** A two-view run: kNN and linear on h (and kNN on z), the same for random init. */
function run(method: string, seed: number, knn: number, random: number, o = {}): RunRecord {
  const base = { dataset: "CIFAR-10", preset: "ci", overrides: "", seed: String(seed), ...o };
  const row = (who: string, metric: string, value: number, features: string) => ({
    ...base,
    method: who,
    metric,
    value: String(value),
    features,
    images_per_s: "100",
  });
  return {
    id: `${method}-ci-seed${seed}`,
    method,
    config: { epochs: 6, batch: 64 },
    rows: [
      row(method, "knn_accuracy", knn, "h"),
      row(method, "linear_accuracy", knn + 0.01, "h"),
      row(method, "knn_accuracy", knn - 0.05, "z"),
      row("random-init", "knn_accuracy", random, "h"),
      row("random-init", "linear_accuracy", random + 0.01, "h"),
      row(method, "train_loss", 3, ""),
    ],
  };
}

Deno.test("methodTable: one row per method at the same preset, gains over random init paired by seed", () => {
  const runs = [
    ...[0, 1, 2].map((s) => run("simclr", s, 0.40 + 0.01 * s, 0.30 + 0.01 * s)),
    // below random init at every seed
    ...[0, 1, 2].map((s) => run("simsiam", s, 0.25 + 0.005 * s, 0.30 + 0.01 * s)),
    // one seed: no interval
    run("byol", 0, 0.35, 0.30),
    // another budget: not in this table, and alone in its own
    { ...run("vicreg", 0, 0.5, 0.3, { preset: "default" }), config: { epochs: 800, batch: 64 } },
  ];
  const phases = new Map<string, PhaseSeconds>(
    runs.map((r) => [r.id, { data: 1, train: 60, eval: 20 }]),
  );
  const lines = methodTable(runs, phases, new Map([["simclr-ci-seed0", 2 ** 21]]));
  const text = lines.join("\n");
  assert.deepEqual(lines.filter((l) => l.startsWith("### ")), [
    "### Methods at an equal budget: CIFAR-10, `epochs=6 batch=64`",
  ]);
  assert.match(text, /\| method \| presets \| seeds \| knn on h \| linear on h \| gain over/);
  const rowOf = (m: string) => lines.find((l) => l.startsWith(`| ${m} |`))!;
  // simclr: +0.100 at every seed: the interval has no width, and lies above 0
  assert.match(
    rowOf("simclr"),
    /\| simclr \| `ci` \| 3 \| 0\.410 \+\/- 0\.025 \(3\)/,
  );
  assert.match(
    rowOf("simclr"),
    /\+0\.100 \[\+0\.100, \+0\.100\] \| \+0\.100 \[\+0\.100, \+0\.100\] \| yes \|/,
  );
  assert.match(rowOf("simclr"), /\| 100 \| 60\.0 \| 20\.0 \| 2\.0 \|$/);
  assert.match(rowOf("simsiam"), /\| no \|/);
  assert.match(rowOf("byol"), /\+0\.050 \(1 seed\) \| \+0\.050 \(1 seed\) \| not shown \|/);
  assert.match(rowOf("byol"), /\| - \|$/); // no memory logged
  assert.ok(!text.includes("vicreg"));
  assert.ok(!/on z/.test(lines.find((l) => l.startsWith("| method"))!));
});

Deno.test("methodTable: nothing for a folder of one method, or of methods with no shared accuracy", () => {
  assert.deepEqual(
    methodTable([run("simclr", 0, 0.4, 0.3), run("simclr", 1, 0.4, 0.3)], new Map(), new Map()),
    [],
  );
  const other = run("exemplar", 0, 0.3, 0.2);
  other.rows = other.rows.map((r) => ({ ...r, features: r.features === "h" ? "fc" : r.features! }));
  assert.deepEqual(methodTable([run("simclr", 0, 0.4, 0.3), other], new Map(), new Map()), []);
});
