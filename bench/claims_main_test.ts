import assert from "node:assert/strict";
import { join } from "node:path";
import { claimsTable, findClaims, reportFolders } from "./claims_main.ts";

/** A report folder with one SimCLR run per head and seed (linear probe on h). */
async function headFolder(dir: string, values: Record<string, number>, seeds: number[]) {
  await Deno.mkdir(join(dir, "runs"), { recursive: true });
  const lines = [
    "method,dataset,protocol,metric,value,seed,config_hash,backend,adapter,commit,started_at," +
    "wall_s,images_per_s,features,run_id,preset",
  ];
  for (const seed of seeds) {
    for (const [head, v] of Object.entries(values)) {
      const id = `simclr-ci-seed${seed}-${head}`;
      lines.push(
        `simclr,D,linear probe,linear_accuracy,${v + 0.01 * seed},${seed},h${head},cpu,none,abc,` +
          `2026-12-06,1,1,h,${id},ci`,
      );
      await Deno.mkdir(join(dir, "runs", id), { recursive: true });
      await Deno.writeTextFile(
        join(dir, "runs", id, "log.jsonl"),
        JSON.stringify({ type: "config", run_id: id, method: "simclr", seed, config: { head } }) +
          "\n",
      );
    }
  }
  await Deno.writeTextFile(join(dir, "results.csv"), lines.join("\n") + "\n");
}

Deno.test("deno task claims: every declared claim, tested where a folder's runs allow, else 'not run'", async () => {
  const root = await Deno.makeTempDir();
  try {
    await headFolder(join(root, "sweep-head"), { mlp: 0.6, linear: 0.5, none: 0.4 }, [0, 1, 2]);
    await Deno.mkdir(join(root, "empty"));
    // a ci:power folder with a bug injected tests the check, not the method: left out
    await headFolder(join(root, "bug-x"), { mlp: 0.1, linear: 0.5, none: 0.4 }, [0, 1, 2]);
    await Deno.writeTextFile(
      join(root, "bug-x", "compare.md"),
      "INJECTED BUG: simclr ran with x\n",
    );
    assert.deepEqual(await reportFolders(root), [join(root, "sweep-head")]);
    const found = await findClaims(await reportFolders(root), root);
    const head = found.find((f) => f.check.claim.id === "simclr-head")!;
    assert.equal(head.folder, "sweep-head");
    assert.deepEqual(head.presets, ["ci"]);
    assert.equal(head.check.verdict, "supported");
    const text = claimsTable(found).join("\n");
    assert.match(
      text,
      /\| SimCLR: MLP head > linear head > no head \|.*\| sweep-head \| CPU \(ci; not run at paper scale\) \| mlp - linear: \+0\.100 .*\| \*\*supported\*\* \|/,
    );
    // a claim no folder tests names the command that makes its runs
    assert.match(
      text,
      /longer training helps.*not run: `deno task sweep simclr-epochs-cpu`.*\*\*not run\*\*/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
