import { compilePolicyObject, createEngineSync, ENGINE_DIGEST, engineWasmBytes } from "../../hosts/node/index.js";
import { answer, calls, policy } from "./corpus.mjs";

/** The reference: the shared edge corpus answered in Node. */
export function answerInNode(): string {
  const engine = createEngineSync(engineWasmBytes(), { digest: ENGINE_DIGEST });
  engine.loadPolicy(compilePolicyObject(policy));
  return answer(engine, calls());
}
