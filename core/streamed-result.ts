/**
 * A tool that streams its result (a web ReadableStream or an async iterable of text) returns no
 * text for the post-call check to scan. Passing it on untouched would let PII through, so when the
 * policy redacts outputs the enforcer hands the caller a stream that redacts each chunk as it flows
 * (core/redact-stream.ts: the same output as redacting the whole text at once), with this policy
 * and this tool's overrides (and the enforcer's hash/token key and vault). A chunk that is not text fails the stream with a typed error instead
 * of passing unscanned (bytes: decode them in the tool, e.g. with TextDecoderStream).
 */
import type { CompiledBundle } from "../engine/bundle-format.js";
import type { Engine } from "../engine/engine.js";
import { EnforceCoreError } from "./errors.js";
import { redactStream, redactTransformStream } from "./redact-stream.js";
import type { RedactionOptions } from "./redact-spans.js";

function notText(chunk: unknown): EnforceCoreError {
  const what = chunk === null ? "null" : typeof chunk === "object" ? (chunk.constructor?.name ?? "object") : typeof chunk;
  return new EnforceCoreError("bad_request", `a streamed tool result must yield text chunks to be redacted, got ${what} (decode bytes in the tool, e.g. with TextDecoderStream)`);
}

async function* textChunks(source: AsyncIterable<unknown>): AsyncGenerator<string, void, undefined> {
  for await (const chunk of source) {
    if (typeof chunk !== "string") throw notText(chunk);
    yield chunk;
  }
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}

/** Whether a tool result is a stream this module redacts. */
export function isStreamedResult(result: unknown): boolean {
  return (typeof ReadableStream !== "undefined" && result instanceof ReadableStream) || isAsyncIterable(result);
}

/**
 * The result to hand back: a redacting stream of the same kind (ReadableStream in,
 * ReadableStream out; async iterable in, async generator out) when outputs are redacted, else the
 * result itself.
 */
export function redactStreamedResult(result: unknown, bundle: CompiledBundle, tool: string, createEngine: () => Engine, redaction: Omit<RedactionOptions, "tool"> = {}): unknown {
  const rules = bundle.meta.policy.rules;
  if (!rules.pii_redaction.enabled || !rules.redact_output || !isStreamedResult(result)) return result;
  const options = { ...redaction, bundle, tool, phase: "output" as const, createEngine };
  if (typeof ReadableStream !== "undefined" && result instanceof ReadableStream) {
    const check = new TransformStream<unknown, string>({
      transform(chunk, controller) {
        if (typeof chunk !== "string") throw notText(chunk);
        controller.enqueue(chunk);
      },
    });
    return result.pipeThrough(check).pipeThrough(redactTransformStream(options));
  }
  return redactStream(textChunks(result as AsyncIterable<unknown>), options);
}
