/**
 * Headless Chromium driven over the DevTools protocol (a WebSocket; no npm package, no browser
 * download): Debian's `chromium` with WebGPU on the CPU through SwiftShader, as
 * shared/docs/browser.md found works on machines without a GPU. The browser and the page are
 * the caller's to close (`close()` ends exactly the process it started).
 * @module
 */

/** Where Debian installs Chromium; null when it is not installed. */
export function chromiumPath(): string | null {
  // Ubuntu's chromium-browser may be a wrapper around a snap: a real Chrome comes first
  for (const p of ["/usr/bin/chromium", "/usr/bin/google-chrome", "/usr/bin/chromium-browser"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch { /* not here */ }
  }
  return null;
}

/** The flags under which headless Chromium gets a WebGPU adapter without a GPU. */
export const WEBGPU_FLAGS = [
  "--headless=new",
  "--no-sandbox", // everything runs as root on these machines
  "--enable-unsafe-webgpu",
  "--enable-unsafe-swiftshader",
  "--use-webgpu-adapter=swiftshader",
  "--window-size=1280,1600",
  "--hide-scrollbars",
];

/** One page (tab) of the browser: navigate, evaluate, screenshot, and what its console said. */
export interface Tab {
  navigate(url: string): Promise<void>;
  evaluate<T>(expression: string): Promise<T>;
  /** a PNG of what the window shows now (1280 x 1600 pixels: the top of a long page) */
  screenshot(): Promise<Uint8Array>;
  /** console errors and uncaught exceptions since the tab opened */
  errors: string[];
}

/** A browser started by {@linkcode launchChromium}. */
export interface Browser {
  tab(): Promise<Tab>;
  close(): Promise<void>;
}

/** Starts headless Chromium with WebGPU; throws with the fix when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  const bin = chromiumPath();
  if (!bin) {
    throw new Error("Chromium is not installed: apt-get install -y chromium (Debian's package)");
  }
  const profile = await Deno.makeTempDir({ prefix: "ssl-bench-chromium-" });
  const child = new Deno.Command(bin, {
    args: [
      ...WEBGPU_FLAGS,
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    env: { XDG_RUNTIME_DIR: Deno.env.get("XDG_RUNTIME_DIR") ?? "/tmp" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Chromium says where its DevTools listen on stderr; the rest of stderr is drained unread
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "", ws: string | null = null;
  const deadline = Date.now() + 30_000;
  while (!ws && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
    ws = /DevTools listening on (ws:\/\/\S+)/.exec(seen)?.[1] ?? null;
  }
  if (!ws) {
    child.kill();
    throw new Error(`Chromium did not start its DevTools endpoint: ${seen.slice(-500)}`);
  }
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })().catch(() => {});
  const cdp = await connect(ws);
  return {
    tab: async () => {
      const { targetId } = await cdp.send<{ targetId: string }>("Target.createTarget", {
        url: "about:blank",
      });
      const { sessionId } = await cdp.send<{ sessionId: string }>("Target.attachToTarget", {
        targetId,
        flatten: true,
      });
      const errors: string[] = [];
      cdp.on(sessionId, (method, params) => {
        const p = params as Record<string, unknown>;
        if (method === "Runtime.exceptionThrown") {
          const d = p.exceptionDetails as { text: string; exception?: { description?: string } };
          errors.push(`uncaught: ${d.exception?.description ?? d.text}`);
        } else if (method === "Runtime.consoleAPICalled" && p.type === "error") {
          const args = p.args as { value?: unknown; description?: string }[];
          errors.push(`console.error: ${args.map((a) => a.value ?? a.description).join(" ")}`);
        } else if (method === "Log.entryAdded") {
          const e = p.entry as { level: string; text: string; url?: string };
          if (e.level === "error") errors.push(`${e.text}${e.url ? ` (${e.url})` : ""}`);
        }
      });
      const send = <T>(m: string, params: Record<string, unknown> = {}) =>
        cdp.send<T>(m, params, sessionId);
      await send("Page.enable");
      await send("Runtime.enable");
      await send("Log.enable");
      return {
        errors,
        navigate: async (url) => {
          const loaded = cdp.once(sessionId, "Page.loadEventFired");
          await send("Page.navigate", { url });
          await loaded;
        },
        evaluate: async <T>(expression: string) => {
          const r = await send<{ result: { value: T }; exceptionDetails?: { text: string } }>(
            "Runtime.evaluate",
            { expression, awaitPromise: true, returnByValue: true },
          );
          if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.text}`);
          return r.result.value;
        },
        screenshot: async () => {
          const { data } = await send<{ data: string }>("Page.captureScreenshot", {
            format: "png",
          });
          return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        },
      };
    },
    close: async () => {
      cdp.close();
      try {
        child.kill();
      } catch { /* already gone */ }
      await child.status;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}

/** A DevTools protocol connection: commands with replies, and events by session. */
async function connect(url: string) {
  const sock = new WebSocket(url);
  await new Promise((ok, fail) => {
    sock.onopen = ok;
    sock.onerror = () => fail(new Error(`cannot connect to Chromium's DevTools at ${url}`));
  });
  let next = 1;
  const waiting = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  const listeners: { session: string; fn: (method: string, params: unknown) => void }[] = [];
  sock.onmessage = (e) => {
    const msg = JSON.parse(e.data as string);
    if (msg.id !== undefined) {
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) w?.fail(new Error(`${msg.error.message} (${msg.error.code})`));
      else w?.ok(msg.result);
    } else {
      for (const l of listeners) if (l.session === msg.sessionId) l.fn(msg.method, msg.params);
    }
  };
  return {
    send<T>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
      const id = next++;
      sock.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      return new Promise<T>((ok, fail) =>
        waiting.set(id, { ok: ok as (v: unknown) => void, fail })
      );
    },
    on(session: string, fn: (method: string, params: unknown) => void) {
      listeners.push({ session, fn });
    },
    once(session: string, event: string): Promise<unknown> {
      return new Promise((ok) => {
        const l = {
          session,
          fn: (m: string, p: unknown) => {
            if (m !== event) return;
            listeners.splice(listeners.indexOf(l), 1);
            ok(p);
          },
        };
        listeners.push(l);
      });
    },
    close: () => sock.close(),
  };
}
