import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config';
import { openDatabase } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import { migrations } from '../../migrations';

describe('database', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-db-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  test('every migration applies to a fresh file, once, and creates the foundation tables', async () => {
    const database = openDatabase(path.join(dir, 'fresh.sqlite'));
    try {
      expect(await migrateToLatest(database.db)).toEqual(Object.keys(migrations));
      expect(await migrateToLatest(database.db)).toEqual([]);
      const tables = database.sqlite.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[];
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['audit_events', 'departments', 'one_time_tokens', 'sessions', 'users']));
      const userCols = (database.sqlite.prepare('pragma table_info(users)').all() as { name: string }[]).map((c) => c.name);
      expect(userCols).toEqual(expect.arrayContaining(['employee_id', 'email', 'name', 'role', 'department_id', 'manager_id', 'hire_date', 'status', 'password_hash', 'failed_logins', 'locked_until', 'created_at', 'updated_at']));
    } finally {
      await database.close();
    }
  });

  test('opens with WAL, foreign keys on, a busy timeout and synchronous=FULL', async () => {
    const database = openDatabase(path.join(dir, 'pragmas.sqlite'));
    try {
      expect(database.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(database.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(database.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(database.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      await database.close();
    }
  });

  test('DB_SYNCHRONOUS=normal trades power-loss durability for speed only when asked', async () => {
    const config = loadConfig({ DATA_DIR: dir, DB_SYNCHRONOUS: 'normal' });
    expect(config.dbSynchronous).toBe('normal');
    expect(loadConfig({ DATA_DIR: dir }).dbSynchronous).toBe('full');
    expect(() => loadConfig({ DATA_DIR: dir, DB_SYNCHRONOUS: 'off' })).toThrow(/DB_SYNCHRONOUS/);
    const database = openDatabase(path.join(dir, 'normal.sqlite'), { synchronous: config.dbSynchronous });
    try {
      expect(database.sqlite.pragma('synchronous', { simple: true })).toBe(1);
    } finally {
      await database.close();
    }
  });

  test('email is unique case-insensitively and roles are constrained by the schema itself', async () => {
    const database = openDatabase(path.join(dir, 'constraints.sqlite'));
    try {
      await migrateToLatest(database.db);
      const now = new Date().toISOString();
      const row = { email: 'A@x.org', email_normalized: 'a@x.org', name: 'A', role: 'learner' as const, created_at: now, updated_at: now, employee_id: null, department_id: null, manager_id: null, hire_date: null, password_hash: null, locked_until: null, last_login_at: null };
      await database.db.insertInto('users').values(row).execute();
      // better-sqlite3's error class comes from whichever jest module registry loaded the addon first,
      // so compare codes rather than relying on instanceof Error (which toThrow does).
      await expect(database.db.insertInto('users').values({ ...row, email: 'a@X.org' }).execute())
        .rejects.toHaveProperty('code', 'SQLITE_CONSTRAINT_UNIQUE');
      const codeOf = (stmt: string) => {
        try { database.sqlite.prepare(stmt).run(); return 'no error'; } catch (e) { return (e as { code?: string }).code; }
      };
      expect(codeOf("insert into users (email, email_normalized, name, role, created_at, updated_at) values ('b@x.org','b@x.org','B','king','t','t')")).toBe('SQLITE_CONSTRAINT_CHECK');
      expect(codeOf("insert into users (email, email_normalized, name, role, department_id, created_at, updated_at) values ('c@x.org','c@x.org','C','learner', 999, 't','t')")).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
    } finally {
      await database.close();
    }
  });
});
