import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { useAuditKeys } from './audit/keyring';
import { AuditLog } from './audit/log';
import { Auth } from './auth/service';
import { passwordSignInAllowed } from './auth/password-policy';
import { DatabaseSessionStore } from './auth/session-middleware';
import { sessionsStore } from './auth/sessions-store';
import { accountKeySecret } from './auth/throttle';
import { RateLimitCounts, rateLimitKeySecret } from './auth/rate-limits';
import { Certificates } from './certificates/certificates';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { loadCatalogue } from './content/loader';
import type { Database } from './db/database';
import { openConfigured } from './db/open';
import type { DB } from './db/schema';
import type { AppDeps } from './deps';
import { ensurePrivateDir } from './files';
import { HeavyWork } from './http/heavy-work';
import { limiterFactory } from './http/rate-limit';
import { createLogger } from './http/logging';
import { LearningDeps } from './learning/progress';
import { Training } from './training/service';
import { FirstAdminSetup } from './users/first-admin';
import { PeopleImporter } from './users/importer';
import { People } from './users/people';
import { Settings } from './settings/service';
import { Assignments } from './assignments/service';
import { Policies } from './policies/service';
import { OutboxSender } from './notifications/sender';
import { Outbox } from './notifications/service';
import { NotificationScheduler } from './notifications/scheduler';
import { Invitations } from './notifications/invitations';
import { NotificationSettings } from './notifications/settings';
import { PasswordResetMail } from './notifications/reset-mail';
import { lockoutMailer } from './notifications/lockout-mail';
import { ScimTokens } from './identity/scim-tokens';
import { ScimUsers } from './identity/scim-service';
import { OidcSignIn } from './identity/oidc-sign-in';
import { attributeMapping } from './identity/attribute-map';
import { SsoLinking } from './identity/sso-linking';
import { SsoRequests } from './identity/sso-login-state';
import { SamlMetadataSource } from './identity/saml-metadata-source';
import { samlAttributes, SamlSignIn } from './identity/saml-sign-in';
import { SamlServiceProvider } from './identity/saml-sp';

export interface ComposeOptions {
  /** The clock every service reads; tests pass a movable one. */
  clock?: Clock;
  log?: Logger;
  /** An already-open database (the CLI opens its own); otherwise the configured file is opened. close() closes it either way. */
  database?: Database;
}

export interface Composed extends AppDeps {
  database: Database;
  /** For start-up steps, the CLI and tests; routes get services instead (AppDeps has no database). */
  db: Kysely<DB>;
  /** Sends the outbox over SMTP (issue 17); main starts its timer, the CLI and tests run it by hand. */
  outboxSender: OutboxSender;
  /** The rate limiters' counters in the database (tests sweep and read them). */
  rateLimits: RateLimitCounts;
  /** Queues and sends "forgot password" e-mails off the request path; main starts it, tests run it by hand. */
  resetMail: PasswordResetMail;
  /** Stops the session sweeper and the outbox sender, and closes the database. */
  close(): Promise<void>;
}

/**
 * The one place that builds the stores and services, once per process: the server, the CLI, the tests'
 * app builder and the bench all start here. Opens the database but does not migrate it: the caller
 * migrates (and runs its own start-up steps) before the first request or command.
 */
