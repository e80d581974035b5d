import assert from "node:assert/strict";
import { barSvg, lineSvg, scatterSvg } from "./svg.ts";

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** Checks that every opened element is closed in order (a tiny XML sanity check). */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `unbalanced </${name}>`);
    else stack.push(name ?? "");
  }
  assert.deepEqual(stack, []);
  // No raw "<" or "&" left in text content.
  assert.doesNotMatch(svg.replace(/<[^>]*>/g, ""), /[<>]|&(?!(amp|lt|gt|quot|#39);)/);
}

function grid(n: number): { x: number; y: number; group: number }[] {
  // Deterministic pseudo-random spread (no Math.random).
  return Array.from({ length: n }, (_, i) => ({
    x: Math.sin(i * 12.9898) * 43.7,
    y: Math.cos(i * 78.233) * 0.37,
    group: i % 3,
  }));
}

Deno.test("scatterSvg draws one circle per finite point in a well-formed SVG", () => {
  const points = grid(250);
  const svg = scatterSvg({ points, groupNames: ["zero", "one", "two"], title: "PCA" });
  assert.ok(svg.startsWith("<svg"));
  assert.ok(svg.endsWith("</svg>"));
  assert.equal(count(svg, "<circle"), 250);
  assertBalanced(svg);
  assert.match(svg, />PCA</);
  // Coordinates use at most 2 decimals.
  for (const m of svg.matchAll(/c[xy]="([^"]+)"/g)) {
    assert.match(m[1] ?? "", /^-?\d+(\.\d{1,2})?$/);
  }
});

Deno.test("scatterSvg colours groups differently and lists them in the legend", () => {
  const points = [
    { x: 0, y: 0, group: 0 },
    { x: 1, y: 1, group: 1 },
    { x: 2, y: 0, group: 2 },
  ];
  const svg = scatterSvg({ points, groupNames: ["cats", "dogs", "birds"], title: "t" });
  const fills = [...svg.matchAll(/<circle[^>]*fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
  assert.equal(fills.length, 3);
  assert.equal(new Set(fills).size, 3);
  for (const name of ["cats", "dogs", "birds"]) assert.match(svg, new RegExp(`>${name}<`));
});

Deno.test("scatterSvg escapes XML in the title, labels and legend", () => {
  const svg = scatterSvg({
    points: [{ x: 1, y: 2, group: 0 }],
    groupNames: ["<b> & 'q' \"x\""],
    title: "a<b",
    xLabel: "x & y",
    yLabel: "<y>",
  });
  assert.match(svg, /&lt;b&gt; &amp; &#39;q&#39; &quot;x&quot;/);
  assert.match(svg, />a&lt;b</);
  assert.match(svg, />x &amp; y</);
  assert.match(svg, />&lt;y&gt;</);
  assert.doesNotMatch(svg, /<b>/);
  assertBalanced(svg);
});

Deno.test("scatterSvg with no points gives a valid SVG with a no-data note", () => {
  const svg = scatterSvg({ points: [], groupNames: [], title: "empty" });
  assert.ok(svg.startsWith("<svg"));
  assert.ok(svg.endsWith("</svg>"));
  assert.match(svg, /no data/);
  assert.equal(count(svg, "<circle"), 0);
  assertBalanced(svg);
});

Deno.test("scatterSvg skips NaN and infinite points and counts them in a note", () => {
  const points = [
    { x: 0, y: 0, group: 0 },
    { x: Number.NaN, y: 1, group: 0 },
    { x: 1, y: Number.POSITIVE_INFINITY, group: 1 },
    { x: 2, y: 3, group: 1 },
  ];
  const svg = scatterSvg({ points, groupNames: ["a", "b"], title: "t" });
  assert.equal(count(svg, "<circle"), 2);
  assert.match(svg, /2 points skipped/);
  assert.doesNotMatch(svg, /NaN|Infinity/);
  const allBad = scatterSvg({
    points: [{ x: NaN, y: NaN, group: 0 }],
    groupNames: ["a"],
    title: "t",
  });
  assert.match(allBad, /no data/);
  assert.match(allBad, /1 point skipped/);
});

Deno.test("scatterSvg is deterministic and has nice tick labels", () => {
  const opts = { points: grid(100), groupNames: ["a", "b", "c"], title: "t" };
  const a = scatterSvg(opts);
  assert.equal(a, scatterSvg(opts));
  const svg = scatterSvg({
    points: [{ x: 0.13, y: 3, group: 0 }, { x: 0.87, y: 97, group: 0 }],
    groupNames: ["a"],
    title: "t",
  });
  const labels = [...svg.matchAll(/text-anchor="(?:middle|end)">([-\d.e]+)</g)].map((m) => m[1]);
  assert.ok(labels.includes("0.4"), `x ticks: ${labels.join(" ")}`);
  assert.ok(labels.includes("100"), `y ticks: ${labels.join(" ")}`);
});

Deno.test("scatterSvg names groups missing from groupNames and handles one point", () => {
  const svg = scatterSvg({ points: [{ x: 5, y: 5, group: 12 }], groupNames: ["a"], title: "t" });
  assert.equal(count(svg, "<circle"), 1);
  assert.match(svg, />group 12</);
  assert.doesNotMatch(svg, /NaN/);
});

Deno.test("scatterSvg rejects a nonsensical size with a clear message", () => {
  assert.throws(
    () => scatterSvg({ points: [], groupNames: [], title: "t", width: 10 }),
    /width must be a finite number of pixels >= 200, got 10/,
  );
});

Deno.test("lineSvg draws one polyline per series with a legend", () => {
  const series = [
    { name: "train", points: Array.from({ length: 50 }, (_, i) => ({ x: i, y: 2 / (i + 1) })) },
    { name: "val <ema>", points: Array.from({ length: 50 }, (_, i) => ({ x: i, y: 3 / (i + 1) })) },
  ];
  const svg = lineSvg({ series, title: "loss", xLabel: "epoch", yLabel: "loss" });
  assert.ok(svg.startsWith("<svg"));
  assert.ok(svg.endsWith("</svg>"));
  assert.equal(count(svg, "<polyline"), 2);
  assert.match(svg, />val &lt;ema&gt;</);
  const strokes = [...svg.matchAll(/<polyline[^>]*stroke="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
  assert.equal(new Set(strokes).size, 2);
  assertBalanced(svg);
  assert.equal(svg, lineSvg({ series, title: "loss", xLabel: "epoch", yLabel: "loss" }));
});

Deno.test("lineSvg marks the points of a sparse series; a long legend widens the image", () => {
  const long = "random-init network, linear probe on the fully connected layer";
  const series = [
    { name: "sweep", points: [{ x: 2, y: 0.3 }, { x: 8, y: 0.32 }, { x: 24, y: 0.36 }] },
    { name: long, points: Array.from({ length: 50 }, (_, i) => ({ x: i, y: 0.3 })) },
  ];
  const svg = lineSvg({ series, title: "t", xLabel: "x", yLabel: "y" });
  assert.equal(count(svg, "<circle"), 3); // the 3-point series only
  assert.equal(count(svg, "<polyline"), 2);
  const width = Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)![1]);
  const legendX = Math.max(
    ...[...svg.matchAll(/<text x="([\d.]+)"[^>]*>sweep</g)].map((m) => Number(m[1])),
  );
  assert.ok(legendX + long.length * 6.5 <= width, `legend at ${legendX} in ${width} px`);
  assert.equal(
    Number(
      /<svg[^>]* width="([\d.]+)"/.exec(
        lineSvg({ series: [series[0]!], title: "t", xLabel: "x", yLabel: "y" }),
      )![1],
    ),
    760,
  );
  assertBalanced(svg);
});

Deno.test("lineSvg on a log axis ticks decades and skips non-positive values", () => {
  const points = [
    { x: 0, y: 100 },
    { x: 1, y: 10 },
    { x: 2, y: 0 },
    { x: 3, y: 0.5 },
    { x: 4, y: 0.01 },
  ];
  const svg = lineSvg({
    series: [{ name: "loss", points }],
    title: "t",
    xLabel: "step",
    yLabel: "loss",
    logY: true,
  });
  assert.equal(count(svg, "<polyline"), 2, "the skipped point breaks the line");
  assert.match(svg, /1 point skipped/);
  for (const label of ["0.01", "0.1", "1", "10", "100"]) {
    assert.match(svg, new RegExp(`>${label.replace(".", "\\.")}</text>`));
  }
  assertBalanced(svg);
});

Deno.test("lineSvg with no data or only NaN gives a valid SVG with a no-data note", () => {
  const empty = lineSvg({ series: [], title: "t", xLabel: "x", yLabel: "y" });
  assert.match(empty, /no data/);
  assertBalanced(empty);
  const nan = lineSvg({
    series: [{ name: "s", points: [{ x: 0, y: NaN }, { x: 1, y: NaN }] }],
    title: "t",
    xLabel: "x",
    yLabel: "y",
  });
  assert.match(nan, /no data/);
  assert.match(nan, /2 points skipped/);
  assert.ok(nan.endsWith("</svg>"));
});

Deno.test("barSvg draws one bar per finite value, grouped by category, with a legend", () => {
  const svg = barSvg({
    categories: ["none", "linear", "mlp"],
    series: [{ name: "dim 32", values: [0.3, 0.4, null] }, {
      name: "dim 128",
      values: [0.35, NaN, 0.5],
    }],
    title: "a & b",
    xLabel: "head",
    yLabel: "accuracy",
  });
  assertBalanced(svg);
  assert.equal(count(svg, "<title>"), 4);
  for (const c of ["none", "linear", "mlp", "dim 32", "dim 128", "a &amp; b"]) {
    assert.ok(svg.includes(c));
  }
  // the taller value gets the taller bar
  const h = (v: string) =>
    Number(new RegExp(`height="([0-9.]+)" fill="[^"]+"><title>[^<]*: ${v}<`).exec(svg)![1]);
  assert.ok(h("0.5") > h("0.3"));
  assert.match(
    barSvg({ categories: [], series: [], title: "", xLabel: "", yLabel: "" }),
    /no data/,
  );
});

Deno.test("lineSvg draws error bars, dashed reference lines and a log x axis", () => {
  const svg = lineSvg({
    series: [{
      name: "simclr",
      points: [{ x: 32, y: 0.4, low: 0.35, high: 0.45 }, { x: 128, y: 0.5, low: 0.42, high: 0.58 }],
    }],
    refs: [{ name: "chance", y: 0.1 }, { name: "random-init", y: 0.3 }],
    logX: true,
    title: "t",
    xLabel: "batch size (batch), log scale",
    yLabel: "accuracy",
  });
  assert.equal((svg.match(/<path d="M[^"]*V[^"]*H/g) ?? []).length, 2); // one bar per point
  assert.equal((svg.match(/stroke-dasharray="5,3"/g) ?? []).length, 2);
  assert.match(svg, /<title>chance: 0\.1<\/title>/);
  assert.match(svg, />random-init</); // in the legend
  // the y range covers the bars and the reference lines: a tick at 0.1 or below
  assert.match(svg, />0(\.0|\.1)?<\/text>/);
  // log x: 1-2-5 ticks around 32..128
  assert.match(svg, />50<\/text>/);
  assert.match(svg, />100<\/text>/);
});

Deno.test("barSvg draws an error bar on each bar that has one, and reference lines", () => {
  const svg = barSvg({
    categories: ["none", "linear", "mlp"],
    series: [{
      name: "on h",
      values: [0.3, 0.35, 0.4],
      errors: [{ low: 0.25, high: 0.35 }, null, { low: 0.38, high: 0.42 }],
    }],
    refs: [{ name: "chance", y: 0.1 }],
    title: "t",
    xLabel: "head",
    yLabel: "accuracy",
  });
  assert.equal((svg.match(/<path d="M/g) ?? []).length, 2);
  assert.equal((svg.match(/stroke-dasharray="5,3"/g) ?? []).length, 1);
});
