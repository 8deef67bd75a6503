import crypto from 'node:crypto';
import type { AuditEvent } from '../db/schema';

export const GENESIS_HASH = '0'.repeat(64);

type Hashed = Omit<AuditEvent, 'hash'>;

const canonical = (e: Omit<Hashed, 'key_id'>) => JSON.stringify([
  e.id, e.occurred_at, e.actor_id, e.actor_label, e.action, e.subject_type, e.subject_id, e.details, e.ip, e.prev_hash,
]);

/**
 * The unkeyed hash events had before migration 0008 (their key_id is null): plain SHA-256 over every
 * column but the hash, in a fixed order. Anyone with write access can recompute it, so it only tells
 * accidents apart; it is kept so that those older events still verify.
 */
export function unkeyedEventHash(e: Omit<Hashed, 'key_id'>): string {
  return crypto.createHash('sha256').update(canonical(e)).digest('hex');
}

/**
 * HMAC-SHA-256 under the audit key over the same columns plus the key id, so neither the content nor
 * the claimed key can change without the key itself.
 */
export function keyedEventHash(e: Hashed, secret: Buffer): string {
  return crypto.createHmac('sha256', secret).update(`${canonical(e)}\n${e.key_id ?? ''}`).digest('hex');
}
