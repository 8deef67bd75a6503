import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Config } from '../config';
import type { LimiterFactory } from '../http/rate-limit';
import { accountKey } from './throttle';

const LIMIT_WINDOW_MS = 15 * 60_000;

/**
 * Failed sign-ins only (a success takes its count back), so a ward kiosk or a hospital NAT at shift
 * change never runs into a limit by signing people in. Two buckets: per (typed address, client) — one
 * person's typos do not hold up the next person at the same kiosk — and a higher ceiling per client
 * against one address trying many accounts. The client is req.ip: the socket's address, or the address
 * the proxies named by TRUST_PROXY report, never a hop beyond them that a client could write itself.
 * Both count in the database (`limiter`), so the limits hold across instances.
 */
export function signInLimiters(config: Config, keySecret: Buffer, limiter: LimiterFactory, refuse: (req: Request, res: Response, message: string) => void): RequestHandler[] {
  const common = {
    windowMs: LIMIT_WINDOW_MS,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    // A client's own X-Forwarded-For is ignored unless TRUST_PROXY says otherwise: nothing to warn about.
    validate: { xForwardedForHeader: false },
  } as const;
  const typed = (req: Request) => {
    const email = (req.body as Record<string, unknown> | undefined)?.email;
    return typeof email === 'string' ? email.slice(0, 254) : '';
  };
  const perAccount = limiter('sign-in-account', {
    ...common,
    limit: config.loginAccountRateLimit,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${accountKey(keySecret, typed(req))}`,
    handler: (req, res) => refuse(req, res, 'Too many failed sign-ins with this email address from your network. Wait 15 minutes and try again, ' +
      'or ask your administrator for a new password link.'),
  });
  const perClient = limiter('sign-in-client', {
    ...common,
    limit: config.loginRateLimit,
    handler: (req, res) => refuse(req, res, 'Too many sign-in attempts from this network. Wait 15 minutes and try again.'),
  });
  return [perClient, perAccount];
}
