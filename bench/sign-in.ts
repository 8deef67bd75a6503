/**
 * Signs in over real HTTP as a browser would: the sign-in form's own CSRF cookie (no session exists
 * before sign-in) goes back with the form, and of the cookies the answer sets (session, known device)
 * only the session cookie is returned — it is all a signed-in page or form needs.
 */
export async function signInOverHttp(base: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${base}/login`);
  const formCookies = page.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('the sign-in page has no form token');
  const res = await fetch(`${base}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: formCookies, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, _csrf: csrf }),
  });
  const session = res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('pr.sid='));
  if (res.status !== 303 || !session) throw new Error(`sign-in as ${email} answered ${res.status}`);
  return session;
}
