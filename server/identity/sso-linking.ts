import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import { authStore } from '../auth/store';
import type { Clock } from '../clock';
import type { SsoConfig } from '../config';
import type { DB, SsoIdentity, User } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { userStore } from '../users/store';
import { attributeMapping, mapAttributes } from './attribute-map';
import { applyProfile, auditAttributes, type PersonRules } from './sso-person';
import type { SsoOutcome, SsoProfile, SsoRefusal } from './sso-profile';
import { ssoStore } from './sso-store';

export type { SsoOutcome, SsoProfile, SsoRefusal } from './sso-profile';

/** The rules signIn follows (config.sso plus the organisation's time zone). */
export type SsoLinkRules = Pick<SsoConfig, 'enabled' | 'linkBy' | 'linkPrivileged' | 'jit' | 'roleMap' | 'breakGlass' | 'attributes'> & { timeZone: string };

/** The refusal page's words for each reason: what happened and who can fix it, nothing about other people. */
const WORDS: Record<SsoRefusal, string> = {
  'inactive': 'Your account here is deactivated, so you cannot sign in. If you should have access, ask your training administrator to reactivate it.',
  'unknown-person': 'You signed in at your organisation, but there is no training account for you here yet. Ask your training administrator to add you, then sign in again.',
  'email-not-verified': 'Your identity provider did not say that your e-mail address is verified, so it cannot be matched to an account here. ' +
    'Ask your IT team or your training administrator.',
  'privileged-account': 'The account here that matches yours is an account that is not linked to single sign-on automatically. ' +
    'Sign in with your e-mail and password instead, or ask your training administrator.',
  'linked-to-another': 'The account here that matches yours is already linked to a different account at your identity provider. ' +
    'Sign in with that account, or ask your training administrator.',
  'invalid-profile': 'Your identity provider sent details that cannot be used here, so no account could be set up. Ask your training administrator.',
  'protocol-error': 'The sign-in could not be completed, so you have not been signed in. Start again from the sign-in page; if it happens again, tell your IT team.',
};

/**
 * The one entry of both protocols after they have checked the provider's answer: finds the person by
 * (issuer, subject), or links a first sign-in to an existing active person by the configured rule, or
 * creates one (JIT), and applies the mapped attributes, all in one unit of work with its audit events.
 * Refusals are audited (sso.refused with the reason) and come back with words for the refusal page.
 */
export class SsoLinking {
  constructor(private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock, private readonly rules: SsoLinkRules) {}

  /** The profile fields in a protocol's checked claims (OIDC) or attributes (SAML), by SSO_ATTR_* or the protocol's defaults. */
  mapClaims(protocol: 'oidc' | 'saml', claims: Record<string, unknown>): ReturnType<typeof mapAttributes> {
    return mapAttributes(claims, attributeMapping(protocol, this.rules.attributes));
  }

  /** The provider accounts linked to a person, for the person page. */
  identitiesOf(userId: number): Promise<SsoIdentity[]> {
    return ssoStore(this.db).identitiesOf(userId);
  }

  /**
   * An admin removes a link (audited as sso.unlinked): for a person whose provider account was replaced
   * (a new subject), whose next sign-in then links again by the SSO_LINK_BY rule. False when there was none.
   */
  async unlink(actor: Actor, userId: number, identityId: number): Promise<boolean> {
    return this.uow(async (trx) => {
      const removed = await ssoStore(trx).unlink(userId, identityId);
      if (!removed) return false;
      await appendAudit(trx, this.clock, actor, {
        action: 'sso.unlinked', subjectType: 'user', subjectId: userId,
        details: { protocol: removed.protocol, issuer: removed.issuer, subject: removed.subject },
      });
      return true;
    });
  }

  /**
   * The settings page's warning: single sign-on is on but no admin named in SSO_BREAK_GLASS is active
   * with a password, so an identity-provider outage would leave nobody able to run the site.
   */
  async breakGlassWarning(): Promise<string | null> {
    if (!this.rules.enabled) return null;
    if (await ssoStore(this.db).workingBreakGlass(this.rules.breakGlass) > 0) return null;
    return 'Single sign-on is on, but no break-glass administrator keeps a password: if the identity provider fails or is ' +
      'misconfigured, nobody can sign in to manage this site. Name at least one active admin who has a password in SSO_BREAK_GLASS.';
  }

  async signIn(profile: SsoProfile, meta: { ip: string | null }): Promise<SsoOutcome> {
    try {
      return await this.attempt(profile, meta);
    } catch (e) {
      // Two first sign-ins of one account at once (two tabs, two instances): the unique (issuer, subject)
      // key lets one link it and fails the other's insert; that one is now an ordinary sign-in.
      if (!await ssoStore(this.db).identity(profile.issuer, profile.subject)) throw e;
      return this.attempt(profile, meta);
    }
  }

