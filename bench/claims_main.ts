/**
 * `deno task claims [--out FILE] [--readme FILE] [DIR ...]`: every claim the methods declare,
 * checked on every report folder (default: each folder under reports/ with a results.csv and run
 * logs), as one generated table (default reports/claims.md): where it was tested, at which scale,
 * the effect with its 95 % interval over seeds, the verdict, and for claims no folder tests the
 * command that makes their runs. Checking all of reports/ (no DIR given), it also rewrites the
 * Claims table of docs/guide.md (between its marker lines): each claim once, on its main test.
 * @module
 */
import { join, relative } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";
import { ConfigError } from "../suite/config.ts";
import { runCommand } from "./cli.ts";
import { basename } from "node:path";
import {
  adjustFamily,
  checkClaims,
  type ClaimCheck,
  effectText,
  needText,
  planText,
  pText,
  verdictLabel,
} from "./claims.ts";
import { METHODS } from "./methods.ts";
import { readRunFolder } from "./runs.ts";
import { paddedTable, replaceBetween, wrapProse } from "./readme.ts";

/**
 * Report folders under `root`: those holding a results.csv beside a runs/ folder, sorted. The
 * folders of `deno task ci:power` (under a folder named ci-power) and any bench:ci folder run with
 * an injected bug (its compare.md says so) test the regression check, not the methods, and are
 * left out; so are the PyTorch peer's (peer-*: another implementation, the suite's yardstick).
 */
export async function reportFolders(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string, depth: number) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return;
    }
    const names = new Set(entries.map((e) => e.name));
    const peer = basename(dir).startsWith("peer-");
    if (names.has("results.csv") && names.has("runs") && !peer && !(await injectedBug(dir))) {
      out.push(dir);
    }
    if (depth > 0) {
      for (const e of entries) {
        if (e.isDirectory && e.name !== "runs" && e.name !== "ci-power") {
          await visit(join(dir, e.name), depth - 1);
        }
      }
    }
  };
  await visit(root, 2);
  return out.sort();
}

async function injectedBug(dir: string): Promise<boolean> {
  const text = await Deno.readTextFile(join(dir, "compare.md")).catch(() => "");
  return text.includes("INJECTED BUG:");
}

/** One claim checked in one folder. */
export interface FolderClaim {
  folder: string;
  check: ClaimCheck;
  /** the presets of the folder's runs */
  presets: string[];
}

/** At which scale a folder's runs test a claim: its presets, and whether that is the paper's or
 * the reference tier's (the CPU tier at which the methods learn, issue 27). */
function scaleText(f: FolderClaim): string {
  const presets = f.presets.join(", ");
  if (f.presets.some((p) => /paper/.test(p))) return `paper (${presets})`;
  return f.presets.includes("reference")
    ? `reference tier (${presets}); not run at paper scale`
    : `CPU (${presets}); not run at paper scale`;
}

/** The folder a claim's own command writes (`deno task sweep X`: reports/sweep-X), if a sweep. */
function ownFolder(claim: { command: string }): string | undefined {
  const sweep = /deno task sweep (\S+)/.exec(claim.command)?.[1];
  return sweep === undefined ? undefined : `sweep-${sweep}`;
}

/** The claims table: one row per claim and folder that tests it, then the untested claims. */
export function claimsTable(found: FolderClaim[]): string[] {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const tested = new Set(found.map((f) => f.check.claim.id));
  found = withFamily(found, adjustFamily(found.map((f) => f.check)));
  const lines = [
    "## Every folder that tests a claim",
    "",
    "Effect = difference of the groups' means with its 95 % interval over seeds (Student's t, " +
    "paired by seed where the groups share seeds), per adjacent pair of the claimed order " +
    "(bench/claims.ts); p = its t test's two-sided p, Holm-adjusted across this table's family: " +
    `the ${found[0]?.check.family ?? 0} tests of every step in every row below. ` +
    "Scale: the presets the runs used; none of them is a paper-scale run.",
    "",
    "| claim | source | measure | folder | scale | effect [95 % interval] | p (Holm) | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const m of Object.values(METHODS)) {
    for (const claim of m.claims) {
      const rows = found.filter((f) => f.check.claim.id === claim.id);
      for (const f of rows) {
        const c = f.check;
        const commits = c.commits.length > 1 ? `; runs of ${c.commits.length} commits` : "";
        lines.push(
          `| ${m.title}: ${esc(claim.claim)} | ${esc(claim.source)} | ${esc(claim.measure)} | ` +
            `${esc(f.folder)} | ${esc(scaleText(f))}${commits} | ` +
            `${esc(c.steps.map(effectText).join("; "))} | ${c.steps.map(pText).join("; ")} | ` +
            `**${verdictLabel(c)}** |`,
        );
      }
      if (!tested.has(claim.id)) {
        lines.push(
          `| ${m.title}: ${esc(claim.claim)} | ${esc(claim.source)} | ${esc(claim.measure)} | ` +
            `- | not run: \`${claim.command}\` makes its runs | - | - | **not run** |`,
        );
      }
    }
  }
  return [...lines, ""];
}

