import assert from "node:assert/strict";
import { BackendError, initBackend, NO_ADAPTER_HELP } from "./backend.ts";

Deno.test("initBackend(webgpu) without an adapter fails and names the fix", async () => {
  await assert.rejects(
    () => initBackend("webgpu", { requestAdapter: () => Promise.resolve(null) }),
    (e: unknown) =>
      e instanceof BackendError && /mesa-vulkan-drivers/.test(e.message) &&
      /--backend webgpu/.test(e.message),
  );
});

Deno.test("initBackend(auto) without an adapter warns loudly and falls back to cpu", async () => {
  const warnings: string[] = [];
  const info = await initBackend("auto", {
    requestAdapter: () => Promise.resolve(null),
    warn: (m) => warnings.push(m),
  });
  assert.equal(info.backend, "cpu");
  assert.equal(info.adapter, "none");
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0]!.includes(NO_ADAPTER_HELP));
  assert.ok(warnings[0]!.includes("WARNING"));
});

Deno.test("initBackend(auto) uses WebGPU and records the adapter when one exists", async () => {
  const info = await initBackend("auto", { warn: () => {} });
  // CI installs mesa-vulkan-drivers, so a (fallback) adapter must exist there.
  if (Deno.env.get("CI")) assert.equal(info.backend, "webgpu", NO_ADAPTER_HELP);
  if (info.backend === "webgpu") {
    assert.ok(info.adapter.length > 0);
    assert.equal(typeof info.fallbackAdapter, "boolean");
  }
});

Deno.test({
  name: "on Linux WebGPU runs on Vulkan alone: libEGL, whose exit destructor crashes, never loads",
  ignore: Deno.build.os !== "linux" ||
    (Deno.env.get("DENO_WEBGPU_BACKEND") ?? "vulkan") !== "vulkan",
  async fn() {
    const info = await initBackend("auto", { warn: () => {} });
    assert.equal(Deno.env.get("DENO_WEBGPU_BACKEND"), "vulkan");
    // The maps are the whole process: every test module on WebGPU counts.
    // (Deno lets only --allow-all read /proc/<pid>; a child process may read its parent's.)
    const cat = await new Deno.Command("cat", { args: [`/proc/${Deno.pid}/maps`] }).output();
    assert.equal(cat.code, 0, new TextDecoder().decode(cat.stderr));
    const maps = new TextDecoder().decode(cat.stdout);
    if (info.backend === "webgpu") assert.ok(maps.includes("libvulkan"), "Vulkan is mapped");
    assert.ok(!maps.includes("libEGL"), "libEGL was loaded: wgpu probed OpenGL too");
  },
});
