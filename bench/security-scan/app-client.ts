import { parse } from 'csv-parse/sync';
import { PASSWORD } from './settings';

// Talking to the app as a browser would: the sign-in form, its CSRF token and session cookie.

export const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]!);

/** The named cookie a response set (by default the session's; sign-in also sets the known-device one). */
export function cookieOf(res: Response, name = 'pr.sid'): string {
  const found = cookiesOf(res).find((c) => c.startsWith(`${name}=`));
  if (!found) throw new Error(`no ${name} cookie from ${res.url}`);
  return found;
}

/** Signs in as a browser does: no session exists before sign-in; the form's own CSRF cookie goes back with it. */
export async function signIn(base: string, email: string, get: typeof fetch = fetch): Promise<string> {
  const page = await get(`${base}/login`);
  const cookie = cookiesOf(page).join('; ');
  const res = await get(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email, password: PASSWORD, _csrf: csrfIn(await page.text()) }) });
  if (res.status !== 303) throw new Error(`signing in as ${email} answered ${res.status}`);
  return cookieOf(res);
}

/**
 * Report filters for sqlmap's baseline: one real completed person's own values, so the baseline page
 * lists at least one person. On an empty result an injection that makes a condition true or false
 * would change nothing on the page, and the boolean-based tests could not see it.
 */
export async function reportBaseline(base: string, cookie: string): Promise<{ query: string; code: string; course: string; rows: number }> {
  const csv = await fetch(`${base}/reports/export.csv?status=completed`, { headers: { cookie } });
  const course = /training-report-(.+)-\d{4}-\d{2}-\d{2}\.csv/.exec(csv.headers.get('content-disposition') ?? '')?.[1];
  const rows = parse((await csv.text()).replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
  const row = rows.find((r) => r.certificate_code && r.employee_id && r.department);
  if (!course || !row) throw new Error('the seeded report has nobody completed with a certificate and a department');
  // Department ids come from the filter's options, which are indented by depth ("— " per level).
  const html = await (await fetch(`${base}/reports`, { headers: { cookie } })).text();
  const stack: string[] = [];
  let department = '';
  for (const m of html.matchAll(/<option value="(\d+)"[^>]*>((?:— )*)([^<]*)<\/option>/g)) {
    stack.length = m[2]!.length / 2;
    stack.push(m[3]!.trim().replace(/&amp;/g, '&'));
    if (stack.join('/') === row.department) department = m[1]!;
  }
  if (!department) throw new Error(`department ${row.department} is not among the report's options`);
  const query = new URLSearchParams({
    course, department, status: row.status!, role: row.role!, cycle: row.cycle!, due_from: row.due_on!, due_to: row.due_on!,
    as_of: row.completed_on!, q: row.employee_id!, sort: 'name', dir: 'asc', page: '1',
  }).toString();
  const page = await (await fetch(`${base}/reports?${query}`, { headers: { cookie } })).text();
  const total = Number(/<strong>(\d+)<\/strong> (?:person|people) match/.exec(page)?.[1] ?? '0');
  if (total < 1) throw new Error(`the report baseline (${query}) lists nobody`);
  return { query, code: row.certificate_code!, course, rows: total };
}

