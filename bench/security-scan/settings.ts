// Limits, the seeded world and the scanners' settings, shared by every step of the scan.

export const PASSWORD = 'scan lantern orchard 42';
// As few people as demo:seed makes (an admin, eight managers, a learner): each person adds the same
// pages and forms again (profile, edit, deactivate, password link, record a session, certificate
// revoke and reissue), which wapiti would crawl and attack once per person; with few, its attack
// time goes to the distinct pages and forms instead.
export const PEOPLE = 10;
export const seconds = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number of seconds`);
  return v;
};
export const BUDGET_SECONDS = seconds('SCAN_BUDGET_SECONDS', 720);
export const SQLMAP_SECONDS = seconds('SCAN_SQLMAP_SECONDS', 75);
export const WAPITI_SECONDS = seconds('SCAN_WAPITI_SECONDS', 420);
export const WAPITI_CRAWL_SECONDS = seconds('SCAN_WAPITI_CRAWL_SECONDS', 60);
export const WAPITI_MODULE_SECONDS = seconds('SCAN_WAPITI_MODULE_SECONDS', 45);
// wapiti's default ("common") modules without ssrf, plus crlf and csrf. ssrf only works with wapiti's
// public callback server (wapiti3.ovh), which this scan must never contact; crlf (header injection
// through our redirects) and csrf (forms without a checked token) test claims SECURITY.md makes.
export const WAPITI_MODULES = ['blindsql', 'cookieflags', 'csp', 'exec', 'file', 'http_headers', 'permanentxss', 'redirect', 'sql', 'xss', 'crlf', 'csrf'];
export const node = process.execPath;

/**
 * Addresses the proxy does not forward. wapiti's crawler submits every form it finds (with the valid
 * CSRF token the page carries), and wapiti's own -x/--exclude cannot be used: wapiti 3.0.4 builds the
 * exclusion regex with a trailing inline flag ("\Z(?ms)"), which Python 3.11 (bookworm) rejects, so
 * any -x crashes it before the crawl starts.
 */
export const BLOCKED = [
  // Signing out destroys the admin session both scanners use: everything after it would be the
  // sign-in page. Its CSRF check is tested directly instead (directChecks).
  { path: /^\/logout\/?$/i, why: 'sign-out would end the session the scan runs in' },
];

/**
 * wapiti results that are not defects, each matched narrowly and proved by a direct check instead
 * (directChecks), so a regression still fails the run.
 */
export const WAPITI_FALSE_POSITIVES = [
  // helmet sends "X-XSS-Protection: 0" on purpose: the browsers' old XSS auditor could itself be abused
  // to leak data and is gone from current browsers; OWASP's Secure Headers Project and MDN recommend 0
  // (the CSP does the job). wapiti 3.0.4 accepts only a value containing "1".
  { test: (f: WapitiFlaw) => f.info === 'X-XSS-Protection is not set', why: 'X-XSS-Protection: 0 is deliberate (checked directly)' },
  // HSTS and the Secure cookie flag follow BASE_URL: on https both are on. The scan runs over plain
  // http on loopback, where browsers ignore HSTS (RFC 6797 §8.1) and a Secure cookie would never be
  // sent back, so signing in would be impossible. Both are checked on an https-configured start.
  { test: (f: WapitiFlaw) => f.info === 'Strict-Transport-Security is not set', why: 'HSTS is sent when BASE_URL is https (checked directly)' },
  { test: (f: WapitiFlaw) => /^Secure flag is not set in the cookie : pr\.sid$/.test(f.info), why: 'the cookie is Secure when BASE_URL is https (checked directly)' },
];

export interface Tally {
  requests: number; statuses: Map<number, number>; serverErrors: string[]; blocked: string[]; offTarget: string[]; upstreamErrors: number;
  /** Time spent per path (ids folded), to show where a scanner's time limit went. */
  busy: Map<string, { ms: number; n: number }>;
}
export const newTally = (): Tally => ({ requests: 0, statuses: new Map(), serverErrors: [], blocked: [], offTarget: [], upstreamErrors: 0, busy: new Map() });

export interface Step { tool: string; target: string; requests: number; seconds: number; findings: string[]; failure?: string; notes: string[] }
export interface RunResult { code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; seconds: number; output: string }
export interface WapitiFlaw { method: string; path: string; info: string; parameter: string }
export interface WapitiReport { vulnerabilities?: Record<string, WapitiFlaw[]>; anomalies?: Record<string, WapitiFlaw[]> }
