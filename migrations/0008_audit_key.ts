import { Kysely } from 'kysely';

// Audit events are sealed with HMAC-SHA-256 under a key kept outside the database; each event names
// the key (a fingerprint, never the key) so keys can be rotated. Events written before this migration
// keep key_id null and their plain SHA-256 hash: they cannot be re-sealed here, because migrations
// never see configuration. The application seals them right after this migration is applied, with
// one keyed "audit.chain-keyed" event that links to the newest of them (server/audit/seal.ts).

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('key_id', 'text').execute();
}
