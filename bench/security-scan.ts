import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../server/paths';
import { cookieOf, csrfIn, reportBaseline, signIn } from './security-scan/app-client';
import type { ScanContext } from './security-scan/context';
import { directChecks } from './security-scan/direct-checks';
import { freePort, killTree, running, startServer, stopServer } from './security-scan/processes';
import { startProxy } from './security-scan/proxy';
import { report } from './security-scan/report';
import { BUDGET_SECONDS, node, PASSWORD, PEOPLE, SQLMAP_SECONDS, WAPITI_SECONDS, type Step } from './security-scan/settings';
import { runSqlmap } from './security-scan/sqlmap';
import { runWapiti } from './security-scan/wapiti';

// npm run security:scan: Debian's sqlmap and wapiti against the production build on a temp database
// seeded by demo:seed, on 127.0.0.1 only. sqlmap tests the sign-in form, the public certificate check
// (query and path) and the report filters; wapiti crawls and attacks the whole app as the demo admin.
// Any injectable parameter, any wapiti vulnerability or anomaly, any 5xx answer or logged server error
// is a finding; a scanner that fails, is killed at its limit, or never reaches the server fails the run.
//
// Budget (defaults): the whole run stops within 12 minutes (SCAN_BUDGET_SECONDS=720): each scanner is
// killed at its own limit or when the budget runs out, whichever is first, and the run then fails.
// sqlmap gets 75 s per target × 4 targets (sign-in, verify query, verify path, report filters); wapiti
// gets 420 s, inside which it crawls for at most 60 s and gives each attack module at most 45 s (how
// long each really takes is in BENCHMARKS.md). SCAN_SQLMAP_SECONDS, SCAN_WAPITI_SECONDS,
// SCAN_WAPITI_CRAWL_SECONDS and SCAN_WAPITI_MODULE_SECONDS change the limits.
// SCAN_KEEP_LOGS=<folder> copies the scanners' logs and reports there before the temp folder goes.
//
// The steps live in bench/security-scan/: the filtering proxy every scanner request goes through
// (proxy.ts), the app and scanner processes (processes.ts), sqlmap's targets and verdict (sqlmap.ts),
// wapiti's run and verdict (wapiti.ts), the direct checks (direct-checks.ts) and the report (report.ts).

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-security-scan-'));
  const dataDir = path.join(root, 'data');
  const serverLog = path.join(root, 'server.log');
  // The scanners get their own HOME: sqlmap and wapiti keep history and session files there, and a
  // scan must neither reuse a previous run's state nor leave files behind.
  const home = path.join(root, 'home');
  fs.mkdirSync(home);
  // Nothing from the caller's environment (no proxy settings): every request goes through our proxy.
  const scannerEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', TERM: 'dumb' };
  const steps: Step[] = [];
  let server: ChildProcess | undefined;
  let proxy: ReturnType<typeof startProxy> | undefined;
  const cleanup = () => {
    for (const c of running) killTree(c, 'SIGKILL');
    if (server) killTree(server, 'SIGKILL');
    const keep = process.env.SCAN_KEEP_LOGS;
    if (keep) {
      fs.mkdirSync(keep, { recursive: true });
      for (const f of fs.readdirSync(root).filter((n) => n !== 'data' && n !== 'home')) fs.cpSync(path.join(root, f), path.join(keep, f), { recursive: true });
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => { cleanup(); process.exit(signal === 'SIGINT' ? 130 : 143); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const t0 = performance.now();
  // A step's limit: its own, or what is left of the budget (keeping 20 s to stop and clean up).
  const limit = (own: number) => Math.max(1, Math.min(own, BUDGET_SECONDS - 20 - (performance.now() - t0) / 1000));
  try {
    const sqlmapVersion = execFileSync('sqlmap', ['--version'], { env: scannerEnv, encoding: 'utf8' }).trim().split('\n')[0]!.replace('#stable', '');
    const wapitiVersion = /Wapiti[- ](\d[\d.]*)/.exec(execFileSync('wapiti', ['--version'], { env: scannerEnv, encoding: 'utf8' }))?.[1] ?? '?';
    console.log(`Security scan: sqlmap ${sqlmapVersion}, wapiti ${wapitiVersion}; limits ${SQLMAP_SECONDS} s per sqlmap target, ${WAPITI_SECONDS} s for wapiti, ${BUDGET_SECONDS} s in all.`);

    execFileSync(node, ['dist/server/cli.js', 'demo:seed', '--people', String(PEOPLE), '--password-stdin'], { cwd: projectRoot, env: { ...process.env, DATA_DIR: dataDir }, input: PASSWORD, stdio: ['pipe', 'ignore', 'inherit'] });
    // Production mode as shipped, on loopback. The failed-sign-in limits (per client and per address and
    // client, per 15 minutes) are raised because sqlmap sends a thousand sign-ins on purpose; the pause
    // on the address stays as shipped.
    const app = await startServer(dataDir, serverLog, { LOGIN_RATE_LIMIT: '100000', LOGIN_ACCOUNT_RATE_LIMIT: '100000' });
    server = app.child;
    const { base } = app;
    proxy = startProxy(app.port);
    const proxyPort = await freePort();
    await new Promise<void>((r) => proxy!.server.listen(proxyPort, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${proxyPort}`;

    const admin = await signIn(base, 'admin@demo1.example');
    const baseline = await reportBaseline(base, admin);
    // The sign-in form's CSRF cookie and its token (no session before sign-in; a signed-in GET /login redirects).
    const loginPage = await fetch(`${base}/login`);
    const anonymous = cookieOf(loginPage, 'pr.csrf');
    const loginToken = csrfIn(await loginPage.text());

    const scan: ScanContext = { root, base, proxyUrl, admin, baseline, limit, scannerEnv };
    steps.push(...await runSqlmap(scan, proxy, { cookie: anonymous, token: loginToken }));
    steps.push(await runWapiti(scan, proxy));

    const direct = await directChecks(base, dataDir, serverLog, () => stopServer(app.child)).catch((e: unknown) => {
      const s: Step = { tool: 'direct', target: 'checks', requests: 0, seconds: 0, findings: [], notes: [], failure: String(e) };
      return s;
    });
    steps.push(direct);
    report(direct);

    const errors = fs.readFileSync(serverLog, 'utf8').split('\n').filter((l) => /"level":(50|60)/.test(l));
    if (errors.length) console.log(`\nThe server logged ${errors.length} error(s); the first:\n${errors.slice(0, 3).map((l) => `    ${l.slice(0, 600)}`).join('\n')}`);
    const requests = steps.reduce((n, s) => n + s.requests, 0);
    const findings = steps.reduce((n, s) => n + s.findings.length, 0) + errors.length;
    const failures = steps.filter((s) => s.failure).length;
    console.log('\n| tool | target | requests | seconds | findings |\n| --- | --- | --- | --- | --- |');
    for (const s of steps) console.log(`| ${s.tool} | ${s.target} | ${s.requests} | ${s.seconds.toFixed(0)} | ${s.failure ? `FAILED: ${s.failure}` : s.findings.length} |`);
    console.log(`\n${requests} requests in ${((performance.now() - t0) / 1000).toFixed(0)} s; ${findings} finding(s), ${failures} scanner failure(s). ${findings + failures === 0 ? 'Passed.' : 'FAILED.'}`);
    if (findings + failures > 0) process.exitCode = 1;
  } finally {
    proxy?.server.close();
    proxy?.server.closeAllConnections();
    if (server) await stopServer(server);
    cleanup();
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
