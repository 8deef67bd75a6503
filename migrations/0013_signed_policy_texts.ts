import type { Kysely } from 'kysely';

// The policy text exactly as people signed it (issue 15). Policy text may name the organisation's
// contacts by placeholder ({{privacy_officer_phone}}), filled from the settings when the page is shown,
// so policy_texts (the template an admin saved) plus today's settings no longer tell what an earlier
// signer read. One row per distinct text shown at a signature, keyed by the hash every attestation
// already stores (attestations.policy_hash = sha256 of title, version and text_html), written once with
// the first signature and never changed. Portable schema-builder only.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('signed_policy_texts')
    .addColumn('policy_hash', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('text_html', 'text', (c) => c.notNull())
    .addColumn('first_signed_at', 'text', (c) => c.notNull())
    .execute();
}
