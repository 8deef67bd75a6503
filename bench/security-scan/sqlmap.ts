import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { run } from './processes';
import { addTally, type startProxy } from './proxy';
import { report } from './report';
import { SQLMAP_SECONDS, type RunResult, type Step } from './settings';
import type { ScanContext } from './context';

/** What sqlmap found: confirmed injection points are findings; candidates it rejected itself are notes. */
export function sqlmapVerdict(r: RunResult, outDir: string): Pick<Step, 'findings' | 'notes' | 'failure'> {
  const findings: string[] = [];
  const notes: string[] = [];
  if (/sqlmap identified the following injection point/.test(r.output)) {
    for (const m of r.output.matchAll(/^Parameter: (.+)$/gm)) findings.push(`injectable: ${m[1]}`);
    if (findings.length === 0) findings.push('injection point identified (see the output)');
  }
  // sqlmap also records each confirmed injection in <output-dir>/<host>/log and in a results CSV.
  const hostLog = path.join(outDir, '127.0.0.1', 'log');
  if (findings.length === 0 && fs.existsSync(hostLog) && fs.readFileSync(hostLog, 'utf8').trim()) findings.push(`injection logged in ${hostLog}`);
  for (const file of fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => /^results-.*\.csv$/.test(f)) : []) {
    for (const row of parse(fs.readFileSync(path.join(outDir, file), 'utf8'), { columns: true }) as Record<string, string>[]) {
      const what = `${row.Place} parameter '${row.Parameter}' (technique ${row['Technique(s)']})`;
      if (/false positive/i.test(row['Note(s)'] ?? '')) notes.push(`${what} looked injectable, then failed sqlmap's own false-positive check`);
      else if (!findings.some((f) => f.includes(`'${row.Parameter}'`) || f.startsWith(`injectable: ${row.Parameter} `))) findings.push(`injectable: ${what}`);
    }
  }
  const codes = /HTTP error codes detected during run:\n((?:\d{3} .*\n?)+)/.exec(r.output)?.[1]?.trim().replace(/\n/g, ', ');
  if (codes) notes.push(`sqlmap saw ${codes}`);
  const finished = findings.length > 0 || /all tested parameters do not appear to be injectable/.test(r.output);
  let failure: string | undefined;
  if (r.timedOut) failure = `killed at its time limit (${r.seconds.toFixed(0)} s)`;
  else if (/\b429\b.*Too Many Requests/i.test(r.output)) failure = 'the server rate-limited sqlmap (429), so its tests are not valid';
  else if (!finished) failure = `did not finish its tests (exit ${r.code ?? r.signal})`;
  return { findings, notes, failure };
}


/** sqlmap against each target in turn: the sign-in form, the public certificate check (query and path), the report filters. */
export async function runSqlmap(scan: ScanContext, proxy: ReturnType<typeof startProxy>, login: { cookie: string; token: string }): Promise<Step[]> {
  const { root, base, proxyUrl, admin, baseline, limit, scannerEnv } = scan;
  const anonymous = login.cookie;
  const loginToken = login.token;
  const steps: Step[] = [];
  // Level 3 and risk 2: more prefix/suffix boundaries than the default, and the heavier time-based
  // queries, without risk 3's OR payloads (sqlmap warns they can rewrite whole UPDATE statements).
  // --dbms SQLite: the app has no other database, so payloads written for other engines could only
  // produce false positives. --time-sec 2: loopback answers in milliseconds. --skip-waf: nothing
  // stands in front of the server. -p names exactly the parameters under test, so sqlmap does not
  // fuzz the session cookie and sign itself out.
  const sqlmapCommon = ['--batch', '--disable-coloring', '--flush-session', '--level=3', '--risk=2', '--dbms=SQLite',
    '--time-sec=2', '--timeout=15', '--retries=1', '--skip-waf', `--proxy=${proxyUrl}`];
  const targets = [
    {
      name: 'POST /login (email, password, next)',
      // An existing account, so the password check and the lockout run too (they lock it after five).
      args: ['-u', `${base}/login`, '--data', new URLSearchParams({ email: 'person9@demo1.example', password: 'not the password of anyone', next: '/', _csrf: loginToken }).toString(),
        '-p', 'email,password,next', `--cookie=${anonymous}`,
        // The form's token belongs to the cookie; sqlmap re-reads it from the form before each request.
        '--csrf-token=_csrf', `--csrf-url=${base}/login`,
        // A failed sign-in is a 401 page by design; without this sqlmap stops at the first one.
        '--ignore-code=401'],
    },
    { name: 'GET /verify?code=', args: ['-u', `${base}/verify?code=${baseline.code}`, '-p', 'code', `--cookie=${admin}`] },
    // The code in the path (/verify/:code) is where the database lookup happens; "*" marks it.
    { name: 'GET /verify/:code', args: ['-u', `${base}/verify/${baseline.code}*`, `--cookie=${admin}`] },
    {
      name: `GET /reports (12 filters, baseline lists ${baseline.rows})`,
      args: ['-u', `${base}/reports?${baseline.query}`, '-p', 'course,department,status,role,cycle,due_from,due_to,as_of,q,sort,dir,page', `--cookie=${admin}`],
    },
  ];
  for (const [i, target] of targets.entries()) {
    const outDir = path.join(root, `sqlmap-${i}`);
    proxy.phase();
    const r = await run('sqlmap', [...sqlmapCommon, `--output-dir=${outDir}`, ...target.args], limit(SQLMAP_SECONDS), path.join(root, `sqlmap-${i}.log`), scannerEnv);
    const step: Step = { tool: 'sqlmap', target: target.name, requests: 0, seconds: r.seconds, ...sqlmapVerdict(r, outDir) };
    const t = proxy.phase();
    step.requests = t.requests;
    addTally(step, t);
    steps.push(step);
    report(step, r.output);
  }
  return steps;
}
