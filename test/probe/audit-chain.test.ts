import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, type Migration } from 'kysely';
import { migrations } from '../../migrations';
import { buildCli } from '../../server/cli';
import { openDatabase } from '../../server/db/database';

// The probe's audit findings, replayed through the operator CLI as an operator would run it, against
// a real SQLite file that the "attacker" edits directly. Only modules that existed before the keyed
// chain are imported, so each test fails on the unkeyed code by what it does, not by a missing import.

let dir: string;
let out: string[];
const saved = { ...process.env };
const KEY_A = 'a'.repeat(64);
const KEY_B = crypto.randomBytes(32).toString('base64');

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-probe-audit-'));
  process.env.DATA_DIR = dir;
  process.env.SESSION_SECRET = 'probe-test-secret-long-enough-to-pass-the-check';
  process.env.BASE_URL = 'https://training.riverside.example';
  out = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...saved };
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => buildCli().parseAsync(['node', 'cli', ...args]);
const dbFile = () => path.join(dir, 'privacy-rounds.sqlite');

interface Row {
  id: number; occurred_at: string; actor_id: number | null; actor_label: string; action: string; subject_type: string | null;
  subject_id: string | null; details: string; ip: string | null; prev_hash: string; hash: string;
}

/** What anyone with write access could always compute: the pre-key event hash, plain SHA-256. */
const sha256Hash = (e: Row) => crypto.createHash('sha256').update(JSON.stringify([
  e.id, e.occurred_at, e.actor_id, e.actor_label, e.action, e.subject_type, e.subject_id, e.details, e.ip, e.prev_hash,
])).digest('hex');

/** Rewrites every event from `from` on: edit, then fix each hash and link after it with `hash`. */
function rewrite(from: number, edit: (e: Row) => Row, hash: (e: Row) => string, extraSql = ''): void {
  const database = openDatabase(dbFile());
  try {
    const s = database.sqlite;
    const rows = s.prepare('select * from audit_events where id >= ? order by id').all(from) as Row[];
    let prev = (s.prepare('select hash from audit_events where id = ?').get(from - 1) as { hash: string } | undefined)?.hash ?? '0'.repeat(64);
    s.transaction(() => {
      if (extraSql) s.exec(extraSql);
      for (const original of rows) {
        const e = edit({ ...original, prev_hash: prev });
        e.hash = hash(e);
        s.prepare('update audit_events set details = ?, prev_hash = ?, hash = ? where id = ?').run(e.details, e.prev_hash, e.hash, e.id);
        prev = e.hash;
      }
    })();
  } finally {
    database.sqlite.close();
  }
}

const editDetails = (id: number) => (e: Row): Row => (e.id === id ? { ...e, details: '{"reason":"nothing to see"}' } : e);

/** A few audited changes, as an operator makes them. */
async function someHistory(): Promise<number> {
  await run('admin:create', '--email', 'ops@riverside.example', '--name', 'Olu Bankole');
  await run('admin:create', '--email', 'second@riverside.example', '--name', 'Second Admin');
  await run('admin:create', '--email', 'third@riverside.example', '--name', 'Third Admin');
  const database = openDatabase(dbFile());
  try {
    return (database.sqlite.prepare('select max(id) as n from audit_events').get() as { n: number }).n;
  } finally { database.sqlite.close(); }
}

