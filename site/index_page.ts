/**
 * The site's index: one row per report folder (every folder under reports/ with a results.csv)
 * with its headline numbers from results.csv and the run logs, and the claim verdicts
 * `deno task claims` finds there; then the other pages (claims, the check's power, perf).
 * @module
 */
import { type FolderClaim } from "../bench/claims_main.ts";
import { effectText, verdictLabel } from "../bench/claims.ts";
import { type GroupStat, readRunFolder, summarise } from "../bench/runs.ts";
import { REFERENCE_METHODS } from "../bench/sweep_report.ts";
import { ConfigError } from "../suite/config.ts";
import { esc, type Page, relHref } from "./html.ts";

/** One headline number of a folder: a trained method's accuracy. */
export interface Headline {
  /** method, metric and (where the rows name them) features, e.g. "simclr linear_accuracy (h)" */
  name: string;
  /** mean +/- std (n) of its one configuration, or the range over several and the best one */
  text: string;
}

/** What the index shows of one report folder. */
export interface FolderSummary {
  /** the folder, relative to the reports folder, "/"-separated */
  folder: string;
  /** "report", or "sweep NAME" where its sweep-status.json names one */
  kind: string;
  /** a bench:ci folder run with an injected bug (it tests the check, not the method) */
  injectedBug: boolean;
  methods: string[];
  presets: string[];
  runs: number;
  seeds: number;
  commits: string[];
  backends: string[];
  headlines: Headline[];
  claims: FolderClaim[];
}

/** A method no run trains (a baseline row): its numbers are no headline. */
function isReference(method: string): boolean {
  return REFERENCE_METHODS.has(method.split(" ")[0]!);
}

const stat = (s: GroupStat) => `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)} (${s.n})`;

/**
 * The headline numbers of a folder's rows: each trained method's accuracy on a downstream task
 * (metrics ending in "accuracy", not the surrogate task's), per features; mean +/- std (n seeds)
 * where the folder has one configuration, else the range of the configurations' means and the
 * best configuration.
 */
export function headlines(rows: Record<string, string>[]): Headline[] {
  const by = new Map<string, GroupStat[]>();
  for (const s of summarise(rows).values()) {
    const g = s.group;
    if (isReference(g.method) || !/accuracy$/.test(g.metric) || /surrogate/.test(g.metric)) {
      continue;
    }
    const name = `${g.method} ${g.metric}${g.features ? ` (${g.features})` : ""}`;
    by.set(name, [...(by.get(name) ?? []), s]);
  }
  return [...by].map(([name, stats]) => {
    if (stats.length === 1) return { name, text: stat(stats[0]!) };
    const means = stats.map((s) => s.mean);
    const best = stats.reduce((a, b) => (b.mean > a.mean ? b : a));
    return {
      name,
      text: `${Math.min(...means).toFixed(4)} to ${Math.max(...means).toFixed(4)} over ` +
        `${stats.length} configurations; best ${stat(best)} at ${best.group.variant || "-"}`,
    };
  });
}

/** Distinct non-empty values of a column, sorted. */
function distinct(rows: Record<string, string>[], column: string): string[] {
  return [...new Set(rows.map((r) => r[column] ?? "").filter(Boolean))].sort();
}

/**
 * The summary of report folder `folder` (relative to `root`): `claims` are the verdicts
 * findClaims gave for it, `checked` whether the claims check read it (a folder with runs it
 * leaves out was run with an injected bug).
 */
export async function folderSummary(
  root: string,
  folder: string,
  claims: FolderClaim[],
  opts: { hasRuns: boolean; checked: boolean },
): Promise<FolderSummary> {
  const dir = `${root}/${folder}`;
  const { rows, byRun } = await readRunFolder(dir).catch((e: Error) => {
    throw new ConfigError(`${dir}: ${e.message}`);
  });
  const status = await Deno.readTextFile(`${dir}/sweep-status.json`)
    .then((t) => JSON.parse(t) as { sweep?: unknown } | null)
    .catch(() => null);
  return {
    folder,
    kind: typeof status?.sweep === "string" ? `sweep ${status.sweep}` : "report",
    injectedBug: opts.hasRuns && !opts.checked,
    methods: [...new Set(rows.map((r) => r.method ?? ""))].filter(Boolean),
    presets: distinct(rows, "preset"),
    runs: byRun.size,
    seeds: distinct(rows, "seed").length,
    commits: distinct(rows, "commit"),
    backends: distinct(rows, "backend"),
    headlines: headlines(rows),
    claims,
  };
}

/** A report folder's row of the index, linking its page and files (site paths) if they exist. */
export interface IndexEntry {
  summary: FolderSummary;
  page: string | null;
  files: { label: string; to: string }[];
}

