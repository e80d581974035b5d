/**
 * Writing generated Markdown into hand-written files: tables laid out as `deno fmt` lays them out,
 * and the lines between two marker comments replaced (the README's generated tables).
 * @module
 */
import { ConfigError } from "../suite/config.ts";

/**
 * A Markdown table with every column padded to its widest cell, as `deno fmt` lays tables out (the
 * README's generated table then passes `deno fmt --check`).
 */
export function paddedTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/**
 * `text` with the lines between `markers` replaced by `lines`; a ConfigError naming the file and
 * the markers where they are missing (nothing is written then).
 */
export function replaceBetween(
  text: string,
  lines: string[],
  file: string,
  markers: readonly [string, string],
  what: string,
): string {
  const [begin, end] = markers;
  const a = text.indexOf(begin), b = text.indexOf(end);
  if (a < 0 || b < a) {
    throw new ConfigError(
      `${file} lacks the lines "${begin}" and, after it, "${end}": put them where ${what} ` +
        "goes, or pass --readme '' to write the report alone",
    );
  }
  return text.slice(0, a + begin.length) + "\n\n" + lines.join("\n") + "\n\n" + text.slice(b);
}

/**
 * A paragraph wrapped greedily at `width` columns, as `deno fmt` (lineWidth 100) leaves prose in
 * Markdown, so a generated paragraph stays the same after formatting.
 */
export function wrapProse(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}
