/**
 * The tiny runner: `npx tsx eval/main.ts [options]` runs the suite from source, exactly as
 * `enforcecore eval [options]` does once the CLI dispatches to runEvalCommand (see eval/cli.ts).
 */
import { runEvalCommand } from "./cli.js";

process.exitCode = await runEvalCommand(process.argv.slice(2));
