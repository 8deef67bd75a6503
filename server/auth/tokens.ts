import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { DB, TokenPurpose } from '../db/schema';
import { authStore } from './store';

const TOKEN_LIFETIME_MS: Record<TokenPurpose, number> = {
  setup: 24 * 3_600_000,
  'set-password': 72 * 3_600_000,
};

/** Only the hash is stored: a copy of the database does not hand out working links. */
function tokenHash(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** 256 random bits, URL-safe. Returns the plain token; the caller turns it into a link. `lifetimeMs` shortens the purpose's usual life (a password-reset link lasts 1 hour). */
export async function issueToken(db: Kysely<DB>, clock: Clock, purpose: TokenPurpose, userId: number | null, lifetimeMs = TOKEN_LIFETIME_MS[purpose]): Promise<string> {
  const token = crypto.randomBytes(32).toString('base64url');
  const now = clock.now();
  await authStore(db).insertToken({
    token_hash: tokenHash(token),
    purpose,
    user_id: userId,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + lifetimeMs).toISOString(),
  });
  return token;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The unused, unexpired token row, or undefined (malformed tokens never reach the database). */
export async function findLiveToken(db: Kysely<DB>, clock: Clock, purpose: TokenPurpose, token: string) {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  return authStore(db).liveToken(tokenHash(token), purpose, clock.now().toISOString());
}

/** Marks a token used; false when another request used it first (single use under concurrency). */
export async function consumeToken(db: Kysely<DB>, clock: Clock, id: number): Promise<boolean> {
  return authStore(db).useToken(id, clock.now().toISOString());
}

/** Invalidates a user's (or, with null, the setup) outstanding links of one purpose, all but `except` when given. */
export async function revokeTokens(db: Kysely<DB>, clock: Clock, purpose: TokenPurpose, userId: number | null, except?: string): Promise<void> {
  await authStore(db).useAllTokens(purpose, userId, clock.now().toISOString(), except === undefined ? undefined : tokenHash(except));
}

/** Ends one link that was never handed out (an e-mail that could not be sent); a no-op when it is used or unknown. */
export async function withdrawToken(db: Kysely<DB>, clock: Clock, purpose: TokenPurpose, token: string): Promise<void> {
  const row = await findLiveToken(db, clock, purpose, token);
  if (row) await consumeToken(db, clock, row.id);
}
