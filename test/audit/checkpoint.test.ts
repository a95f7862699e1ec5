import { describe, expect, it } from "vitest";
import {
  checkpointBody,
  generateKey,
  keyId,
  NoteError,
  openCheckpoint,
  openNote,
  parseCheckpointBody,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
} from "../../audit/checkpoint.js";
import { fromBase64, fromHex, toBase64, toHex } from "../../audit/merkle.js";

// c2sp.org/signed-note example vector.
const SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const SPEC_NOTE = "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

// golang.org/x/mod/sumdb/note documentation example (Ed25519 is deterministic: signing reproduces it).
const GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe("C2SP signed-note example vector", () => {
  it("recomputes the key ID 530d903a and verifies the example note", async () => {
    const pub = fromBase64("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k").subarray(1);
    expect(keyId("example.com/foo", pub).toString(16)).toBe("530d903a");
    const v = await parseVerifierKey(SPEC_VKEY);
    expect(v.name).toBe("example.com/foo");
    expect(toHex(v.publicKey)).toBe(toHex(pub));
    const opened = await openNote(SPEC_NOTE, [v]);
    expect(opened.text).toBe("This is an example message.\n");
    expect(opened.verifiedBy).toEqual(["example.com/foo"]);
  });

  it("rejects the example note with one changed character, and wrong key IDs", async () => {
    const v = await parseVerifierKey(SPEC_VKEY);
    await expect(openNote(SPEC_NOTE.replace("example message", "example messagf"), [v])).rejects.toThrow(/invalid signature/);
    await expect(parseVerifierKey(SPEC_VKEY.replace("530d903a", "530d903b"))).rejects.toThrow(NoteError);
    await expect(parseVerifierKey(SPEC_VKEY.replace("530d903a", "530D903A"))).rejects.toThrow(NoteError);
  });
});

describe("Go sumdb/note vector", () => {
  it("signing with the Go signer key reproduces the Go note byte for byte", async () => {
    const signer = await parseSignerKey(GO_SKEY);
    expect(signer.vkey).toBe(GO_VKEY);
    expect(await signNote(GO_TEXT, [signer])).toBe(GO_NOTE);
    const opened = await openNote(GO_NOTE, [await parseVerifierKey(GO_VKEY)]);
    expect(opened.text).toBe(GO_TEXT);
  });
});

describe("signed notes", () => {
  it("ignores unknown keys, rejects a failing known key, needs one known key", async () => {
    const a = await parseSignerKey((await generateKey("log.example/a")).skey);
    const b = await parseSignerKey((await generateKey("log.example/b")).skey);
    const note = await signNote("hello\n", [a, b]);
    const va = await parseVerifierKey(a.vkey);
    const vb = await parseVerifierKey(b.vkey);
    expect((await openNote(note, [va])).unknown).toEqual([{ name: "log.example/b", keyId: b.keyId }]);
    expect((await openNote(note, [va, vb])).verifiedBy).toEqual(["log.example/a", "log.example/b"]);
    await expect(openNote(note, [])).rejects.toThrow(/no signature from a known key/);
    // Same name and ID as a known key, but a different signature: reject the whole note.
    const forged = note.replace(/(\u2014 log\.example\/b )(\S+)/, (_m, p, sig) => {
      const blob = fromBase64(sig);
      blob[10]! ^= 1;
      return p + toBase64(blob);
    });
    await expect(openNote(forged, [va, vb])).rejects.toThrow(/invalid signature/);
  });

  it("refuses malformed notes", async () => {
    for (const bad of ["no newline", "text\n", "text\n\n", "text\n\n- name AAAA\n", "text\n\n\u2014 name AAAA\n", "te\u0001xt\n\n\u2014 a AAAAAAAA\n", "text\n\n\u2014 na me AAAAAAAA\n"]) {
      expect(() => parseNote(bad), JSON.stringify(bad)).toThrow(NoteError);
    }
    await expect(signNote("no final newline", [])).rejects.toThrow(NoteError);
  });
});

describe("checkpoints", () => {
  const root = fromHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

  it("writes and parses the C2SP body", () => {
    const body = checkpointBody({ origin: "example.com/audit", size: 8, root });
    expect(body).toBe("example.com/audit\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n");
    const cp = parseCheckpointBody(body);
    expect(cp.origin).toBe("example.com/audit");
    expect(cp.size).toBe(8);
    expect(toHex(cp.root)).toBe(toHex(root));
    for (const bad of ["o\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "o\n8\nXcna\n", "o\n8\n", "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", "o\n-1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"]) {
      expect(() => parseCheckpointBody(bad), JSON.stringify(bad)).toThrow(NoteError);
    }
  });

  it("signs and opens a checkpoint, checking the origin", async () => {
    const signer = await parseSignerKey((await generateKey("example.com/audit")).skey);
    const note = await signCheckpoint({ origin: "example.com/audit", size: 8, root }, [signer]);
    const v = await parseVerifierKey(signer.vkey);
    const cp = await openCheckpoint(note, [v], "example.com/audit");
    expect(cp.size).toBe(8);
    await expect(openCheckpoint(note, [v], "other.example/log")).rejects.toThrow(/origin/);
    await expect(openCheckpoint(note.replace("\n8\n", "\n9\n"), [v])).rejects.toThrow(/invalid signature/);
  });
});
