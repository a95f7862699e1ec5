/**
 * Colour and progress for the command's human output, hand-written (no dependency).
 *
 * Colour, per stream: FORCE_COLOR set to anything but "0"/"false" turns it on (as Node does, it
 * wins over NO_COLOR: the user asked explicitly); otherwise NO_COLOR set to a non-empty value
 * (no-color.org), a stream that is not a terminal, or TERM=dumb turn it off.
 * Progress: drawn on stderr only when stderr is a terminal, never into a pipe or a file, so
 * scripted output and logs stay plain. Frames are written synchronously (fs.writeSync) because the
 * long work they report (trail verification, replay) is mostly synchronous: a timer would not fire.
 */
import { writeSync } from "node:fs";

export interface StreamInfo {
  readonly isTTY?: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Whether to colour output written to a stream with this TTY status under this environment. */
export function colorEnabled(stream: StreamInfo, env: Env = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

const SGR = { bold: "1", dim: "2", red: "31", green: "32", yellow: "33", blue: "34", magenta: "35", cyan: "36", gray: "90" } as const;
export type Color = keyof typeof SGR;

export type Paint = Record<Color, (s: string) => string> & { readonly enabled: boolean };

/** Colour functions that are identity when colour is off. */
export function painter(enabled: boolean): Paint {
  const p = { enabled } as { -readonly [K in keyof Paint]: Paint[K] };
  for (const [name, code] of Object.entries(SGR) as [Color, string][]) p[name] = enabled ? (s) => `\x1b[${code}m${s}\x1b[0m` : (s) => s;
  return p;
}

/** Painters for the process's stdout and stderr. */
export const out = painter(colorEnabled(process.stdout));
export const err = painter(colorEnabled(process.stderr));

/** Colour of a decision or outcome word. */
export function outcomeColor(p: Paint, word: string): string {
  if (word === "allow" || word === "allowed" || word === "ok") return p.green(word);
  if (word === "deny" || word === "blocked" || word === "error" || word === "INVALID") return p.red(word);
  if (word === "redact" || word === "redacted" || word === "allow_logged" || word === "logged" || word === "fail_open") return p.yellow(word);
  return word;
}

export interface ProgressSink {
  readonly isTTY?: boolean;
  write(s: string): void;
}

const stderrSink: ProgressSink = {
  get isTTY() {
    return process.stderr.isTTY === true;
  },
  write: (s) => {
    try {
      writeSync(2, s);
    } catch {
      // EAGAIN on a non-blocking terminal: drop the frame, the next one redraws everything
    }
  },
};

/**
 * A one-line progress indicator: `label  [#####.....]  42%  detail`, redrawn in place at most every
 * `intervalMs`. Without a known total it shows a counter. Does nothing unless the sink is a TTY.
 */
export class Progress {
  private last = 0;
  private drawn = false;
  private readonly active: boolean;
  private readonly paint: Paint;

  constructor(
    private readonly label: string,
    private total: number | null = null,
    private readonly sink: ProgressSink = stderrSink,
    private readonly intervalMs = 80,
    env: Env = process.env,
  ) {
    this.active = sink.isTTY === true;
    this.paint = painter(this.active && colorEnabled(sink, env));
  }

  get enabled(): boolean {
    return this.active;
  }

  setTotal(total: number | null): void {
    this.total = total;
  }

  /** Reports `done` units of work (of `total`); draws when enough time has passed or when forced. */
  update(done: number, detail = "", force = false): void {
    if (!this.active) return;
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    let line: string;
    if (this.total !== null && this.total > 0) {
      const f = Math.max(0, Math.min(1, done / this.total));
      const width = 24;
      const filled = Math.round(f * width);
      line = `${this.label}  [${this.paint.cyan("#".repeat(filled))}${this.paint.dim(".".repeat(width - filled))}] ${String(Math.floor(f * 100)).padStart(3)}%`;
    } else line = `${this.label}  ${done}`;
    if (detail) line += `  ${this.paint.dim(detail)}`;
    this.sink.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  /** Erases the line (the caller then prints the result). */
  done(): void {
    if (this.active && this.drawn) this.sink.write("\r\x1b[2K");
    this.drawn = false;
  }
}
