import assert from "node:assert/strict";
import { paddedTable, wrapProse } from "./readme.ts";
import { join } from "node:path";
import {
  claimsSummary,
  claimsTable,
  findClaims,
  mainTests,
  README_MARKERS,
  readmeClaims,
  replaceMarked,
  reportFolders,
} from "./claims_main.ts";
import { ConfigError } from "../suite/config.ts";

/** A report folder with one SimCLR run per head and seed (linear probe on h). */
async function headFolder(
  dir: string,
  values: Record<string, number>,
  seeds: number[],
  preset = "ci",
) {
  await Deno.mkdir(join(dir, "runs"), { recursive: true });
  const lines = [
    "method,dataset,protocol,metric,value,seed,config_hash,backend,adapter,commit,started_at," +
    "wall_s,images_per_s,features,run_id,preset",
  ];
  for (const seed of seeds) {
    for (const [head, v] of Object.entries(values)) {
      const id = `simclr-${preset}-seed${seed}-${head}`;
      lines.push(
        `simclr,D,linear probe,linear_accuracy,${v + 0.01 * seed},${seed},h${head},cpu,none,abc,` +
          `2026-12-06,1,1,h,${id},${preset}`,
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
    // the PyTorch peer's folders are the suite's yardstick, not its results: left out too
    await headFolder(join(root, "peer-simclr-x"), { mlp: 0.6, linear: 0.5, none: 0.4 }, [0, 1]);
    assert.deepEqual(await reportFolders(root), [join(root, "sweep-head")]);
    const found = await findClaims(await reportFolders(root), root);
    const head = found.find((f) => f.check.claim.id === "simclr-head")!;
    assert.equal(head.folder, "sweep-head");
    assert.deepEqual(head.presets, ["ci"]);
    assert.equal(head.check.verdict, "supported");
    const text = claimsTable(found).join("\n");
    assert.match(
      text,
      /\| SimCLR: MLP head > linear head > no head \|.*\| sweep-head \| CPU \(ci\); not run at paper scale \| mlp - linear: \+0\.100 .*\| \*\*supported\*\* \|/,
    );
    // a claim no folder tests names the command that makes its runs
    assert.match(
      text,
      /longer training helps.*not run: `deno task sweep simclr-epochs-supervised-reference`.*\*\*not run\*\*/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the README's Claims table: each claim once, on its own sweep's folder, else the most seeds", async () => {
  const root = await Deno.makeTempDir();
  try {
    // its own sweep (deno task sweep simclr-head-reference) with 3 seeds, others with 4 and 5
    const own = "sweep-simclr-head-reference";
    await headFolder(join(root, own), { mlp: 0.6, linear: 0.5, none: 0.4 }, [0, 1, 2], "reference");
    await headFolder(join(root, "other"), { mlp: 0.4, linear: 0.5, none: 0.6 }, [0, 1, 2, 3]);
    await headFolder(join(root, "more"), { mlp: 0.4, linear: 0.5, none: 0.6 }, [0, 1, 2, 3, 4]);
    const found = await findClaims(await reportFolders(root), root);
    const main = mainTests(found);
    assert.equal(main.get("simclr-head")!.folder, own);
    // h > z has no folder of its own here (no runs with z): nothing; without the own folder,
    // the folder with the most seeds
    const others = found.filter((f) => f.folder !== own);
    assert.equal(mainTests(others).get("simclr-head")!.folder, "more");
    // the fallback names the claim's own test, still to run
    assert.match(
      claimsSummary(others).find((l) => l.includes("MLP head > linear head"))!,
      /`more` \(5\) +\| CPU \(ci\); not run at paper scale; its own test not run yet: `deno task sweep simclr-head-reference` +\|/,
    );
    const table = claimsSummary(found);
    // deno fmt's layout: every row as wide as the header, the separator of dashes
    assert.equal(new Set(table.map((l) => l.length)).size, 1);
    assert.match(table[1]!, /^\| -+ \| -+ \|/);
    const head = table.find((l) => l.includes("MLP head > linear head"))!;
    assert.match(
      head,
      /`sweep-simclr-head-reference` \(3\) +\| reference tier \(reference\); not run at paper scale +\| mlp - linear: \+0\.100 \[.*\| supported +\| \+0\.020 \(minimum effect of interest, 2 points\): power 1\.00 at 3 seeds; 0\.8 at 2 +\|$/,
    );
    assert.match(
      table.join("\n"),
      /longer training helps.*not run yet \(`deno task sweep simclr-epochs-supervised-reference`\)/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("paddedTable pads every column; replaceMarked rewrites only between the README's markers", () => {
  assert.deepEqual(paddedTable(["a", "bb"], [["x", "y"], ["long", "z"]]), [
    "| a    | bb  |",
    "| ---- | --- |",
    "| x    | y   |",
    "| long | z   |",
  ]);
  assert.deepEqual(wrapProse("a bb  ccc dddd e", 6), ["a bb", "ccc", "dddd e"]);
  assert.deepEqual(wrapProse("unbreakable-word x", 4), ["unbreakable-word", "x"]);
  const [begin, end] = README_MARKERS;
  const readme = `# R\n\nbefore\n${begin}\n\nold table\n\n${end}\nafter\n`;
  assert.equal(
    replaceMarked(readme, ["| new |"], "README.md"),
    `# R\n\nbefore\n${begin}\n\n| new |\n\n${end}\nafter\n`,
  );
  assert.throws(
    () => replaceMarked("# R\nno markers\n", ["| new |"], "R.md"),
    (e: Error) => e instanceof ConfigError && /R\.md lacks the lines/.test(e.message),
  );
});

Deno.test("the README's Claims table is the one `deno task claims` makes from the committed reports", async () => {
  const repo = new URL("..", import.meta.url).pathname;
  const readme = await Deno.readTextFile(join(repo, "docs/guide.md"));
  const found = await findClaims(await reportFolders(join(repo, "reports")), repo);
  assert.equal(
    replaceMarked(readme, readmeClaims(found), "docs/guide.md"),
    readme,
    "docs/guide.md's Claims table is stale: run `deno task claims` and commit docs/guide.md",
  );
});