  private async attempt(profile: SsoProfile, meta: { ip: string | null }): Promise<SsoOutcome> {
    return this.uow(async (trx) => {
      const now = this.clock.now().toISOString();
      const store = ssoStore(trx);
      const provider: Actor = { id: null, label: `sso:${profile.protocol}`, ip: meta.ip };
      const refuse = (reason: SsoRefusal, details: Record<string, unknown> = {}, userId?: number) =>
        this.refusal(trx, provider, profile, reason, details, userId);
      const person = this.personRules();

      const linked = await store.identity(profile.issuer, profile.subject);
      if (linked) {
        const user = await userStore(trx).byId(linked.user_id);
        if (!user || user.status !== 'active') return refuse('inactive', {}, linked.user_id);
        const applied = await applyProfile(trx, this.clock, provider, user, profile, person);
        if (!applied.ok) return refuse('invalid-profile', { problem: applied.message }, user.id);
        await auditAttributes(trx, this.clock, provider, user.id, applied.changed, applied.skipped);
        await store.signedIn(linked.id, now);
        return this.signedIn(trx, applied.user, profile, meta, { linkedNow: false, createdNow: false });
      }

      const candidate = await this.candidate(trx, profile);
      if (candidate === 'unverified') return refuse('email-not-verified');
      if (candidate) {
        if (candidate.status !== 'active') return refuse('inactive', {}, candidate.id);
        const other = await store.identityOf(candidate.id, profile.issuer);
        if (other) return refuse('linked-to-another', {}, candidate.id);
        if ((candidate.role === 'admin' || candidate.role === 'auditor') && !this.rules.linkPrivileged) {
          return refuse('privileged-account', { role: candidate.role }, candidate.id);
        }
        const applied = await applyProfile(trx, this.clock, provider, candidate, profile, person);
        if (!applied.ok) return refuse('invalid-profile', { problem: applied.message }, candidate.id);
        await store.link({ user_id: candidate.id, protocol: profile.protocol, issuer: profile.issuer, subject: profile.subject, created_at: now });
        await appendAudit(trx, this.clock, provider, {
          action: 'sso.linked', subjectType: 'user', subjectId: candidate.id,
          details: { protocol: profile.protocol, issuer: profile.issuer, subject: profile.subject, by: this.rules.linkBy },
        });
        await auditAttributes(trx, this.clock, provider, candidate.id, applied.changed, applied.skipped);
        return this.signedIn(trx, applied.user, profile, meta, { linkedNow: true, createdNow: false });
      }

      if (!this.rules.jit) return refuse('unknown-person');
      const created = await applyProfile(trx, this.clock, provider, undefined, profile, person);
      if (!created.ok) return refuse('invalid-profile', { problem: created.message });
      await store.link({ user_id: created.user.id, protocol: profile.protocol, issuer: profile.issuer, subject: profile.subject, created_at: now });
      await appendAudit(trx, this.clock, provider, {
        action: 'sso.created', subjectType: 'user', subjectId: created.user.id,
        details: { protocol: profile.protocol, issuer: profile.issuer, subject: profile.subject, role: created.user.role, ...(Object.keys(created.skipped).length ? { skipped: created.skipped } : {}) },
      });
      return this.signedIn(trx, created.user, profile, meta, { linkedNow: true, createdNow: true });
    });
  }

  /**
   * A protocol's own refusal (wrong audience, expired token, replay, unsolicited response...): audited as
   * sso.refused with reason protocol-error and the check that failed, answered with the page's words.
   * `check` names the failed check only; never a token or an assertion.
   */
  async refuseProtocol(protocol: 'oidc' | 'saml', check: string, meta: { ip: string | null; issuer?: string | null }): Promise<SsoOutcome> {
    return this.uow(async (trx) => {
      await appendAudit(trx, this.clock, { id: null, label: `sso:${protocol}`, ip: meta.ip }, {
        action: 'sso.refused', details: { reason: 'protocol-error', protocol, check: check.slice(0, 300), ...(meta.issuer ? { issuer: meta.issuer } : {}) },
      });
      return { kind: 'refused' as const, reason: 'protocol-error' as const, message: WORDS['protocol-error'] };
    });
  }

  private personRules(): PersonRules {
    return { roleMap: this.rules.roleMap, breakGlass: this.rules.breakGlass, timeZone: this.rules.timeZone };
  }

  /** The existing person a first sign-in would link to, by SSO_LINK_BY; 'unverified' when only an unverified e-mail matches. */
  private async candidate(trx: Kysely<DB>, p: SsoProfile): Promise<User | 'unverified' | undefined> {
    const users = userStore(trx);
    if (this.rules.linkBy === 'employee_id') return p.employeeId ? users.byEmployeeId(p.employeeId.trim()) : undefined;
    if (this.rules.linkBy === 'none' || !p.email) return undefined;
    const match = await users.byEmail(p.email);
    if (match && !p.emailVerified) return 'unverified';
    return match;
  }

  private async refusal(trx: Kysely<DB>, actor: Actor, p: SsoProfile, reason: SsoRefusal, details: Record<string, unknown>, userId?: number): Promise<SsoOutcome> {
    await appendAudit(trx, this.clock, actor, {
      action: 'sso.refused', ...(userId !== undefined ? { subjectType: 'user', subjectId: userId } : {}),
      details: { reason, protocol: p.protocol, issuer: p.issuer, subject: p.subject, ...(p.email ? { email: p.email } : {}), ...details },
    });
    return { kind: 'refused', reason, message: WORDS[reason] };
  }

  private async signedIn(trx: Kysely<DB>, user: User, p: SsoProfile, meta: { ip: string | null }, how: { linkedNow: boolean; createdNow: boolean }): Promise<SsoOutcome> {
    await authStore(trx).recordSignIn(user.id, this.clock.now().toISOString());
    await appendAudit(trx, this.clock, { id: user.id, label: user.email, ip: meta.ip }, {
      action: 'sso.signed_in', subjectType: 'user', subjectId: user.id, details: { protocol: p.protocol, issuer: p.issuer },
    });
    return { kind: 'signed-in', userId: user.id, ...how };
  }
}
