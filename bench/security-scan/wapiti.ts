import fs from 'node:fs';
import path from 'node:path';
import { run } from './processes';
import { addTally, type startProxy } from './proxy';
import { report } from './report';
import { BLOCKED, WAPITI_CRAWL_SECONDS, WAPITI_FALSE_POSITIVES, WAPITI_MODULE_SECONDS, WAPITI_MODULES, WAPITI_SECONDS, type Step, type WapitiReport } from './settings';
import type { ScanContext } from './context';

/**
 * How far wapiti got, from its verbose output: the crawl, then per attack module the resources it
 * attacked and whether its time limit stopped it first (wapiti attacks in address order).
 */
export function wapitiCoverage(output: string): string[] {
  const [crawl = '', ...rest] = output.split(/^\[\*\] Launching module (\w+)$/m);
  const crawled = (crawl.split('[*] Saving scan state')[0]!.match(/^\[\+\] /gm) ?? []).length;
  const notes = [`crawled ${crawled} resources${/Max scan time was reached/.test(crawl) ? ', stopped by its time limit' : ''}`];
  const modules: string[] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const attacked = (rest[i + 1]!.match(/^\[\+\] /gm) ?? []).length;
    const capped = /Max attack time was reached/.test(rest[i + 1]!);
    modules.push(`${rest[i]} ${attacked ? attacked : 'done'}${capped ? ' (time limit)' : ''}`);
  }
  notes.push(`resources attacked per module: ${modules.join(', ')}`);
  return notes;
}


/** wapiti: crawls and attacks the whole app as the admin. */
export async function runWapiti(scan: ScanContext, proxy: ReturnType<typeof startProxy>): Promise<Step> {
  const { root, base, proxyUrl, admin, baseline, limit, scannerEnv } = scan;
  // wapiti: the whole site as the admin, who can reach every page and form.
  const wapitiDir = path.join(root, 'wapiti');
  fs.mkdirSync(path.join(wapitiDir, 'config'), { recursive: true });
  // wapiti loads every module, even those not run, and the wapp module downloads the Wappalyzer
  // database from GitHub when its file is missing; an empty one keeps it offline.
  fs.writeFileSync(path.join(wapitiDir, 'config', 'apps.json'), '{}');
  const eq = admin.indexOf('=');
  fs.writeFileSync(path.join(wapitiDir, 'cookies.json'), JSON.stringify({ '127.0.0.1': { '/': { [admin.slice(0, eq)]: { value: admin.slice(eq + 1), expires: null, secure: false, port: null, version: 0 } } } }));
  const reportFile = path.join(wapitiDir, 'report.json');
  proxy.phase();
  const w = await run('wapiti', [
    '-u', `${base}/`, '--scope', 'folder', '-c', path.join(wapitiDir, 'cookies.json'), '-p', proxyUrl,
    // Pages no signed-in page links to (the public certificate check) or that lie deep in the crawl.
    ...['/verify', `/verify/${baseline.code}`, '/reports', '/admin/users/new', '/admin/completions/import', `/courses/${baseline.course}/quiz`].flatMap((p) => ['-s', `${base}${p}`]),
    `--module=${WAPITI_MODULES.join(',')}`, '--max-scan-time', String(WAPITI_CRAWL_SECONDS), '--max-attack-time', String(WAPITI_MODULE_SECONDS),
    // The reports and people pages link every department, status, sort order and page, and each of
    // those links again to the CSV, ZIP and evidence exports: hundreds of URLs that differ only in
    // their query values, which left no attack time for the forms. "paranoid" lets the crawler take
    // few of each query shape, and -r drops the id and ordering parameters from links (the crawler
    // still fetches the pages). The filter forms keep every field and are attacked with it; sqlmap
    // covers sort, dir and page on /reports.
    '-S', 'paranoid', ...['department', 'person', 'sort', 'dir', 'page'].flatMap((p) => ['-r', p]),
    '-t', '15', '-f', 'json', '-o', reportFile, '--flush-session', '--store-session', path.join(wapitiDir, 'session'), '--store-config', path.join(wapitiDir, 'config'),
    // Never phone home: no crash reports to wapiti3.ovh, and the remote-inclusion payloads of the
    // file and exec modules name a closed loopback port instead of wapiti3.ovh. (The internal
    // endpoint is used only by the ssrf and xxe modules, which do not run; setting it makes wapiti
    // try to reach it at start.)
    '--no-bugreport', '--external-endpoint', 'http://127.0.0.1:9/', '-v', '1',
  ], limit(WAPITI_SECONDS), path.join(root, 'wapiti.log'), scannerEnv);
  const wt = proxy.phase();
  const step: Step = { tool: 'wapiti', target: `/ as admin (${WAPITI_MODULES.length} modules)`, requests: wt.requests, seconds: w.seconds, findings: [], notes: [] };
  if (w.timedOut) step.failure = `killed at its time limit (${w.seconds.toFixed(0)} s)`;
  else if (!fs.existsSync(reportFile)) step.failure = `wrote no report (exit ${w.code ?? w.signal})`;
  else {
    const rep = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as WapitiReport;
    for (const [kind, items] of [['vulnerability', rep.vulnerabilities], ['anomaly', rep.anomalies]] as const) {
      for (const [category, list] of Object.entries(items ?? {})) {
        for (const f of list) {
          const text = `${kind} ${category}: ${f.method} ${f.path}${f.parameter ? ` [${f.parameter}]` : ''} ${f.info}`.trim();
          const known = WAPITI_FALSE_POSITIVES.find((fp) => fp.test(f));
          // The proxy answered for a blocked address, so a result there describes the proxy, not the app.
          const blocked = BLOCKED.some((b) => b.path.test(f.path));
          if (known) step.notes.push(`not a defect: ${text} (${known.why})`);
          else if (blocked) step.notes.push(`not the app: ${text} (the proxy refused ${f.path}; checked directly)`);
          else step.findings.push(text);
        }
      }
    }
    step.notes.push(...wapitiCoverage(w.output));
  }
  // A module that crashed attacked nothing after the crash: the scan is incomplete.
  const crash = /^(\w+(?:Error|Exception)) (.*)$/m.exec(w.output);
  if (crash) step.failure ??= `an attack module crashed: ${crash[1]} ${crash[2]!.slice(0, 120)}`;
  const skipped = /(\d+) requests were skipped due to network issues/.exec(w.output);
  if (skipped) step.notes.push(`${skipped[1]} requests skipped for network errors`);
  addTally(step, wt);
  report(step, w.output);
  return step;
}
