import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import { chainLock } from '../db/chain-lock';
import type { DB } from '../db/schema';
import type { Anchor } from './anchor';
import { GENESIS_HASH, keyedEventHash, unkeyedEventHash } from './chain';
import { activeAuditKeys, type AuditKeyring } from './keyring';
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
 * Appends one event to the chain, sealed with the current audit key (see keyring.ts for where the
 * key comes from). Call it with the transaction that makes the change, so the change and its evidence
 * commit together or not at all. The chain lock, held to the end of that transaction, keeps any other
 * connection from appending between our read of the last hash and our insert after it.
 */
export async function appendAudit(trx: Kysely<DB>, clock: Clock, actor: Actor, input: AuditInput): Promise<number> {
  const key = activeAuditKeys().current;
  const store = auditStore(trx);
  await chainLock(trx);
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
    key_id: key.id,
  };
  await store.insert({ ...row, hash: keyedEventHash(row, key.secret) });
  return row.id;
}

export type VerifyResult =
  | { ok: true; events: number; unkeyed: number; keyIds: string[]; anchoredTo: number | null }
  | { ok: false; events: number; brokenAt: number; reason: string };

export interface VerifyOptions {
  /** Defaults to the process's configured keys. */
  keys?: AuditKeyring;
  /** Hashes recorded by audit:anchor; every one must still be in the log, unchanged. */
  anchors?: readonly Anchor[];
}

/**
 * Re-computes the chain from the first event and reports the first event that does not hold. Without
 * the key nobody can recompute a keyed hash, so an edit shows even when every later hash was rewritten.
 * Unkeyed events (from before the key existed) are accepted only as the start of the log and only when
 * a keyed event follows them; otherwise rewriting the whole log as unkeyed would pass. Deleting the
 * newest events leaves a valid shorter chain: only an anchor kept elsewhere shows it.
 */
export async function verifyAuditChain(db: Kysely<DB>, options: VerifyOptions = {}): Promise<VerifyResult> {
  const keys = options.keys ?? activeAuditKeys();
  const anchored = new Map((options.anchors ?? []).map((a) => [a.id, a]));
  let newestAnchor = 0;
  for (const id of anchored.keys()) newestAnchor = Math.max(newestAnchor, id);
  const keyIds = new Set<string>();
  let prev = GENESIS_HASH;
  let expectedId = 1;
  let count = 0;
  let unkeyed = 0;
  const broken = (brokenAt: number, reason: string): VerifyResult => ({ ok: false, events: count, brokenAt, reason });
  for await (const e of auditStore(db).inOrder()) {
    count += 1;
    if (e.id !== expectedId) return broken(e.id, `event ${expectedId} is missing before event ${e.id}`);
    if (e.prev_hash !== prev) return broken(e.id, `event ${e.id} does not link to the event before it`);
    if (e.key_id === null) {
      if (keyIds.size > 0) return broken(e.id, `event ${e.id} has no key after keyed events: it was rewritten`);
      if (unkeyedEventHash(e) !== e.hash) return broken(e.id, `event ${e.id} was changed after it was written`);
      unkeyed += 1;
    } else {
      const key = keys.byId.get(e.key_id);
      if (!key) {
        return broken(e.id, `event ${e.id} is sealed with audit key ${e.key_id}, which is not configured (AUDIT_KEY, AUDIT_KEYS_OLD)`);
      }
      if (keyedEventHash(e, key.secret) !== e.hash) {
        return broken(e.id, `event ${e.id} was changed after it was written (its keyed hash does not match)`);
      }
      keyIds.add(e.key_id);
    }
    const anchor = anchored.get(e.id);
    if (anchor && anchor.hash !== e.hash) {
      return broken(e.id, `event ${e.id} differs from the anchor taken at ${anchor.at}: the log was rewritten`);
    }
    prev = e.hash;
    expectedId += 1;
  }
  if (unkeyed > 0 && keyIds.size === 0) {
    return broken(count, `all ${count} events are unkeyed and no keyed event seals them: the log may have been rewritten without the key`);
  }
  if (newestAnchor > count) {
    return broken(count + 1, `the anchor names event ${newestAnchor} but the log ends at event ${count}: the newest events were deleted`);
  }
  return { ok: true, events: count, unkeyed, keyIds: [...keyIds], anchoredTo: newestAnchor || null };
}
