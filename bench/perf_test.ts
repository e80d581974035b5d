import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../core/backend.ts";
import {
  countDispatches,
  countReadbacks,
  countUploads,
  DENSE_PROBES,
  PEER_MALLOC,
  roundSummary,
  runPeer,
  timeWorkload,
} from "./perf.ts";
import { dropout } from "../core/ops.ts";
import { describeCpu, hostCpu } from "../io/provenance.ts";
import { drlimPerfStep } from "../methods/drlim.ts";
import { simclrPerfStep } from "../methods/simclr.ts";
import { exemplarPerfStep } from "../methods/exemplar.ts";
import { METHODS } from "./methods.ts";
import { join } from "node:path";
import { defaultCifar10JpegDir } from "../datasets/image_folder.ts";

const adapter = await hasAdapter();

Deno.test("timeDrlimStep returns one time per timed step and leaks no tensors", async () => {
  await tf.setBackend("cpu");
  const before = tf.memory().numTensors;
  const t = await timeWorkload({ setup: () => drlimPerfStep(2) }, 2, 1);
  assert.equal(t.times.length, 2);
  assert.ok(t.times.every((x) => x > 0));
  assert.equal(t.tensorGrowthPerStep, 0);
  assert.ok(t.kernelsPerStep > 10 && t.peakBytes > 0 && t.flops > 0);
  assert.ok(t.readOnceMs > 0);
  assert.equal(tf.memory().numTensors, before);
});

