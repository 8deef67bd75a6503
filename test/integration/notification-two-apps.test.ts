import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { addDays, dayInZone } from '../../server/dates';
import { projectRoot } from '../../server/paths';
import { DEFAULT_STAGE_SETTINGS } from '../../server/notifications/stages';
import { parseUserCsv } from '../../server/users/import';
import { buildTestApp, TEST_AUDIT_KEY, type TestApp } from '../helpers/app';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer';

// Issue 17: "running the scheduler twice at once (two processes on one database) still sends each
// message once". Two real app processes (dist/server/main.js) start on one database file at the same
// moment; each plans at start-up and sends from its outbox timer to one SMTP server. Planning is made
// once by the outbox's unique key, sending once by the lease claim: every message arrives exactly once.

let t: TestApp;
let peer: SmtpPeer;
const apps: ChildProcess[] = [];

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'pipe' });
  peer = await startSmtpPeer();
  t = await buildTestApp();
  const today = dayInZone(new Date(), t.config.timeZone);
  const lines = ['employee_id,email,name,role,department,manager_email,hire_date'];
  for (let i = 0; i < 4; i += 1) lines.push(`M${i},m${i}@riverside.example,Manager ${i},manager,Ward ${i},,2020-01-01`);
  // Start dates over 70 days: due soon, due today and overdue by several weeks, so several stages are due.
  for (let i = 0; i < 120; i += 1) lines.push(`E${i},p${i}@riverside.example,Person ${i},learner,Ward ${i % 4},m${i % 4}@riverside.example,${addDays(today, -(i % 70))}`);
  const imported = await t.services.peopleImporter.run({ id: null, label: 'test' }, await parseUserCsv(lines.join('\n')), 'test');
  if (!imported.ok) throw new Error('the import was refused');
  // Every hour is a send hour: the processes run on the real clock, whatever time the suite runs.
  await t.services.notificationSettings.saveStages({ id: null, label: 'test' }, { ...DEFAULT_STAGE_SETTINGS, sendFrom: 0, sendUntil: 24 });
}, 180_000);

afterAll(async () => {
  for (const app of apps) if (app.exitCode === null) app.kill('SIGKILL');
  await t?.close();
  await peer?.close();
});

/** Starts the app as `npm start` does, on a free port, and resolves once it listens. */
function startApp(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/server/main.js'], {
    cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATA_DIR: t.dir, AUDIT_KEY: TEST_AUDIT_KEY, TIME_ZONE: t.config.timeZone,
      SESSION_SECRET: 'test-secret-that-is-long-enough-for-the-check', BASE_URL: 'http://127.0.0.1:3000', ORG_NAME: 'Riverside General',
      PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SMTP_URL: peer.url, MAIL_FROM: 'training@riverside.example',
      // The test app's database: its SQLite file in DATA_DIR, or under TEST_DB=postgres its PostgreSQL database.
      ...t.databaseEnv,
    },
  });
  apps.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const seen = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Privacy Rounds is listening')) resolve(child);
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.on('exit', (code) => reject(new Error(`the app exited with ${code}: ${out.slice(-800)}`)));
  });
}

const unsettled = async () => (await t.db.selectFrom('outbox').select('id').where('state', 'in', ['queued', 'sending']).execute()).length;

test('two app processes started together on one database plan and send every message exactly once', async () => {
  await Promise.all([startApp(), startApp()]);
  // Both plan at start-up and send at once; wait until nothing is left to send.
  const until = Date.now() + 90_000;
  let rows = 0;
  for (;;) {
    rows = (await t.db.selectFrom('outbox').select('id').execute()).length;
    if (rows > 0 && (await unsettled()) === 0 && peer.received.length >= rows) break;
    if (Date.now() > until) throw new Error(`still ${await unsettled()} of ${rows} messages unsent, ${peer.received.length} received`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const outbox = await t.db.selectFrom('outbox').select(['key', 'stage', 'state', 'message_id', 'attempts']).execute();
  // Several stages were due, not just one kind of message.
  expect(new Set(outbox.map((r) => r.stage)).size).toBeGreaterThanOrEqual(3);
  expect(outbox.length).toBeGreaterThan(100);
  expect(outbox.filter((r) => r.state !== 'sent')).toEqual([]);
  expect(outbox.every((r) => r.attempts === 1)).toBe(true);
  // Every row arrived once: as many messages as rows, each Message-ID once, and exactly the rows' IDs.
  const ids = peer.received.map((r) => r.mail.messageId);
  expect(ids).toHaveLength(outbox.length);
  expect(new Set(ids).size).toBe(ids.length);
  // The row keeps the Message-ID's local part; the domain is MAIL_FROM's.
  expect(new Set(ids)).toEqual(new Set(outbox.map((r) => `<${r.message_id}@riverside.example>`)));
}, 150_000);