/**
 * Each claim's one test the README shows: the folder its own command makes (`deno task sweep X`
 * writes reports/sweep-X) when that folder tests it, else the one with the most seeds, runs of one
 * commit before runs of several, then the shallowest folder and its name.
 */
export function mainTests(found: FolderClaim[]): Map<string, FolderClaim> {
  const own = (f: FolderClaim) => basename(f.folder) === ownFolder(f.check.claim);
  const rank = (f: FolderClaim) => [
    own(f) ? 0 : 1,
    -f.check.seeds.length,
    f.check.commits.length > 1 ? 1 : 0,
    f.folder.split("/").length,
  ];
  const better = (a: FolderClaim, b: FolderClaim) => {
    const [x, y] = [rank(a), rank(b)];
    const i = x.findIndex((v, k) => v !== y[k]);
    return i >= 0 ? x[i]! < y[i]! : a.folder < b.folder;
  };
  const out = new Map<string, FolderClaim>();
  for (const f of found) {
    const cur = out.get(f.check.claim.id);
    if (!cur || better(f, cur)) out.set(f.check.claim.id, f);
  }
  return out;
}

/** The folder claims with their checks replaced by `checks` (the same order). */
function withFamily(found: FolderClaim[], checks: ClaimCheck[]): FolderClaim[] {
  return found.map((f, i) => ({ ...f, check: checks[i]! }));
}

/**
 * Each claim's main test (mainTests), its p Holm-adjusted across the main tests alone: the family
 * the README's and the site's Claims tables report.
 */
export function adjustedMainTests(found: FolderClaim[]): Map<string, FolderClaim> {
  const main = [...mainTests(found).values()];
  return new Map(
    withFamily(main, adjustFamily(main.map((f) => f.check))).map((f) => [f.check.claim.id, f]),
  );
}

/**
 * The README's Claims table: each declared claim once, on its main test (mainTests), with the
 * effect, its p (raw and Holm-adjusted across the main tests), the verdict and, when inconclusive,
 * the seeds the observed effect would need and in which direction.
 */
export function claimsSummary(found: FolderClaim[]): string[] {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const main = adjustedMainTests(found);
  const rows: string[][] = [];
  for (const m of Object.values(METHODS)) {
    for (const claim of m.claims) {
      const f = main.get(claim.id);
      const what = [`${m.title}: ${esc(claim.claim)}`, esc(claim.source)];
      if (!f) {
        rows.push([...what, "-", "-", "-", "-", `not run yet (\`${claim.command}\`)`, "-"]);
        continue;
      }
      const c = f.check;
      const commits = c.commits.length > 1 ? `, ${c.commits.length} commits` : "";
      const need = needText(c);
      rows.push([
        ...what,
        `\`${esc(basename(f.folder))}\` (${c.seeds.length}${commits})`,
        esc(scaleText(f)) +
        ([undefined, basename(f.folder)].includes(ownFolder(claim))
          ? ""
          : `; its own test not run yet: \`${claim.command}\``),
        esc(c.steps.map(effectText).join("; ")),
        c.steps.map(pText).join("; "),
        `${verdictLabel(c)}${need ? ` (seeds to conclude: ${need})` : ""}`,
        esc(planText(c)),
      ]);
    }
  }
  return paddedTable(
    [
      "claim",
      "source",
      "folder (seeds)",
      "scale",
      "effect [95 % interval]",
      "p (Holm)",
      "verdict",
      "planned effect: power at these seeds; seeds for 0.8",
    ],
    rows,
  );
}