// TF.js's cpu backend takes minutes for ResNet-18: without an adapter the test is ignored
Deno.test({
  name: "the SimCLR ResNet-18 perf step runs and leaks no tensors (needs a WebGPU adapter)",
  ignore: !adapter,
}, async () => {
  await initBackend("webgpu", { warn: () => {} });
  const before = tf.memory().numTensors;
  // the warm-up step creates Adam's moments
  const t = await timeWorkload({ setup: () => simclrPerfStep(2) }, 1, 1);
  assert.equal(t.times.length, 1);
  assert.equal(t.tensorGrowthPerStep, 0);
  assert.ok(t.kernelsPerStep > 100);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("timeExemplarStep times the Exemplar CNN step and leaks no tensors", async () => {
  await tf.setBackend("cpu");
  const before = tf.memory().numTensors;
  const t = await timeWorkload({ setup: () => exemplarPerfStep(4, 10, "4c5-4c5-8f") }, 2, 1);
  assert.equal(t.times.length, 2);
  assert.equal(t.tensorGrowthPerStep, 0);
  assert.ok(t.kernelsPerStep > 10 && t.peakBytes > 0);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("runPeer reports why when the peer cannot run", async () => {
  const r = await runPeer("/nonexistent/peer.py", []);
  assert.ok("error" in r && r.error.length > 0);
});

Deno.test("countUploads says -1 off webgpu", async () => {
  await tf.setBackend("cpu");
  const cpu = await countUploads(() => Promise.resolve(1));
  assert.equal(cpu.uploads, -1);
});

Deno.test({
  name: "countUploads counts host-to-device copies on webgpu (needs a WebGPU adapter)",
  ignore: !adapter,
}, async () => {
  await initBackend("webgpu", { warn: () => {} });
  const r = await countUploads(async () => {
    const t = tf.tensor1d(new Float32Array(1000)); // 4,000 bytes from the host
    const u = tf.add(t, t);
    await u.data();
    tf.dispose([t, u]);
    return 0;
  });
  assert.equal(r.uploads, 1);
  assert.equal(r.bytes, 4000);
});

Deno.test("every method's perf workloads name a peer script that exists", async () => {
  for (const m of Object.values(METHODS)) {
    for (const w of m.perf) {
      const path = new URL(`../${w.peer.script}`, import.meta.url);
      assert.ok((await Deno.stat(path)).isFile, `${m.name}: ${w.peer.script}`);
      assert.ok(w.images > 0 && w.label.length > 0);
    }
  }
});

async function hasAdapter(): Promise<boolean> {
  try {
    return (await navigator.gpu?.requestAdapter()) != null;
  } catch {
    return false;
  }
}

const jpegCopy = (() => {
  try {
    return Deno.statSync(join(defaultCifar10JpegDir(), "train")).isDirectory;
  } catch {
    return false;
  }
})();

Deno.test("the DrLIM ci workload times the ci step as trained and leaks no tensors", async () => {
  await initBackend("auto", { warn: () => {} });
  const before = tf.memory().numTensors;
  const t = await timeWorkload(METHODS.drlim!.perf[0]!, 2, 1);
  assert.equal(t.times.length, 2);
  assert.equal(t.tensorGrowthPerStep, 0);
  assert.equal(tf.memory().numTensors, before);
});

// they read the CIFAR-10 JPEG copy (../shared/datasets/cifar10-jpeg): ignored where it is absent
Deno.test({
  name: "the SimCLR and Exemplar CNN ci workloads time their ci steps (needs the JPEG copy and " +
    "a WebGPU adapter)",
  ignore: !jpegCopy || !adapter,
}, async () => {
  await initBackend("webgpu", { warn: () => {} });
  for (const m of ["simclr", "exemplar"]) {
    const before = tf.memory().numTensors;
    const t = await timeWorkload(METHODS[m]!.perf[0]!, 1, 1);
    assert.equal(t.times.length, 1, m);
    assert.equal(t.tensorGrowthPerStep, 0, m);
    assert.equal(tf.memory().numTensors, before, m);
  }
});

Deno.test("countReadbacks counts the reads back to the host a step makes", async () => {
  await tf.setBackend("cpu");
  const t = tf.tensor1d([1, 2, 3]);
  const none = countReadbacks(() => tf.add(t, 1));
  assert.equal(none.readbacks, 0);
  const two = countReadbacks(() => {
    tf.tidy(() => tf.sum(t).dataSync());
    return tf.max(t).dataSync()[0];
  });
  assert.equal(two.readbacks, 2);
  assert.equal(two.result, 3);
  tf.dispose([t, none.result]);
});

// on TF.js's cpu backend a read costs nothing (and some cpu kernels read): the device matters
Deno.test({
  name: "the DrLIM and Exemplar CNN steps read nothing back on WebGPU (needs a WebGPU adapter)",
  ignore: !adapter,
}, async () => {
  await initBackend("webgpu", { warn: () => {} });
  const d = await timeWorkload({ setup: () => drlimPerfStep(2) }, 1, 1);
  const e = await timeWorkload({ setup: () => exemplarPerfStep(4, 10, "4c5-4c5-8f") }, 1, 1);
  assert.deepEqual([d.readbacks, e.readbacks], [0, 0]);
});

Deno.test("countDispatches says -1 off webgpu", async () => {
  await tf.setBackend("cpu");
  assert.equal((await countDispatches(() => Promise.resolve(1))).dispatches, -1);
});

Deno.test({
  name: "countDispatches counts GPU programs, not reshapes; dropout uploads no mask (needs a " +
    "WebGPU adapter)",
  ignore: !adapter,
}, async () => {
  await initBackend("webgpu", { warn: () => {} });
  const x = tf.tensor2d(new Float32Array(4096).fill(1), [64, 64]);
  const d = await countDispatches(async () => {
    const y = tf.tidy(() => tf.reshape(tf.add(tf.reshape(x, [4096]), 1), [64, 64]));
    await y.data();
    y.dispose();
  });
  assert.equal(d.dispatches, 1);
  // Exemplar CNN's dropout: drawn on the device, so nothing but the kernel's seed goes up
  const up = await countUploads(async () => {
    const y = dropout(x, 0.5, 11);
    await y.data();
    y.dispose();
  });
  assert.equal(up.bytes, 0);
  x.dispose();
});

Deno.test("the dense-throughput probes have a PyTorch peer, and their shapes stay as documented", async () => {
  assert.ok((await Deno.stat(new URL("./peers/dense.py", import.meta.url))).isFile);
  assert.deepEqual(DENSE_PROBES.map((p) => p.peer[1]), ["matmul", "conv"]);
});

Deno.test("roundSummary: medians over rounds, and each round's own ratio's median and range", () => {
  const s = roundSummary([
    { ms: 100, readOnceMs: 90, peerMs: 50 }, // ratio 2, read once 1.8
    { ms: 150, readOnceMs: 120, peerMs: 50 }, // 3, 2.4
    { ms: 120, readOnceMs: 100, peerMs: 40 }, // 3, 2.5
  ]);
  assert.equal(s.ms, 120);
  assert.equal(s.readOnceMs, 100);
  assert.equal(s.peerMs, 50);
  assert.equal(s.ratio, 3);
  assert.deepEqual(s.ratioRange, [2, 3]);
  assert.equal(s.readOnceRatio, 2.4);
  assert.deepEqual(s.readOnceRange, [1.8, 2.5]);
  const none = roundSummary([{ ms: 10, readOnceMs: 9, peerMs: null }]);
  assert.equal(none.ratio, null);
  assert.equal(none.ms, 10);
});

Deno.test({
  name: "runPeer passes the peer its environment (PEER_MALLOC: glibc's heap kept)",
  ignore: !(await Deno.stat("/usr/bin/python3").then(() => true, () => false)),
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const script = `${dir}/peer.py`;
    await Deno.writeTextFile(
      script,
      'import json, os\nprint(json.dumps({"median_ms": float(os.environ.get(' +
        '"MALLOC_TRIM_THRESHOLD_", "-1"))}))\n',
    );
    try {
      const tuned = await runPeer(script, [], PEER_MALLOC);
      const plain = await runPeer(script, []);
      assert.ok("median_ms" in tuned && "median_ms" in plain);
      assert.equal(tuned.median_ms, Number(PEER_MALLOC.MALLOC_TRIM_THRESHOLD_));
      assert.equal(plain.median_ms, Number(Deno.env.get("MALLOC_TRIM_THRESHOLD_") ?? -1));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("describeCpu names the model, the cores and the widest vector extension", () => {
  const info = (flags: string) =>
    `processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 ${flags}\n\nprocessor\t: 1\n`;
  assert.equal(describeCpu(info("avx avx2 avx512f avx512bw"), 2), "AMD EPYC, 2 cores, AVX-512");
  assert.equal(describeCpu(info("avx avx2"), 4), "AMD EPYC, 4 cores, AVX2");
  assert.equal(describeCpu("", 2), "unknown CPU, 2 cores");
});

Deno.test({
  name: "hostCpu reads the model under the perf task's permissions (no --allow-all)",
  // needs Linux's /proc/cpuinfo
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const host = await hostCpu();
    assert.ok(!host.startsWith("unknown CPU"), host);
    assert.match(host, new RegExp(`, ${navigator.hardwareConcurrency} cores`));
  },
});
