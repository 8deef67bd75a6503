import { keyedEventHash } from '../../server/audit/chain';
import { appendAudit, verifyAuditChain } from '../../server/audit/service';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn } from '../helpers/http';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'a@riverside.example', role: 'admin' });
  await createPerson(t.db, t.clock, { email: 'b@riverside.example' });
  await signIn(newAgent(t.app), 'a@riverside.example', GOOD_PASSWORD);
  await signIn(newAgent(t.app), 'b@riverside.example', 'a wrong password here');
});
afterEach(async () => { await t.close(); });

describe('audit hash chain', () => {
  test('verifies on a normal log', async () => {
    const n = (await t.db.selectFrom('audit_events').selectAll().execute()).length;
    expect(n).toBeGreaterThanOrEqual(4);
    expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: n, unkeyed: 0, keyIds: [t.config.auditKeys.current.id], anchoredTo: null });
  });

  test('fails, naming the event, after a row is edited directly in the database', async () => {
    const target = await t.db.selectFrom('audit_events').select('id').where('action', '=', 'auth.login_failed').executeTakeFirstOrThrow();
    await t.db.updateTable('audit_events').set({ details: '{"reason":"nothing to see"}' }).where('id', '=', target.id).execute();
    const r = await verifyAuditChain(t.db);
    expect(r).toMatchObject({ ok: false, brokenAt: target.id });
    if (!r.ok) expect(r.reason).toContain(`event ${target.id} was changed`);
  });

  test('fails when a row is deleted from the middle, or re-hashed without fixing the next link', async () => {
    await t.db.deleteFrom('audit_events').where('id', '=', 2).execute();
    const r = await verifyAuditChain(t.db);
    expect(r).toMatchObject({ ok: false, brokenAt: 3 });
    if (!r.ok) expect(r.reason).toContain('event 2 is missing');
  });

  test('a forged event re-sealed with the right key still breaks the link to the next event', async () => {
    const row = await t.db.selectFrom('audit_events').selectAll().where('id', '=', 2).executeTakeFirstOrThrow();
    const forged = { ...row, actor_label: 'someone-else@riverside.example' };
    const hash = keyedEventHash(forged, t.config.auditKeys.current.secret);
    await t.db.updateTable('audit_events').set({ actor_label: forged.actor_label, hash }).where('id', '=', 2).execute();
    const r = await verifyAuditChain(t.db);
    expect(r).toMatchObject({ ok: false, brokenAt: 3 });
  });

  test('an event is written in the same transaction as its change: a rolled-back change leaves no event', async () => {
    const before = (await t.db.selectFrom('audit_events').selectAll().execute()).length;
    await expect(t.db.transaction().execute(async (trx) => {
      await appendAudit(trx, t.clock, { id: null, label: 'test' }, { action: 'test.event' });
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    expect((await t.db.selectFrom('audit_events').selectAll().execute()).length).toBe(before);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  test('the audit page lists events for admins and filters by action', async () => {
    const agent = newAgent(t.app);
    await signIn(agent, 'a@riverside.example', GOOD_PASSWORD);
    const all = await agent.get('/admin/audit');
    expect(all.status).toBe(200);
    expect(all.text).toContain('auth.login_failed');
    const filtered = await agent.get('/admin/audit?action=auth.login_failed');
    expect(filtered.text).toContain('1 event');
    expect(filtered.text).not.toContain('auth.login_succeeded</td>');
  });
});
