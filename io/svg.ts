/**
 * Small SVG charts: a grouped 2-D scatter (embeddings), a line chart (loss curves) and grouped
 * bars. Output is deterministic and numbers are rounded to 2 decimals to keep files small. Plain
 * TypeScript, no Deno or Node API: the same charts draw in a browser tab (the image grid, which
 * needs a PNG encoder, is in io/image_grid.ts).
 *
 * @module
 */

/** Matplotlib's "tab10" categorical palette; groups beyond 10 reuse colours. */
const TAB10 = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
] as const;

const MARGIN = { top: 40, bottom: 56, left: 68 } as const;
const LEGEND_WIDTH = 150;
/** Series with at most this many points get a marker on each point. */
const SPARSE_POINTS = 12;
export const FONT = 'font-family="sans-serif"';

/** Colour for group (or series) index `i`. */
function colour(i: number): string {
  return TAB10[((i % TAB10.length) + TAB10.length) % TAB10.length] ?? TAB10[0];
}

/** Escapes text for use in XML content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      default:
        return "&#39;";
    }
  });
}

/** Formats a coordinate with at most 2 decimals ("12.5", "3", never "-0"). */
function num(n: number): string {
  const r = Math.round(n * 100) / 100;
  return Object.is(r, -0) ? "0" : String(r);
}

/** Rounds `x` to a "nice" number (1, 2, 5 or 10 times a power of ten). */
function niceNum(x: number): number {
  const exp = Math.floor(Math.log10(x));
  const f = x / 10 ** exp;
  const nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nf * 10 ** exp;
}

interface Axis {
  min: number;
  max: number;
  ticks: { value: number; label: string }[];
  log: boolean;
}

/** Formats a tick value given the tick spacing. */
function tickLabel(v: number, step: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return Number(v.toPrecision(6)).toExponential().replace("+", "");
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  const s = v.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** Linear axis whose ends are extended to "nice" tick values. */
function linearAxis(lo: number, hi: number, count = 5): Axis {
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceNum((hi - lo) / (count - 1));
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: Axis["ticks"] = [];
  for (let i = 0; i <= Math.round((max - min) / step); i++) {
    const value = min + i * step;
    ticks.push({ value, label: tickLabel(value, step) });
  }
  return { min, max, ticks, log: false };
}

/**
 * Log-10 axis whose ends are 1-2-5 values around the data; ticked at 1-2-5
 * within about two decades, otherwise at powers of ten.
 */
function logAxis(lo: number, hi: number): Axis {
  const candidates: { value: number; m: number; d: number }[] = [];
  for (let d = Math.floor(Math.log10(lo)) - 1; d <= Math.ceil(Math.log10(hi)) + 1; d++) {
    for (const m of [1, 2, 5]) candidates.push({ value: m * 10 ** d, m, d });
  }
  const eps = 1e-9;
  let iMin = candidates.findLastIndex((c) => c.value <= lo * (1 + eps));
  let iMax = candidates.findIndex((c) => c.value >= hi * (1 - eps));
  if (iMin < 0) iMin = 0;
  if (iMax < 0) iMax = candidates.length - 1;
  if (iMin >= iMax) {
    iMin = Math.max(0, iMax - 1);
    iMax = iMin + 2;
  }
  const min = candidates[iMin]?.value ?? lo;
  const max = candidates[iMax]?.value ?? hi;
  const inRange = candidates.slice(iMin, iMax + 1);
  const decades = Math.log10(max / min);
  const every = Math.max(1, Math.ceil(decades / 8));
  const chosen = decades <= 2.5
    ? inRange
    : inRange.filter((c) => c.m === 1 && ((c.d % every) + every) % every === 0);
  const ticks = chosen.map((c) => ({
    value: c.value,
    label: c.value >= 1e-3 && c.value < 1e5
      ? String(Number(c.value.toPrecision(1)))
      : `${c.m}e${c.d}`,
  }));
  return { min, max, ticks, log: true };
}

/** Maps a data value onto [0, 1] along the axis. */
function frac(axis: Axis, v: number): number {
  if (axis.log) {
    return (Math.log10(v) - Math.log10(axis.min)) / (Math.log10(axis.max) - Math.log10(axis.min));
  }
  return (v - axis.min) / (axis.max - axis.min);
}

interface Layout {
  width: number;
  height: number;
  /** Plot area. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Legend text width, roughly: 11 px sans-serif averages under 6.5 px per character. */
const LEGEND_CHAR = 6.5;

/**
 * The plot area for a `width` x `height` image. A legend with names too long for LEGEND_WIDTH
 * widens the image instead of being cut off, so the plot area keeps its size.
 */
function layout(width: number, height: number, names: string[] = []): Layout {
  const longest = Math.max(0, ...names.map((n) => n.length));
  const legend = Math.max(LEGEND_WIDTH, Math.ceil(30 + longest * LEGEND_CHAR + 8));
  const x0 = MARGIN.left;
  const x1 = Math.max(x0 + 10, width - LEGEND_WIDTH);
  const y0 = MARGIN.top;
  const y1 = Math.max(y0 + 10, height - MARGIN.bottom);
  return { width: width + legend - LEGEND_WIDTH, height, x0, x1, y0, y1 };
}

function checkSize(what: string, name: string, v: number): void {
  if (!Number.isFinite(v) || v < 200) {
    throw new Error(`${what}: ${name} must be a finite number of pixels >= 200, got ${v}.`);
  }
}

function open(l: Layout, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(l.width)}" height="${
      num(l.height)
    }" viewBox="0 0 ${num(l.width)} ${num(l.height)}" ${FONT} font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${num(l.width / 2)}" y="24" text-anchor="middle" font-size="16">${esc(title)}</text>`,
  ];
}

/** The plot area's border. */
function frame(l: Layout): string {
  return `<rect x="${num(l.x0)}" y="${num(l.y0)}" width="${num(l.x1 - l.x0)}" height="${
    num(l.y1 - l.y0)
  }" fill="none" stroke="#333"/>`;
}

