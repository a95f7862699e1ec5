/** Policy file access through Deno's own APIs (needs --allow-read for the policy files only). */
import type { PolicyIO } from "../../policies/loader.js";

declare const Deno: { readTextFileSync(path: string): string; cwd(): string };

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : p.slice(0, i);
}

function normalize(p: string): string {
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return (abs ? "/" : "") + out.join("/");
}

export const denoIO: PolicyIO = {
  readText: (path) => Deno.readTextFileSync(path),
  resolve: (fromFile, rel) => normalize(rel.startsWith("/") ? rel : `${dirname(fromFile.startsWith("/") ? fromFile : `${Deno.cwd()}/${fromFile}`)}/${rel}`),
};
