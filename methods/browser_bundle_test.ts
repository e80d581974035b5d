/**
 * The methods a browser tab runs (issue 15's runner: DrLIM's ci preset) must bundle for the
 * browser without Node's modules or Deno's API: their data come through the run context's
 * DataSources, and their charts, hashes and backend set-up are plain TypeScript.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

Deno.test("DrLIM bundles for the browser with no Node module and no Deno API in it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "drlim.js");
    const root = new URL("..", import.meta.url).pathname;
    const bundle = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "browser", "-o", out, "methods/drlim.ts"],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(bundle.code, 0, new TextDecoder().decode(bundle.stderr));
    const js = await Deno.readTextFile(out);
    assert.ok(js.includes("contrastive"), "the bundle holds the method");
    const node = [...js.matchAll(/(?:from |require\(|import\()\s*"(node:[a-z_/]+)"/g)]
      .map((m) => m[1]);
    assert.deepEqual(node, [], "Node modules a browser cannot load");
    const deno = [...new Set(js.match(/\bDeno\.[A-Za-z]+/g) ?? [])];
    assert.deepEqual(deno, [], "Deno's API, which a browser lacks (reach it through globalThis)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
