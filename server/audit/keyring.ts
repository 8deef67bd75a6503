import crypto from 'node:crypto';

/** A secret the audit chain is sealed with, named by a fingerprint that is safe to store and print. */
export interface AuditKey {
  readonly id: string;
  readonly secret: Buffer;
}

/** The key new events are sealed with, and every key that older events may carry (current included). */
export interface AuditKeyring {
  readonly current: AuditKey;
  readonly byId: ReadonlyMap<string, AuditKey>;
}

const MIN_AUDIT_KEY_BYTES = 32;

/**
 * The first 16 hex digits of SHA-256 over the key: enough to tell keys apart in the log and in an
 * anchor line, and useless for recovering a key of 32 random bytes.
 */
export function auditKeyId(secret: Buffer): string {
  return crypto.createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

/**
 * Hex when the text is only hex digits, otherwise base64 or base64url; undefined when it decodes to
 * fewer than 32 bytes or is not clean hex or base64, so a typo cannot quietly become another key.
 * (Base64 of 32 random bytes made only of hex digits is too unlikely to matter.)
 */
export function decodeAuditKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]+$/.test(t)) return t.length % 2 === 0 && t.length >= MIN_AUDIT_KEY_BYTES * 2 ? Buffer.from(t, 'hex') : undefined;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return undefined;
  const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length >= MIN_AUDIT_KEY_BYTES ? bytes : undefined;
}

export function auditKeyring(current: Buffer, old: readonly Buffer[] = []): AuditKeyring {
  const key = (secret: Buffer): AuditKey => Object.freeze({ id: auditKeyId(secret), secret });
  const cur = key(current);
  const byId = new Map<string, AuditKey>(old.map((s) => { const k = key(s); return [k.id, k]; }));
  byId.set(cur.id, cur);
  return Object.freeze({ current: cur, byId });
}

/*
 * The keyring appendAudit seals with is a process-wide setting, configured once by each composition
 * point (server/main.ts start, server/cli.ts, test/helpers/app.ts) from the loaded config. appendAudit
 * is called from some thirty places with (trx, clock, actor, input); threading a key through each of
 * them would change every caller for a value that is the same for the whole process. When the planned
 * unit of work carries the audit appender explicitly, this setting goes away.
 */
let active: AuditKeyring | undefined;

export function useAuditKeys(keys: AuditKeyring): void {
  active = keys;
}

export function activeAuditKeys(): AuditKeyring {
  if (!active) {
    throw new Error('The audit key is not configured: call useAuditKeys(config.auditKeys) at start-up, before anything is audited.');
  }
  return active;
}
