import type { Kysely } from 'kysely';

// Issue 16: policies as versioned documents that people read and sign, apart from any course.
// Portable schema-builder only (SQLite now, PostgreSQL later):
// - policies: one row per document, named by its slug (an assignment's policy target names the slug).
// - policy_versions: every published version's exact text and its hash; never updated except for the
//   two dates that say when it stopped being in effect (superseded_at) and when acknowledgements of it
//   stopped counting (acks_lapse_at: the next material change). The retention purge reads those two.
// - policy_reads: when a person first opened a version (the server's clock), for the minimum reading time.
// - policy_acknowledgements: a signature of one version, with a hash chaining the version's text hash
//   to the acknowledgement. At most one per person and version.

type AnyDB = Kysely<unknown>;

export async function up(db: AnyDB): Promise<void> {
  await db.schema.createTable('policies')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .execute();

  await db.schema.createTable('policy_versions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('policy_id', 'integer', (c) => c.notNull().references('policies.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('text_hash', 'text', (c) => c.notNull())
    .addColumn('change_kind', 'text', (c) => c.notNull())
    .addColumn('change_note', 'text', (c) => c.notNull())
    .addColumn('min_read_seconds', 'integer')
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addColumn('published_by', 'integer', (c) => c.references('users.id'))
    .addColumn('superseded_at', 'text')
    .addColumn('acks_lapse_at', 'text')
    .addUniqueConstraint('policy_versions_seq', ['policy_id', 'seq'])
    .addUniqueConstraint('policy_versions_label', ['policy_id', 'label'])
    .execute();

  await db.schema.createTable('policy_reads')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('policy_version_id', 'integer', (c) => c.notNull().references('policy_versions.id'))
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('policy_reads_pk', ['user_id', 'policy_version_id'])
    .execute();

  await db.schema.createTable('policy_acknowledgements')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('policy_version_id', 'integer', (c) => c.notNull().references('policy_versions.id'))
    .addColumn('typed_name', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'text', (c) => c.notNull())
    .addColumn('ack_hash', 'text', (c) => c.notNull())
    .addUniqueConstraint('policy_acknowledgements_once', ['user_id', 'policy_version_id'])
    .execute();
  await db.schema.createIndex('policy_acknowledgements_version').on('policy_acknowledgements').column('policy_version_id').execute();
}
