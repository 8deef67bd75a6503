import type { ChildProcess } from 'node:child_process';
import { useMailApp } from '../helpers/mail-app';
import { enqueue } from '../../server/notifications/outbox';

// Issue 17: a sender process killed with SIGKILL in the middle of a batch, then a new one started. No
// queued message may be lost; the duplicates are the messages the dead sender had handed to the SMTP
// server but not yet recorded, and carry the same Message-ID as their first copy. A batch's outcomes are
// committed together once all of it was sent (over several connections at once), so the bound is the
// batch size: at most 5 here (20 with the default batch), never a message outside the batch in flight.

const mail = useMailApp();

function startSender(at: Date): { child: ChildProcess; done: Promise<{ report?: { sent: number }; error?: string }> } {
  const child = mail.senderProcess(at, 5);
  const done = new Promise<{ report?: { sent: number }; error?: string }>((resolve) => {
    child.on('message', (m) => {
      const msg = m as { ready?: true; report?: { sent: number }; error?: string };
      if (msg.ready) child.send('go');
      else resolve(msg);
    });
    child.on('exit', () => resolve({ error: 'killed' }));
  });
  return { child, done };
}

test('SIGKILL during a send batch, then a restart after the lease: nothing lost, duplicates only from that batch (at most its size), each with the same Message-ID', async () => {
  const total = 40;
  const keys = Array.from({ length: total }, (_, i) => `crash:${i}`);
  await mail.t.uow((trx) => enqueue(trx, keys.map((key, i) => ({ key, userId: null, to: `p${i}@riverside.example`, stage: 'due-soon', subject: `S${i}`, text: 't', html: 'h' })), mail.t.clock.now()));

  const first = startSender(mail.t.clock.now());
  // The 12th message has reached the server, which has not yet said "250 OK": the sender dies there.
  let seen = 0;
  const killAtTwelfth = async () => {
    seen += 1;
    if (seen < 12) { mail.peer.answers.beforeOk = killAtTwelfth; return; }
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
  };
  mail.peer.answers.beforeOk = killAtTwelfth;
  expect(await first.done).toEqual({ error: 'killed' });

  const states = async () => Object.fromEntries((await mail.t.db.selectFrom('outbox').select(['state']).select((eb) => eb.fn.countAll<number>().as('n'))
    .where('key', 'in', keys).groupBy('state').execute()).map((r) => [r.state, Number(r.n)]));
  const afterKill = await states();
  // Two whole batches recorded as sent; the third (messages 11 to 15, the 12th in flight) waits for its lease.
  expect(afterKill).toEqual({ sent: 10, sending: 5, queued: total - 15 });

  // Before the lease ends a new sender sends what is still queued and leaves the dead one's rows alone.
  const early = startSender(mail.t.clock.now());
  expect((await early.done).error).toBeUndefined();
  expect(await states()).toEqual({ sent: total - afterKill.sending!, sending: afterKill.sending });
  // After the lease it sends them too.
  const restart = startSender(new Date(mail.t.clock.now().getTime() + 10 * 60_000 + 1));
  const report = await restart.done;
  expect(report.error).toBeUndefined();
  expect(await states()).toEqual({ sent: total });

  const ids = mail.peer.received.map((r) => r.mail.messageId!);
  const copies = new Map<string, number>();
  for (const id of ids) copies.set(id, (copies.get(id) ?? 0) + 1);
  expect(copies.size).toBe(total);
  const duplicated = [...copies].filter(([, n]) => n > 1);
  // The third batch's messages the server had received before the kill (the 11th, accepted; the 12th, in
  // flight; perhaps others on the other connections) went twice, each under its one Message-ID; no more
  // than the batch's 5, and nothing from another batch.
  expect(duplicated.length).toBeGreaterThanOrEqual(2);
  expect(duplicated.length).toBeLessThanOrEqual(5);
  expect(duplicated.every(([, n]) => n === 2)).toBe(true);
  const third = new Set(mail.peer.received.slice(10, 15).map((r) => r.mail.messageId!));
  expect(duplicated.every(([id]) => third.has(id))).toBe(true);
  expect(ids.length).toBe(total + duplicated.length);
}, 60_000);
