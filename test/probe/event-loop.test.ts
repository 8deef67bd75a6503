import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { seedDemo } from '../../server/demo/seed';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { pollHealth, type HealthStats } from '../../bench/health-poller';
import { importCsv, postImport } from '../../bench/stalls';
import { signInOverHttp } from '../../bench/sign-in';
import { IMPORT_MAX_ROWS as IMPORT_CAP } from '../../server/users/import';

// The probe found that one heavy request stalled everyone: /healthz waited 29.5 s behind a 20,000-row
// import and seconds behind department evidence packs. These tests start the real app on a loopback
// port, poll /healthz every 20 ms with a real HTTP client while the heavy requests run, and hold the
// p99 under 250 ms: the one timing assertion the issue asks for. The limit is generous on purpose (a
// loaded 2-core machine); the figures are printed and land in BENCHMARKS.md through bench/stalls.ts.

const P99_LIMIT_MS = 250;
const DEPARTMENT_PEOPLE = 7000;
const IMPORT_ROWS = 20_000;

let t: TestApp;
let server: http.Server;
let base: string;

beforeAll(async () => {
  t = await buildTestApp();
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.close();
});

/** A signed-in browser: the session cookie, carried by hand over real HTTP. */
async function signIn(email: string): Promise<{ cookie: string; get: (path: string) => Promise<Response> }> {
  const cookie = await signInOverHttp(base, email, GOOD_PASSWORD);
  return { cookie, get: (path: string) => fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' }) };
}

function report(what: string, s: HealthStats, extra: string): void {
  console.log(`${what}: /healthz p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms over ${s.probes} probes; ${extra}`);
}

const countPeople = async () => Number((await t.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

describe('one request stalls everyone (issue 12)', () => {
  it('Medium: /healthz p99 stays under 250 ms during a 20,000-row import', async () => {
    await createPerson(t.db, t.clock, { email: 'import-admin@riverside.example', role: 'admin' });
    const admin = await signIn('import-admin@riverside.example');
    const csv = importCsv(IMPORT_ROWS);
    const before = await countPeople();

    const poller = pollHealth(base);
    const started = performance.now();
    const res = await postImport(base, admin.cookie, csv);
    const seconds = (performance.now() - started) / 1000;
    const stats = await poller.stop();
    report(`${IMPORT_ROWS}-row import`, stats, `import took ${seconds.toFixed(1)} s`);

    expect(res.status).toBe(200); // the import-done page, with the new people's links shown once
    expect(await countPeople()).toBe(before + IMPORT_ROWS);
    expect(stats.failures).toBe(0);
    expect(stats.p99).toBeLessThan(P99_LIMIT_MS);
  }, 300_000);

  describe('department evidence packs for 7,000 people', () => {
    let nursingId: number;
    let firstPersonId: number;
    const managers: string[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 6; i += 1) {
        const email = `nursing.lead${i}@riverside.example`;
        await createPerson(t.db, t.clock, { email, role: 'manager', department: 'Evidence Ward' });
        managers.push(email);
      }
      nursingId = (await t.db.selectFrom('departments').select('id').where('path_key', '=', 'evidence ward').executeTakeFirstOrThrow()).id;
      const seeded = await seedDemo(t.training, [t.catalogue.courses[0]!], { people: DEPARTMENT_PEOPLE, seed: 12 });
      await t.db.updateTable('users').set({ department_id: nursingId }).where('email', 'like', '%@demo12.example').execute();
      expect(seeded.people).toBe(DEPARTMENT_PEOPLE);
      firstPersonId = (await t.db.selectFrom('users').select('id').where('department_id', '=', nursingId).orderBy('id').executeTakeFirstOrThrow()).id;
    }, 300_000);

    it('Medium: /healthz p99 stays under 250 ms during four concurrent 7,000-person evidence packs (two waves)', async () => {
      const viewers = await Promise.all(managers.slice(0, 4).map(signIn));
      // The export modules load on first use (reports/routes.ts): once per process, not per pack, so a
      // first pack for one person comes before the measurement.
      const warm = await viewers[0]!.get(`/reports/evidence.pdf?person=${firstPersonId}`);
      expect(warm.status).toBe(200);
      await warm.arrayBuffer();
      const poller = pollHealth(base);
      const started = performance.now();
      // Two waves of four packs: the p99 of one 15-second wave is decided by its four worst probes, so
      // a single garbage-collection pause of the whole test process (client and server share it here)
      // could decide it; two waves still fail on stalls that recur. Bodies are read as streams, keeping
      // only their first and last bytes, so the client adds as little garbage as it can.
      const packs: { status: number; head: string; tail: string; seconds: number }[] = [];
      for (let wave = 0; wave < 2; wave += 1) {
        packs.push(...await Promise.all(viewers.map(async (v) => {
          const res = await v.get(`/reports/evidence.pdf?department=${nursingId}`);
          if (res.status !== 200) return { status: res.status, head: (await res.text()).slice(0, 300), tail: '', seconds: (performance.now() - started) / 1000 };
          let head = '';
          let tail = Buffer.alloc(0);
          for await (const chunk of res.body ?? []) {
            const bytes = Buffer.from(chunk as Uint8Array);
            if (head.length < 5) head += bytes.subarray(0, 5 - head.length).toString('latin1');
            tail = Buffer.concat([tail, bytes]).subarray(-6);
          }
          return { status: res.status, head, tail: tail.toString('latin1'), seconds: (performance.now() - started) / 1000 };
        })));
      }
      const stats = await poller.stop();
      report('two waves of four concurrent 7,000-person evidence packs', stats, `the second wave ended after ${Math.max(...packs.map((p) => p.seconds)).toFixed(1)} s`);

      expect(packs).toHaveLength(8);
      for (const p of packs) {
        expect({ status: p.status, head: p.head }).toEqual({ status: 200, head: '%PDF-' });
        expect(p.tail).toContain('%%EOF');
      }
      expect(stats.failures).toBe(0);
      expect(stats.p99).toBeLessThan(P99_LIMIT_MS);
    }, 300_000);

    it('Medium: a fifth concurrent heavy export is refused with a message while four are being prepared', async () => {
      const viewers = await Promise.all(managers.slice(0, 5).map(signIn));
      let firstDone = Infinity;
      // Each pack answers with its headers once it is admitted, then takes seconds to produce its body.
      const running = await Promise.all(viewers.slice(0, 4).map((v) => v.get(`/reports/evidence.pdf?department=${nursingId}`)));
      const bodies = running.map((r) => r.arrayBuffer().then((b) => { firstDone = Math.min(firstDone, performance.now()); return b; }));
      expect(running.map((r) => r.status)).toEqual([200, 200, 200, 200]);

      const fifth = await fetch(`${base}/reports/export.csv`, { headers: { cookie: viewers[4]!.cookie, accept: 'text/html' } });
      const refusedAt = performance.now();
      const page = await fifth.text();
      expect(fifth.status).toBe(429);
      expect(fifth.headers.get('retry-after')).toBe('60');
      expect(page).toContain('Another export is being prepared; try again in a minute.');
      await Promise.all(bodies);
      // The refusal came while the four were still being prepared, not after one had finished.
      expect(refusedAt).toBeLessThan(firstDone);

      // Once they are done, the same request is served.
      const after = await viewers[4]!.get('/reports/export.csv');
      expect(after.status).toBe(200);
      await after.arrayBuffer();
    }, 300_000);

    it('Medium: one person gets at most two heavy exports at a time; a third is refused with a message', async () => {
      const one = await signIn(managers[5]!);
      const running = await Promise.all([0, 1].map(() => one.get(`/reports/evidence.pdf?department=${nursingId}`)));
      const bodies = running.map((r) => r.arrayBuffer());
      const third = await fetch(`${base}/reports/evidence.csv?department=${nursingId}`, { headers: { cookie: one.cookie, accept: 'text/html' } });
      expect(running.map((r) => r.status)).toEqual([200, 200]);
      expect(third.status).toBe(429);
      expect(await third.text()).toContain('You already have 2 exports or imports being prepared; wait for one to finish.');
      await Promise.all(bodies);
    }, 300_000);
  });

  it('Medium: an import over the row cap is refused with a message and writes nothing', async () => {
    await createPerson(t.db, t.clock, { email: 'cap-admin@riverside.example', role: 'admin' });
    const admin = await signIn('cap-admin@riverside.example');
    const before = await countPeople();
    const auditBefore = Number((await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const res = await postImport(base, admin.cookie, importCsv(IMPORT_CAP + 1, 'cap'));
    expect(res.status).toBe(400);
    expect(res.text).toContain(`At most ${IMPORT_CAP.toLocaleString('en-US')} rows per file; split the file.`);
    expect(await countPeople()).toBe(before);
    const auditAfter = Number((await t.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expect(auditAfter).toBe(auditBefore);
  }, 120_000);
});
