import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DB, User } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { fail, RuleError } from '../errors';
import { departmentTree } from '../users/departments';
import { changeUserStatus, saveUser } from '../users/service';
import { departmentStore, userStore } from '../users/store';
import { parseUserFilter } from './scim-filter';
import { scimStore } from './scim-store';
import { applyPatch } from './scim-patch';
import { readResource, toResource, toUserFields, type ScimDesired } from './scim-resource';
import { LIST_RESPONSE, scimFail } from './scim-schema-names';

type Json = Record<string, unknown>;

/** Largest page a client may ask for (ServiceProviderConfig filter.maxResults says the same). */
export const SCIM_MAX_RESULTS = 200;

export interface ScimWrite {
  resource: Json;
  /** The person was deactivated by this request: the route ends their sessions. */
  deactivated: number | null;
}

/**
 * SCIM Users over the same rules as the admin screens and the CSV import: saveUser (field checks,
 * departments created as needed, moves recorded so obligations follow, audit events) and the same
 * deactivation. People are never deleted: DELETE and active:false both deactivate.
 */
export class ScimUsers {
  constructor(
    private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock,
    private readonly timeZone: string, private readonly baseUrl: () => Promise<string>,
  ) {}

  /**
   * The people as SCIM resources. Inside a unit of work the base URL is read before it opens: the
   * settings read goes through the main connection, which waits for the transaction to end.
   */
  private async resources(users: User[], db: Kysely<DB> = this.db, baseUrl?: string): Promise<Json[]> {
    const [tree, base] = await Promise.all([departmentStore(db).all().then(departmentTree), baseUrl ?? this.baseUrl()]);
    const managerIds = [...new Set(users.map((u) => u.manager_id).filter((id): id is number => id !== null))];
    const managers = await scimStore(db).namesOf(managerIds);
    return users.map((user) => toResource({
      user, departmentPath: user.department_id === null ? null : tree.byId.get(user.department_id)?.path ?? null,
      managerName: user.manager_id === null ? null : managers.get(user.manager_id) ?? null,
    }, base));
  }

  private async existing(id: string, db: Kysely<DB> = this.db): Promise<User> {
    const user = /^[1-9]\d{0,14}$/.test(id) ? await userStore(db).byId(Number(id)) : undefined;
    return user ?? fail('not-found', `There is no User ${id.slice(0, 40)}.`);
  }

  /** GET /Users: RFC 7644 3.4.2 with startIndex counted from 1. */
  async list(filter: string | undefined, startIndex: number, count: number): Promise<Json> {
    const f = parseUserFilter(filter);
    const store = scimStore(this.db);
    const total = await store.count(f);
    const rows = count === 0 ? [] : await store.page(f, count, startIndex - 1);
    return { schemas: [LIST_RESPONSE], totalResults: total, startIndex, itemsPerPage: rows.length, Resources: await this.resources(rows) };
  }

  async get(id: string): Promise<Json> {
    return (await this.resources([await this.existing(id)]))[0]!;
  }

  async create(actor: Actor, body: unknown): Promise<ScimWrite> {
    const d = readResource(body);
    return this.write(actor, undefined, () => d);
  }

  /** PUT: the body replaces the person's SCIM attributes; a body without `active` keeps their status. */
  async replace(actor: Actor, id: string, body: unknown): Promise<ScimWrite> {
    return this.write(actor, id, (user) => readResource(body, user));
  }

  async patch(actor: Actor, id: string, body: unknown): Promise<ScimWrite> {
    return this.write(actor, id, async (user, trx, baseUrl) => readResource(applyPatch((await this.resources([user], trx, baseUrl))[0]!, body), user));
  }

  /** DELETE: deactivation only; training records are kept (45 CFR 164.530(j)) and the person stays readable. */
  async deactivate(actor: Actor, id: string): Promise<{ deactivated: number | null }> {
    return this.uow(async (trx) => {
      const user = await this.existing(id, trx);
      if (user.status !== 'active') return { deactivated: null };
      await changeUserStatus(trx, this.clock, actor, user.id, 'deactivated');
      return { deactivated: user.id };
    });
  }

  private async write(actor: Actor, id: string | undefined, desired: (u: User, trx: Kysely<DB>, baseUrl: string) => ScimDesired | Promise<ScimDesired>): Promise<ScimWrite> {
    const baseUrl = await this.baseUrl();
    return this.uow(async (trx) => {
      const existing = id === undefined ? undefined : await this.existing(id, trx);
      const d = await desired(existing!, trx, baseUrl);
      let user = await this.saveFields(trx, actor, existing, d);
      user = await this.saveIdentity(trx, actor, user, existing, d);
      const status = d.active === undefined ? user.status : d.active ? 'active' : 'deactivated';
      const deactivated = status === 'deactivated' && user.status === 'active' ? user.id : null;
      if (status !== user.status) user = await changeUserStatus(trx, this.clock, actor, user.id, status);
      return { resource: (await this.resources([user], trx, baseUrl))[0]!, deactivated };
    });
  }

  private async saveFields(trx: Kysely<DB>, actor: Actor, existing: User | undefined, d: ScimDesired): Promise<User> {
    const owner = await scimStore(trx).byUserNameKey(d.userName.toLowerCase());
    if (owner && owner.id !== existing?.id) scimFail('conflict', 'uniqueness', `userName ${d.userName} already belongs to another person.`);
    let managerEmail: string | null = null;
    if (d.managerId !== null) {
      const manager = await userStore(trx).byId(d.managerId);
      managerEmail = manager?.email ?? scimFail('invalid', 'invalidValue', `manager.value ${d.managerId} is not the id of a person here.`);
    }
    try {
      return (await saveUser(trx, this.clock, actor, existing, toUserFields(d, existing, managerEmail), this.timeZone)).user;
    } catch (e) {
      if (!(e instanceof RuleError) || e.code !== 'invalid' || !e.problems) throw e;
      const taken = ['email', 'employee_id'].some((k) => e.problems?.[k]?.includes('already belongs'));
      return scimFail(taken ? 'conflict' : 'invalid', taken ? 'uniqueness' : 'invalidValue', e.message);
    }
  }

  /** The provider's identifiers and name parts; audited when they change (the person's fields were audited by saveUser). */
  private async saveIdentity(trx: Kysely<DB>, actor: Actor, user: User, existing: User | undefined, d: ScimDesired): Promise<User> {
    const next = { external_id: d.externalId, scim_user_name: d.userName, given_name: d.givenName, family_name: d.familyName };
    const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => user[k] !== next[k]);
    if (changed.length === 0) return user;
    const updated = await scimStore(trx).setIdentity(user.id, { ...next, scim_user_name_key: d.userName.toLowerCase(), updated_at: this.clock.now().toISOString() });
    await appendAudit(trx, this.clock, actor, {
      action: existing?.scim_user_name ? 'scim.identity_changed' : 'scim.linked', subjectType: 'user', subjectId: user.id,
      details: Object.fromEntries(changed.map((k) => [k, { from: user[k], to: next[k] }])),
    });
    return updated;
  }
}
