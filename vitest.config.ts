// Vitest's defaults, except how long a test may run before it counts as hung. Many tests spawn the
// CLI or compile every rule: on a loaded 2-core VM some took 5-6 s with nothing wrong, past
// vitest's default of 5 s. Speed is measured by bench/, never by how long a test takes.
import { defineConfig } from "vitest/config";

export default defineConfig({ test: { testTimeout: 30_000 } });
