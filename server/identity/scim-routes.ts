import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import type { Actor } from '../audit/service';
import type { AppDeps } from '../deps';
import { RuleError } from '../errors';
import { RULE_PAGES } from '../http/errors';
import { parseQuery } from '../http/validate';
import { listOf, resourceTypes, schemas, serviceProviderConfig } from './scim-discovery';
import { scimListQuery } from './scim-requests';
import { ERROR } from './scim-schema-names';
import type { ScimClient } from './scim-tokens';

// SCIM 2.0 (RFC 7644) at /scim/v2: an Express app of its own, mounted before the session and CSRF
// middleware, because its callers are identity providers with a bearer token, not browsers with a
// session (there is no cookie to forge a request with). Every answer is SCIM JSON, errors included.

/** Requests per token per minute: an Entra or Okta cycle of several thousand people stays well inside. */
export const SCIM_REQUESTS_PER_MINUTE = 1200;
/** Largest JSON body: a User with every attribute is a few kilobytes. */
export const SCIM_BODY_LIMIT = '256kb';
const MEDIA = 'application/scim+json; charset=utf-8';

function send(res: Response, status: number, body: unknown): void {
  res.status(status).type(MEDIA).send(JSON.stringify(body));
}

function sendError(res: Response, status: number, detail: string, scimType?: string): void {
  send(res, status, { schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}), detail });
}

const clientOf = (res: Response) => res.locals.scimClient as ScimClient;
const actorOf = (req: Request, res: Response): Actor => ({ id: null, label: `scim:${clientOf(res).name}`, ip: req.ip ?? null });
const param = (req: Request) => String(req.params.id ?? '');

export function scimApp(deps: AppDeps, options: { perMinute?: number } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const baseUrl = async () => (await deps.settings.current()).baseUrl;

  const authenticate: RequestHandler = async (req, res, next) => {
    const m = /^Bearer ([^\s]+)$/i.exec(req.get('authorization') ?? '');
    const client = m ? await deps.scimTokens.authenticate(m[1]!) : undefined;
    if (!client) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="scim"');
      return sendError(res, 401, 'A valid SCIM bearer token is required (npm run cli -- scim:token create).');
    }
    res.locals.scimClient = client;
    next();
  };
  app.use(authenticate);
  app.use(deps.limiter('scim', {
    windowMs: 60_000, limit: options.perMinute ?? SCIM_REQUESTS_PER_MINUTE, standardHeaders: 'draft-8', legacyHeaders: false,
    keyGenerator: (_req, res) => `scim-token-${clientOf(res).id}`,
    handler: (_req, res) => sendError(res, 429, 'Too many requests for this token; wait a minute and retry.'),
  }));
  // Bodies are read after the token is checked: nobody without one makes the server parse anything.
  app.use(express.json({ type: ['application/scim+json', 'application/json'], limit: SCIM_BODY_LIMIT, strict: true }));

  app.get('/ServiceProviderConfig', async (_req, res) => send(res, 200, serviceProviderConfig(await baseUrl())));
  app.get('/Schemas', async (_req, res) => send(res, 200, listOf(schemas(await baseUrl()))));
  app.get('/Schemas/:id', async (req, res) => {
    const found = schemas(await baseUrl()).find((s) => s.id === param(req));
    return found ? send(res, 200, found) : sendError(res, 404, 'There is no such schema.');
  });
  app.get('/ResourceTypes', async (_req, res) => send(res, 200, listOf(resourceTypes(await baseUrl()))));
  app.get('/ResourceTypes/:id', async (req, res) => {
    const found = resourceTypes(await baseUrl()).find((s) => s.id === param(req));
    return found ? send(res, 200, found) : sendError(res, 404, 'There is no such resource type.');
  });

  app.get('/Users', async (req, res) => {
    const q = parseQuery(scimListQuery, req.query);
    if (!q.ok) return sendError(res, 400, q.message, 'invalidFilter');
    send(res, 200, await deps.scimUsers.list(q.data.filter, q.data.startIndex, q.data.count));
  });
  app.get('/Users/:id', async (req, res) => send(res, 200, await deps.scimUsers.get(param(req))));
  app.post('/Users', async (req, res) => {
    const { resource, deactivated } = await deps.scimUsers.create(actorOf(req, res), req.body);
    if (deactivated) await deps.sessions.destroyForUser(deactivated);
    const meta = resource.meta as { location: string };
    res.setHeader('Location', meta.location);
    send(res, 201, resource);
  });
  const write = (run: (actor: Actor, id: string, body: unknown) => Promise<{ resource: Record<string, unknown>; deactivated: number | null }>): RequestHandler => async (req, res) => {
    const { resource, deactivated } = await run(actorOf(req, res), param(req), req.body);
    // A deactivated person is signed out everywhere, as from the admin screen.
    if (deactivated) await deps.sessions.destroyForUser(deactivated);
    send(res, 200, resource);
  };
  app.put('/Users/:id', write((a, id, body) => deps.scimUsers.replace(a, id, body)));
  app.patch('/Users/:id', write((a, id, body) => deps.scimUsers.patch(a, id, body)));
  app.delete('/Users/:id', async (req, res) => {
    const { deactivated } = await deps.scimUsers.deactivate(actorOf(req, res), param(req));
    if (deactivated) await deps.sessions.destroyForUser(deactivated);
    res.status(204).end();
  });

  // Groups are not provisioned: departments come from the enterprise department attribute.
  app.get('/Groups', (_req, res) => send(res, 200, listOf([])));
  app.get('/Groups/:id', (_req, res) => sendError(res, 404, 'There are no groups: departments come from the enterprise department attribute.'));
  app.all(['/Groups', '/Groups/:id'], (_req, res) => sendError(res, 501, 'Groups are not provisioned: map departments to the enterprise department attribute and turn group provisioning off.'));

  app.use((_req, res) => sendError(res, 404, 'There is no SCIM resource at this address.'));
  app.use(scimErrors(deps));
  return app;
}

function scimErrors(deps: AppDeps): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    if (res.headersSent) return res.destroy();
    if (err instanceof RuleError) return sendError(res, RULE_PAGES[err.code].status, err.message, err.problems?.scimType);
    const e = (typeof err === 'object' && err !== null ? err : {}) as { type?: string; status?: number };
    if (e.type === 'entity.parse.failed') return sendError(res, 400, 'The body is not valid JSON.', 'invalidSyntax');
    if (e.type === 'entity.too.large') return sendError(res, 413, `The body is larger than ${SCIM_BODY_LIMIT}.`);
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return sendError(res, e.status, 'The request could not be understood.', 'invalidSyntax');
    deps.log.error({ err, reqId: res.locals.reqId as string | undefined }, 'SCIM request failed');
    sendError(res, 500, 'Something went wrong on our side. The error has been logged.');
  };
}
