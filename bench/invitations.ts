import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { compose } from '../server/compose';
import { loadConfig } from '../server/config';
import { migrateToLatest } from '../server/db/migrate';
import { createLogger } from '../server/http/logging';
import { enqueue } from '../server/notifications/outbox';
import { revokeTokens } from '../server/auth/tokens';
import { importUsers, parseUserCsv } from '../server/users/import';

// Issue 17: what an invitation costs to send next to a plain message, with and without the index of
// one_time_tokens by (user_id, purpose) (migration 0024). Each invitation makes its link when it is
// sent and, once accepted, ends the person's other links: without the index both scan the token table.
// One process, a local smtp-server in a child process (bench/outbox.ts --peer), a fresh database per
// variant: 4,000 people imported first (4,000 tokens), then 1,000 more with their invitations queued,
// so 5,000 tokens are in the table when the 1,000 invitations go; then 1,000 plain messages.
// Usage: node dist/bench/invitations.js [invitations=1000] [others=4000]. Prints one JSON line.

const ACTOR = { id: null, label: 'bench' };

/** Thrown to roll the measuring transaction back: the revokes must not end the links the invitations test next. */
class Rollback extends Error {}

const csv = (from: number, n: number) => ['email,name', ...Array.from({ length: n }, (_, i) => `invitee${from + i}@riverside.example,Invitee ${from + i}`)].join('\n');

async function variant(port: number, invitations: number, others: number, withIndex: boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-bench-invite-'));
  try {
    const config = loadConfig({
      DATA_DIR: dir, LOG_LEVEL: 'silent', SESSION_SECRET: 'bench-secret-that-is-long-enough-for-the-check', AUDIT_KEY: 'b1'.repeat(32),
      SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'training@riverside.example', ORG_NAME: 'Riverside General',
    });
    const s = compose(config, { log: createLogger('silent') });
    await migrateToLatest(s.db);
    if (!withIndex) await sql`DROP INDEX one_time_tokens_user_purpose`.execute(s.db);
    const quiet = await importUsers(s.db, s.uow, s.clock, ACTOR, await parseUserCsv(csv(0, others)), 'bench');
    const invited = await importUsers(s.db, s.uow, s.clock, ACTOR, await parseUserCsv(csv(others, invitations)), 'bench', await s.notifications.inviter());
    if (!quiet.ok || !invited.ok) throw new Error('the bench import was refused');
    // The statement the index is for, alone: ending a person's other links, 1,000 times in one
    // transaction (no fsync per statement), and how SQLite plans it.
    const ids = (await s.db.selectFrom('users').select('id').orderBy('id').limit(invitations).execute()).map((r) => r.id);
    const tr = performance.now();
    await s.uow(async (trx) => { for (const id of ids) await revokeTokens(trx, s.clock, 'set-password', id, 'x'.repeat(43)); throw new Rollback(); }).catch((e: unknown) => { if (!(e instanceof Rollback)) throw e; });
    const revokeMs = (performance.now() - tr) / ids.length;
    const plan = s.database.sqlite.prepare("EXPLAIN QUERY PLAN UPDATE one_time_tokens SET used_at = 'x' WHERE purpose = 'set-password' AND used_at IS NULL AND token_hash != 'y' AND user_id = 1")
      .all().map((r) => (r as { detail: string }).detail).join('; ');
    const tokens = Number((await s.db.selectFrom('one_time_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const t0 = performance.now();
    const inv = await s.outboxSender.runOnce();
    const invitationMs = performance.now() - t0;
    await s.uow((trx) => enqueue(trx, Array.from({ length: invitations }, (_, i) => ({
      key: `bench-plain:${i}`, userId: null, to: `plain${i}@riverside.example`, stage: 'due-soon',
      subject: 'Your HIPAA refresher is due in 14 days', text: 'Hello,\n\nYour refresher is due on 15 March 2027.\n', html: '<p>Hello,</p><p>Your refresher is due on 15 March 2027.</p>',
    })), s.clock.now()));
    const t1 = performance.now();
    const plain = await s.outboxSender.runOnce();
    const plainMs = performance.now() - t1;
    await s.close();
    return {
      index: withIndex, tokens, plan, msPerRevokeStatement: +revokeMs.toFixed(3), invitationsSent: inv.sent, msPerInvitation: +(invitationMs / inv.sent).toFixed(2),
      plainSent: plain.sent, msPerPlainMessage: +(plainMs / plain.sent).toFixed(2),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(invitations: number, others: number): Promise<void> {
  const peer = fork(path.join(__dirname, 'outbox.js'), ['--peer'], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve) => peer.once('message', (m) => resolve((m as { port: number }).port)));
  try {
    // Without the index first, then with it: the same machine minutes apart.
    const before = await variant(port, invitations, others, false);
    const after = await variant(port, invitations, others, true);
    console.log(JSON.stringify({ before, after }));
  } finally {
    peer.send('count');
  }
}

void main(Number(process.argv[2] ?? '1000'), Number(process.argv[3] ?? '4000'));
