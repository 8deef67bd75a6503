import http from 'node:http';
import { createApp } from './app';
import { sealUnkeyedEvents } from './audit/seal';
import { ensureFirstAdmin } from './users/first-admin';
import { compose } from './compose';
import { baseUrlWarnings, ConfigError, configWarnings, loadConfig, loadEnvFile, type Config } from './config';
import { migrateToLatest } from './db/migrate';
import { describeDatabase } from './db/open';
import { startBounceListener, type BounceListener } from './notifications/bounces';
import { createLogger } from './http/logging';

const SHUTDOWN_GRACE_MS = 10_000;
/** How long an idle keep-alive connection stays open: longer than a balancer keeps its idle ones. */
const KEEP_ALIVE_MS = 65_000;
/** How often the outbox is checked for due messages (and retries whose back-off has passed). */
const OUTBOX_INTERVAL_MS = 60_000;

export async function start(config: Config): Promise<{ server: http.Server; stop: () => Promise<void> }> {
  const log = createLogger(config.logLevel);
  for (const warning of configWarnings(config)) log.warn(warning);
  const services = compose(config, { log });
  const { db, clock } = services;
  const applied = await migrateToLatest(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  const sealed = await sealUnkeyedEvents(db, clock, applied);
  if (sealed) log.info({ events: sealed }, 'existing audit events sealed under the audit key');
  const org = await services.settings.current();
  for (const warning of baseUrlWarnings(config, org.baseUrlFromSettings ? org.baseUrl : undefined)) log.warn(warning);
  // SAML metadata is read now so a mistake shows at start; sign-in retries it (and refreshes it) on use.
  await services.samlSignIn?.loadMetadata()
    .then((idp) => log.info(idp, 'SAML identity provider metadata read'))
    .catch((e: unknown) => log.warn(`SAML_IDP_METADATA could not be used, so SAML sign-in is refused until it can: ${e instanceof Error ? e.message : String(e)}`));

  const first = await ensureFirstAdmin(services.uow, clock, config.bootstrapAdmin, config.orgName);
  if (first.kind === 'admin-created') log.info({ email: first.email }, 'first admin created from ADMIN_EMAIL');
  if (first.kind === 'setup-link') {
    // Printed to the console for the operator, never to the structured log.
    console.log(`\nNo administrator exists yet. Open this one-time link within 24 hours to create one:\n\n  ${org.baseUrl}/setup/${first.token}\n`);
  }

  // The rules are read once, here: rows computed under other due-date settings or course validity, and
  // people written before the unit of work kept the index, are brought up to date before the first request.
  const refreshed = await services.training.statusIndex.refreshStale(db);
  if (refreshed) log.info({ people: refreshed }, 'training status brought up to date');
  const app = createApp(services);
  const server = http.createServer(app);
  // Behind a load balancer that keeps connections to the instances open (HAProxy, nginx, a cloud LB):
  // Node's own 5 s idle close could race a request the balancer is just sending on a reused
  // connection, which then fails. Idle connections are kept longer than balancers keep theirs (60 s is
  // the usual default), so the balancer is the side that closes them; the header timeout stays above it.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, baseUrl: org.baseUrl, database: describeDatabase(config) }, 'Privacy Rounds is listening');
  if (services.outboxSender.configured) services.outboxSender.start(OUTBOX_INTERVAL_MS);
  else log.info('SMTP_URL is not set: e-mail waits in the outbox (Admin → Outbox) until it is.');
  const bounces: BounceListener | undefined = config.mail.bouncePort === undefined ? undefined
    : await startBounceListener({ port: config.mail.bouncePort, host: config.host, mail: config.mail, uow: services.uow, clock, log });
  // Every NOTIFICATIONS_EVERY_MS (and at start-up); of several instances one plans each interval.
  services.notifications.start(config.notificationsEveryMs, log);
  // "Forgot password" and lockout e-mails go at once (on each request), and a minute later at the latest.
  services.resetMail.start(OUTBOX_INTERVAL_MS);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info('shutting down: finishing in-flight requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(force);
      // A catch-up after a rule change stops after its current slice; start-up finishes the rest.
      await services.training.statusIndex.stop();
      await bounces?.close();
      // Stops the notification timer and waits for a run under way before the database closes.
      await services.close();
      log.info('stopped');
    })();
    return stopping;
  };
  return { server, stop };
}

if (require.main === module) {
  let config: Config;
  try {
    loadEnvFile();
    config = loadConfig();
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exit(1);
  }
  start(config).then(({ stop }) => {
    const onSignal = () => { void stop().then(() => process.exit(0)); };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }).catch((e: unknown) => {
    console.error(`Privacy Rounds could not start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
