/**
 * The audit trail, runtime-agnostic: Merkle tree and proofs, entries, signed checkpoints, the
 * trail writer and verifier over a pluggable TrailIO, deterministic replay, Python trail reader.
 * Node (and Bun) file access: ./node-store.ts; Deno's: hosts/deno/trail-io.ts. docs/AUDIT.md explains it all.
 */
export {
  CompactRange,
  checkConsistency,
  checkInclusion,
  consistencyProof,
  consistencyRanges,
  HASH_SIZE,
  inclusionProof,
  inclusionRanges,
  merkleRoot,
  ProofBuilder,
  ProofError,
  rfc6962,
  rootFromInclusionProof,
  rootFromLeafHashes,
  TreeHasher,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.js";
export type { Hash, Range, Sha256 } from "./merkle.js";
export {
  canonicalJson,
  CONTROL_ENTRY_VERSION,
  controlEntryFromRecord,
  controlEntryJson,
  controlEntryProblem,
  ENTRY_VERSION,
  entryFromRecord,
  entryJson,
  entryProblem,
  entryText,
  isControlEntry,
  jsonView,
  RELOAD_RESETS,
  valueDigest,
} from "./entry.js";
export type { AuditEntry, ControlEntry, EntryOptions, EntryViolation, ReplayHints, TrailEntry } from "./entry.js";
export {
  checkpointBody,
  generateKey,
  isValidKeyName,
  keyId,
  MAX_NOTE_SIGNATURES,
  NoteError,
  openCheckpoint,
  openNote,
  parseCheckpointBody,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signerFromSeed,
  signNote,
  verifierKeyText,
} from "./checkpoint.js";
export type { Checkpoint, Ed25519Signer, NoteSignature, NoteSigner, NoteVerifier, OpenedNote } from "./checkpoint.js";
export { AuditError, TrailLockedError, readLines } from "./io.js";
export type { AuditErrorCode, LockOwner, RawLine, TrailFile, TrailIO, TrailLock } from "./io.js";
export { JOURNAL_FORMAT, JournalWriter, readJournal } from "./journal.js";
export type { JournalOptions, JournalReadOptions, JournalRecord } from "./journal.js";
export { archivePath, AuditTrail, checkInclusionProof, proveConsistency, proveInclusion, readEntries, segmentFiles, TRAIL_FORMAT, verifyTrail } from "./trail.js";
export type { ConsistencyProofResult, FsyncPolicy, InclusionProofResult, OpenReport, Problem, ProblemKind, ProveOptions, ReadEntriesOptions, SegmentFile, TrailOptions, VerifyOptions, VerifyResult } from "./trail.js";
export { decodeRequest, encodeAnswer, replay, whatIf } from "./replay.js";
export type { DecodedRequest, Divergence, DivergenceKind, ReplayOptions, ReplayResult, WhatIfChange, WhatIfResult } from "./replay.js";
export { parsePythonJson, PYTHON_ENTRY_KEYS, pythonAuditStoreHash, pythonEntryHash, pythonFloatRepr, pythonJsonDumps, pythonJsonString, readPythonTrail, verifyPythonTrail } from "./python-trail.js";
export type { PyNumber, PythonTrailProblem, PythonTrailResult, PyValue } from "./python-trail.js";