/** An empty plot area with a "no data" note. */
function noData(l: Layout): string {
  return `${frame(l)}\n<text x="${num((l.x0 + l.x1) / 2)}" y="${
    num((l.y0 + l.y1) / 2)
  }" text-anchor="middle" fill="#777">no data</text>`;
}

/** Axes, grid, tick labels and axis labels. */
function axes(l: Layout, xa: Axis, ya: Axis, xLabel?: string, yLabel?: string): string[] {
  const out: string[] = [`<g stroke="#eee">`];
  for (const t of xa.ticks) {
    const x = num(l.x0 + frac(xa, t.value) * (l.x1 - l.x0));
    out.push(`<line x1="${x}" y1="${num(l.y0)}" x2="${x}" y2="${num(l.y1)}"/>`);
  }
  for (const t of ya.ticks) {
    const y = num(l.y1 - frac(ya, t.value) * (l.y1 - l.y0));
    out.push(`<line x1="${num(l.x0)}" y1="${y}" x2="${num(l.x1)}" y2="${y}"/>`);
  }
  out.push(`</g>`);
  out.push(frame(l));
  out.push(`<g fill="#333" font-size="11">`);
  for (const t of xa.ticks) {
    const x = num(l.x0 + frac(xa, t.value) * (l.x1 - l.x0));
    out.push(`<text x="${x}" y="${num(l.y1 + 16)}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  for (const t of ya.ticks) {
    const y = num(l.y1 - frac(ya, t.value) * (l.y1 - l.y0) + 4);
    out.push(`<text x="${num(l.x0 - 6)}" y="${y}" text-anchor="end">${esc(t.label)}</text>`);
  }
  out.push(`</g>`);
  if (xLabel) {
    out.push(
      `<text x="${num((l.x0 + l.x1) / 2)}" y="${num(l.y1 + 38)}" text-anchor="middle">${
        esc(xLabel)
      }</text>`,
    );
  }
  if (yLabel) {
    const cx = num(16);
    const cy = num((l.y0 + l.y1) / 2);
    out.push(
      `<text x="${cx}" y="${cy}" text-anchor="middle" transform="rotate(-90 ${cx} ${cy})">${
        esc(yLabel)
      }</text>`,
    );
  }
  return out;
}

/** Legend entries at the right of the plot; `swatch` draws the key for entry i. */
function legend(
  l: Layout,
  entries: { name: string; colour: string; dashed?: boolean }[],
  swatch: (x: number, y: number, fill: string, dashed: boolean) => string,
): string[] {
  const out: string[] = [`<g font-size="11">`];
  const x = l.x1 + 14;
  entries.forEach((e, i) => {
    const y = l.y0 + 8 + i * 18;
    out.push(
      e.dashed
        ? `<line x1="${num(x)}" y1="${num(y)}" x2="${num(x + 12)}" y2="${
          num(y)
        }" stroke="${e.colour}" stroke-width="2" stroke-dasharray="3,2"/>`
        : swatch(x, y, e.colour, false),
    );
    out.push(`<text x="${num(x + 16)}" y="${num(y + 4)}">${esc(e.name)}</text>`);
  });
  out.push(`</g>`);
  return out;
}

