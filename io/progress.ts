/**
 * Progress reporting for long loops (training epochs, embedding passes).
 *
 * On a terminal it redraws one line in place; otherwise (logs, CI, pipes) it
 * prints a plain line every ~10% of progress and a summary at the end.
 *
 * @module
 */

/** Where progress is written; `Deno.stderr` fits. */
export interface ProgressStream {
  /** Whether the stream is an interactive terminal (enables in-place redraw). */
  isTerminal(): boolean;
  /** Writes some of `b`, returning how many bytes were written. */
  writeSync(b: Uint8Array): number;
}

/** Options for {@link Progress}. */
export interface ProgressOptions {
  /** Number of steps at completion (the unit of `update`'s `done`); must be >= 0. */
  total: number;
  /** Short name shown at the start of every line, e.g. "train pca". */
  label: string;
  /** Unit of `items` shown in the rate, e.g. "img" (default) gives "1234 img/s". */
  unit?: string;
  /** Output stream (default `Deno.stderr`; required where there is no Deno, as in a browser). */
  stream?: ProgressStream;
  /** Clock in milliseconds (default `performance.now`); tests pass a fake one. */
  now?: () => number;
  /** On a non-terminal, print a line every this fraction of `total` (default 0.1). */
  plainEvery?: number;
}

/** Minimum milliseconds between terminal redraws (at most ~10 per second). */
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/** Formats seconds as "12s", "1m05s" or "2h03m04s". */
function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (h > 0) return `${h}h${pad(m)}m${pad(s)}s`;
  if (m > 0) return `${m}m${pad(s)}s`;
  return `${s}s`;
}

/** Formats a rate with about 3 significant digits, without exponents. */
function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return "--";
  if (rate >= 100) return String(Math.round(rate));
  if (rate >= 10) return rate.toFixed(1);
  return rate.toFixed(2);
}

/**
 * A progress reporter for a loop of `total` steps.
 *
 * Call {@link Progress.update} after each step with the number of steps done so
 * far, and optionally the running loss and the number of items (images)
 * processed so far; call {@link Progress.done} once at the end.
 *
 * On a terminal it shows one line, redrawn in place (`\r` then clear to end of
 * line) at most ~10 times per second, with a bar, percent, done/total, elapsed
 * time, ETA, items per second and loss. Elsewhere it prints a plain line each
 * time progress crosses a multiple of `plainEvery` (10% by default), and a
 * summary line from `done()`.
 *
 * Write errors (for example a closed pipe) never throw: output just stops.
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * const steps = 3, batchSize = 64;
 * const p = new Progress({ total: steps, label: "train" });
 * for (let i = 1; i <= steps; i++) {
 *   const loss = 1 / i; // a training step's loss
 *   p.update(i, { loss, items: i * batchSize });
 * }
 * p.done();
 * ```
 */
export class Progress {
  readonly #total: number;
  readonly #label: string;
  readonly #unit: string;
  readonly #stream: ProgressStream;
  readonly #now: () => number;
  readonly #plainEvery: number;
  readonly #terminal: boolean;
  readonly #start: number;
  readonly #encoder = new TextEncoder();
  #done = 0;
  #loss: number | undefined;
  #items: number | undefined;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #nextPlain: number;
  #finished = false;
  #broken = false;

  /**
   * @param opts See {@link ProgressOptions}.
   * @throws Error when `total` or `plainEvery` is not a sensible number.
   */
  constructor(opts: ProgressOptions) {
    if (!Number.isFinite(opts.total) || opts.total < 0) {
      throw new Error(
        `Progress "${opts.label}": total must be a finite number >= 0, got ${opts.total}; ` +
          `pass the number of steps the loop will run.`,
      );
    }
    const plainEvery = opts.plainEvery ?? 0.1;
    if (!Number.isFinite(plainEvery) || plainEvery <= 0 || plainEvery > 1) {
      throw new Error(
        `Progress "${opts.label}": plainEvery must be a fraction in (0, 1], got ${plainEvery}; ` +
          `for a line every 10% pass 0.1.`,
      );
    }
    this.#total = opts.total;
    this.#label = opts.label;
    this.#unit = opts.unit ?? "img";
    const stream = opts.stream ?? (globalThis as { Deno?: typeof Deno }).Deno?.stderr;
    if (!stream) {
      throw new Error(
        `Progress "${opts.label}": no stream given, and no standard error here (this is not Deno): pass one`,
      );
    }
    this.#stream = stream;
    this.#now = opts.now ?? (() => performance.now());
    this.#plainEvery = plainEvery;
    this.#nextPlain = plainEvery;
    let terminal = false;
    try {
      terminal = this.#stream.isTerminal();
    } catch {
      terminal = false;
    }
    this.#terminal = terminal;
    this.#start = this.#now();
  }

