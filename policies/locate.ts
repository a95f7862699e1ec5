// Finds where a key path sits in a parsed YAML document, as 1-based line and column.
//
// Walks the node tree itself rather than `doc.getIn`, because `getIn` matches keys by value (so a
// YAML key `1` would not match the path segment "1"), does not follow aliases (`*anchor`) or merge
// keys (`<<`), and cannot return a key node. When the path does not exist (a missing required key),
// the deepest node that does exist is returned: the nearest existing parent.
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair, type YAMLMap } from "yaml";
import type { Locator } from "./issues.js";
import type { Path } from "./normalize.js";

function keyText(pair: Pair): string | undefined {
  const k = pair.key;
  // A merge key's value is a Symbol; its source text is `<<`.
  if (isScalar(k)) return typeof k.value === "symbol" ? k.source : String(k.value);
  return k === null || k === undefined ? undefined : String(k);
}

/** The pair for `key` in a map, looking through `<<` merge keys as YAML 1.1 loaders do. */
function findPair(doc: Document, map: YAMLMap, key: string, depth = 0): Pair | undefined {
  const own = map.items.find((p) => keyText(p) === key);
  if (own || depth > 8) return own;
  for (const p of map.items) {
    if (keyText(p) !== "<<") continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const src of sources) {
      const target = resolve(doc, src);
      if (isMap(target)) {
        const found = findPair(doc, target, key, depth + 1);
        if (found) return found;
      }
    }
  }
  return undefined;
}

function resolve(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

export function yamlLocator(doc: Document, lineCounter: LineCounter): Locator {
  const pos = (node: unknown): { line?: number; col?: number } => {
    const range = (node as Node | null | undefined)?.range;
    return range ? lineCounter.linePos(range[0]) : {};
  };
  return (path: Path, onKey: boolean) => {
    let node: unknown = doc.contents;
    let best: unknown = node;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i] as string | number;
      node = resolve(doc, node);
      let child: unknown;
      let keyNode: unknown;
      if (isMap(node)) {
        const pair = findPair(doc, node, String(seg));
        if (!pair) break;
        keyNode = pair.key;
        child = pair.value;
      } else if (isSeq(node) && Number.isInteger(Number(seg))) {
        child = node.items[Number(seg)];
        if (child === undefined) break;
      } else break;
      if (i === path.length - 1 && onKey && keyNode) {
        best = keyNode;
        break;
      }
      // An empty value (`key:` and nothing) has no useful position of its own: point at the key.
      const range = (child as Node | null | undefined)?.range;
      if (!range || range[0] === range[1]) {
        best = keyNode ?? best;
        break;
      }
      best = child;
      node = child;
    }
    return pos(best);
  };
}
