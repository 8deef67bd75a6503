import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { verifyAuditChain } from '../../server/audit/service';
import { backupTo, integrityOf, restoreFrom } from '../../server/db/backup';
import { openDatabase } from '../../server/db/database';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn } from '../helpers/http';
import { completeCourse } from '../helpers/learner';

let t: TestApp;
beforeEach(async () => { t = await buildTestApp(); });
afterEach(async () => { await t.close(); });

/** Every row of every table, for comparing two database files. */
function dump(file: string): Record<string, unknown[]> {
  const db = new SQLite(file, { readonly: true });
  try {
    const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as { name: string }[]).map((r) => r.name);
    return Object.fromEntries(tables.map((name) => [name, db.prepare(`select * from "${name}" order by rowid`).all()]));
  } finally {
    db.close();
  }
}

describe('backup and restore', () => {
  test('an online backup taken while the app runs restores every table exactly', async () => {
    await createPerson(t.db, t.clock, { email: 'maria@riverside.example', name: 'María Gómez' });
    const agent = newAgent(t.app);
    await signIn(agent, 'maria@riverside.example', GOOD_PASSWORD);
    await completeCourse(agent, t.catalogue.courses[0]!, 'María Gómez', t.clock);
    const file = path.join(t.dir, 'backups', 'nightly.sqlite');
    const r = await backupTo(t.database, file);
    expect(r.pages).toBeGreaterThan(10);
    expect(integrityOf(file)).toBe('ok');
    const atBackup = dump(file);
    expect((atBackup.completions as unknown[]).length).toBe(1);
    expect((atBackup.certificates as unknown[]).length).toBe(1);
    // The live database moves on after the backup.
    await createPerson(t.db, t.clock, { email: 'later@riverside.example' });
    await expect(backupTo(t.database, file)).rejects.toThrow(/already exists/);
    await t.database.close();

    restoreFrom(file, t.config.databasePath);
    expect(dump(t.config.databasePath)).toEqual(atBackup);
    const reopened = openDatabase(t.config.databasePath);
    try {
      expect(await verifyAuditChain(reopened.db)).toMatchObject({ ok: true });
      expect(await reopened.db.selectFrom('users').select('email').where('email', '=', 'later@riverside.example').executeTakeFirst()).toBeUndefined();
    } finally {
      await reopened.close();
    }
  });

  test('a damaged or foreign file is refused and the database is left as it was', async () => {
    await createPerson(t.db, t.clock, { email: 'keep@riverside.example' });
    const before = dump(t.config.databasePath);
    const junk = path.join(t.dir, 'junk.sqlite');
    fs.writeFileSync(junk, Buffer.alloc(8192, 7));
    expect(() => restoreFrom(junk, t.config.databasePath)).toThrow(/Nothing was changed|not a database/);
    const foreign = path.join(t.dir, 'foreign.sqlite');
    const f = new SQLite(foreign);
    f.exec('create table notes (x)');
    f.close();
    expect(() => restoreFrom(foreign, t.config.databasePath)).toThrow(/not a Privacy Rounds database/);
    expect(() => restoreFrom(path.join(t.dir, 'missing.sqlite'), t.config.databasePath)).toThrow(/does not exist/);
    expect(dump(t.config.databasePath)).toEqual(before);
  });
});
