import { createLogger } from '../../server/http/logging';
import { NOTIFICATIONS_TICK, thisInstance, TICKS_KEPT_MS } from '../../server/notifications/scheduler';
import { buildTestApp, type TestApp } from '../helpers/app';

// Issue 19: one scheduler tick per interval across all instances. Two apps (two NotificationSchedulers)
// on ONE database (the same SQLite file, or the same PostgreSQL database under TEST_DB=postgres), their
// clocks at the same time: each tick claims its slot, floor(now / interval), in scheduler_ticks, and only
// the claim that made the row runs.

const EVERY = 60_000;
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  a = await buildTestApp();
  b = await buildTestApp({ ...a.databaseEnv, DATA_DIR: a.dir });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

function advance(ms: number): void {
  for (const t of [a, b]) t.clock.advance(ms);
}

const ticks = () => a.db.selectFrom('scheduler_ticks').selectAll().where('name', '=', NOTIFICATIONS_TICK).orderBy('slot').execute();

/** Both schedulers tick at the same moment; returns which of them ran. */
async function tickBoth(): Promise<string[]> {
  const [ra, rb] = await Promise.all([a.services.notifications.tick(EVERY, 'host-a:101'), b.services.notifications.tick(EVERY, 'host-b:202')]);
  return [...(ra ? ['a'] : []), ...(rb ? ['b'] : [])];
}

test('two schedulers ticking the same slot run once; the next slot runs once again; each row names the instance that ran', async () => {
  const slot = Math.floor(a.clock.now().getTime() / EVERY);
  const t0 = a.clock.now().toISOString();
  const first = await tickBoth();
  expect(first).toHaveLength(1);
  // A second tick in the same slot (a timer firing early, a restart) runs nothing, on either.
  advance(EVERY - 1 - (a.clock.now().getTime() % EVERY));
  expect(await tickBoth()).toEqual([]);
  advance(1);
  const t1 = a.clock.now().toISOString();
  const second = await tickBoth();
  expect(second).toHaveLength(1);
  const rows = await ticks();
  expect(rows.map((r) => r.slot)).toEqual([slot, slot + 1]);
  expect(rows.map((r) => r.instance)).toEqual([first, second].map((ran) => (ran[0] === 'a' ? 'host-a:101' : 'host-b:202')));
  expect(rows.map((r) => r.claimed_at)).toEqual([t0, t1]);
});

test("explicit run() calls (the CLI's notifications:run) always run, claimed slot or not, and claim nothing", async () => {
  const before = await ticks();
  expect((await a.services.notifications.run()).moment.day).toBe('2026-11-02');
  expect((await b.services.notifications.run()).moment.day).toBe('2026-11-02');
  expect(await ticks()).toEqual(before);
});

test('ticks claimed more than 7 days before a new claim are pruned by the instance that claims it', async () => {
  const kept = await ticks();
  expect(kept).toHaveLength(2);
  // Exactly 7 days after the first claim: nothing is older than 7 days yet.
  advance(TICKS_KEPT_MS - EVERY);
  expect(await tickBoth()).toHaveLength(1);
  const third = a.clock.now().toISOString();
  expect((await ticks()).map((r) => r.claimed_at)).toEqual([kept[0]!.claimed_at, kept[1]!.claimed_at, third]);
  // A minute later the first is more than 7 days old and goes; the second is exactly 7 days old and stays.
  advance(EVERY);
  expect(await tickBoth()).toHaveLength(1);
  expect((await ticks()).map((r) => r.claimed_at)).toEqual([kept[1]!.claimed_at, third, a.clock.now().toISOString()]);
});

test('start(): the start-up run claims too, so two instances starting in one slot plan once; the row names <hostname>:<pid>', async () => {
  advance(10 * EVERY);
  const slot = Math.floor(a.clock.now().getTime() / EVERY);
  const log = createLogger('silent');
  a.services.notifications.start(EVERY, log);
  b.services.notifications.start(EVERY, log);
  // stop() waits for the tick under way (its claim and its run).
  await Promise.all([a.services.notifications.stop(), b.services.notifications.stop()]);
  const rows = (await ticks()).filter((r) => r.slot === slot);
  expect(rows).toHaveLength(1);
  // Both apps are this process: the same <hostname>:<pid>.
  expect(rows[0]!.instance).toBe(thisInstance());
  expect(thisInstance()).toMatch(/^.+:\d+$/);
});
