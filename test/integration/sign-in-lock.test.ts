import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { formatDateTime } from '../../server/dates';
import { csrfFrom, html, newAgent, signIn, type Agent } from '../helpers/http';

// Issue 14, sign-in: a locked account is told it is locked and until when, in the organisation's time
// zone, whatever password was typed, with the same words for an address that matches no account; an
// admin sees "Locked until" on the person page and can unlock it (CSRF-protected, audited, admin only).

let t: TestApp;
let admin: Agent;

beforeEach(async () => {
  t = await buildTestApp({ LOGIN_ACCOUNT_RATE_LIMIT: '1000', TIME_ZONE: 'America/Chicago' });
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
});
afterEach(async () => { await t.close(); });

const failFiveTimes = async (agent: Agent, email: string) => {
  for (let i = 0; i < 5; i += 1) expect((await signIn(agent, email, `wrong password ${i}`)).status).toBe(401);
};
// The clock is 2026-11-02 14:00 UTC; one minute's lock ends at 08:01 in Chicago (UTC-6), written in
// the app's one date style ("2 Nov 2026, 08:01 GMT-6" or "… CST", as the ICU data names the zone).
const LOCAL_END = formatDateTime('2026-11-02T14:01:00.000Z', 'America/Chicago');
const alertOf = (page: string) => /<div class="notice notice-error" role="alert">([^<]*)<\/div>/.exec(page)?.[1];

describe('sign-in lock', () => {
  test('after 5 failures the right password is told the account is locked until a local time, not "did not match"; an unknown address gets the same words', async () => {
    await createPerson(t.db, t.clock, { email: 'chen@riverside.example', name: 'Chen Lock' });
    const agent = newAgent(t.app);
    await failFiveTimes(agent, 'chen@riverside.example');
    const right = await signIn(agent, 'chen@riverside.example', GOOD_PASSWORD);
    expect(right.status).toBe(401);
    expect(LOCAL_END).toMatch(/^2 Nov 2026, 08:01 /);
    const message = alertOf(right.text);
    expect(message).toBe(html(`This account is locked until ${LOCAL_END} (in 1 minute): sign-in with this email address is paused after too many failed attempts. ` +
      `On a computer or phone where you have signed in before, you can sign in now; choose a new password with "Forgot your password?" (that ends the lock); ` +
      'or ask your administrator to unlock it.'));
    expect(right.text).not.toContain('did not match');

    const stranger = newAgent(t.app);
    await failFiveTimes(stranger, 'nobody.here@riverside.example');
    const unknown = await signIn(stranger, 'nobody.here@riverside.example', GOOD_PASSWORD);
    expect(unknown.status).toBe(401);
    expect(alertOf(unknown.text)).toBe(message);
    // A wrong password during the lock is told the same.
    expect(alertOf((await signIn(agent, 'chen@riverside.example', 'another wrong one')).text)).toBe(message);
    // After the lock the right password works.
    t.clock.advanceMinutes(2);
    expect((await signIn(agent, 'chen@riverside.example', GOOD_PASSWORD)).headers.location).toBe('/');
  });

  test('an admin sees "Locked until" and unlocks with the Unlock button: audited, the person signs in at once; non-admins get 403 and change nothing', async () => {
    const chen = await createPerson(t.db, t.clock, { email: 'chen@riverside.example', name: 'Chen Lock' });
    const agent = newAgent(t.app);
    await failFiveTimes(agent, 'chen@riverside.example');
    const page = await admin.get(`/admin/users/${chen.id}`);
    expect(page.text).toContain(`Locked until ${LOCAL_END} on devices not used before (5 failed attempts in a row)`);
    expect(page.text).toMatch(new RegExp(`<form method="post" action="/admin/users/${chen.id}/unlock">\\s*<input type="hidden" name="_csrf" value="[^"]+">\\s*<button type="submit" class="button">Unlock sign-in</button>`));

    // An auditor sees the person page but may not unlock; nor may the person's own session.
    await createPerson(t.db, t.clock, { email: 'audrey@riverside.example', role: 'auditor' });
    const auditor = newAgent(t.app);
    await signIn(auditor, 'audrey@riverside.example', GOOD_PASSWORD);
    const auditorPage = await auditor.get(`/admin/users/${chen.id}`);
    expect(auditorPage.text).not.toContain('/unlock');
    const refused = await auditor.post(`/admin/users/${chen.id}/unlock`).type('form').send({ _csrf: csrfFrom(auditorPage.text) });
    expect(refused.status).toBe(403);
    // Without a CSRF token an admin's request is refused too.
    expect((await admin.post(`/admin/users/${chen.id}/unlock`).type('form').send({})).status).toBe(403);
    expect(await t.db.selectFrom('sign_in_throttle').select('failures').execute()).toEqual([{ failures: 5 }]);
    expect(await t.db.selectFrom('audit_events').select('id').where('action', '=', 'auth.unlocked').execute()).toEqual([]);

    const unlocked = await admin.post(`/admin/users/${chen.id}/unlock`).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(unlocked.status).toBe(303);
    expect(unlocked.headers.location).toBe(`/admin/users/${chen.id}`);
    const after = await admin.get(`/admin/users/${chen.id}`);
    expect(after.text).toContain('Sign-in for Chen Lock is unlocked');
    expect(after.text).toContain('No recent failed attempts');
    expect(after.text).not.toContain('Unlock sign-in');
    const events = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'auth.unlocked').execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_label: 'admin@riverside.example', subject_type: 'user', subject_id: String(chen.id) });
    expect(JSON.parse(events[0]!.details)).toEqual({ failures: 5, lockedUntil: '2026-11-02T14:01:00.000Z' });
    // No minute has passed: the person signs in now, from the same new device.
    expect((await signIn(agent, 'chen@riverside.example', GOOD_PASSWORD)).headers.location).toBe('/');

    // Unlocking again finds nothing to clear and writes nothing.
    const again = await admin.post(`/admin/users/${chen.id}/unlock`).type('form').send({ _csrf: csrfFrom(after.text) });
    expect(again.status).toBe(303);
    expect((await admin.get(`/admin/users/${chen.id}`)).text).toContain('was not locked; nothing was changed');
    expect(await t.db.selectFrom('audit_events').select('id').where('action', '=', 'auth.unlocked').execute()).toHaveLength(1);
  });
});