/** Another page the index lists (claims, power, perf), with a line about it. */
export interface OtherPage {
  title: string;
  page: string;
  note: string;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

function claimsCell(claims: FolderClaim[]): string {
  if (claims.length === 0) return "";
  const counts = ["supported", "contradicted", "inconclusive"]
    .map((v) => [v, claims.filter((c) => c.check.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`);
  const items = claims.map((c) =>
    `<li class="verdict-${esc(c.check.verdict)}">${
      esc(`${c.check.title}: ${c.check.claim.claim}`)
    }` +
    `: <strong>${esc(verdictLabel(c.check))}</strong>` +
    `<br><small>${esc(c.check.steps.map(effectText).join("; "))}</small></li>`
  );
  return `${counts.join(", ")}<ul class="claims">${items.join("")}</ul>`;
}

function entryRow(e: IndexEntry): string {
  const s = e.summary;
  const to = (p: string) => esc(relHref("index.html", p));
  const name = e.page ? `<a href="${to(e.page)}">${esc(s.folder)}</a>` : esc(s.folder);
  const kind = s.injectedBug ? `${s.kind}, injected bug (tests the check)` : s.kind;
  const runs = [
    `${plural(s.runs, "run")}, ${plural(s.seeds, "seed")}`,
    s.backends.join(", "),
    s.commits.length === 1
      ? `commit ${s.commits[0]!.slice(0, 7)}`
      : plural(s.commits.length, "commit"),
  ].filter(Boolean).map(esc).join("<br>");
  const heads = s.headlines.map((h) => `<li>${esc(h.name)}: ${esc(h.text)}</li>`).join("");
  const files = e.files.map((f) => `<a href="${to(f.to)}">${esc(f.label)}</a>`).join("<br>");
  return [
    `<tr><td>${name}<br><small>${esc(kind)}</small></td>`,
    `<td>${esc(s.methods.join(", "))}</td><td>${esc(s.presets.join(", "))}</td>`,
    `<td>${runs}</td><td>${heads ? `<ul class="headline">${heads}</ul>` : "-"}</td>`,
    `<td>${claimsCell(s.claims)}</td><td>${files}</td></tr>`,
  ].join("");
}

/**
 * The index page: the reference tier's results table (`results`: its HTML and the page it comes
 * from) first, then the pages besides the folders' (the claims, the browser runner, the check's
 * power, speed), then the report folders' table.
 */
export function indexPage(
  source: string,
  entries: IndexEntry[],
  others: OtherPage[],
  results: { html: string; page: string } | null = null,
): Page {
  const all = entries.flatMap((e) => e.summary.claims);
  const verdicts = ["supported", "contradicted", "inconclusive"]
    .map((v) => `${all.filter((c) => c.check.verdict === v).length} ${v}`).join(", ");
  const body = [
    "<h1>Self-supervised learning benchmark: the reports</h1>",
    ...(results
      ? [
        "<h2>Results: the reference tier</h2>",
        "<p>Each method at its reference preset on 2 CPU cores, against the same encoder with " +
        "random weights and against PyTorch on the same recipe (points, 95 % intervals over " +
        `seeds): <a href="${esc(relHref("index.html", results.page))}">the tier's page</a> ` +
        "has the protocols, hosts and budget studies.</p>",
        results.html,
      ]
      : []),
    `<p>${plural(entries.length, "report folder")} (benchmark runs and sweeps), each with its ` +
    "page: tables, plots, each run's provenance and resolved config, and the published numbers " +
    `beside the folder's. ${plural(all.length, "claim check")}: ${verdicts}.</p>`,
    "<p>Headline: each trained method's downstream accuracy, mean ± std over seeds (n), or " +
    "over several configurations the range of their means and the best. Baselines (chance, " +
    "PCA, random-init, pixels) and the surrogate task's accuracy are on the folder's page.</p>",
    ...(others.length
      ? [
        "<h2>Pages</h2>",
        "<ul>",
        ...others.map((o) =>
          `<li><a href="${esc(relHref("index.html", o.page))}">${esc(o.title)}</a>` +
          `${o.note ? `: ${esc(o.note)}` : ""}</li>`
        ),
        "</ul>",
      ]
      : []),
    "<h2>Report folders</h2>",
    '<div class="table">',
    "<table>",
    "<thead><tr><th>folder</th><th>methods</th><th>presets</th><th>runs</th>" +
    "<th>headline</th><th>claims</th><th>files</th></tr></thead>",
    "<tbody>",
    ...entries.map(entryRow),
    "</tbody>",
    "</table>",
    "</div>",
  ].join("\n");
  return { path: "index.html", title: "SSL benchmark reports", sources: [source], body };
}
