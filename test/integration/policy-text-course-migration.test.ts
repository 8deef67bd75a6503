import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, type Kysely, type Migration } from 'kysely';
import { migrations } from '../../migrations';
import { openDatabase } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';

// Migration 0018 gives each saved policy text its course. A version saved before it was written for
// the only course there was (hipaa-social-media) and keeps being shown there, and only there.

type OldTables = { policy_texts: { version: number; title: string; text: string; text_hash: string; created_at: string; created_by: number | null } };

describe('migration 0018: policy texts name their course', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-policy-course-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  test('versions saved before it become the first course\'s, unchanged otherwise', async () => {
    const database = openDatabase(path.join(dir, 'old.sqlite'));
    try {
      const before = Object.keys(migrations).filter((n) => n < '0018');
      const provider = { getMigrations: async (): Promise<Record<string, Migration>> => migrations };
      expect((await new Migrator({ db: database.db, provider }).migrateTo(before[before.length - 1]!)).error).toBeUndefined();
      const rows = [1, 2].map((version) => ({ version, title: 'Lakeside Privacy Policy', text: `Version ${version}.`, text_hash: `h${version}`, created_at: '2026-11-01T10:00:00.000Z', created_by: null }));
      await (database.db as unknown as Kysely<OldTables>).insertInto('policy_texts').values(rows).execute();

      expect(await migrateToLatest(database.db)).toContain('0018_policy_text_course');

      expect(await database.db.selectFrom('policy_texts').selectAll().orderBy('version').execute())
        .toEqual(rows.map((r) => ({ ...r, course_id: 'hipaa-social-media' })));
    } finally {
      await database.close();
    }
  });
});
