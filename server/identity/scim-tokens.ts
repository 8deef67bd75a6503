import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DB, ScimToken } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { fail } from '../errors';
import { hasControlChars } from '../text';
import { scimTokensStore } from './scim-tokens-store';

// Bearer tokens for SCIM clients: shown once when made, kept as a SHA-256 (256 random bits need no slow
// hash), revocable, each named so the audit log says which client made a change.

const PREFIX = 'prscim_';
const SHAPE = /^prscim_[A-Za-z0-9_-]{43}$/;
const hashOf = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export interface ScimClient {
  id: number;
  name: string;
}

export class ScimTokens {
  constructor(private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  /** Makes a token; the plain token is returned this once and never stored. */
  async create(actor: Actor, rawName: string): Promise<{ id: number; token: string }> {
    const name = rawName.trim();
    if (!name || [...name].length > 100 || hasControlChars(name)) fail('invalid', 'Give the token a name of 1 to 100 characters (for example the provider: entra).');
    const token = PREFIX + crypto.randomBytes(32).toString('base64url');
    return this.uow(async (trx) => {
      const row = await scimTokensStore(trx).insert({ name, token_hash: hashOf(token), created_at: this.clock.now().toISOString(), created_by: actor.label });
      await appendAudit(trx, this.clock, actor, { action: 'scim.token_created', subjectType: 'scim_token', subjectId: row.id, details: { name } });
      return { id: row.id, token };
    });
  }

  list(): Promise<ScimToken[]> {
    return scimTokensStore(this.db).all();
  }

  async revoke(actor: Actor, id: number): Promise<ScimToken> {
    return this.uow(async (trx) => {
      const store = scimTokensStore(trx);
      const row = await store.byId(id) ?? fail('not-found', `There is no SCIM token ${id}.`);
      if (!await store.revoke(id, this.clock.now().toISOString())) fail('conflict', `SCIM token ${id} (${row.name}) was already revoked.`);
      await appendAudit(trx, this.clock, actor, { action: 'scim.token_revoked', subjectType: 'scim_token', subjectId: id, details: { name: row.name } });
      return row;
    });
  }

  /** The client a live token belongs to, or undefined; a malformed token never reaches the database. */
  async authenticate(token: string): Promise<ScimClient | undefined> {
    if (!SHAPE.test(token)) return undefined;
    const store = scimTokensStore(this.db);
    const row = await store.liveByHash(hashOf(token));
    if (!row) return undefined;
    const now = this.clock.now();
    await store.markUsed(row.id, now.toISOString(), new Date(now.getTime() - 60_000).toISOString());
    return { id: row.id, name: row.name };
  }
}