  /**
   * Records progress and redraws or prints a line when due.
   *
   * @param done Steps completed so far (out of `total`).
   * @param info `loss`: current (running) loss, shown as given; `items`: items
   *   (images) processed so far, used for the items-per-second rate.
   */
  update(done: number, info: { loss?: number; items?: number } = {}): void {
    if (this.#finished) return;
    this.#done = done;
    if (info.loss !== undefined) this.#loss = info.loss;
    if (info.items !== undefined) this.#items = info.items;
    const t = this.#now();
    if (this.#terminal) {
      if (t - this.#lastDraw >= REDRAW_MS || this.#fraction() >= 1) {
        this.#lastDraw = t;
        this.#write(`\r${this.#line(t, true)}\x1b[K`);
      }
      return;
    }
    const frac = this.#fraction();
    if (frac + 1e-9 >= this.#nextPlain) {
      this.#nextPlain = (Math.floor(frac / this.#plainEvery + 1e-9) + 1) * this.#plainEvery;
      this.#write(`${this.#line(t, false)}\n`);
    }
  }

  /** Finishes the report: final redraw and newline on a terminal, else a summary line. */
  done(): void {
    if (this.#finished) return;
    this.#finished = true;
    const t = this.#now();
    if (this.#terminal) {
      this.#write(`\r${this.#line(t, true)}\x1b[K\n`);
      return;
    }
    const elapsed = (t - this.#start) / 1000;
    const parts = [
      `${this.#label}: done ${this.#done}/${this.#total} in ${formatDuration(elapsed)}`,
    ];
    const rate = this.#rate(elapsed);
    if (rate !== undefined) parts.push(rate);
    if (this.#loss !== undefined) parts.push(`loss ${this.#formatLoss()}`);
    this.#write(`${parts.join(", ")}\n`);
  }

  #fraction(): number {
    if (this.#total === 0) return 1;
    return Math.min(1, Math.max(0, this.#done / this.#total));
  }

  #rate(elapsed: number): string | undefined {
    if (this.#items === undefined) return undefined;
    const rate = elapsed > 0 ? this.#items / elapsed : Number.NaN;
    return `${formatRate(rate)} ${this.#unit}/s`;
  }

  #formatLoss(): string {
    const loss = this.#loss ?? Number.NaN;
    return Number.isFinite(loss) ? String(Number(loss.toPrecision(4))) : String(loss);
  }

  #line(t: number, withBar: boolean): string {
    const frac = this.#fraction();
    const elapsed = (t - this.#start) / 1000;
    const eta = this.#done > 0 && this.#total > 0
      ? elapsed * Math.max(0, this.#total - this.#done) / this.#done
      : Number.NaN;
    const pct = `${Math.floor(frac * 100)}%`.padStart(4);
    const parts = [this.#label + (withBar ? "" : ":")];
    if (withBar) {
      const filled = Math.round(frac * BAR_WIDTH);
      parts.push(`[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}]`);
    }
    parts.push(pct, `${this.#done}/${this.#total}`);
    parts.push(`elapsed ${formatDuration(elapsed)}`, `ETA ${formatDuration(eta)}`);
    const rate = this.#rate(elapsed);
    if (rate !== undefined) parts.push(rate);
    if (this.#loss !== undefined) parts.push(`loss ${this.#formatLoss()}`);
    return parts.join(" ");
  }

  #write(text: string): void {
    if (this.#broken) return;
    let bytes = this.#encoder.encode(text);
    try {
      while (bytes.length > 0) {
        const n = this.#stream.writeSync(bytes);
        if (n <= 0) break;
        bytes = bytes.subarray(n);
      }
    } catch {
      this.#broken = true;
    }
  }
}