export function compose(config: Config, options: ComposeOptions = {}): Composed {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.logLevel);
  // Content first: a broken course file stops start-up before anything is touched.
  const catalogue = loadCatalogue(config.contentDir);
  useAuditKeys(config.auditKeys);
  let database = options.database;
  if (!database) {
    const openDir = ensurePrivateDir(config.dataDir);
    if (openDir) log.warn(openDir);
    database = openConfigured(config);
  }
  const { db } = database;
  const sessions = new DatabaseSessionStore(sessionsStore(db), clock, config.sessionIdleMs);
  const training = new Training(db, clock, config, catalogue.courses);
  const learning = new LearningDeps(db, clock, config.sequentialLessons, training, config.lessonMinWpm);
  const settings = new Settings(db, training.uow, clock, config);
  const opened = database;
  const policies = new Policies(db, training.uow, clock, training);
  const outboxSender = new OutboxSender(db, training.uow, clock, config.mail, config.orgName, log);
  const notificationSettings = new NotificationSettings(db, training.uow, clock);
  // Single sign-on: one login-request store and one linking service for both protocols.
  const ssoRequests = new SsoRequests(db, clock);
  const ssoLinking = new SsoLinking(db, training.uow, clock, { ...config.sso, timeZone: config.timeZone });
  const notifications = new NotificationScheduler(db, training.uow, clock, training, catalogue, settings, config.timeZone, notificationSettings, policies);
  const resetMail = new PasswordResetMail(db, training.uow, clock, notifications, outboxSender, log);
  // Sign-in tells notifications about a lock and a reset request through hooks (notifications depends on auth).
  const authHooks = {
    onLocked: lockoutMailer(db, training.uow, clock, notifications, config.timeZone, log, () => resetMail.notify()),
    onResetRequested: () => resetMail.notify(),
  };
  const rateLimits = new RateLimitCounts(db, clock, rateLimitKeySecret(config.sessionSecret));
  const auth = new Auth(db, training.uow, clock, {
    threshold: config.lockoutThreshold, firstMs: config.lockoutFirstMs, capMs: config.lockoutMs, keySecret: accountKeySecret(config.sessionSecret),
    passwordAllowed: (user) => passwordSignInAllowed(config.sso, user),
  }, authHooks);
  return {
    config, db, database, clock, log, sessions, catalogue, training, uow: training.uow, learning, people: new People(db), auditLog: new AuditLog(db, catalogue, config.timeZone),
    auth,
    setup: new FirstAdminSetup(db, training.uow, clock),
    peopleImporter: new PeopleImporter(db, training.uow, clock),
    settings,
    // A rule may target a course or a published policy (by slug), named by its current title.
    assignments: new Assignments(db, training.uow, clock, training, catalogue.courses.map((c) => c.id),
      async () => new Map([...(await policies.states()).values()].map((p) => [p.slug, p.current.title]))),
    policies,
    // The organisation as settings say now (name, public address, logo), read at each download.
    certificates: new Certificates(db, training, async () => {
      const [site, logo] = await Promise.all([settings.current(), settings.logoImage()]);
      return { baseUrl: site.baseUrl, orgName: site.orgName, ...(logo ? { logo } : {}) };
    }),
    scimUsers: new ScimUsers(db, training.uow, clock, config.timeZone, async () => (await settings.current()).baseUrl),
    scimTokens: new ScimTokens(db, training.uow, clock),
    ssoRequests, ssoLinking,
    oidcSignIn: new OidcSignIn(config.oidc, clock, ssoRequests, ssoLinking, attributeMapping('oidc', config.sso.attributes)),
    // SAML sign-in over the same requests table and linking rules.
    ...(config.saml ? {
      samlSignIn: new SamlSignIn(config.saml, new SamlMetadataSource(config.saml.idpMetadata, clock, config.saml.metadataRefreshMs),
        ssoRequests, ssoLinking, samlAttributes(config.sso.attributes), new SamlServiceProvider(config.saml, clock)),
    } : {}),
    rateLimits, limiter: limiterFactory(rateLimits, clock, log),
    heavyWork: new HeavyWork(config.heavyRequests.max, config.heavyRequests.perPerson),
    // Through a connection of its own: the probe never queues behind a long write transaction.
    databaseHealth: async () => {
      if (!(await opened.readable())) return { answers: false, engine: opened.engine };
      const migration = await opened.migrationLevel();
      return { answers: true, engine: opened.engine, ...(migration ? { migration } : {}) };
    },
    outboxSender, resetMail,
    outbox: new Outbox(db, training.uow, clock),
    notifications, notificationSettings,
    invitations: new Invitations(db, training.uow, clock, notifications, outboxSender, log),
    async close() {
      sessions.stop();
      await notifications.stop();
      await auth.idle();
      await resetMail.stop();
      await outboxSender.stop();
      await opened.close();
    },
  };
}
