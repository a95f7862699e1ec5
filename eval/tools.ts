/**
 * Real tool implementations, bound to one sandbox world. They do what their names say, and several
 * are vulnerable on purpose (a shell-built grep, a string-built SQL query, an `eval` calculator,
 * a file reader that trusts `..`), because an agent's tools often are: the suite shows the
 * enforcer containing attacks on them, not on toys that cannot be hurt.
 *
 * Every file path goes through `world.path`, which refuses to leave the temp directory, and every
 * network call goes to the world's sinkholes: the damage is real, and confined to the sandbox.
 */
import { execFile } from "node:child_process";
import { promises as dnsPromises } from "node:dns";
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { dirname, join } from "node:path";
import type { ToolContext } from "../core/enforcer.js";
import { CUSTOMERS, type World } from "./world.js";

export interface HttpArgs {
  readonly url: string;
  readonly method?: string;
  readonly body?: string;
  /** Resolve `url` against this base first (as SDKs with a base URL do). */
  readonly base?: string;
}

/** Sends a real HTTP request. Every host resolves to the world's sinkhole; the Host header says which host was meant. */
export function sinkRequest(world: World, args: HttpArgs, signal?: AbortSignal): Promise<string> {
  const url = args.base !== undefined ? new URL(args.url, args.base) : new URL(args.url);
  const headers: Record<string, string> = { host: url.host };
  if (url.username || url.password) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
  const body = args.body ?? "";
  if (body) headers["content-length"] = String(Buffer.byteLength(body));
  return new Promise((resolveText, reject) => {
    const req = request({ host: "127.0.0.1", port: world.http.port, method: args.method ?? (body ? "POST" : "GET"), path: `${url.pathname}${url.search}`, headers, agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolveText(Buffer.concat(chunks).toString("utf8")));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Runs `sh -c command` in the sandbox directory. */
export function sh(world: World, command: string, signal?: AbortSignal): Promise<string> {
  return new Promise((ok, fail) => {
    execFile("sh", ["-c", command], { cwd: world.dir, timeout: 5000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, signal }, (err, stdout, stderr) => {
      if (err && (err as { code?: unknown }).code === "ABORT_ERR") fail(err);
      else ok(`${stdout}${stderr}`);
    });
  });
}

type Row = (typeof CUSTOMERS)[number];

/** A string-built query over the users table, evaluated by a tiny (and injectable) SQL subset. */
export function toyQuery(sql: string): Row[] {
  const where = /WHERE\s+([\s\S]*)$/i.exec(sql)?.[1] ?? "";
  const clause = where.replace(/--[\s\S]*$/, ""); // a line comment ends the statement
  const terms = clause.split(/\s+OR\s+/i);
  return CUSTOMERS.filter((row) =>
    terms.some((t) => {
      const eq = /^\s*name\s*=\s*'([^']*)'\s*$/i.exec(t);
      if (eq) return row.name === eq[1];
      const taut = /^\s*'?\s*(\d+)\s*=\s*(\d+)\s*$/.exec(t);
      return taut !== null && taut[1] === taut[2];
    }),
  );
}

/** Sleeps `ms`, or less if `signal` aborts (the listener is removed either way). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((ok) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      ok();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

/** The tools of one world. Each is `(args, ctx) => result`, the enforcer's tool shape. */
export function makeTools(world: World) {
  const writeIn = (rel: string, text: string) => {
    const p = world.path(rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  };
  const grep = (q: string, signal: AbortSignal) => sh(world, `grep -ril '${q}' docs || true`, signal);
  return {
    list_files: (args: { dir?: string }) => readdirSync(world.path(args.dir ?? ".")).sort(),
    /** Reads a document: the path is relative to docs/ and `..` is (wrongly) trusted. */
    read_file: (args: { path: string }) => readFileSync(world.path(join("docs", args.path)), "utf8"),
    write_file: (args: { path: string; content: string }) => {
      writeIn(args.path, args.content);
      return `wrote ${Buffer.byteLength(args.content)} bytes to ${args.path}`;
    },
    delete_file: (args: { path: string }) => {
      rmSync(world.path(args.path), { recursive: true, force: true });
      return `deleted ${args.path}`;
    },
    execute_shell: (args: { command: string }, ctx: ToolContext) => sh(world, args.command, ctx.signal),
    /** Full-text search built as a shell command: the query is pasted between single quotes. */
    search_docs: (args: { q: string }, ctx: ToolContext) => grep(args.q, ctx.signal),
    /** A batch runner: each job's params go to the same grep. */
    run_jobs: async (args: { jobs: { kind: string; params: { q: string } }[] }, ctx: ToolContext) => {
      const out: string[] = [];
      for (const j of args.jobs) out.push(await grep(j.params.q, ctx.signal));
      return out.join("");
    },
    /** Looks a customer up by name with a string-built SQL query. */
    query_users: (args: { name: string }) => toyQuery(`SELECT * FROM users WHERE name = '${args.name}'`).map((r) => r.name),
    /** A calculator that evaluates the expression as JavaScript. */
    calculate: (args: { expr: string }) => {
      const value = new Function(`"use strict"; return (${args.expr});`)();
      return String(value);
    },
    search_web: (args: { q: string }) => `results for ${args.q}: 3 pages`,
    summarize: (args: { text: string }) => sinkRequest(world, { url: "https://llm.example.com/v1/summarize", body: args.text }),
    http_request: (args: HttpArgs, ctx: ToolContext) => sinkRequest(world, args, ctx.signal),
    fetch_page: (args: { url: string }, ctx: ToolContext) => sinkRequest(world, { url: args.url }, ctx.signal),
    /** A webhook runner: posts `data` to every callback URL found in its (nested) options. */
    run_webhooks: async (args: { data: string; options: { hooks: { targets: { url: string }[] }[] } }, ctx: ToolContext) => {
      const sent: string[] = [];
      for (const h of args.options.hooks) for (const t of h.targets) sent.push(await sinkRequest(world, { url: t.url, body: args.data }, ctx.signal));
      return `${sent.length} webhooks sent`;
    },
    dns_lookup: async (args: { host: string }) => {
      const r = new dnsPromises.Resolver({ timeout: 500, tries: 1 });
      r.setServers([`127.0.0.1:${world.dns.port}`]);
      return (await r.resolve4(args.host)).join(",");
    },
    send_email: (args: { to: string; subject: string; body: string }) => sinkRequest(world, { url: "http://mail.internal/send", body: JSON.stringify(args) }),
    send_notification: (args: { to: string; text: string }) => sinkRequest(world, { url: "http://notify.internal/push", body: JSON.stringify(args) }),
    /** The paid model API: every call charges $1 at the sinkhole and reports it. */
    call_llm: async (args: { prompt: string }, ctx: ToolContext) => {
      const out = await sinkRequest(world, { url: "https://llm.example.com/v1/charge", body: args.prompt }, ctx.signal);
      ctx.reportCost(1);
      return out;
    },
    /** A customer record, straight from the database: structured, and full of PII. */
    lookup_user: (args: { id: number }) => {
      const u = CUSTOMERS.find((c) => c.id === args.id) ?? CUSTOMERS[0];
      return { user: { id: u.id, name: u.name, contact: { email: u.email, phones: [u.phone] } }, billing: { ssn: u.ssn, cards: [{ number: u.card, primary: true }] }, tags: ["vip"] };
    },
    read_env: () => readFileSync(world.path(".env"), "utf8"),
    /** Appends to a third-party log store (where input PII would end up). */
    log_event: (args: unknown) => {
      appendFileSync(world.path("logs/events.jsonl"), `${JSON.stringify(args)}\n`);
      return "logged";
    },
    /** Long-running work that checks its abort signal between steps; writes its progress. */
    slow_task: async (args: { steps: number }, ctx: ToolContext) => {
      let done = 0;
      for (; done < args.steps && !ctx.signal.aborted; done++) {
        writeIn("logs/progress.txt", String(done + 1));
        await sleep(10, ctx.signal);
      }
      return `${done} steps`;
    },
    admin_reset: () => {
      writeIn("db/users.json", "[]\n");
      return "database reset";
    },
    set_env: (args: { name: string; value: string }) => {
      appendFileSync(world.path(".env"), `${args.name}=${args.value}\n`);
      return `set ${args.name}`;
    },
    write_to_db: (args: { table: string; row: unknown }) => {
      appendFileSync(world.path(`db/${args.table}.jsonl`), `${JSON.stringify(args.row)}\n`);
      return "inserted";
    },
  };
}

export type Tools = ReturnType<typeof makeTools>;