describe('probe: the audit chain is keyed and anchored', () => {
  test('Low: audit:verify fails after an event is edited and every later hash recomputed with SHA-256', async () => {
    const n = await someHistory();
    expect(n).toBeGreaterThanOrEqual(5);
    rewrite(2, editDetails(2), sha256Hash);
    await expect(run('audit:verify')).rejects.toThrow(/BROKEN at event 2: event 2 was changed/);
  });

  test('Low: audit:verify fails after the edited chain is re-sealed with HMAC under any key but the audit key', async () => {
    process.env.AUDIT_KEY = KEY_A;
    await someHistory();
    // The attacker knows the code (the sealed text and the key id's form) but not the key.
    const ownKey = Buffer.from(KEY_B, 'base64');
    const ownId = crypto.createHash('sha256').update(ownKey).digest('hex').slice(0, 16);
    const hmac = (e: Row, keyId: string) => crypto.createHmac('sha256', ownKey)
      .update(`${JSON.stringify([e.id, e.occurred_at, e.actor_id, e.actor_label, e.action, e.subject_type, e.subject_id, e.details, e.ip, e.prev_hash])}\n${keyId}`).digest('hex');
    const database = openDatabase(dbFile());
    const realId = (database.sqlite.prepare('select key_id from audit_events where id = 1').get() as { key_id: string }).key_id;
    database.sqlite.close();
    rewrite(2, editDetails(2), (e) => hmac(e, realId));
    await expect(run('audit:verify')).rejects.toThrow(/BROKEN at event 2: event 2 was changed/);
    rewrite(1, editDetails(2), (e) => hmac(e, ownId), `update audit_events set key_id = '${ownId}'`);
    await expect(run('audit:verify')).rejects.toThrow(new RegExp(`BROKEN at event 1: event 1 is sealed with audit key ${ownId}, which is not configured`));
  });

  test('Low: audit:verify fails after the newest event is deleted, given the anchor taken before', async () => {
    const n = await someHistory();
    await run('audit:anchor');
    expect(out.at(-1)).toMatch(new RegExp(`^Anchored event ${n} in `));
    const database = openDatabase(dbFile());
    try { database.sqlite.prepare('delete from audit_events where id = ?').run(n); } finally { database.sqlite.close(); }
    await expect(run('audit:verify')).rejects.toThrow(new RegExp(`anchor names event ${n} but the log ends at event ${n - 1}: the newest events were deleted`));
    // The same with the anchor passed explicitly, as when it is kept on another host.
    const copy = path.join(dir, 'elsewhere.log');
    fs.copyFileSync(path.join(dir, 'audit-anchors.log'), copy);
    fs.rmSync(path.join(dir, 'audit-anchors.log'));
    await expect(run('audit:verify', '--anchor', copy)).rejects.toThrow(/the newest events were deleted/);
  });

  test('Low: audit:verify passes on an untouched chain and its anchors, appended to an owner-only file', async () => {
    await someHistory();
    await run('audit:anchor');
    await run('admin:create', '--email', 'fourth@riverside.example', '--name', 'Fourth Admin');
    await run('audit:anchor');
    const file = path.join(dir, 'audit-anchors.log');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^privacy-rounds audit anchor id=\d+ hash=[0-9a-f]{64} key=[0-9a-f]{16} at=\S+Z$/);
    out = [];
    await run('audit:verify');
    expect(out[0]).toMatch(/^Audit log OK: \d+ events, chain intact, sealed with audit key [0-9a-f]{16}\.$/);
    expect(out.at(-1)).toMatch(/^Anchors in .*audit-anchors\.log match, up to event \d+\.$/);
    // --print gives the line for syslog or another host; a syslog export (with its own prefix) reads back.
    await run('audit:anchor', '--print');
    const printed = out.at(-1)!;
    const exported = path.join(dir, 'journal.txt');
    fs.writeFileSync(exported, `Dec 04 09:00:00 host privacy-rounds[123]: ${printed}\nDec 04 09:00:01 host cron[1]: unrelated\n`);
    await run('audit:verify', '--anchor', exported);
    expect(out.at(-1)).toMatch(/match, up to event \d+\.$/);
  });

  test('Low: rewriting the whole log as unkeyed (key ids stripped, SHA-256 recomputed) fails audit:verify', async () => {
    await someHistory();
    rewrite(1, editDetails(2), sha256Hash, 'update audit_events set key_id = null');
    await expect(run('audit:verify')).rejects.toThrow(/are unkeyed and no keyed event seals them/);
  });

  test('someone holding the key can re-seal an edited chain; only the anchor then shows it', async () => {
    await someHistory();
    await run('audit:anchor');
    const key = Buffer.from(fs.readFileSync(path.join(dir, 'audit-key'), 'utf8').trim(), 'base64url');
    const keyId = crypto.createHash('sha256').update(key).digest('hex').slice(0, 16);
    rewrite(2, editDetails(2), (e) => crypto.createHmac('sha256', key)
      .update(`${JSON.stringify([e.id, e.occurred_at, e.actor_id, e.actor_label, e.action, e.subject_type, e.subject_id, e.details, e.ip, e.prev_hash])}\n${keyId}`).digest('hex'));
    const anchors = path.join(dir, 'audit-anchors.log');
    fs.renameSync(anchors, path.join(dir, 'kept-elsewhere.log'));
    out = [];
    await run('audit:verify');
    expect(out[0]).toMatch(/^Audit log OK/);
    await expect(run('audit:verify', '--anchor', path.join(dir, 'kept-elsewhere.log'))).rejects.toThrow(/BROKEN at event \d+: event \d+ differs from the anchor taken at .*: the log was rewritten/);
  });

  test('audit:anchor refuses to anchor a log that already fails', async () => {
    await someHistory();
    rewrite(3, editDetails(3), sha256Hash);
    await expect(run('audit:anchor')).rejects.toThrow(/Not anchored: the audit log is BROKEN at event 3/);
    expect(fs.existsSync(path.join(dir, 'audit-anchors.log'))).toBe(false);
  });

  test('the audit key is kept outside the database (DATA_DIR/audit-key, 0600) and its id is recorded on every event', async () => {
    await someHistory();
    const keyFile = path.join(dir, 'audit-key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64url');
    expect(key.length).toBe(32);
    const id = crypto.createHash('sha256').update(key).digest('hex').slice(0, 16);
    const database = openDatabase(dbFile());
    try {
      const ids = database.sqlite.prepare('select distinct key_id from audit_events').all() as { key_id: string }[];
      expect(ids).toEqual([{ key_id: id }]);
      const raw = fs.readFileSync(dbFile()).toString('latin1') + (fs.existsSync(`${dbFile()}-wal`) ? fs.readFileSync(`${dbFile()}-wal`).toString('latin1') : '');
      expect(raw).not.toContain(fs.readFileSync(keyFile, 'utf8').trim());
    } finally { database.sqlite.close(); }
    // A damaged key file stops the command instead of being silently replaced by a new key.
    fs.writeFileSync(keyFile, 'short\n');
    await expect(run('audit:verify')).rejects.toThrow(/audit-key is not a valid audit key/);
  });

  test('after a key rotation, events sealed under the old key verify only when it is given in AUDIT_KEYS_OLD', async () => {
    process.env.AUDIT_KEY = KEY_A;
    await run('admin:create', '--email', 'ops@riverside.example', '--name', 'Olu Bankole');
    process.env.AUDIT_KEY = KEY_B;
    process.env.AUDIT_KEYS_OLD = KEY_A;
    await run('admin:create', '--email', 'second@riverside.example', '--name', 'Second Admin');
    out = [];
    await run('audit:verify');
    expect(out[0]).toMatch(/sealed with audit key [0-9a-f]{16}, [0-9a-f]{16}\.$/);
    delete process.env.AUDIT_KEYS_OLD;
    await expect(run('audit:verify')).rejects.toThrow(/BROKEN at event 1: event 1 is sealed with audit key [0-9a-f]{16}, which is not configured/);
    process.env.AUDIT_KEY = 'c2hvcnQ=';
    await expect(run('audit:verify')).rejects.toThrow(/AUDIT_KEY: must be at least 32 bytes/);
  });

  test('a log written before audit keys existed is sealed by the migration run and keeps verifying; editing it still fails', async () => {
    // An older install: the schema up to 0005 and an unkeyed chain written by the code of that time.
    const database = openDatabase(dbFile());
    const old = Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= '0005_report_indexes')) as Record<string, Migration>;
    await new Migrator({ db: database.db, provider: { getMigrations: async () => old } }).migrateToLatest();
    let prev = '0'.repeat(64);
    for (let id = 1; id <= 4; id += 1) {
      const e: Row = { id, occurred_at: `2026-01-0${id}T10:00:00.000Z`, actor_id: null, actor_label: 'cli', action: 'user.created', subject_type: 'user', subject_id: String(id), details: '{}', ip: null, prev_hash: prev, hash: '' };
      e.hash = sha256Hash(e);
      database.sqlite.prepare('insert into audit_events (id, occurred_at, actor_id, actor_label, action, subject_type, subject_id, details, ip, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(e.id, e.occurred_at, e.actor_id, e.actor_label, e.action, e.subject_type, e.subject_id, e.details, e.ip, e.prev_hash, e.hash);
      prev = e.hash;
    }
    await database.close();

    await run('db:migrate');
    await run('admin:create', '--email', 'ops@riverside.example', '--name', 'Olu Bankole');
    out = [];
    await run('audit:verify');
    expect(out[0]).toMatch(/^Audit log OK: \d+ events, chain intact, sealed with audit key [0-9a-f]{16}\.$/);
    expect(out[1]).toBe('Events 1 to 4 were written before the audit key existed: they are unkeyed, and the keyed events after them (and your anchors) are what shows a rewrite.');
    const check = openDatabase(dbFile());
    try {
      const seal = check.sqlite.prepare('select action, details, prev_hash, key_id from audit_events where id = 5').get() as { action: string; details: string; prev_hash: string; key_id: string | null };
      expect(seal).toMatchObject({ action: 'audit.chain-keyed', prev_hash: prev });
      expect(seal.key_id).toMatch(/^[0-9a-f]{16}$/);
      expect(JSON.parse(seal.details)).toEqual({ unkeyedEvents: 4, lastUnkeyedHash: prev });
    } finally { check.sqlite.close(); }
    // The unkeyed part can be recomputed by anyone, but not the keyed seal that links to it.
    rewrite(2, (e) => (e.id === 2 ? { ...e, details: '{"edited":true}' } : e), sha256Hash);
    await expect(run('audit:verify')).rejects.toThrow(/BROKEN at event 5/);
  });
});
