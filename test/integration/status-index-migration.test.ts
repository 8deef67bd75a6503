import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { migrations } from '../../migrations';
import { openDatabase } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';

// Migration 0010 gives the status index one name: the rows a database kept in training_status are
// in status_index afterwards, unchanged, with the old table and its indexes gone.

type OldTables = { users: Record<string, unknown>; training_status: Record<string, unknown> };

const row = {
  user_id: 1, course_id: 'hipaa-social', cycle: '2026', kind: 'annual' as const, due_on: '2026-12-31', opens_on: '2026-12-01',
  grace_until: '2027-01-30', valid_until: '2027-01-30', started: 1, last_completion_id: null, last_completed_on: '2025-12-15',
  last_valid_until: '2026-12-31', score: 90, content_hash: 'abc123', certificate_id: null, certificate_code: 'PR-TEST',
  source: 'quiz', recorded_by: null, pace: 'fast' as const, policy_key: 'rules-v1', updated_at: '2026-11-01T10:00:00.000Z',
};

describe('migrations 0010 and 0016: the status index table is named status_index, then keyed per obligation', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-status-index-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  test('rows kept under the old name survive the rename unchanged; the old table and index names are gone', async () => {
    const database = openDatabase(path.join(dir, 'old.sqlite'));
    try {
      const before = Object.keys(migrations).filter((n) => n < '0010');
      const provider = { getMigrations: async (): Promise<Record<string, Migration>> => migrations };
      const to = await new Migrator({ db: database.db, provider }).migrateTo(before[before.length - 1]!);
      expect(to.error).toBeUndefined();
      const old = database.db as unknown as Kysely<OldTables>;
      await old.insertInto('users').values({
        id: 1, email: 'ines@riverside.example', email_normalized: 'ines@riverside.example', name: 'Ines Ortega', role: 'learner',
        created_at: '2025-01-01T00:00:00.000Z', updated_at: '2025-01-01T00:00:00.000Z',
      }).execute();
      await old.insertInto('training_status').values(row).execute();

      const to10 = await new Migrator({ db: database.db, provider }).migrateTo('0010_status_index_name');
      expect(to10.error).toBeUndefined();
      expect(to10.results?.[0]?.migrationName).toBe('0010_status_index_name');

      expect(await database.db.selectFrom('status_index').selectAll().execute()).toEqual([row]);
      const names = (await sql<{ name: string; type: string }>`select name, type from sqlite_master where name like '%status%'`.execute(database.db)).rows;
      expect(names.filter((n) => n.type === 'table').map((n) => n.name)).toEqual(['status_index']);
      expect(names.filter((n) => n.type === 'index' && !n.name.startsWith('sqlite_autoindex')).map((n) => n.name).sort())
        .toEqual(['status_index_due_idx', 'status_index_policy_idx']);
      // The primary key still refuses a second row for the same person and course.
      // (The driver's error is read by its message: jest's toThrow does not always recognise it as an Error.)
      const refused = await database.db.insertInto('status_index').values({ ...row, cycle: '2027' }).execute().then(() => 'inserted', (e: unknown) => String((e as { message?: unknown }).message));
      expect(refused).toMatch(/UNIQUE constraint failed: status_index\.user_id, status_index\.course_id/);
      expect(await database.db.selectFrom('status_index').select('cycle').execute()).toEqual([{ cycle: row.cycle }]);

      // Migration 0016: one row per obligation. The row is carried over as a course obligation (the
      // start-up refresh recomputes it: its policy key is from before), and the key gains the target type.
      await migrateToLatest(database.db);
      expect(await database.db.selectFrom('status_index').selectAll().execute()).toEqual([{
        ...row, target_type: 'course', since: '', reason_kind: 'hire', reason_on: null, reason_group: null, reason_days: null,
        assignment_ids: '', assignment_names: '', exemption_id: null, exempt_from: null, exempt_until: null, exempt_reason: null,
      }]);
      const again = await database.db.insertInto('status_index').values({ ...row, cycle: '2027' }).execute().then(() => 'inserted', (e: unknown) => String((e as { message?: unknown }).message));
      expect(again).toMatch(/UNIQUE constraint failed: status_index\.user_id, status_index\.target_type, status_index\.course_id/);
      expect(await database.db.insertInto('status_index').values({ ...row, target_type: 'policy' }).execute().then(() => 'inserted')).toBe('inserted');
    } finally {
      await database.close();
    }
  });
});
