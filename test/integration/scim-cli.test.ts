import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli, reportFailure } from '../../server/cli';
import { openDatabaseOf } from '../helpers/open-test-db';
import { useFreshDatabaseInEnv } from '../helpers/test-db';

// scim:token create / list / revoke against a real database file: the token is printed once and stored
// only as its SHA-256; list never prints it; revoke is conditional and audited; bad input exits 1.
let dir: string;
let out: string[];
let err: string[];
const saved = { ...process.env };

let dropDatabase: () => Promise<void>;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-cli-scim-'));
  process.env.DATA_DIR = dir;
  dropDatabase = await useFreshDatabaseInEnv();
  process.env.SESSION_SECRET = 'cli-test-secret-long-enough-to-pass-the-check';
  process.env.BASE_URL = 'https://training.riverside.example';
  out = [];
  err = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
});
afterEach(async () => {
  await dropDatabase();
  jest.restoreAllMocks();
  process.env = { ...saved };
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => buildCli().parseAsync(['node', 'cli', ...args]);

test('scim:token create prints the tenant URL and the token once; only its hash is stored; list and revoke; each change audited as the CLI', async () => {
  await run('scim:token', 'create', '--name', 'entra');
  expect(out[0]).toBe('SCIM token 1 (entra) created. Copy it now; it is not shown again.');
  expect(out[1]).toBe('  Tenant URL: https://training.riverside.example/scim/v2');
  const token = /^ {2}Secret token: (prscim_[A-Za-z0-9_-]{43})$/.exec(out[2]!)?.[1];
  expect(token).toBeDefined();

  const database = openDatabaseOf(dir);
  try {
    const rows = await database.db.selectFrom('scim_tokens').selectAll().execute();
    expect(rows).toEqual([expect.objectContaining({ id: 1, name: 'entra', created_by: 'cli', revoked_at: null, last_used_at: null, token_hash: crypto.createHash('sha256').update(token!).digest('hex') })]);
  } finally {
    await database.close();
  }

  out.length = 0;
  await run('scim:token', 'list');
  expect(out).toHaveLength(1);
  expect(out[0]).toMatch(/^1\tentra\tcreated \S+ by cli\tactive\tlast used never$/);
  expect(out.join('\n')).not.toContain(token!.slice(7));

  out.length = 0;
  await run('scim:token', 'revoke', '1');
  expect(out).toEqual(['SCIM token 1 (entra) revoked.']);
  const again = await run('scim:token', 'revoke', '1').catch((e: unknown) => e);
  expect(reportFailure(again)).toBe(1);
  expect(err.at(-1)).toBe('SCIM token 1 (entra) was already revoked.');
  const missing = await run('scim:token', 'revoke', 'abc').catch((e: unknown) => e);
  expect(reportFailure(missing)).toBe(1);
  expect(err.at(-1)).toBe('There is no SCIM token 0.');
  const unnamed = await run('scim:token', 'create', '--name', '   ').catch((e: unknown) => e);
  expect(reportFailure(unnamed)).toBe(1);
  expect(err.at(-1)).toMatch(/Give the token a name/);

  out.length = 0;
  await run('scim:token', 'list');
  expect(out[0]).toMatch(/\trevoked \S+\t/);
  const check = openDatabaseOf(dir);
  try {
    const events = await check.db.selectFrom('audit_events').select(['action', 'actor_label']).where('action', 'like', 'scim.%').orderBy('id').execute();
    expect(events).toEqual([{ action: 'scim.token_created', actor_label: 'cli' }, { action: 'scim.token_revoked', actor_label: 'cli' }]);
  } finally {
    await check.close();
  }
});
