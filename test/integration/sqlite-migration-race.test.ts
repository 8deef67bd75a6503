import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabase } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import { projectRoot } from '../../server/paths';
import { migrations } from '../../migrations';
import { TEST_AUDIT_KEY } from '../helpers/app';

// Issue 19: two processes starting at once on a fresh SQLite file (two servers, or a server and
// `db:migrate` in a deploy script) both found every migration pending and ran them side by side, and
// one failed with "table already exists" or "duplicate column". server/db/migrate.ts now runs the
// migrations under SQLite's write lock; here real processes of the production build race for it.

const NEWEST = Object.keys(migrations).sort().at(-1);
let dir: string;

beforeAll(() => {
  execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'pipe' });
}, 120_000);
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-migration-race-')); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

// The secrets are given, as an operator running two processes on one folder gives them: the race
// under test is the migrations', not the first start's key files.
const env = () => ({
  PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATA_DIR: dir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info',
  BASE_URL: 'http://127.0.0.1:3000', SESSION_SECRET: 'migration-race-secret-long-enough-for-the-check', AUDIT_KEY: TEST_AUDIT_KEY,
  ADMIN_EMAIL: 'admin@riverside.example', ADMIN_PASSWORD: 'copper lantern orchard 88',
});

interface Run { child: ChildProcess; output: () => string; exited: Promise<number | null> }

function run(script: string, args: string[] = []): Run {
  const child = spawn(process.execPath, [script, ...args], { cwd: projectRoot, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

/** The port a server logs once it listens; rejects with what it printed if it exits first. */
async function listening(server: Run): Promise<number> {
  for (let i = 0; i < 600; i += 1) {
    const m = /"port":(\d+)/.exec(server.output());
    if (m) return Number(m[1]);
    if (server.child.exitCode !== null) throw new Error(`the server exited with ${server.child.exitCode}: ${server.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the server did not start within 30 s: ${server.output()}`);
}

/** Tables, indexes and triggers with their SQL, and the migrations recorded (with how often). */
function schemaOf(file: string): { objects: unknown[]; applied: { name: string; n: number }[] } {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return {
      objects: db.prepare("select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name").all(),
      applied: db.prepare('select name, count(*) as n from kysely_migration group by name order by name').all() as { name: string; n: number }[],
    };
  } finally {
    db.close();
  }
}

/** The schema one process alone makes on a fresh file: what the raced file must equal. */
async function referenceSchema(): Promise<ReturnType<typeof schemaOf>> {
  const file = path.join(dir, 'reference.sqlite');
  const database = openDatabase(file);
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  return schemaOf(file);
}

const everyMigrationOnce = Object.keys(migrations).sort().map((name) => ({ name, n: 1 }));

test('two servers started at once on a fresh file both start; the schema is whole and each migration recorded once', async () => {
  const servers = [run('dist/server/main.js'), run('dist/server/main.js')];
  try {
    const ports = await Promise.all(servers.map(listening));
    for (const port of ports) {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok', database: 'sqlite', migration: NEWEST });
    }
    // One of them migrated, the other found nothing left to do.
    expect(servers.filter((s) => s.output().includes('"msg":"migrations applied"'))).toHaveLength(1);
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
  }
  const raced = schemaOf(path.join(dir, 'privacy-rounds.sqlite'));
  expect(raced.applied).toEqual(everyMigrationOnce);
  expect(raced.objects).toEqual((await referenceSchema()).objects);
}, 60_000);

test('two `db:migrate` run at once on a fresh file: one applies every migration, the other finds none left', async () => {
  const runs = [run('dist/server/cli.js', ['db:migrate']), run('dist/server/cli.js', ['db:migrate'])];
  expect(await Promise.all(runs.map((r) => r.exited))).toEqual([0, 0]);
  const said = runs.map((r) => r.output().trim()).sort();
  expect(said).toEqual(['Database is up to date.', `Applied: ${Object.keys(migrations).join(', ')}`].sort());
  const raced = schemaOf(path.join(dir, 'privacy-rounds.sqlite'));
  expect(raced.applied).toEqual(everyMigrationOnce);
  expect(raced.objects).toEqual((await referenceSchema()).objects);
}, 60_000);

test('a process holding the write lock longer than the busy timeout delays the migrations, it does not fail them', async () => {
  const file = path.join(dir, 'held.sqlite');
  // Another process takes the file's write lock for 6.5 s: longer than busy_timeout's 5 s.
  const holder = spawn(process.execPath, ['-e', `
    const db = new (require('better-sqlite3'))(${JSON.stringify(file)});
    db.pragma('journal_mode = WAL');
    db.exec('begin immediate');
    console.log('locked');
    setTimeout(() => { db.exec('commit'); db.close(); }, 6500);
  `], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const released = new Promise((resolve) => holder.once('exit', resolve));
  await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
  const database = openDatabase(file);
  const started = Date.now();
  try {
    expect(await migrateToLatest(database.db)).toEqual(Object.keys(migrations));
  } finally {
    await database.close();
  }
  await released;
  expect(Date.now() - started).toBeGreaterThan(5000);
  expect(schemaOf(file).applied).toEqual(everyMigrationOnce);
}, 60_000);
