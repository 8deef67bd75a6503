import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { DB } from '../db/schema';
import { GENESIS_HASH, eventHash } from './chain';
import { auditStore } from './store';

export interface Actor {
  id: number | null;
  label: string;
  ip?: string | null;
}

export const SYSTEM_ACTOR: Actor = { id: null, label: 'system' };

export interface AuditInput {
  action: string;
  subjectType?: string;
  subjectId?: string | number;
  details?: Record<string, unknown>;
}

/**
 * Appends one event to the hash chain. Call it with the transaction that makes the change, so the
 * change and its evidence commit together or not at all. SQLite serialises write transactions, so
 * reading the last hash and inserting after it cannot interleave with another append.
 */
export async function appendAudit(trx: Kysely<DB>, clock: Clock, actor: Actor, input: AuditInput): Promise<number> {
  const store = auditStore(trx);
  const last = await store.last();
  const row = {
    id: (last?.id ?? 0) + 1,
    occurred_at: clock.now().toISOString(),
    actor_id: actor.id,
    actor_label: actor.label,
    action: input.action,
    subject_type: input.subjectType ?? null,
    subject_id: input.subjectId === undefined ? null : String(input.subjectId),
    details: JSON.stringify(input.details ?? {}),
    ip: actor.ip ?? null,
    prev_hash: last?.hash ?? GENESIS_HASH,
  };
  const hash = eventHash(row);
  await store.insert({ ...row, hash });
  return row.id;
}

export type VerifyResult =
  | { ok: true; events: number }
  | { ok: false; events: number; brokenAt: number; reason: string };

/** Re-computes the chain from the first event; reports the first event whose link does not hold. */
export async function verifyAuditChain(db: Kysely<DB>): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let expectedId = 1;
  let count = 0;
  for await (const e of auditStore(db).inOrder()) {
    count += 1;
    if (e.id !== expectedId) {
      return { ok: false, events: count, brokenAt: e.id, reason: `event ${expectedId} is missing before event ${e.id}` };
    }
    if (e.prev_hash !== prev) {
      return { ok: false, events: count, brokenAt: e.id, reason: `event ${e.id} does not link to the event before it` };
    }
    if (eventHash(e) !== e.hash) {
      return { ok: false, events: count, brokenAt: e.id, reason: `event ${e.id} was changed after it was written` };
    }
    prev = e.hash;
    expectedId += 1;
  }
  return { ok: true, events: count };
}
