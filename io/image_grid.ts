/**
 * An image grid as an SVG: one embedded PNG (written by pngjs, which needs Node's zlib: a module of
 * its own, so that the charts in io/svg.ts stay free of it and run in a browser tab too).
 * @module
 */
// @ts-types="@types/pngjs"
import { PNG } from "pngjs";
import { esc, FONT } from "./svg.ts";

/** Options for {@link imageGridSvg}. */
export interface ImageGridOptions {
  /** `n * size * size * 3` bytes, RGB tiles, row-major, in reading order */
  tiles: Uint8Array;
  n: number;
  /** side of a tile in pixels */
  size: number;
  cols: number;
  title: string;
  /** on-screen pixels per image pixel (default 3) */
  zoom?: number;
}

/**
 * A grid of small images (for example a seed patch followed by its transformations, one row per
 * seed), as one embedded PNG in an SVG with a title. Deterministic output.
 */
export function imageGridSvg(o: ImageGridOptions): string {
  const { n, size, cols } = o;
  if (o.tiles.length !== n * size * size * 3) {
    throw new RangeError(`imageGridSvg: ${o.tiles.length} bytes are not ${n} RGB tiles of ${size}`);
  }
  const rows = Math.ceil(n / cols), gap = 2;
  const w = cols * (size + gap) + gap, h = rows * (size + gap) + gap;
  const png = new PNG({ width: w, height: h });
  png.data.fill(255);
  for (let t = 0; t < n; t++) {
    const x0 = gap + (t % cols) * (size + gap), y0 = gap + Math.floor(t / cols) * (size + gap);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const src = ((t * size + y) * size + x) * 3, dst = ((y0 + y) * w + x0 + x) * 4;
        png.data[dst] = o.tiles[src]!;
        png.data[dst + 1] = o.tiles[src + 1]!;
        png.data[dst + 2] = o.tiles[src + 2]!;
      }
    }
  }
  const b64 = btoa(Array.from(PNG.sync.write(png), (c) => String.fromCharCode(c)).join(""));
  const zoom = o.zoom ?? 3, top = 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w * zoom}" height="${h * zoom + top}">` +
    `<text x="4" y="20" ${FONT} font-size="14">${esc(o.title)}</text>` +
    `<image x="0" y="${top}" width="${w * zoom}" height="${h * zoom}" ` +
    `style="image-rendering:pixelated" href="data:image/png;base64,${b64}"/></svg>`;
}
