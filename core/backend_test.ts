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
