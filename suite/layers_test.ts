/**
 * The folders form layers, and a file may import only from its own layer or a lower one: the
 * drivers (bench/) and the report site (site/) sit on top, so nothing under methods/, datasets/,
 * eval/, suite/, core/ or io/ imports from them. This test reads every TypeScript file's relative
 * imports and fails on an upward one, naming the file, the line and the import.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

/** Lowest first. mod.ts (the public surface, at the root) may import anything. */
const LAYERS = ["io", "core", "suite", "datasets", "eval", "methods", "bench", "site"];
const root = resolve(dirname(new URL(import.meta.url).pathname), "..");

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* tsFiles(p);
    else if (e.isFile && e.name.endsWith(".ts")) yield p;
  }
}

/** Every relative import of a file: line number and specifier. */
export function relativeImports(text: string): { line: number; spec: string }[] {
  const re = new RegExp(
    String
      .raw`\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s*)?["'](\.{1,2}/[^"']+)["']` +
      String.raw`|\bimport\(\s*["'](\.{1,2}/[^"']+)["']\s*\)`,
    "g",
  );
  const out: { line: number; spec: string }[] = [];
  for (const m of text.matchAll(re)) {
    const before = text.slice(0, m.index);
    const lineStart = before.lastIndexOf("\n") + 1;
    if (/^\s*(\*|\/\/)/.test(text.slice(lineStart, m.index + 1))) continue; // docs, examples
    out.push({ line: before.split("\n").length, spec: (m[1] ?? m[2])! });
  }
  return out;
}

function layerOf(path: string): number {
  return LAYERS.indexOf(relative(root, path).split("/")[0]!);
}

Deno.test("relativeImports finds static, re-exported and dynamic imports", () => {
  // "IMPORT" stands for the keyword, so that this file's own scan does not see the fixture
  const found = relativeImports((
    `IMPORT { a } from "../bench/x.ts";\nexport { b } from "./y.ts";\n` +
    `IMPORT type {\n  C } from "../core/z.ts";\nawait IMPORT("../io/w.ts");\n` +
    ` * IMPORT { q } from "./doc.ts";`
  ).replaceAll("IMPORT", "import"));
  assert.deepEqual(found.map((i) => i.line), [1, 2, 3, 5]);
  assert.deepEqual(found.map((i) => i.spec), [
    "../bench/x.ts",
    "./y.ts",
    "../core/z.ts",
    "../io/w.ts",
  ]);
});

Deno.test("no file imports from a layer above its own (bench/ is on top)", async () => {
  const upward: string[] = [];
  let checked = 0;
  for (const top of LAYERS) {
    for await (const file of tsFiles(join(root, top))) {
      for (const { line, spec } of relativeImports(await Deno.readTextFile(file))) {
        checked++;
        const target = resolve(dirname(file), spec);
        if (layerOf(target) > layerOf(file)) {
          upward.push(`${relative(root, file)}:${line} imports ${spec}`);
        }
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} imports found: the scan is broken`);
  assert.deepEqual(upward, [], `upward imports (layers, lowest first: ${LAYERS.join(" < ")})`);
});