function note(l: Layout, text: string): string {
  return `<text x="${num(l.width - 6)}" y="${
    num(l.height - 6)
  }" text-anchor="end" font-size="10" fill="#777">${esc(text)}</text>`;
}

/** Options for {@link scatterSvg}. */
export interface ScatterOptions {
  /** Points to draw; `group` is a non-negative integer indexing `groupNames`. */
  points: { x: number; y: number; group: number }[];
  /** Legend label of each group; groups without a name are shown as "group N". */
  groupNames: string[];
  /** Chart title. */
  title: string;
  /** Label under the x axis. */
  xLabel?: string;
  /** Label left of the y axis. */
  yLabel?: string;
  /** Image width in pixels (default 760, at least 200). */
  width?: number;
  /** Image height in pixels (default 600, at least 200). */
  height?: number;
  /** Circle radius in pixels (default 2). */
  radius?: number;
}

/**
 * Draws a 2-D scatter plot, one circle per point, coloured by group with the
 * tab10 palette, with a legend of group names, "nice" axis ticks and a title.
 *
 * Points with a non-finite coordinate or a group that is not a non-negative
 * integer are skipped and counted in a small note. With no drawable point the
 * result is still a valid SVG, showing "no data". All text is XML-escaped and
 * the output is deterministic (same input, same string).
 *
 * @returns The SVG document as a string (starts with `<svg`, ends with `</svg>`).
 * @throws Error when `width`, `height` or `radius` is not a sensible size.
 */
export function scatterSvg(opts: ScatterOptions): string {
  const width = opts.width ?? 760;
  const height = opts.height ?? 600;
  const radius = opts.radius ?? 2;
  checkSize("scatterSvg", "width", width);
  checkSize("scatterSvg", "height", height);
  if (!Number.isFinite(radius) || radius <= 0) {
    throw new Error(`scatterSvg: radius must be a positive number of pixels, got ${radius}.`);
  }
  const l = layout(width, height, opts.groupNames);
  const out = open(l, opts.title);

  const valid = opts.points.filter((p) =>
    Number.isFinite(p.x) && Number.isFinite(p.y) && Number.isInteger(p.group) && p.group >= 0
  );
  const skipped = opts.points.length - valid.length;

  // the legend names the groups that appear (all names when nothing is drawn)
  const groups = new Set<number>(valid.map((p) => p.group));
  if (groups.size === 0) opts.groupNames.forEach((_, i) => groups.add(i));
  const entries = [...groups].sort((a, b) => a - b).map((g) => ({
    name: opts.groupNames[g] ?? `group ${g}`,
    colour: colour(g),
  }));

  if (valid.length === 0) {
    out.push(noData(l));
  } else {
    let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
    for (const p of valid) {
      if (p.x < xmin) xmin = p.x;
      if (p.x > xmax) xmax = p.x;
      if (p.y < ymin) ymin = p.y;
      if (p.y > ymax) ymax = p.y;
    }
    const xa = linearAxis(xmin, xmax);
    const ya = linearAxis(ymin, ymax);
    out.push(...axes(l, xa, ya, opts.xLabel, opts.yLabel));
    const r = num(radius);
    out.push(`<g fill-opacity="0.75">`);
    for (const p of valid) {
      const cx = num(l.x0 + frac(xa, p.x) * (l.x1 - l.x0));
      const cy = num(l.y1 - frac(ya, p.y) * (l.y1 - l.y0));
      out.push(`<circle cx="${cx}" cy="${cy}" r="${r}" fill="${colour(p.group)}"/>`);
    }
    out.push(`</g>`);
  }
  out.push(
    ...legend(
      l,
      entries,
      (x, y, fill) =>
        `<rect x="${num(x)}" y="${num(y - 5)}" width="10" height="10" fill="${fill}"/>`,
    ),
  );
  if (skipped > 0) {
    out.push(
      note(l, `${skipped} point${skipped === 1 ? "" : "s"} skipped (non-finite or bad group)`),
    );
  }
  out.push(`</svg>`);
  return out.join("\n");
}

