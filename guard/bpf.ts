// Classic BPF as seccomp uses it: the instruction encoding, a checker with the kernel's rules, an
// interpreter (so a filter can be tested without a kernel), and a disassembler for humans.
//
// struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; } in host byte order (x86_64 and
// aarch64 Linux are both little-endian). struct seccomp_data { int nr; __u32 arch;
// __u64 instruction_pointer; __u64 args[6]; } is what BPF_LD|BPF_ABS reads, 64 bytes.

export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

// Instruction classes and fields (linux/bpf_common.h).
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;
export const BPF_W = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IMM = 0x00;
export const BPF_MEM = 0x60;
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_A = 0x10;
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** Kernel limit on a classic BPF program (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;
/** sizeof(struct seccomp_data). */
export const SECCOMP_DATA_SIZE = 64;
export const OFFSET_NR = 0;
export const OFFSET_ARCH = 4;
export const OFFSET_IP = 8;
/** Offset of the LOW 32 bits of args[i] (little-endian). */
export const argLow = (i: number): number => 16 + 8 * i;
/** Offset of the HIGH 32 bits of args[i] (little-endian). */
export const argHigh = (i: number): number => 16 + 8 * i + 4;

export const stmt = (code: number, k: number): Insn => ({ code, jt: 0, jf: 0, k: k >>> 0 });
export const jump = (code: number, k: number, jt: number, jf: number): Insn => ({ code, jt, jf, k: k >>> 0 });

/** Encodes a program as the bytes of a struct sock_filter array (little-endian). */
export function encode(insns: readonly Insn[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * 8);
  const view = new DataView(bytes.buffer);
  insns.forEach((ins, i) => {
    view.setUint16(i * 8, ins.code, true);
    view.setUint8(i * 8 + 2, ins.jt);
    view.setUint8(i * 8 + 3, ins.jf);
    view.setUint32(i * 8 + 4, ins.k >>> 0, true);
  });
  return bytes;
}

export function decode(bytes: Uint8Array): Insn[] {
  if (bytes.length % 8 !== 0) throw new Error(`BPF program of ${bytes.length} bytes is not a whole number of instructions`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let off = 0; off < bytes.length; off += 8) {
    out.push({ code: view.getUint16(off, true), jt: view.getUint8(off + 2), jf: view.getUint8(off + 3), k: view.getUint32(off + 4, true) });
  }
  return out;
}

/**
 * The checks the kernel applies before accepting a seccomp filter (bpf_check_classic plus
 * seccomp_check_filter): length, known opcodes, jumps forward and inside the program, loads
 * aligned and inside seccomp_data, the last instruction a return. Returns the problems found.
 */
export function check(insns: readonly Insn[]): string[] {
  const problems: string[] = [];
  if (insns.length === 0) problems.push("empty program");
  if (insns.length > BPF_MAXINSNS) problems.push(`${insns.length} instructions, more than ${BPF_MAXINSNS}`);
  insns.forEach((ins, pc) => {
    const cls = ins.code & 0x07;
    const where = `insn ${pc} (${disassembleOne(ins, pc)})`;
    switch (cls) {
      case BPF_LD:
        if (ins.code === (BPF_LD | BPF_W | BPF_ABS)) {
          if (ins.k % 4 !== 0 || ins.k + 4 > SECCOMP_DATA_SIZE) problems.push(`${where}: load outside seccomp_data or unaligned`);
        } else if (ins.code === (BPF_LD | BPF_IMM) || ins.code === (BPF_LD | BPF_MEM)) {
          if (ins.code === (BPF_LD | BPF_MEM) && ins.k >= 16) problems.push(`${where}: scratch slot out of range`);
        } else problems.push(`${where}: load mode not allowed in seccomp`);
        break;
      case BPF_LDX:
        if (ins.code !== (BPF_LDX | BPF_IMM) && ins.code !== (BPF_LDX | BPF_MEM)) problems.push(`${where}: ldx mode not allowed in seccomp`);
        break;
      case BPF_ST:
      case BPF_STX:
        if (ins.k >= 16) problems.push(`${where}: scratch slot out of range`);
        break;
      case BPF_ALU:
        if ((ins.code & 0xf0) > BPF_XOR) problems.push(`${where}: unknown ALU op`);
        if (((ins.code & 0xf0) === BPF_DIV || (ins.code & 0xf0) === BPF_MOD) && (ins.code & BPF_X) === 0 && ins.k === 0) problems.push(`${where}: division by zero`);
        break;
      case BPF_JMP: {
        const op = ins.code & 0xf0;
        if (op === BPF_JA) {
          if (pc + 1 + ins.k >= insns.length) problems.push(`${where}: jump past the end`);
        } else if (op === BPF_JEQ || op === BPF_JGT || op === BPF_JGE || op === BPF_JSET) {
          if (pc + 1 + Math.max(ins.jt, ins.jf) >= insns.length) problems.push(`${where}: jump past the end`);
        } else problems.push(`${where}: unknown jump`);
        break;
      }
      case BPF_RET:
        if (ins.code !== (BPF_RET | BPF_K) && ins.code !== (BPF_RET | BPF_A)) problems.push(`${where}: bad return`);
        break;
      case BPF_MISC:
        if (ins.code !== (BPF_MISC | BPF_TAX) && ins.code !== (BPF_MISC | BPF_TXA)) problems.push(`${where}: bad misc op`);
        break;
    }
  });
  const last = insns[insns.length - 1];
  if (last && (last.code & 0x07) !== BPF_RET) problems.push("the last instruction is not a return");
  return problems;
}

/** What a seccomp filter sees for one system call. */
export interface SeccompData {
  nr: number;
  arch: number;
  ip?: bigint;
  args?: readonly (bigint | number)[];
}

function seccompDataBytes(d: SeccompData): DataView {
  const view = new DataView(new ArrayBuffer(SECCOMP_DATA_SIZE));
  view.setInt32(OFFSET_NR, d.nr, true);
  view.setUint32(OFFSET_ARCH, d.arch >>> 0, true);
  view.setBigUint64(OFFSET_IP, BigInt.asUintN(64, d.ip ?? 0n), true);
  for (let i = 0; i < 6; i++) view.setBigUint64(16 + 8 * i, BigInt.asUintN(64, BigInt(d.args?.[i] ?? 0)), true);
  return view;
}

/** Runs a filter on one system call, as the kernel would; returns the 32-bit action value. */
export function run(insns: readonly Insn[], data: SeccompData): number {
  const mem = seccompDataBytes(data);
  const scratch = new Uint32Array(16);
  let A = 0;
  let X = 0;
  let pc = 0;
  for (let steps = 0; steps <= insns.length; steps++) {
    const ins = insns[pc];
    if (!ins) throw new Error(`fell off the program at ${pc}`);
    const cls = ins.code & 0x07;
    pc++;
    switch (cls) {
      case BPF_LD:
        if ((ins.code & 0xe0) === BPF_ABS) A = mem.getUint32(ins.k, true);
        else if ((ins.code & 0xe0) === BPF_MEM) A = scratch[ins.k]!;
        else A = ins.k;
        break;
      case BPF_LDX:
        X = (ins.code & 0xe0) === BPF_MEM ? scratch[ins.k]! : ins.k;
        break;
      case BPF_ST:
        scratch[ins.k] = A;
        break;
      case BPF_STX:
        scratch[ins.k] = X;
        break;
      case BPF_ALU: {
        const src = ins.code & BPF_X ? X : ins.k;
        switch (ins.code & 0xf0) {
          case BPF_ADD: A = (A + src) >>> 0; break;
          case BPF_SUB: A = (A - src) >>> 0; break;
          case BPF_MUL: A = Math.imul(A, src) >>> 0; break;
          case BPF_DIV: if (src === 0) return 0; A = Math.floor(A / src) >>> 0; break;
          case BPF_MOD: if (src === 0) return 0; A = A % src >>> 0; break;
          case BPF_OR: A = (A | src) >>> 0; break;
          case BPF_AND: A = (A & src) >>> 0; break;
          case BPF_XOR: A = (A ^ src) >>> 0; break;
          case BPF_LSH: A = src >= 32 ? 0 : (A << src) >>> 0; break;
          case BPF_RSH: A = src >= 32 ? 0 : A >>> src; break;
          case BPF_NEG: A = -A >>> 0; break;
          default: throw new Error(`bad ALU op at ${pc - 1}`);
        }
        break;
      }
      case BPF_JMP: {
        const op = ins.code & 0xf0;
        if (op === BPF_JA) {
          pc += ins.k;
          break;
        }
        const src = ins.code & BPF_X ? X : ins.k >>> 0;
        const a = A >>> 0;
        const taken = op === BPF_JEQ ? a === src : op === BPF_JGT ? a > src : op === BPF_JGE ? a >= src : (a & src) !== 0;
        pc += taken ? ins.jt : ins.jf;
        break;
      }
      case BPF_RET:
        return ((ins.code & 0x18) === BPF_A ? A : ins.k) >>> 0;
      case BPF_MISC:
        if ((ins.code & 0xf8) === BPF_TXA) A = X;
        else X = A;
        break;
    }
  }
  throw new Error("program did not return");
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

export function disassembleOne(ins: Insn, pc: number): string {
  const cls = ins.code & 0x07;
  const opNames: Record<number, string> = { [BPF_JEQ]: "jeq", [BPF_JGT]: "jgt", [BPF_JGE]: "jge", [BPF_JSET]: "jset" };
  switch (cls) {
    case BPF_LD:
      if ((ins.code & 0xe0) === BPF_ABS) return `ld [${ins.k}]`;
      if ((ins.code & 0xe0) === BPF_MEM) return `ld M[${ins.k}]`;
      return `ld #${hex(ins.k)}`;
    case BPF_LDX:
      return (ins.code & 0xe0) === BPF_MEM ? `ldx M[${ins.k}]` : `ldx #${hex(ins.k)}`;
    case BPF_ST:
      return `st M[${ins.k}]`;
    case BPF_STX:
      return `stx M[${ins.k}]`;
    case BPF_ALU:
      return `alu ${hex(ins.code & 0xf0)} ${ins.code & BPF_X ? "x" : `#${hex(ins.k)}`}`;
    case BPF_JMP: {
      const op = ins.code & 0xf0;
      if (op === BPF_JA) return `ja ${pc + 1 + ins.k}`;
      return `${opNames[op] ?? "j?"} ${ins.code & BPF_X ? "x" : `#${hex(ins.k)}`} ? ${pc + 1 + ins.jt} : ${pc + 1 + ins.jf}`;
    }
    case BPF_RET:
      return (ins.code & 0x18) === BPF_A ? "ret a" : `ret #${hex(ins.k)}`;
    default:
      return (ins.code & 0xf8) === BPF_TXA ? "txa" : "tax";
  }
}

export function disassemble(insns: readonly Insn[]): string {
  return insns.map((ins, pc) => `${String(pc).padStart(4)}: ${disassembleOne(ins, pc)}`).join("\n");
}
