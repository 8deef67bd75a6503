import type { RequestHandler } from 'express';
import { RuleError } from '../errors';
import { roleCan, type Capability } from './capabilities';
import { hasControlChars } from '../text';

/** Anonymous visitors are sent to sign in and brought back afterwards. */
export const requireUser: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  const back = req.method === 'GET' ? req.originalUrl : '/';
  res.redirect(303, `/login?next=${encodeURIComponent(back)}`);
};

/** Signed in but the role may not do this (capabilities.ts): 403. Anonymous visitors are sent to sign in. */
export function can(capability: Capability): RequestHandler {
  return (req, res, next) => {
    if (!req.user) return requireUser(req, res, next);
    if (roleCan(req.user.role, capability)) return next();
    next(new RuleError('forbidden', 'Your account does not have access to this page. If you need it, ask your administrator.'));
  };
}

/** A local redirect target from ?next=, or "/" (never another site). */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (hasControlChars(value) || value.length > 500) return '/';
  return value;
}
