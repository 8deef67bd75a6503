import { createHash } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import { chunksOf } from '../db/chunks';
import type { DB, OutboxTable } from '../db/schema';

/** A message to queue. `key` names it for good (who, obligation, cycle, stage): a second enqueue of the same key is a no-op. */
export interface NewMessage {
  key: string;
  userId: number | null;
  to: string;
  cc?: string[];
  stage: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Stands in an invitation's stored bodies where the set-password token goes: the sender makes a fresh
 * link when it sends the message and puts it here in memory only, so no working link is ever at rest
 * (database, WAL, backups). Admins' templates cannot contain it: it is not one of the placeholders a
 * template may use (templates.ts), so saving one that names it is refused.
 */
export const LINK_TOKEN_PLACEHOLDER = '{{set_password_token}}';

/** Whether a stored body waits for a set-password token. */
export const needsLinkToken = (body: string) => body.includes(LINK_TOKEN_PLACEHOLDER);

/** A body with the token put in where the placeholder stands (in memory, at send time). */
export const withLinkToken = (body: string, token: string) => body.split(LINK_TOKEN_PLACEHOLDER).join(token);

/**
 * The Message-ID's left-hand side, from the key alone: the same message carries the same Message-ID on
 * every attempt (and after a crash re-sends it), so mail clients can recognise a duplicate.
 */
export function messageIdLocalPart(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32);
}

// 12 values a row keeps a chunk far below SQLite's 32,766 parameters and PostgreSQL's 65,535.
const ROWS_PER_STATEMENT = 1000;

function row(msg: NewMessage, at: string): Insertable<OutboxTable> {
  if (msg.key.trim() === '') throw new Error('An outbox message needs a key.');
  const to = msg.to.trim();
  if (to === '') throw new Error(`Outbox message ${msg.key} has no recipient.`);
  return {
    key: msg.key,
    user_id: msg.userId,
    to_address: to,
    cc_addresses: JSON.stringify((msg.cc ?? []).map((a) => a.trim()).filter((a) => a !== '' && a.toLowerCase() !== to.toLowerCase())),
    stage: msg.stage,
    subject: msg.subject,
    text_body: msg.text,
    html_body: msg.html,
    message_id: messageIdLocalPart(msg.key),
    next_attempt_at: at,
    created_at: at,
  };
}

/**
 * Queues messages inside the caller's transaction (normally the unit of work that decided to send them).
 * The unique key makes this idempotent without reading first: insert, and on a key that exists do
 * nothing — the same SQL is right on PostgreSQL with several instances. Returns how many were new.
 */
export async function enqueue(trx: Kysely<DB>, msgs: readonly NewMessage[], now: Date): Promise<number> {
  const at = now.toISOString();
  const rows = msgs.map((m) => row(m, at));
  let created = 0;
  for (const chunk of chunksOf(rows, ROWS_PER_STATEMENT)) {
    const result = await trx.insertInto('outbox').values(chunk)
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    created += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  return created;
}