/** The sentence that names the summary's family. */
export function summaryFamilyText(found: FolderClaim[]): string {
  const main = [...adjustedMainTests(found).values()];
  return `p: each step's t test, two-sided, Holm-adjusted across the family of every claim's ` +
    `main test (${main[0]?.check.family ?? 0} tests); a verdict needs the adjusted p below 0.05. ` +
    "Power: the chance these seeds had to support the claim's planned effect at the observed " +
    "spread and Holm's level (noncentral t; the weakest step), and the seeds that would give 0.8.";
}

/** What the README holds between its claims markers: the family's sentence, then the table. */
export function readmeClaims(found: FolderClaim[]): string[] {
  return [...wrapProse(summaryFamilyText(found)), "", ...claimsSummary(found)];
}

/** The README lines between these two are `deno task claims`'s (claimsSummary). */
export const README_MARKERS = [
  "<!-- claims table: generated by `deno task claims`, do not edit by hand -->",
  "<!-- end of the generated claims table -->",
] as const;

/** `text` with the lines between README_MARKERS replaced by `table`; an error without them. */
export function replaceMarked(text: string, table: string[], file: string): string {
  return replaceBetween(text, table, file, README_MARKERS, "the claims table");
}

/** Checks the claims of every folder; the folders where a claim's groups all have runs. */
export async function findClaims(folders: string[], base = "."): Promise<FolderClaim[]> {
  const out: FolderClaim[] = [];
  for (const dir of folders) {
    const { records } = await readRunFolder(dir).catch((e: Error) => {
      throw new ConfigError(`${dir}: ${e.message}`);
    });
    for (const check of checkClaims(records)) {
      if (check.verdict === "missing") continue;
      const presets = [...new Set(records.flatMap((r) => r.rows[0]?.preset ?? []))].sort();
      out.push({ folder: relative(base, dir) || dir, check, presets });
    }
  }
  return out;
}

if (import.meta.main) {
  await runCommand({
    name: "deno task claims",
    summary: "Checks every declared claim on each report folder (default: every folder under " +
      "reports/ with results.csv and runs/) and writes one table.",
    flags: {
      out: {
        type: "string",
        value: "FILE",
        help: "where the table goes",
        default: "reports/claims.md",
      },
      readme: {
        type: "string",
        value: "FILE",
        help: "whose Claims table (between its marker lines) is rewritten when every folder " +
          "under reports/ is checked (no DIR given); '' for none",
        default: "docs/guide.md",
      },
    },
    positionals: "[DIR ...]",
    minPositionals: 0,
    maxPositionals: Infinity,
  }, async (v, dirs) => {
    const folders = dirs.length ? dirs : await reportFolders("reports");
    const found = await findClaims(folders);
    const block = readmeClaims(found);
    // read (and check) the README before anything is written: nothing half-done on bad input
    // the README's table stands for all of reports/: a call on some folders leaves it alone
    const readmePath = dirs.length ? "" : v.readme!;
    const readme = readmePath
      ? await Deno.readTextFile(readmePath).catch((e: Error) => {
        throw new ConfigError(
          `--readme ${v.readme}: ${e.message}; run from the repository root, or pass --readme '' ` +
            "to write reports/claims.md alone",
        );
      })
      : null;
    const updated = readme === null ? null : replaceMarked(readme, block, readmePath);
    const table = [
      "# Claims: the poster's and the papers', checked on the committed reports",
      "",
      "Generated by `deno task claims` from every report folder under reports/ (the regression " +
      "check's own folders, reports/ci-power, and the PyTorch peer's, reports/peer-*, excepted); " +
      "do not edit by hand.",
      "",
      "## Each claim on its main test (the README's Claims table)",
      "",
      "Its own sweep's folder where that tests it, else the folder with the most seeds.",
      "",
      ...block,
      "",
      ...claimsTable(found),
    ].join("\n");
    await writeFileAtomic(v.out!, table);
    if (updated !== null) await writeFileAtomic(readmePath, updated);
    console.log(table);
    return 0;
  });
}
