import { sql } from 'kysely';
import { rateLimitStore } from '../../server/auth/rate-limit-store';
import { createLogger } from '../../server/http/logging';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { html, newAgent, signIn } from '../helpers/http';

// Issue 19: the rate limits hold across instances. Two apps on ONE database (the same SQLite file, or
// the same PostgreSQL database under TEST_DB=postgres), each with its own clock set to the same time:
// requests alternate between them and count against the same limits, in the database.

const CLIENT_LIMIT = 12;
const ACCOUNT_LIMIT = 7;
const env = { LOGIN_RATE_LIMIT: String(CLIENT_LIMIT), LOGIN_ACCOUNT_RATE_LIMIT: String(ACCOUNT_LIMIT), LOCKOUT_THRESHOLD: '3' };
const CLIENT_MESSAGE = 'Too many sign-in attempts from this network. Wait 15 minutes and try again.';
const ACCOUNT_MESSAGE = 'Too many failed sign-ins with this email address from your network. Wait 15 minutes and try again, ' +
  'or ask your administrator for a new password link.';

let a: TestApp;
let b: TestApp;
let apps: TestApp[];

beforeAll(async () => {
  a = await buildTestApp(env);
  b = await buildTestApp({ ...env, ...a.databaseEnv, DATA_DIR: a.dir });
  apps = [a, b];
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

/** Both apps' clocks move together, as two servers' clocks do. */
function advance(ms: number): void {
  for (const t of apps) t.clock.advance(ms);
}

// Each test starts in windows of its own: every counter of the previous test has ended.
beforeEach(() => advance(16 * 60_000));

let unique = 0;
const stranger = () => `stranger${(unique += 1)}@riverside.example`;

/** The i-th request goes to a, the next to b, and so on. */
const appFor = (i: number) => apps[i % 2]!;

/** Hits in the live counters of one limiter, read from the database. */
async function liveHits(limiter: string): Promise<number> {
  const row = await a.db.selectFrom('rate_limit_hits').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('hits'), sql<number>`0`).as('n'))
    .where('key', 'like', `${limiter}:%`).where('reset_at', '>', a.clock.now().toISOString()).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A success takes its hit back after the response has gone out: wait until the database shows it. */
async function until(check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('the counter never reached the expected value');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const refusal = (text: string) => /class="notice notice-error" role="alert">([^<]+)</.exec(text)?.[1];

test('failed sign-ins alternating between the two apps reach the per-client limit at exactly LOGIN_RATE_LIMIT; a success takes its count back', async () => {
  await createPerson(a.db, a.clock, { email: 'winnie.success@riverside.example' });
  const statuses: number[] = [];
  for (let i = 0; i < CLIENT_LIMIT - 1; i += 1) statuses.push((await signIn(newAgent(appFor(i).app), stranger(), 'not the password')).status);
  expect(statuses).toEqual(Array(CLIENT_LIMIT - 1).fill(401));
  expect(await liveHits('sign-in-client')).toBe(CLIENT_LIMIT - 1);
  // A success (on b) counts while it runs and is taken back when it turns out to be one.
  expect((await signIn(newAgent(b.app), 'winnie.success@riverside.example', GOOD_PASSWORD)).status).toBe(303);
  await until(async () => (await liveHits('sign-in-client')) === CLIENT_LIMIT - 1);
  // So one more failure fits (on a), and the one after it is refused (on b) with today's page and words.
  expect((await signIn(newAgent(a.app), stranger(), 'not the password')).status).toBe(401);
  const over = await signIn(newAgent(b.app), stranger(), 'not the password');
  expect(over.status).toBe(429);
  expect(refusal(over.text)).toBe(html(CLIENT_MESSAGE));
  expect(over.headers['retry-after']).toBe(String(15 * 60));
  expect(over.headers['ratelimit-policy']).toMatch(new RegExp(`q=${CLIENT_LIMIT}; w=900`));
  // Refused on a as well, without checking anything: the refused attempts wrote no sign-in failure.
  const failuresBefore = (await a.db.selectFrom('audit_events').select('id').where('action', '=', 'auth.login_failed').execute()).length;
  expect((await signIn(newAgent(a.app), 'winnie.success@riverside.example', GOOD_PASSWORD)).status).toBe(429);
  expect((await a.db.selectFrom('audit_events').select('id').where('action', '=', 'auth.login_failed').execute()).length).toBe(failuresBefore);
});

test('the window ends on the injected clock, and the time left is told by that clock', async () => {
  for (let i = 0; i < CLIENT_LIMIT; i += 1) expect((await signIn(newAgent(appFor(i).app), stranger(), 'not the password')).status).toBe(401);
  advance(14 * 60_000);
  const late = await signIn(newAgent(a.app), stranger(), 'not the password');
  expect(late.status).toBe(429);
  expect(late.headers['retry-after']).toBe('60');
  advance(59_999);
  expect((await signIn(newAgent(b.app), stranger(), 'not the password')).status).toBe(429);
  advance(1);
  // 15 minutes after the first hit: a fresh window, counted from 1 again.
  expect((await signIn(newAgent(b.app), stranger(), 'not the password')).status).toBe(401);
  expect(await liveHits('sign-in-client')).toBe(1);
});

test('the per-account bucket: the same address from one client, alternating apps, is refused after LOGIN_ACCOUNT_RATE_LIMIT failures', async () => {
  const address = stranger();
  const statuses: number[] = [];
  for (let i = 0; i <= ACCOUNT_LIMIT; i += 1) {
    // A different letter case each time: the account key is the normalised address.
    const typed = i % 3 === 0 ? address.toUpperCase() : address;
    const res = await signIn(newAgent(appFor(i).app), typed, `wrong ${i}`);
    statuses.push(res.status);
    if (res.status === 429) expect(refusal(res.text)).toBe(html(ACCOUNT_MESSAGE));
  }
  expect(statuses).toEqual([...Array(ACCOUNT_LIMIT).fill(401), 429]);
  // Another address from the same client is not held up by it.
  expect((await signIn(newAgent(a.app), stranger(), 'not the password')).status).toBe(401);
  // Neither the address nor the client's IP is in the table: limiter name, then a 64-digit keyed hash.
  const keys = (await a.db.selectFrom('rate_limit_hits').select('key').execute()).map((r) => r.key);
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) expect(key).toMatch(/^[a-z-]+:[0-9a-f]{64}$/);
  expect(JSON.stringify(keys)).not.toMatch(/riverside|127\.0\.0\.1|::/i);
});

test('the lockout holds across the two apps: failures on either count, and the pause refuses the right password on both', async () => {
  await createPerson(a.db, a.clock, { email: 'lou.locked@riverside.example' });
  for (let i = 0; i < 3; i += 1) expect((await signIn(newAgent(appFor(i).app), 'lou.locked@riverside.example', `wrong ${i}`)).status).toBe(401);
  for (const t of apps) {
    const res = await signIn(newAgent(t.app), 'lou.locked@riverside.example', GOOD_PASSWORD);
    expect(res.status).toBe(401);
    expect(res.text).toContain('is paused after too many failed attempts');
  }
  // The pause (1 minute) ends on the shared clock, for both apps.
  advance(61_000);
  expect((await signIn(newAgent(b.app), 'lou.locked@riverside.example', GOOD_PASSWORD)).status).toBe(303);
});

test('certificate verify is limited across the two apps (60 a minute per client), and the minute ends on the injected clock', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 61; i += 1) statuses.push((await newAgent(appFor(i).app).get('/verify/PR-0000-0000-0000-0000')).status);
  expect(statuses.slice(0, 60)).toEqual(Array(60).fill(404));
  expect(statuses[60]).toBe(429);
  expect((await newAgent(a.app).get('/verify')).status).toBe(429);
  advance(60_000);
  expect((await newAgent(a.app).get('/verify/PR-0000-0000-0000-0000')).status).toBe(404);
});

