/// <reference lib="dom" />
// Functions passed to page.evaluate() run in the browser, so this file sees the DOM types too.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Scene } from '../../server/content/catalogue';
import { projectRoot } from '../../server/paths';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/test-db';

export const ADMIN = { email: 'admin@riverside.example', password: 'copper lantern orchard 88' };
export const SCREENSHOTS = path.join(projectRoot, 'screenshots');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface Server {
  baseUrl: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Under TEST_DB=postgres, the server's PostgreSQL database (DATABASE_URL); on SQLite, undefined: the file in dataDir. */
  databaseUrl: string | undefined;
  /** The server process's id (a multi-instance test tells the instances apart by `<hostname>:<pid>`). */
  pid: number;
  cli(args: string[], input?: string): string;
  /** Everything the server has written to stdout and stderr so far (the first-start setup link, warnings). */
  output(): string;
  /** SIGTERM, then the data folder is removed (and, under TEST_DB=postgres, the database the harness made dropped). */
  stop(): Promise<void>;
  /** SIGKILL at once, as a power cut or OOM kill would; the data folder (and database) stay for a restart. */
  crash(): Promise<void>;
}

/**
 * Under TEST_DB=postgres, the database the harness made for each data folder: a deployment is its
 * folder and its database, so a restart on an existing folder (after crash()) finds the same data.
 */
const databases = new Map<string, TestDatabase>();

/**
 * The production build (`npm start` without the compile step) on a free port, with a new temp data
 * folder or, to restart after a crash, an existing one. Under TEST_DB=postgres each new folder gets a
 * fresh database on the test cluster (PG_URL), unless the test names one in DATABASE_URL (several
 * instances on one database): that one is the test's to drop.
 */
export async function startServer(extraEnv: Record<string, string> = {}, existingDataDir?: string): Promise<Server> {
  const dataDir = existingDataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pr-e2e-'));
  const known = databases.get(dataDir);
  const database = onPostgres && !extraEnv.DATABASE_URL ? known ?? await createTestDatabase() : undefined;
  if (database) databases.set(dataDir, database);
  // A test that must know the address before the server starts (an IdP's metadata names it) passes PORT.
  const port = extraEnv.PORT ? Number(extraEnv.PORT) : await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', BASE_URL: baseUrl,
    ORG_NAME: 'Riverside General', TIME_ZONE: 'America/Chicago', LOG_LEVEL: 'warn', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password,
    // A real process runs on the real clock: lessons cannot be given their minimum reading time here
    // (integration tests keep it on and move the injected clock instead).
    ADMIN_NAME: 'Ada Admin', LESSON_MIN_WPM: 'off', ...(database ? { DATABASE_URL: database.url } : {}), ...extraEnv,
  };
  const child: ChildProcess = spawn(process.execPath, ['dist/server/main.js'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise((r) => child.once('exit', r));
  /** Removes what this deployment made: the data folder and the database the harness gave it. */
  const removeData = async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (!database) return;
    databases.delete(dataDir);
    await database.drop();
  };
  try {
    for (let i = 0; ; i += 1) {
      try {
        if ((await fetch(`${baseUrl}/healthz`)).ok) break;
      } catch { /* not listening yet */ }
      if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
      if (i >= 300) throw new Error(`server did not answer /healthz within 15 s: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    // Nothing left behind by a start that failed: the process, and a new folder and database.
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    if (!existingDataDir) await removeData();
    throw e;
  }
  return {
    baseUrl, dataDir, env, databaseUrl: database?.url ?? extraEnv.DATABASE_URL, pid: child.pid!,
    output: () => output,
    cli: (args, input) => execFileSync(process.execPath, ['dist/server/cli.js', ...args], { cwd: projectRoot, env, input, encoding: 'utf8' }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      await removeData();
    },
    crash: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Debian's Chromium, headless, with a fresh profile and nothing that phones home. */
/** Imports people through the real CLI (header row first) and returns each new person's set-password link by e-mail. */
export function importStaff(server: Server, lines: string[]): Map<string, string> {
  fs.writeFileSync(`${server.dataDir}/staff.csv`, lines.join('\n'));
  const out = server.cli(['users:import', `${server.dataDir}/staff.csv`]);
  return new Map(out.split('\n').filter((l) => l.includes('/password/')).map((l) => l.split('\t') as [string, string]));
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** WCAG 2.1 A and AA: the bar is zero violations. Returns a readable list for the assertion message. */
export async function axeViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')})`);
}

/** Screenshots at phone and desktop widths for review, and a check that 320 px needs no sideways scrolling. */
export async function capture(page: Page, name: string): Promise<{ overflow320: number }> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const original = page.viewportSize() ?? { width: 1280, height: 900 };
  await page.setViewportSize({ width: 320, height: 800 });
  const overflow320 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
  return { overflow320 };
}

/**
 * Answers the scene on the page with the mouse, as a learner would: a choice scene by its best (or a
 * violation) option and Continue; a spot-the-PHI scene by ticking exactly the phrases that identify the
 * patient (or, for a wrong answer, only one that does not) and "Check my marks". Waits for the feedback.
 */
export async function answerInBrowser(page: Page, scene: Scene, right: boolean): Promise<void> {
  if (scene.spot) {
    const phrases = scene.spot.parts.flatMap((p) => ('phrase' in p ? [p.phrase] : []));
    const tick = right ? phrases.filter((p) => p.identifies) : [phrases.find((p) => !p.identifies)!];
    for (const p of tick) await page.getByRole('checkbox', { name: p.text, exact: true }).check();
    await page.getByRole('button', { name: 'Check my marks' }).click();
  } else {
    const choice = scene.choices.find((c) => c.outcome === (right ? 'best' : 'violation'))!;
    await page.getByRole('radio', { name: choice.text, exact: true }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await page.waitForURL('**/answers/**');
}
