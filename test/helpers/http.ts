import type { Express } from 'express';
import request from 'supertest';

export type Agent = ReturnType<typeof request.agent>;

/** Reads the CSRF token from a page the way a browser form would carry it. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no _csrf field on the page');
  return m[1];
}

/** GETs the page that holds the form, then POSTs the form with that page's token. */
export async function submitForm(agent: Agent, pageUrl: string, postUrl: string, fields: Record<string, string>) {
  const page = await agent.get(pageUrl);
  return agent.post(postUrl).type('form').send({ ...fields, _csrf: csrfFrom(page.text) });
}

export async function signIn(agent: Agent, email: string, password: string) {
  return submitForm(agent, '/login', '/login', { email, password });
}

export function newAgent(app: Express): Agent {
  return request.agent(app);
}

/** The session cookie's value from a response, if it set one. */
export function sessionCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw as string[] : typeof raw === 'string' ? [raw] : [];
  return list.find((c) => c.startsWith('pr.sid='));
}

/** Text as EJS's <%= %> writes it into a page. */
export function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}
