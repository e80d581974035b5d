import assert from "node:assert/strict";
// @ts-types="@types/pngjs"
import { PNG } from "pngjs";
import { Buffer } from "node:buffer";
import { imageGridSvg } from "./image_grid.ts";

Deno.test("imageGridSvg embeds the tiles as one PNG, pixel for pixel", () => {
  const tiles = Uint8Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => i * 7 % 256);
  const svg = imageGridSvg({ tiles, n: 3, size: 2, cols: 2, title: "a < b" });
  assert.match(svg, /^<svg[^>]*>.*a &lt; b.*<\/svg>$/);
  const b64 = /base64,([^"]+)"/.exec(svg)![1]!;
  const png = PNG.sync.read(Buffer.from(b64, "base64"));
  assert.deepEqual([png.width, png.height], [2 * 4 + 2, 2 * 4 + 2]); // 2 px gaps around tiles
  // tile 1 (second column), pixel (1, 0): bytes 12 + 3..5 of the input
  const at = ((2 + 0) * png.width + 2 + 4 + 1) * 4;
  assert.deepEqual([...png.data.subarray(at, at + 3)], [...tiles.subarray(15, 18)]);
  assert.throws(
    () => imageGridSvg({ tiles, n: 4, size: 2, cols: 2, title: "" }),
    /not 4 RGB tiles/,
  );
});
