import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { DB } from '../db/schema';
import { writeTransaction } from '../db/transaction';
import { appendAudit, SYSTEM_ACTOR } from './service';
import { auditStore } from './store';

const AUDIT_KEY_MIGRATION = '0008_audit_key';

/**
 * Right after migration 0008 is applied to a log that already has (unkeyed) events, appends one keyed
 * "audit.chain-keyed" event that links to the newest of them. From then on, editing an older event
 * breaks a keyed link; and a log that is unkeyed all through fails audit:verify, so nobody can strip
 * the keys and rewrite everything as unkeyed. Only done when this run applied the migration: sealing
 * whatever unkeyed tail a later start finds would bless exactly that rewrite.
 * Returns how many unkeyed events were sealed.
 */
export async function sealUnkeyedEvents(db: Kysely<DB>, clock: Clock, applied: readonly string[]): Promise<number> {
  if (!applied.includes(AUDIT_KEY_MIGRATION)) return 0;
  return writeTransaction(db, async (trx) => {
    const last = await auditStore(trx).last();
    if (!last || last.key_id !== null) return 0;
    await appendAudit(trx, clock, SYSTEM_ACTOR, {
      action: 'audit.chain-keyed',
      details: { unkeyedEvents: last.id, lastUnkeyedHash: last.hash },
    });
    return last.id;
  });
}