test('N parallel hits on one key from both apps count exactly N, each seeing a different count', async () => {
  const N = 60;
  const results = await Promise.all(Array.from({ length: N }, (_, i) => appFor(i).services.rateLimits.hit('concurrency', 'one key', 60_000)));
  expect(results.map((r) => r.hits).sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  // Every hit in one window: they all report the same end.
  expect(new Set(results.map((r) => r.resetAt.toISOString())).size).toBe(1);
  expect((await b.services.rateLimits.current('concurrency', 'one key'))?.hits).toBe(N);
  // Taking back in parallel is exact too.
  await Promise.all(Array.from({ length: 10 }, (_, i) => appFor(i).services.rateLimits.takeBack('concurrency', 'one key')));
  expect((await a.services.rateLimits.current('concurrency', 'one key'))?.hits).toBe(N - 10);
  // On SQLite the counters are written without waiting for an fsync (db/no-fsync.ts); everything else
  // still is: the connection's setting is back to FULL after all those parallel writes.
  for (const t of apps) if (t.database.engine === 'sqlite') expect(t.database.sqlite.pragma('synchronous', { simple: true })).toBe(2);
});

test('ended counters are swept, a bounded number at a time, and live ones are kept', async () => {
  for (let i = 0; i < 5; i += 1) await a.services.rateLimits.hit('sweep', `ended ${i}`, 60_000);
  await a.services.rateLimits.hit('sweep', 'live', 10 * 60_000);
  advance(61_000);
  const sweepRows = async () => (await a.db.selectFrom('rate_limit_hits').select('key').where('key', 'like', 'sweep:%').execute()).map((r) => r.key);
  // At most `max` rows per sweep, oldest first.
  expect(await rateLimitStore(a.db).sweep(a.clock.now().toISOString(), 2)).toBe(2);
  expect(await sweepRows()).toHaveLength(4);
  await a.services.rateLimits.sweep();
  expect(await sweepRows()).toEqual([a.services.rateLimits.storedKey('sweep', 'live')]);
  // Nothing ended is left anywhere (the earlier tests' counters too).
  const ended = await a.db.selectFrom('rate_limit_hits').select('key').where('reset_at', '<=', a.clock.now().toISOString()).execute();
  expect(ended).toEqual([]);
  // Without being asked: a hit more than a minute (on the app's clock) after the last sweep sweeps first.
  for (let i = 0; i < 3; i += 1) await b.services.rateLimits.hit('sweep', `ended again ${i}`, 1_000);
  advance(61_000);
  await b.services.rateLimits.hit('sweep', 'another', 60_000);
  expect((await sweepRows()).sort()).toEqual([a.services.rateLimits.storedKey('sweep', 'live'), a.services.rateLimits.storedKey('sweep', 'another')].sort());
});

test('a database error while counting lets sign-in through (fail open) and is logged, never a 500', async () => {
  const lines: string[] = [];
  const broken = await buildTestApp(env, createLogger('error', { write: (line: string) => { lines.push(line); } }));
  try {
    await createPerson(broken.db, broken.clock, { email: 'olga.open@riverside.example' });
    // A real database error: the counters' table is gone.
    await sql`drop table rate_limit_hits`.execute(broken.db);
    expect((await signIn(newAgent(broken.app), 'olga.open@riverside.example', 'not the password')).status).toBe(401);
    expect((await signIn(newAgent(broken.app), 'olga.open@riverside.example', GOOD_PASSWORD)).status).toBe(303);
    expect((await newAgent(broken.app).get('/verify/PR-0000-0000-0000-0000')).status).toBe(404);
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; limiter?: string });
    expect(logged.filter((l) => /error from store, allowing request/.test(l.msg)).map((l) => l.limiter))
      .toEqual(expect.arrayContaining(['sign-in-client', 'sign-in-account', 'certificate-verify']));
  } finally {
    await broken.close();
  }
});
