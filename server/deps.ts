import type { Logger } from 'pino';
import type { AuditLog } from './audit/log';
import type { Auth } from './auth/service';
import type { DatabaseSessionStore } from './auth/session-middleware';
import type { Certificates } from './certificates/certificates';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Catalogue } from './content/catalogue';
import type { HeavyWork } from './http/heavy-work';
import type { LimiterFactory } from './http/rate-limit';
import type { LearningDeps } from './learning/progress';
import type { Training } from './training/service';
import type { FirstAdminSetup } from './users/first-admin';
import type { PeopleImporter } from './users/importer';
import type { People } from './users/people';
import type { Settings } from './settings/service';
import type { UnitOfWork } from './db/unit-of-work';
import type { Assignments } from './assignments/service';
import type { Policies } from './policies/service';
import type { Outbox } from './notifications/service';
import type { NotificationScheduler } from './notifications/scheduler';
import type { NotificationSettings } from './notifications/settings';
import type { Invitations } from './notifications/invitations';
import type { OidcSignIn } from './identity/oidc-sign-in';
import type { ScimTokens } from './identity/scim-tokens';
import type { ScimUsers } from './identity/scim-service';
import type { SsoLinking } from './identity/sso-linking';
import type { SsoRequests } from './identity/sso-login-state';
import type { SamlSignIn } from './identity/saml-sign-in';

/** Everything the app is built from, made once by compose() (tests give it a fresh database file and a movable clock). */
export interface AppDeps {
  config: Config;
  clock: Clock;
  log: Logger;
  sessions: DatabaseSessionStore;
  catalogue: Catalogue;
  /** Cycle rules, assignments and the status index, shared by every route. */
  training: Training;
  /** Every rate limiter (sign-in, verify, SCIM, SAML ACS): its counts live in the database, shared by every instance. */
  limiter: LimiterFactory;
  /** Exports and imports running now: at most so many at once (config.heavyRequests). */
  heavyWork: HeavyWork;
  /** One transaction per write; at commit it refreshes the status index of every person touched. */
  uow: UnitOfWork;
  /** Lesson and quiz rules over the training service, for the learner's pages. */
  learning: LearningDeps;
  /** People as the admin, team and report pages read them. */
  people: People;
  /** The audit log as the admin page reads it. */
  auditLog: AuditLog;
  /** Sign-in, sign-out and set-password links. */
  auth: Auth;
  /** The one-time link that creates the first administrator. */
  setup: FirstAdminSetup;
  /** The HR CSV import of people. */
  peopleImporter: PeopleImporter;
  /** Certificate downloads, the public verify page and the reports' certificate ZIP. */
  certificates: Certificates;
  /** Organisation settings (name, logo, contacts, policy text versions, base URL) over the environment's defaults. */
  settings: Settings;
  /** Assignment rules, exemptions and moves between audiences (issue 16). */
  assignments: Assignments;
  /** Versioned policy documents and their acknowledgements (issue 16). */
  policies: Policies;
  /** The e-mail outbox as admins see it: filters, retry, undeliverable addresses (issue 17). */
  outbox: Outbox;
  /** Plans reminders, digests and the rest into the outbox (issue 17); main.ts starts its timer. */
  notifications: NotificationScheduler;
  /** Which messages are sent when, and the admins' templates (the settings page's notifications section). */
  notificationSettings: NotificationSettings;
  /** "Resend invitation" on the person page: queues a new invitation and sends it at once when SMTP is set. */
  invitations: Invitations;
  /** OpenID Connect sign-in (issue 18): off unless OIDC_ISSUER_URL is set. */
  oidcSignIn: OidcSignIn;
  /** SCIM 2.0 provisioning (issue 18): people as SCIM Users, and the bearer tokens of the providers. */
  scimUsers: ScimUsers;
  scimTokens: ScimTokens;
  /** Single sign-on (issue 18): the login requests both protocols start and take back (single use, in the database). */
  ssoRequests: SsoRequests;
  /** Single sign-on's one entry after a protocol checked the provider's answer: find, link or create the person. */
  ssoLinking: SsoLinking;
  /** SAML 2.0 sign-in (issue 18); absent when SAML_IDP_METADATA is not set (its routes are then not mounted). */
  samlSignIn?: SamlSignIn;
  /** The health probe's questions: does the database answer, which engine is it, which migration is it at? */
  databaseHealth(): Promise<DatabaseHealth>;
}

export interface DatabaseHealth {
  answers: boolean;
  engine: 'sqlite' | 'postgres';
  /** The newest migration applied; absent when the database does not answer. */
  migration?: string;
}
