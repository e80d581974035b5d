import assert from "node:assert/strict";
import { Progress, type ProgressStream } from "./progress.ts";

/** A stream that records what is written, and a clock the test moves by hand. */
function fakes(terminal: boolean) {
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const stream: ProgressStream = {
    isTerminal: () => terminal,
    writeSync(b: Uint8Array): number {
      chunks.push(decoder.decode(b));
      return b.length;
    },
  };
  const clock = { ms: 0 };
  return { stream, clock, now: () => clock.ms, text: () => chunks.join("") };
}

Deno.test("Progress prints about 11 plain lines for 100 updates off a terminal", () => {
  const f = fakes(false);
  const p = new Progress({ total: 100, label: "train", stream: f.stream, now: f.now });
  for (let i = 1; i <= 100; i++) {
    f.clock.ms += 500;
    p.update(i, { loss: 1 / i, items: i * 64 });
  }
  p.done();
  const lines = f.text().split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 11);
  assert.ok(!f.text().includes("\r"));
  for (const line of lines.slice(0, 10)) {
    assert.match(line, /^train: /);
    assert.match(line, /ETA /);
    assert.match(line, /128 img\/s/);
    assert.match(line, /loss /);
  }
  assert.match(lines[0] ?? "", /10% 10\/100 elapsed 5s ETA 45s/);
  assert.match(lines[9] ?? "", /100% 100\/100 .*ETA 0s/);
  assert.equal(lines[10], "train: done 100/100 in 50s, 128 img/s, loss 0.01");
});

Deno.test("Progress prints one line per threshold even when updates jump past several", () => {
  const f = fakes(false);
  const p = new Progress({ total: 1000, label: "x", stream: f.stream, now: f.now });
  p.update(1);
  p.update(350);
  p.update(360);
  p.update(1000);
  p.done();
  const lines = f.text().trimEnd().split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[0] ?? "", /35% 350\/1000/);
  assert.match(lines[1] ?? "", /100% 1000\/1000/);
});

Deno.test("Progress honours plainEvery and omits the rate without items", () => {
  const f = fakes(false);
  const p = new Progress({
    total: 8,
    label: "embed",
    unit: "row",
    stream: f.stream,
    now: f.now,
    plainEvery: 0.25,
  });
  for (let i = 1; i <= 8; i++) p.update(i);
  p.done();
  const text = f.text();
  assert.equal(text.trimEnd().split("\n").length, 5);
  assert.ok(!text.includes("/s"));
  assert.ok(!text.includes("loss"));
});

Deno.test("Progress redraws one terminal line with \\r at most about 10 times a second", () => {
  const f = fakes(true);
  const p = new Progress({ total: 100, label: "train", stream: f.stream, now: f.now });
  for (let i = 1; i <= 100; i++) {
    f.clock.ms += 10; // 100 updates over one second
    p.update(i, { loss: 0.5, items: i * 10 });
  }
  p.done();
  const text = f.text();
  const redraws = text.split("\r").length - 1;
  assert.ok(redraws >= 10 && redraws <= 13, `redraws: ${redraws}`);
  assert.ok(text.includes("\x1b[K"));
  assert.ok(text.endsWith("\n"));
  assert.equal(text.split("\n").length - 1, 1, "only done() ends the line");
  assert.match(text, /\[#{24}\] 100% 100\/100 elapsed 1s ETA 0s 1000 img\/s loss 0.5/);
  assert.match(text, /\[#{3}\.{21}\] {2}11% 11\/100/);
});

Deno.test("Progress formats elapsed time and ETA as minutes and hours", () => {
  const f = fakes(false);
  const p = new Progress({ total: 100, label: "t", stream: f.stream, now: f.now });
  f.clock.ms = 65_000;
  p.update(50, { items: 6500 });
  f.clock.ms = 3_725_000;
  p.update(60);
  p.done();
  const lines = f.text().trimEnd().split("\n");
  assert.match(lines[0] ?? "", /elapsed 1m05s ETA 1m05s 100 img\/s/);
  assert.match(lines[1] ?? "", /elapsed 1h02m05s ETA 41m23s/);
  assert.match(lines[2] ?? "", /done 60\/100 in 1h02m05s/);
});

Deno.test("Progress shows an unknown ETA before the first step and handles total 0", () => {
  const f = fakes(true);
  const p = new Progress({ total: 10, label: "t", stream: f.stream, now: f.now });
  p.update(0, { loss: Number.NaN });
  assert.match(f.text(), /ETA -- .*loss NaN/);
  const g = fakes(false);
  const q = new Progress({ total: 0, label: "empty", stream: g.stream, now: g.now });
  q.update(0);
  q.done();
  assert.match(g.text(), /100% 0\/0/);
});

Deno.test("Progress rejects a bad total or plainEvery with a clear message", () => {
  const f = fakes(false);
  assert.throws(
    () => new Progress({ total: Number.NaN, label: "t", stream: f.stream }),
    /total must be a finite number >= 0, got NaN/,
  );
  assert.throws(
    () => new Progress({ total: 10, label: "t", stream: f.stream, plainEvery: 0 }),
    /plainEvery must be a fraction in \(0, 1\]/,
  );
});

Deno.test("Progress never throws when the stream fails, and ignores updates after done", () => {
  let calls = 0;
  const stream: ProgressStream = {
    isTerminal: () => true,
    writeSync: () => {
      calls++;
      throw new Error("broken pipe");
    },
  };
  const p = new Progress({ total: 2, label: "t", stream, now: () => 0 });
  p.update(1);
  p.update(2);
  p.done();
  p.done();
  p.update(3);
  assert.equal(calls, 1);
});
