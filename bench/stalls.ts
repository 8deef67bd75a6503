import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../server/db/database';
import { pollHealth, type HealthStats } from './health-poller';

// Issue 12's "one request stalls everyone": /healthz latency, probed every 20 ms from this process,
// while the production build (a child process) runs a 20,000-row people import, then four concurrent
// evidence PDFs for a 7,000-person department. Called from bench/run.ts, which owns seeding and start-up;
// test/probe/event-loop.test.ts makes the same measurement in-process and holds the p99 under 250 ms.

export interface StallTools {
  seed(dataDir: string, people: number): number;
  startApp(dataDir: string, extraEnv?: Record<string, string>): Promise<{ base: string; child: ChildProcess }>;
  signIn(base: string, email: string): Promise<string>;
}

export interface StallResult { what: string; stats: HealthStats; seconds: number }

const IMPORT_ROWS = 20_000;
const DEPARTMENT = 7_000;

export function importCsv(rows: number, prefix = 'imp'): string {
  const lines = ['employee_id,email,name,role,department,manager_email,hire_date'];
  const units = ['Nursing/ICU', 'Nursing/Wards', 'Surgery', 'Pharmacy', 'Radiology', 'Emergency', 'Laboratory', 'Food Services'];
  for (let i = 0; i < rows; i += 1) {
    // The first 50 rows are managers; everyone else reports to one of them.
    const manager = i < 50 ? '' : `${prefix}.manager${i % 50}@riverside.example`;
    const email = i < 50 ? `${prefix}.manager${i}@riverside.example` : `${prefix}.person${i}@riverside.example`;
    lines.push(`${prefix.toUpperCase()}${100000 + i},${email},Imported Person ${i},${i < 50 ? 'manager' : 'learner'},${units[i % units.length]},${manager},2026-0${1 + (i % 9)}-1${i % 10}`);
  }
  return lines.join('\n');
}

/**
 * Posts a people import and reads the whole answer: the import keeps its heavy-work place until its
 * page (every new person's link, for 20,000 rows megabytes of HTML) is delivered, so an unread answer
 * would hold that place and make a later export look refused.
 */
export async function postImport(base: string, cookie: string, csv: string): Promise<{ status: number; text: string }> {
  const page = await fetch(`${base}/admin/import`, { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const form = new FormData();
  form.append('_csrf', csrf);
  form.append('file', new Blob([csv], { type: 'text/csv' }), 'staff.csv');
  const res = await fetch(`${base}/admin/import`, { method: 'POST', body: form, headers: { cookie }, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

export async function measureStalls(tools: StallTools): Promise<StallResult[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-bench-stalls-'));
  const results: StallResult[] = [];
  try {
    // 7,000 demo people, all moved into one department; four of the demo managers become auditors
    // (who see every department), so four different people ask for the pack at once.
    tools.seed(dataDir, DEPARTMENT);
    const database = openDatabase(path.join(dataDir, 'privacy-rounds.sqlite'));
    const ward = database.sqlite.prepare("select id from departments where path_key = 'nursing'").pluck().get() as number;
    database.sqlite.prepare("update users set department_id = ? where email like '%@demo1.example'").run(ward);
    const auditors = database.sqlite.prepare("select email from users where role = 'manager' order by id limit 4").pluck().all() as string[];
    database.sqlite.prepare(`update users set role = 'auditor' where email in (${auditors.map(() => '?').join(',')})`).run(...auditors);
    await database.close();

    const app = await tools.startApp(dataDir);
    try {
      const admin = await tools.signIn(app.base, 'admin@demo1.example');
      const csv = importCsv(IMPORT_ROWS);
      let poller = pollHealth(app.base);
      let t0 = performance.now();
      const imported = await postImport(app.base, admin, csv);
      results.push({ what: `${IMPORT_ROWS.toLocaleString('en-US')}-row import`, seconds: (performance.now() - t0) / 1000, stats: await poller.stop() });
      if (imported.status !== 200) throw new Error(`the import answered ${imported.status}`);

      const cookies = await Promise.all(auditors.map((email) => tools.signIn(app.base, email)));
      // The export modules load on first use, once per process: one small pack first.
      await (await fetch(`${app.base}/reports/evidence.pdf?person=1`, { headers: { cookie: cookies[0]! } })).arrayBuffer();
      poller = pollHealth(app.base);
      t0 = performance.now();
      const statuses = await Promise.all(cookies.map(async (cookie) => {
        const res = await fetch(`${app.base}/reports/evidence.pdf?department=${ward}`, { headers: { cookie } });
        await res.arrayBuffer();
        return res.status;
      }));
      results.push({ what: `four concurrent ${DEPARTMENT.toLocaleString('en-US')}-person evidence PDFs`, seconds: (performance.now() - t0) / 1000, stats: await poller.stop() });
      if (statuses.some((s) => s !== 200)) throw new Error(`the evidence packs answered ${statuses.join(', ')}`);
    } finally {
      app.child.kill('SIGTERM');
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}
