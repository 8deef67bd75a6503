import { createPerson } from '../helpers/factories';
import { csrfFrom, html, newAgent } from '../helpers/http';
import { useMailApp } from '../helpers/mail-app';
import { messageIdLocalPart } from '../../server/notifications/outbox';

// Issue 17: "Resend invitation" on the admin person page. A real SMTP server receives each invitation,
// mailparser reads its link, and the links are used over real HTTP: the newest e-mailed link works, the
// older ones stop. The button's number makes a double-click queue one message; someone with a password
// or deactivated gets a clear refusal and nothing changes. An invitation nobody needs any more by the
// time it is sent ends as 'cancelled' with the reason, not 'failed'.

const mail = useMailApp({ admin: 'hr-admin@riverside.example' });

const TOKEN_IN_LINK = /\/password\/([A-Za-z0-9_-]{43})/;
const sender = () => mail.t.services.outboxSender;

async function addPerson(name: string, email: string): Promise<number> {
  const page = await mail.admin.get('/admin/users/new');
  const res = await mail.admin.post('/admin/users').type('form').send({
    _csrf: csrfFrom(page.text), name, email, role: 'learner', employee_id: '', department: '', manager_email: '', hire_date: '', job_code: '', job_title: '',
  });
  expect(res.status).toBe(201);
  return (await mail.t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

/** The person page's "Resend invitation" form: its number, or undefined when the page shows no button. */
async function resendForm(id: number): Promise<{ number: string; csrf: string } | undefined> {
  const page = await mail.admin.get(`/admin/users/${id}`);
  expect(page.status).toBe(200);
  const form = new RegExp(`<form method="post" action="/admin/users/${id}/invitation">([\\s\\S]*?)</form>`).exec(page.text);
  if (!form) return undefined;
  expect(form[1]).toContain('Resend invitation');
  return { number: /name="number" value="(\d+)"/.exec(form[1]!)![1]!, csrf: csrfFrom(form[1]!) };
}

/** Presses the button (the form as the page has it) and returns the flash message on the page it leads to. */
async function pressResend(id: number, form: { number: string; csrf: string }): Promise<string> {
  const res = await mail.admin.post(`/admin/users/${id}/invitation`).type('form').send({ _csrf: form.csrf, number: form.number });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe(`/admin/users/${id}`);
  const page = await mail.admin.get(`/admin/users/${id}`);
  return /<div class="notice[^"]*"[^>]*>([\s\S]*?)<\/div>/.exec(page.text)?.[1]?.trim() ?? '';
}

async function setPassword(token: string): Promise<number> {
  const agent = newAgent(mail.t.app);
  const page = await agent.get(`/password/${token}`);
  if (page.status !== 200) return page.status;
  const res = await agent.post(`/password/${token}`).type('form').send({ _csrf: csrfFrom(page.text), username: '', password: 'harbour lantern quiet 77', confirm: 'harbour lantern quiet 77' });
  return res.status;
}

const invitationRows = (id: number) => mail.t.db.selectFrom('outbox').select(['key', 'state', 'last_error', 'message_id'])
  .where('user_id', '=', id).where('stage', '=', 'invitation').orderBy('id').execute();
const emailedTo = (email: string) => mail.peer.received.filter((r) => r.envelopeTo.includes(email));

test('a resent invitation is e-mailed at once with a new link that works; the first e-mailed link stops working; a double-click queues one', async () => {
  const id = await addPerson('Nia Brooks', 'nia@riverside.example');
  await sender().runOnce();
  const first = TOKEN_IN_LINK.exec(emailedTo('nia@riverside.example')[0]!.mail.text!)![1]!;
  mail.peer.received.length = 0;

  const form = await resendForm(id);
  expect(form?.number).toBe('2');
  expect(await pressResend(id, form!)).toBe(html('A new invitation is being e-mailed to nia@riverside.example. Once it is sent, its link is the only one that works.'));
  // The request started a send run; waiting on the sender joins that same run.
  await sender().runOnce();
  await mail.peer.waitFor(1);
  const copies = emailedTo('nia@riverside.example');
  expect(copies).toHaveLength(1);
  expect(copies[0]!.mail.messageId).toBe(`<${messageIdLocalPart(`invitation:${id}:2`)}@riverside.example>`);
  expect(copies[0]!.mail.subject).toContain('Riverside General');
  const second = TOKEN_IN_LINK.exec(copies[0]!.mail.text!)![1]!;
  expect(copies[0]!.mail.html).toContain(`/password/${second}"`);
  expect(second).not.toBe(first);

  // The same form posted again (a double-click, or the back button): nothing more is queued or sent.
  expect(await pressResend(id, form!)).toBe(html('That invitation to Nia Brooks was already queued; nothing more was sent.'));
  await sender().runOnce();
  expect(emailedTo('nia@riverside.example')).toHaveLength(1);
  expect((await invitationRows(id)).map((r) => [r.key, r.state])).toEqual([[`invitation:${id}`, 'sent'], [`invitation:${id}:2`, 'sent']]);
  const audited = await mail.t.db.selectFrom('audit_events').select(['action', 'actor_label', 'details']).where('subject_id', '=', String(id)).where('action', '=', 'user.invitation_resent').execute();
  expect(audited).toEqual([{ action: 'user.invitation_resent', actor_label: 'hr-admin@riverside.example', details: JSON.stringify({ number: 2, to: 'nia@riverside.example' }) }]);

  // The page now offers number 3; the older link is dead and the newest works, once.
  expect((await resendForm(id))?.number).toBe('3');
  expect(await setPassword(first)).toBe(410);
  expect(await setPassword(second)).toBe(303);
  expect(await setPassword(second)).toBe(410);
  // With a password chosen there is no button any more.
  expect(await resendForm(id)).toBeUndefined();
});

test('two presses at once queue one invitation', async () => {
  const id = await addPerson('Omar Diaz', 'omar@riverside.example');
  const form = (await resendForm(id))!;
  const send = () => mail.admin.post(`/admin/users/${id}/invitation`).type('form').send({ _csrf: form.csrf, number: form.number });
  const answers = await Promise.all([send(), send()]);
  expect(answers.map((r) => r.status)).toEqual([303, 303]);
  await sender().runOnce();
  expect((await invitationRows(id)).map((r) => r.key)).toEqual([`invitation:${id}`, `invitation:${id}:2`]);
  expect(await mail.t.db.selectFrom('audit_events').select('id').where('subject_id', '=', String(id)).where('action', '=', 'user.invitation_resent').execute()).toHaveLength(1);
});

test('someone with a password, someone deactivated, a stale number and a missing CSRF token: a clear message and no change', async () => {
  const withPassword = await createPerson(mail.t.db, mail.t.clock, { email: 'pat@riverside.example', name: 'Pat Password' });
  const leaver = await addPerson('Lee Leaver', 'lee@riverside.example');
  const fresh = await addPerson('Fay Fresh', 'fay@riverside.example');
  await sender().runOnce();
  const leaverForm = (await resendForm(leaver))!;
  const deactivate = await mail.admin.post(`/admin/users/${leaver}/deactivate`).type('form').send({ _csrf: leaverForm.csrf });
  expect(deactivate.status).toBe(303);
  expect(await resendForm(withPassword.id)).toBeUndefined();

  const outboxBefore = await mail.t.db.selectFrom('outbox').select('id').execute();
  const auditBefore = await mail.t.db.selectFrom('audit_events').select('id').execute();
  const token = leaverForm.csrf;
  expect(await pressResend(withPassword.id, { number: '1', csrf: token }))
    .toBe(html('Pat Password has already chosen a password, so no invitation was sent. If they have forgotten it, issue a set-password link.'));
  expect(await pressResend(leaver, leaverForm)).toBe(html('Lee Leaver is deactivated: reactivate them before sending an invitation. Nothing was sent.'));
  expect(await pressResend(fresh, { number: '7', csrf: token }))
    .toBe(html('This page was out of date; look at the invitations again and press the button once more. Nothing was sent.'));
  expect(await pressResend(fresh, { number: 'two', csrf: token })).toBe(html('The invitation number is missing; reload the person page and try again.'));
  const forged = await mail.admin.post(`/admin/users/${fresh}/invitation`).type('form').send({ number: '2' });
  expect(forged.status).toBe(403);
  expect(await mail.t.db.selectFrom('outbox').select('id').execute()).toEqual(outboxBefore);
  expect(await mail.t.db.selectFrom('audit_events').select('id').execute()).toEqual(auditBefore);
});

test('an invitation no longer needed when its turn comes ends as cancelled with the reason, not failed', async () => {
  // Deactivated before it was sent.
  const gone = await addPerson('Gil Gone', 'gil@riverside.example');
  const form = (await resendForm(gone))!;
  expect((await mail.admin.post(`/admin/users/${gone}/deactivate`).type('form').send({ _csrf: form.csrf })).status).toBe(303);
  const report = await sender().runOnce();
  expect(report).toMatchObject({ cancelled: 1, failed: 0, sent: 0 });
  expect(emailedTo('gil@riverside.example')).toEqual([]);
  expect(await invitationRows(gone)).toEqual([expect.objectContaining({ state: 'cancelled', last_error: 'Not sent: Gil Gone is deactivated.' })]);
  // The outbox page names the state in words, and its state filter finds it.
  const outbox = await mail.admin.get('/admin/outbox').query({ state: 'cancelled' });
  expect(outbox.status).toBe(200);
  expect(outbox.text).toContain('Not sent: no longer needed');
  expect(outbox.text).toContain('gil@riverside.example');
  const failed = await mail.admin.get('/admin/outbox').query({ state: 'failed' });
  expect(failed.text).not.toContain('gil@riverside.example');
});
