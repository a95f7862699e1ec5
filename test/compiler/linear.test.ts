// The prototype's quadratic case (wasm-notes §2b): `a|a[^z]*z` on "a" × 100,000. With an
// earliest-end search table plus a reverse table every scan is one linear pass.
import { describe, expect, it } from "vitest";
import { compilePattern } from "../../engine/compiler/regex.js";
import { findAll, parseTable, searchFirstEnd } from "../../engine/compiler/dfa-sim.js";

describe("linear time", () => {
  const text = "a".repeat(100_000);

  it("a|a[^z]*z: finds every match in one pass over 'a' × 100000", () => {
    const search = parseTable(compilePattern("a|a[^z]*z", { kind: "search" }));
    const reverse = parseTable(compilePattern("a|a[^z]*z", { kind: "reverse" }));
    expect(searchFirstEnd(search, text)).toBe(1);
    const matches = findAll(search, reverse, text);
    expect(matches.length).toBe(100_000);
    expect(matches[99_999]).toEqual([99_999, 100_000]);
  });

  it("a[^z]*z: scans the whole text once and finds nothing", () => {
    const search = parseTable(compilePattern("a[^z]*z", { kind: "search" }));
    const reverse = parseTable(compilePattern("a[^z]*z", { kind: "reverse" }));
    expect(searchFirstEnd(search, text)).toBe(-1);
    expect(findAll(search, reverse, text)).toEqual([]);
    expect(findAll(search, reverse, `${text}z`)).toEqual([[0, 100_001]]);
  });
});
