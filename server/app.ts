import express, { type Express } from 'express';
import { auditRoutes } from './audit/routes';
import { createPassport } from './auth/passport-middleware';
import { authRoutes } from './auth/routes';
import { forgotPasswordRoutes } from './auth/forgot-routes';
import { dateFormatters } from './dates';
import type { AppDeps } from './deps';
import { createCsrf } from './http/csrf';
import { errorHandler, notFound } from './http/errors';
import { viewLocals } from './http/locals';
import { requestLogger } from './http/logging';
import { securityHeaders } from './http/security';
import { absoluteTimeout, sessionMiddleware } from './http/session';
import { signedOutNotice, signedOutPost } from './http/signed-out';
import { healthRoutes, homeRoutes } from './home-routes';
import { publicDir, viewsDir } from './paths';
import { adminUserRoutes } from './users/routes';
import { importRoutes } from './users/import-routes';
import { learningRoutes } from './learning/routes';
import { trainingRoutes } from './training/routes';
import { certificateRoutes } from './certificates/routes';
import { trainingAdminRoutes } from './training/admin-routes';
import { reportRoutes } from './reports/routes';
import { policyReportRoutes } from './reports/policy-routes';
import { STATUS_LABEL } from './training/status';
import { teamRoutes } from './users/team-routes';
import { settingsLocals } from './settings/header-middleware';
import { settingsRoutes } from './settings/routes';
import { notificationRoutes } from './notifications/routes';
import { assignmentRoutes } from './assignments/routes';
import { policyRoutes } from './policies/routes';
import { policyAdminRoutes } from './policies/admin-routes';
import { outboxAdminRoutes } from './notifications/admin-routes';
import { scimApp } from './identity/scim-routes';
import { oidcRoutes } from './identity/oidc-routes';
import { SAML_ACS_PATH, samlAcsBody, samlRoutes } from './identity/saml-routes';

export const FORM_BODY_LIMIT = '100kb';

/** Builds the app from its dependencies; never listens (main.ts and the tests do that). */
export function createApp(deps: AppDeps): Express {
  const { config, clock } = deps;
  const app = express();
  app.set('view engine', 'ejs');
  app.set('views', viewsDir);
  // A copy: Express compiles the list once; a number counts hops, false trusts no header.
  app.set('trust proxy', typeof config.trustProxy === 'object' ? [...config.trustProxy] : config.trustProxy);
  app.set('query parser', 'simple');
  app.disable('x-powered-by');
  if (config.env === 'production') app.enable('view cache');

  app.use(requestLogger(deps.log));
  app.use(securityHeaders(config.secureCookies, config.oidc ? [new URL(config.oidc.issuerUrl).origin] : []));
  app.use('/static', express.static(publicDir, { maxAge: config.env === 'production' ? '1d' : 0, index: false }));
  app.use(healthRoutes(deps));
  // Pages carry personal and training data: no browser, proxy or shared ward PC may keep a copy, and
  // an ETag (a hash of every page) would only serve caching. Static files above keep theirs.
  app.set('etag', false);
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // SCIM clients carry a bearer token, not a session: mounted before the session, form parsing and CSRF.
  app.use('/scim/v2', scimApp(deps));

  // The SAML ACS reads its own (larger) form body; the app-wide parser then leaves it be.
  if (deps.samlSignIn) app.use(SAML_ACS_PATH, samlAcsBody);
  app.use(express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 200 }));
  app.use(sessionMiddleware(config, deps.sessions));
  const pp = createPassport(deps.auth);
  app.use(pp.initialize());
  app.use(pp.session());
  app.use(absoluteTimeout(clock, config.sessionAbsoluteMs));
  // Multipart bodies are parsed only on the upload routes, after their role check (acceptUpload).
  app.use(createCsrf(config.sessionSecret, config.secureCookies, signedOutPost(config.sessionIdleMs)).protect);
  app.use(signedOutNotice(config.sessionIdleMs));
  app.use(viewLocals(config, { ...dateFormatters(config.timeZone), statusLabel: STATUS_LABEL }));
  app.use(settingsLocals(deps.settings));
  // Early: it also points the header's sign-out form at the provider's logout for OIDC sessions.
  app.use(oidcRoutes(deps));

  app.use(homeRoutes(deps));
  app.use(learningRoutes(deps));
  app.use(trainingRoutes(deps));
  app.use(certificateRoutes(deps));
  app.use(trainingAdminRoutes(deps));
  // Before authRoutes: /password/forgot is not a /password/:token link.
  app.use(forgotPasswordRoutes(deps));
  app.use(authRoutes(deps, pp));
  app.use(adminUserRoutes(deps));
  app.use(importRoutes(deps));
  app.use(reportRoutes(deps));
  app.use(policyReportRoutes(deps));
  app.use(teamRoutes(deps));
  app.use(auditRoutes(deps));
  app.use(settingsRoutes(deps));
  app.use(notificationRoutes(deps));
  app.use(assignmentRoutes(deps));
  app.use(policyRoutes(deps));
  app.use(policyAdminRoutes(deps));
  app.use(outboxAdminRoutes(deps));
  if (deps.samlSignIn) app.use(samlRoutes(deps, deps.samlSignIn));

  app.use(notFound);
  app.use(errorHandler(deps.log, config.env === 'production'));
  return app;
}
