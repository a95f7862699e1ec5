// The loader's only contact with the outside world. Hosts (Node, Deno, Bun, a browser bundle with
// an in-memory map) inject it, so the loader itself imports nothing platform-specific.

export interface PolicyIO {
  /** The text of a policy file. Throws (any error) when it cannot be read. */
  readText(path: string): string;
  /** The path of `rel` (an `extends:` value) relative to the directory of the file `fromFile`. */
  resolve(fromFile: string, rel: string): string;
  /**
   * Optional: a canonical identity for a path (absolute, symlinks resolved), used to detect
   * `extends` cycles when one file is reached by two spellings. Without it paths compare as strings.
   */
  canonical?(path: string): string;
}
