import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';
import { enqueue, messageIdLocalPart, type NewMessage } from '../../server/notifications/outbox';

let t: TestApp;
beforeAll(async () => { t = await buildTestApp(); });
afterAll(async () => { await t.close(); });

const msg = (key: string, over: Partial<NewMessage> = {}): NewMessage => ({
  key, userId: null, to: 'ana@riverside.example', stage: 'due-soon', subject: 'Training due', text: 'Due soon.', html: '<p>Due soon.</p>', ...over,
});

describe('outbox.enqueue', () => {
  test('creates each key once however often it is called, and counts only new rows', async () => {
    const person = await createPerson(t.db, t.clock);
    const first = await t.uow((trx) => enqueue(trx, [msg('due-soon:1:course:a:c1'), msg('due-soon:1:course:b:c1', { userId: person.id })], t.clock.now()));
    expect(first).toBe(2);
    t.clock.advance(60_000);
    const again = await t.uow((trx) => enqueue(trx, [msg('due-soon:1:course:a:c1', { subject: 'changed' }), msg('due-soon:1:course:c:c1')], t.clock.now()));
    expect(again).toBe(1);
    const rows = await t.db.selectFrom('outbox').selectAll().orderBy('id').execute();
    expect(rows.map((r) => r.key)).toEqual(['due-soon:1:course:a:c1', 'due-soon:1:course:b:c1', 'due-soon:1:course:c:c1']);
    // The first version of a message stays: a later run cannot rewrite a queued (or sent) message.
    expect(rows[0]!.subject).toBe('Training due');
    expect(rows[1]!.user_id).toBe(person.id);
    expect(rows.every((r) => r.state === 'queued' && r.attempts === 0)).toBe(true);
    expect(rows[2]!.next_attempt_at).toBe(t.clock.now().toISOString());
  });

  test('the same key twice in one batch is one message', async () => {
    const n = await t.uow((trx) => enqueue(trx, [msg('dup:1'), msg('dup:1')], t.clock.now()));
    expect(n).toBe(1);
  });

  test('the Message-ID is fixed from the key and differs between keys', async () => {
    await t.uow((trx) => enqueue(trx, [msg('mid:1', { cc: ['Boss@riverside.example', ' ', 'ANA@riverside.example'] })], t.clock.now()));
    const row = await t.db.selectFrom('outbox').selectAll().where('key', '=', 'mid:1').executeTakeFirstOrThrow();
    expect(row.message_id).toBe(messageIdLocalPart('mid:1'));
    expect(row.message_id).toMatch(/^[0-9a-f]{32}$/);
    expect(messageIdLocalPart('mid:2')).not.toBe(row.message_id);
    // Blank cc entries and a cc of the main recipient are dropped: nobody gets the message twice.
    expect(JSON.parse(row.cc_addresses)).toEqual(['Boss@riverside.example']);
  });

  test('a message without a recipient is refused and nothing of its batch is written', async () => {
    await expect(t.uow((trx) => enqueue(trx, [msg('ok:1'), msg('bad:1', { to: '  ' })], t.clock.now()))).rejects.toThrow(/no recipient/);
    expect(await t.db.selectFrom('outbox').select('id').where('key', 'in', ['ok:1', 'bad:1']).execute()).toEqual([]);
  });

  test('a large batch is written in several statements and counted right', async () => {
    const many = Array.from({ length: 2500 }, (_, i) => msg(`bulk:${i}`));
    expect(await t.uow((trx) => enqueue(trx, many, t.clock.now()))).toBe(2500);
    expect(await t.uow((trx) => enqueue(trx, many, t.clock.now()))).toBe(0);
  });
});
