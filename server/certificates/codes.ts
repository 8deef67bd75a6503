import crypto from 'node:crypto';

// Crockford base32: no I, L, O or U, so codes survive being read aloud or typed from paper.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARS = 16; // 16 × 5 = 80 random bits
export const CODE_PATTERN = /^PR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** A new certificate code such as PR-7KQ4-M2XD-9WTA-H3NB (80 bits from the system CSPRNG). */
export function newCertificateCode(): string {
  const bytes = crypto.randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let chars = '';
  for (let i = 0; i < CODE_CHARS; i += 1) {
    chars = ALPHABET[Number(bits & 31n)]! + chars;
    bits >>= 5n;
  }
  return `PR-${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}-${chars.slice(12, 16)}`;
}

/**
 * The canonical form of a code as someone typed it: case, spaces and hyphens do not matter, and the
 * look-alikes O→0 and I/L→1 are mapped as Crockford intends. Undefined when it cannot be a code.
 */
export function normalizeCode(input: string): string | undefined {
  if (input.length > 64) return undefined;
  let s = input.toUpperCase().replace(/[\s-]/g, '');
  if (s.startsWith('PR')) s = s.slice(2);
  s = s.replace(/O/g, '0').replace(/[IL]/g, '1');
  if (s.length !== CODE_CHARS || [...s].some((c) => !ALPHABET.includes(c))) return undefined;
  return `PR-${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}`;
}

export function codeHash(code: string): string {
  return crypto.createHash('sha256').update(code).digest('hex');
}

/** Constant-time equality of two codes (after the lookup by hash, compare the codes themselves). */
export function sameCode(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && crypto.timingSafeEqual(ba, bb);
}