/** Options for {@link lineSvg}. */
/** A horizontal reference line: a baseline the plotted values are read against. */
export interface Reference {
  name: string;
  y: number;
}

/** Greys for reference lines, darkest first. */
function refColour(i: number): string {
  return ["#444", "#888", "#aaa", "#666"][i % 4]!;
}

/** Dashed horizontal lines across the plot area at each reference's y. */
function refLines(l: Layout, ya: Axis, refs: Reference[], ok: (y: number) => boolean): string[] {
  return refs.flatMap((r, i) => {
    if (!ok(r.y) || r.y < ya.min || r.y > ya.max) return [];
    const y = num(l.y1 - frac(ya, r.y) * (l.y1 - l.y0));
    return [
      `<line x1="${num(l.x0)}" y1="${y}" x2="${num(l.x1)}" y2="${y}" stroke="${
        refColour(i)
      }" stroke-width="1.2" stroke-dasharray="5,3"><title>${
        esc(`${r.name}: ${r.y}`)
      }</title></line>`,
    ];
  });
}

/** A vertical error bar with caps at pixel x from y0 to y1. */
function errorBar(x: number, y0: string, y1: string, stroke: string): string {
  const a = num(x - 4), b = num(x + 4), cx = num(x);
  return `<path d="M${cx},${y0}V${y1}M${a},${y0}H${b}M${a},${y1}H${b}" stroke="${stroke}" ` +
    `stroke-width="1.2" fill="none"/>`;
}

export interface LineOptions {
  /**
   * Curves to draw, one colour each (tab10 in order). A point with `low` and `high` gets an error
   * bar between them (say in the axis label or title what the bar is: a 95 % interval, a std).
   */
  series: { name: string; points: { x: number; y: number; low?: number; high?: number }[] }[];
  /** Use a log-10 x axis (points with x <= 0 are then skipped). */
  logX?: boolean;
  /** Horizontal dashed reference lines (chance, a baseline), grey, named in the legend. */
  refs?: Reference[];
  /** Chart title. */
  title: string;
  /** Label under the x axis. */
  xLabel: string;
  /** Label left of the y axis. */
  yLabel: string;
  /** Image width in pixels (default 760, at least 200). */
  width?: number;
  /** Image height in pixels (default 480, at least 200). */
  height?: number;
  /** Use a log-10 y axis (points with y <= 0 are then skipped). */
  logY?: boolean;
}

/**
 * Draws a line chart (for example loss curves), one polyline per series, with
 * a legend of series names, "nice" ticks (decades on a log y axis) and a title.
 *
 * Points with a non-finite coordinate (or y <= 0 when `logY`) are skipped and
 * break the line there; they are counted in a small note. With no drawable
 * point the result is a valid SVG showing "no data". Deterministic output.
 *
 * @returns The SVG document as a string (starts with `<svg`, ends with `</svg>`).
 * @throws Error when `width` or `height` is not a sensible size.
 */
