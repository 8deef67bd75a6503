import crypto from 'node:crypto';
import type { AuditEvent } from '../db/schema';

export const GENESIS_HASH = '0'.repeat(64);

/** The hashed content of an event: every column but the hash itself, in a fixed order. */
export function eventHash(e: Omit<AuditEvent, 'hash'>): string {
  const canonical = JSON.stringify([
    e.id, e.occurred_at, e.actor_id, e.actor_label, e.action, e.subject_type, e.subject_id, e.details, e.ip, e.prev_hash,
  ]);
  return crypto.createHash('sha256').update(canonical).digest('hex');
}
