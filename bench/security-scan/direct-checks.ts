import { signIn } from './app-client';
import { startServer, stopServer } from './processes';
import type { Step } from './settings';

/**
 * The claims behind the tuned-out wapiti results, checked directly: the one sign-out request the proxy
 * never forwards must refuse a wrong CSRF token, and the security headers and cookie flags must be as
 * SECURITY.md says, including on an https-configured start (a second, short server on the same data).
 */
export async function directChecks(base: string, dataDir: string, logFile: string, stopApp: () => Promise<void>): Promise<Step> {
  const step: Step = { tool: 'direct', target: 'sign-out CSRF, X-XSS-Protection, HSTS and Secure cookie on https', requests: 0, seconds: 0, findings: [], notes: [] };
  const t0 = performance.now();
  const expect = (ok: boolean, what: string) => { if (!ok) step.findings.push(what); };
  const get: typeof fetch = (...args) => { step.requests += 1; return fetch(...args); };
  // A fresh admin session: wapiti, as admin, has by now deactivated or edited most other accounts.
  const admin = await signIn(base, 'admin@demo1.example', get);
  const out = await get(`${base}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: admin, 'content-type': 'application/x-www-form-urlencoded' }, body: '_csrf=wapiti' });
  expect(out.status === 403, `POST /logout with a wrong CSRF token answered ${out.status}, not 403`);
  expect((await get(`${base}/team`, { redirect: 'manual', headers: { cookie: admin } })).status === 200, 'the session ended after a sign-out with a wrong CSRF token');
  const home = await get(`${base}/login`);
  expect(home.headers.get('x-xss-protection') === '0', `X-XSS-Protection is ${home.headers.get('x-xss-protection') ?? 'missing'}, not 0`);
  // BASE_URL https behind a TLS-terminating proxy that says so (X-Forwarded-Proto), as deployed; the
  // scanned server stops first so that only one server uses the database at a time.
  await stopApp();
  const secure = await startServer(dataDir, logFile, { BASE_URL: 'https://training.example', TRUST_PROXY: 'loopback' });
  try {
    const page = await get(`${secure.base}/login`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(/max-age=\d+/.test(page.headers.get('strict-transport-security') ?? ''), 'no Strict-Transport-Security with an https BASE_URL');
    expect(/;\s*Secure/i.test(page.headers.get('set-cookie') ?? ''), 'the sign-in form\'s CSRF cookie is not Secure with an https BASE_URL');
  } finally {
    await stopServer(secure.child);
  }
  step.seconds = (performance.now() - t0) / 1000;
  return step;
}

