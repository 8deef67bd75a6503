import type { User as UserRow } from './db/schema';
import type { Flash } from './http/locals';
import type { Resend } from './http/signed-out';

declare global {
  namespace Express {
    // The signed-in person, as loaded fresh from the database on every request.
    interface User extends UserRow {}
  }
}

declare module 'express-session' {
  interface SessionData {
    /** When the person signed in (ISO); the absolute timeout counts from here. */
    authAt?: string;
    /** Never a set-password or setup link: those are shown only in the answer that issues them. */
    flash?: Flash;
    /** A form refused because the session had ended, to offer once after signing in again (/resume). */
    resend?: Resend;
    /** Set when the person signed in through OpenID Connect: signing out then also goes through the provider. */
    ssoProtocol?: 'oidc' | 'saml';
  }
}

export {};
