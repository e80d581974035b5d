/**
 * The site in a real browser (issue 15): Debian's headless Chromium, WebGPU on the CPU through
 * SwiftShader. Loads the index and a sweep report built from the committed reports, and trains
 * DrLIM's ci preset in the browser runner to the end; the screenshots go to out/browser-test/.
 * About two minutes on 2 cores; `.ci/run` installs Chromium.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { checkInBrowser } from "./browser.ts";
import { buildSite } from "./build.ts";
import { CHECKED_PAGES } from "./browser_main.ts";
import { chromiumPath } from "./chromium.ts";

const PNG = [0x89, 0x50, 0x4e, 0x47];

Deno.test({
  name: "the site and the browser runner in headless Chromium: pages load clean, DrLIM trains",
  ignore: chromiumPath() === null, // not installed here: apt-get install -y chromium
  fn: async () => {
    const tmp = await Deno.makeTempDir();
    try {
      const reports = join(new URL("..", import.meta.url).pathname, "reports");
      await buildSite({ reports, out: join(tmp, "site"), runner: { commit: "test" } });
      const r = await checkInBrowser(join(tmp, "site"), {
        pages: CHECKED_PAGES,
        seed: 0,
        limitS: 600,
      });
      // the screenshots are kept where a person can look (out/ is ignored by git)
      const shots = join(new URL("..", import.meta.url).pathname, "out", "browser-test");
      await Deno.mkdir(shots, { recursive: true });
      for (const [i, p] of r.pages.entries()) {
        assert.deepEqual([p.errors, p.brokenImages, p.brokenLinks], [[], [], []], p.path);
        assert.deepEqual([...p.screenshot.subarray(0, 4)], PNG);
        await Deno.writeFile(join(shots, `page-${i + 1}.png`), p.screenshot);
      }
      assert.ok(r.pages[1]!.svgs > 3, "the sweep report's plots are inline");
      assert.equal(r.runner.error, null);
      assert.deepEqual(r.runner.errors, []);
      const knn = r.runner.rows.find((x) =>
        x.method === "drlim" && x.metric === "knn_digit_accuracy"
      );
      assert.ok(knn && Number(knn.value) > 0.5 && Number(knn.value) <= 1, JSON.stringify(knn));
      const row = r.runner.rows[0]!;
      assert.equal(row.backend, "webgpu");
      assert.match(String(row.adapter), /swiftshader/); // Chromium names vendor and architecture
      assert.match(String(row.deno), /^browser /);
      assert.equal(row.run_id, "drlim-ci-seed0-" + String(row.config_hash).slice(0, 8));
      assert.equal(row.commit, "test");
      // the mid-training screenshot was taken between the first third and the end
      assert.ok(r.runner.at[0] >= r.runner.at[1] / 3 && r.runner.at[0] < r.runner.at[1]);
      assert.ok(r.runner.mapWhileTraining, "the 2-D map is drawn as it trains");
      assert.deepEqual([...r.runner.screenshots.training.subarray(0, 4)], PNG);
      await Deno.writeFile(join(shots, "runner-training.png"), r.runner.screenshots.training);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