export function lineSvg(opts: LineOptions): string {
  const width = opts.width ?? 760;
  const height = opts.height ?? 480;
  checkSize("lineSvg", "width", width);
  checkSize("lineSvg", "height", height);
  const logY = opts.logY ?? false;
  const l = layout(width, height, opts.series.map((s) => s.name));
  const out = open(l, opts.title);

  const logX = opts.logX ?? false, refs = opts.refs ?? [];
  const yOk = (y: number) => Number.isFinite(y) && (!logY || y > 0);
  const ok = (p: { x: number; y: number }) =>
    Number.isFinite(p.x) && (!logX || p.x > 0) && yOk(p.y);
  let skipped = 0;
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (const s of opts.series) {
    for (const p of s.points) {
      if (!ok(p)) {
        skipped++;
        continue;
      }
      if (p.x < xmin) xmin = p.x;
      if (p.x > xmax) xmax = p.x;
      for (const y of [p.y, p.low ?? p.y, p.high ?? p.y].filter(yOk)) {
        if (y < ymin) ymin = y;
        if (y > ymax) ymax = y;
      }
    }
  }
  for (const r of refs.filter((r) => yOk(r.y))) {
    [ymin, ymax] = [Math.min(ymin, r.y), Math.max(ymax, r.y)];
  }

  if (xmin > xmax) {
    out.push(noData(l));
  } else {
    const xa = logX ? logAxis(xmin, xmax) : linearAxis(xmin, xmax);
    const ya = logY ? logAxis(ymin, ymax) : linearAxis(ymin, ymax);
    out.push(...axes(l, xa, ya, opts.xLabel, opts.yLabel));
    out.push(...refLines(l, ya, refs, yOk));
    const yPx = (y: number) => num(l.y1 - frac(ya, y) * (l.y1 - l.y0));
    opts.series.forEach((s, i) => {
      for (const p of s.points) {
        if (!ok(p) || p.low === undefined || p.high === undefined) continue;
        if (!yOk(p.low) || !yOk(p.high)) continue;
        out.push(
          errorBar(l.x0 + frac(xa, p.x) * (l.x1 - l.x0), yPx(p.low), yPx(p.high), colour(i)),
        );
      }
    });
    out.push(`<g fill="none" stroke-width="1.5" stroke-linejoin="round">`);
    opts.series.forEach((s, i) => {
      const c = colour(i);
      const segments: string[][] = [[]];
      for (const p of s.points) {
        if (!ok(p)) {
          if ((segments.at(-1)?.length ?? 0) > 0) segments.push([]);
          continue;
        }
        const px = num(l.x0 + frac(xa, p.x) * (l.x1 - l.x0));
        const py = num(l.y1 - frac(ya, p.y) * (l.y1 - l.y0));
        segments.at(-1)?.push(`${px},${py}`);
      }
      // a sparse series (a sweep's few values) marks its measured points, not only the line
      const marks = s.points.length <= SPARSE_POINTS;
      for (const seg of segments) {
        if (seg.length > 1) out.push(`<polyline points="${seg.join(" ")}" stroke="${c}"/>`);
        if (seg.length === 1 || marks) {
          for (const pt of seg) {
            const [cx, cy] = pt.split(",");
            out.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${c}"/>`);
          }
        }
      }
    });
    out.push(`</g>`);
  }
  out.push(
    ...legend(
      l,
      [
        ...opts.series.map((s, i) => ({ name: s.name, colour: colour(i) })),
        ...refs.map((r, i) => ({ name: r.name, colour: refColour(i), dashed: true })),
      ],
      (x, y, stroke, dashed) =>
        `<line x1="${num(x)}" y1="${num(y)}" x2="${num(x + 12)}" y2="${
          num(y)
        }" stroke="${stroke}" stroke-width="2"${dashed ? ' stroke-dasharray="3,2"' : ""}/>`,
    ),
  );
  if (skipped > 0) {
    const why = logY ? "non-finite or <= 0 on log axis" : "non-finite";
    out.push(note(l, `${skipped} point${skipped === 1 ? "" : "s"} skipped (${why})`));
  }
  out.push(`</svg>`);
  return out.join("\n");
}

