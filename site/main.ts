/**
 * `deno task site [--out DIR] [--reports DIR]`: the static HTML site of the reports (site/build.ts):
 * an index of every report folder with its headline numbers and claim verdicts, one page per
 * Markdown file with its plots inline, the perf report with a chart. Plain HTML and CSS with
 * relative links only, so that it works from any sub-path (GitHub Pages serves `/<repo>/`).
 * @module
 */
import { runCommand } from "../bench/cli.ts";
import { provenance } from "../io/provenance.ts";
import { buildSite } from "./build.ts";

if (import.meta.main) {
  await runCommand({
    name: "deno task site",
    summary: "Builds the static HTML site of the reports folder: an index of every report and " +
      "sweep with headline numbers and claim verdicts, a page per report with its plots inline. " +
      "Never edit the site by hand: build it again. Every relative link is checked; a broken one " +
      "fails the build, which then leaves the output folder as it was.",
    flags: {
      out: {
        type: "string",
        value: "DIR",
        help: "where the site goes (replaced whole; a folder of anything else is refused)",
        default: "out/site",
      },
      reports: {
        type: "string",
        value: "DIR",
        help: "the reports folder the site is made from",
        default: "reports",
      },
      "no-runner": {
        type: "boolean",
        help: "leave out the browser runner (its bundle and the 11 MB of gzipped MNIST)",
      },
    },
    positionals: "",
    minPositionals: 0,
    maxPositionals: 0,
  }, async (v) => {
    const prov = await provenance();
    const runner = v["no-runner"] ? null : { commit: prov.commit + (prov.dirty ? "-dirty" : "") };
    const r = await buildSite({ reports: v.reports!, out: v.out!, runner });
    const mib = (r.bytes / 2 ** 20).toFixed(1);
    console.log(
      `${v.out}: ${r.pages} pages, ${r.files} files, ${mib} MiB; every link resolves. ` +
        `Open ${v.out}/index.html, or serve the folder from any path.`,
    );
    return 0;
  });
}
