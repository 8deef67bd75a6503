import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import { auditKeyring, useAuditKeys } from '../../server/audit/keyring';
import { appendAudit, verifyAuditChain } from '../../server/audit/service';
import { auditStore } from '../../server/audit/store';
import { openDatabase, type Database } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import type { DB } from '../../server/db/schema';
import { TestClock } from '../helpers/clock';
import { TEST_AUDIT_KEY } from '../helpers/app';

// The audit chain with more than one connection writing: the server and the CLI, or two processes.
// Each append reads the chain's head and inserts after it; the chain lock (server/db/chain-lock.ts)
// with write transactions begun IMMEDIATE (server/db/database.ts) keeps another connection out
// between the two.

let dir: string;
let file: string;
let main: Database;
const clock = new TestClock();
const actor = (label: string) => ({ id: null, label });

beforeEach(async () => {
  useAuditKeys(auditKeyring(Buffer.from(TEST_AUDIT_KEY, 'hex')));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-audit-concurrency-'));
  file = path.join(dir, 'chain.sqlite');
  main = openDatabase(file);
  await migrateToLatest(main.db);
});

afterEach(async () => {
  await main.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface WriterReport { appended: number; error?: string }

/** Starts `labels.length` writer processes, lets them go at once, and waits for their reports. */
async function runWriters(labels: string[], count: number): Promise<WriterReport[]> {
  const children = labels.map((label) => fork(path.join(__dirname, '../helpers/audit-writer.cjs'), [file, TEST_AUDIT_KEY, label, String(count)], { execArgv: [], stdio: 'pipe' }));
  const stderr = children.map((child) => { let text = ''; child.stderr?.on('data', (d: Buffer) => { text += d.toString(); }); return () => text; });
  const next = (child: (typeof children)[number], i: number) => new Promise<WriterReport & { ready?: true }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as WriterReport & { ready?: true }));
    child.once('exit', (code) => reject(new Error(`writer ${labels[i]} exited with ${code}: ${stderr[i]!()}`)));
  });
  await Promise.all(children.map(next));
  const reports = children.map(next);
  for (const child of children) child.send('go');
  const done = await Promise.all(reports);
  await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)))));
  return done;
}

test('two processes appending at once leave one unbroken chain with every event in it', async () => {
  const count = 300;
  const reports = await runWriters(['writer-a', 'writer-b'], count);

  expect(reports).toEqual([{ appended: count }, { appended: count }]);
  const rows = await main.db.selectFrom('audit_events').select(['id', 'actor_label']).orderBy('id').execute();
  expect(rows).toHaveLength(2 * count);
  expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 2 * count }, (_, i) => i + 1));
  expect(rows.filter((r) => r.actor_label === 'writer-a')).toHaveLength(count);
  // They really overlapped: the chain alternates between the writers, not one block then the other.
  const switches = rows.filter((r, i) => i > 0 && r.actor_label !== rows[i - 1]!.actor_label).length;
  expect(switches).toBeGreaterThan(1);
  await expect(verifyAuditChain(main.db)).resolves.toMatchObject({ ok: true, events: 2 * count });
}, 60_000);

test('an appending transaction holds the write lock before it reads the chain head', async () => {
  const other = openDatabase(file);
  try {
    other.sqlite.pragma('busy_timeout = 0');
    await main.db.transaction().execute(async (trx) => {
      const head = await auditStore(trx).last();
      expect(head).toBeUndefined();
      // Another connection cannot append between our read and our insert: it is told the database is busy.
      await expect(other.db.transaction().execute((t) => appendAudit(t, clock, actor('other'), { action: 'test.between' })))
        .rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      await appendAudit(trx, clock, actor('main'), { action: 'test.first' });
    });
    await other.db.transaction().execute((t) => appendAudit(t, clock, actor('other'), { action: 'test.after' }));
  } finally {
    await other.close();
  }
  const rows = await main.db.selectFrom('audit_events').select(['id', 'action']).orderBy('id').execute();
  expect(rows).toEqual([{ id: 1, action: 'test.first' }, { id: 2, action: 'test.after' }]);
  await expect(verifyAuditChain(main.db)).resolves.toMatchObject({ ok: true, events: 2 });
});

test('without it, SQLite refuses the stale append instead of forking the chain: the event is lost', async () => {
  // Kysely's stock SQLite dialect, which begins transactions DEFERRED: what appends ran on before.
  const stock = new Kysely<DB>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
  try {
    await expect(stock.transaction().execute(async (trx) => {
      await auditStore(trx).last();
      await main.db.transaction().execute((t) => appendAudit(t, clock, actor('main'), { action: 'test.between' }));
      await appendAudit(trx, clock, actor('stale'), { action: 'test.stale' });
    })).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
  } finally {
    await stock.destroy();
  }
  const rows = await main.db.selectFrom('audit_events').select(['id', 'action']).orderBy('id').execute();
  expect(rows).toEqual([{ id: 1, action: 'test.between' }]);
});