/** Options for {@link barSvg}. */
export interface BarOptions {
  /** groups along the x axis, in order */
  categories: string[];
  /**
   * one bar per category in each series (null: no bar), one colour each; `errors` (same order)
   * draws an error bar from low to high on a bar (say in a label what it is)
   */
  series: {
    name: string;
    values: (number | null)[];
    errors?: ({ low: number; high: number } | null)[];
  }[];
  /** Horizontal dashed reference lines (chance, a baseline), grey, named in the legend. */
  refs?: Reference[];
  title: string;
  xLabel: string;
  yLabel: string;
  /** Image width in pixels (default 760). */
  width?: number;
  /** Image height in pixels (default 480). */
  height?: number;
}

/**
 * Draws grouped bars (for example accuracy per head variant, one bar per output dimension), the
 * y axis from 0 (or the lowest value, if negative) to "nice" ticks. Deterministic output.
 */
export function barSvg(opts: BarOptions): string {
  const width = opts.width ?? 760, height = opts.height ?? 480;
  checkSize("barSvg", "width", width);
  checkSize("barSvg", "height", height);
  const l = layout(width, height, opts.series.map((s) => s.name));
  const out = open(l, opts.title);
  const refs = opts.refs ?? [];
  const vals = opts.series.flatMap((s) =>
    [
      ...s.values,
      ...(s.errors ?? []).flatMap((e) => e ? [e.low, e.high] : []),
    ].filter((v): v is number => Number.isFinite(v))
  );
  const refYs = refs.map((r) => r.y).filter(Number.isFinite);
  const nCat = opts.categories.length, nSer = opts.series.length;
  if (vals.length === 0 || nCat === 0) {
    out.push(noData(l));
  } else {
    const ya = linearAxis(Math.min(0, ...vals, ...refYs), Math.max(0, ...vals, ...refYs));
    const xa: Axis = {
      min: 0,
      max: nCat,
      ticks: opts.categories.map((c, i) => ({ value: i + 0.5, label: c })),
      log: false,
    };
    out.push(...axes(l, xa, ya, opts.xLabel, opts.yLabel));
    const group = (l.x1 - l.x0) / nCat, bar = group * 0.8 / nSer;
    const yOf = (v: number) => l.y1 - frac(ya, v) * (l.y1 - l.y0);
    const base = yOf(Math.max(ya.min, 0));
    out.push(`<g>`);
    opts.series.forEach((s, j) => {
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) return;
        const x = l.x0 + i * group + group * 0.1 + j * bar, y = yOf(v);
        out.push(
          `<rect x="${num(x)}" y="${num(Math.min(y, base))}" width="${num(bar * 0.92)}" height="${
            num(Math.abs(base - y))
          }" fill="${colour(j)}"><title>${
            esc(`${s.name}, ${opts.categories[i]}: ${v}`)
          }</title></rect>`,
        );
        const e = s.errors?.[i];
        if (e && Number.isFinite(e.low) && Number.isFinite(e.high)) {
          out.push(errorBar(x + bar * 0.46, num(yOf(e.low)), num(yOf(e.high)), "#222"));
        }
      });
    });
    out.push(`</g>`);
    out.push(...refLines(l, ya, refs, Number.isFinite));
  }
  out.push(
    ...legend(
      l,
      [
        ...opts.series.map((s, i) => ({ name: s.name, colour: colour(i) })),
        ...refs.map((r, i) => ({ name: r.name, colour: refColour(i), dashed: true })),
      ],
      (x, y, fill) =>
        `<rect x="${num(x)}" y="${num(y - 5)}" width="12" height="10" fill="${fill}"/>`,
    ),
    `</svg>`,
  );
  return out.join("\n");
}
