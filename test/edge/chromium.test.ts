// The browser bundle in headless Chromium (Debian's package, installed by .ci/run): the policy
// is compiled in the page, and the answers are byte-identical to Node's.
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerInNode } from "./node-answer.js";

const CHROMIUM = "/usr/bin/chromium";
const files: Record<string, [string, string]> = {
  "/": ["text/html", `<!doctype html><script type="module">
    import * as ec from "/browser.js";
    import { answer, calls, policy } from "/corpus.mjs";
    try {
      const engine = ec.createEngineSync(ec.engineWasmBytes(), { digest: ec.ENGINE_DIGEST });
      engine.loadPolicy(ec.compilePolicyObject(policy));
      window.result = answer(engine, calls());
    } catch (e) { window.result = "page error: " + e.message; }
  </script>`],
  "/browser.js": ["text/javascript", readFileSync(new URL("../../dist/browser.js", import.meta.url), "utf8")],
  "/corpus.mjs": ["text/javascript", readFileSync(new URL("./corpus.mjs", import.meta.url), "utf8")],
};

let server: Server;
let browser: Browser;
let base = "";

describe.skipIf(!existsSync(CHROMIUM))("browser bundle in headless Chromium", () => {
  beforeAll(async () => {
    server = createServer((req, res) => {
      const f = files[req.url ?? "/"];
      if (!f) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": f[0] }).end(f[1]);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"],
      // Playwright gives every launch a fresh, empty user-data-dir.
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it("gives byte-identical answers to Node for the same calls", async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.waitForFunction(() => (window as unknown as { result?: string }).result !== undefined, null, { timeout: 30_000 });
    const result = await page.evaluate(() => (window as unknown as { result: string }).result);
    expect(result).toBe(answerInNode());
  }, 60_000);
});
