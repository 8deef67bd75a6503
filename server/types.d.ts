import type { User as UserRow } from './db/schema';
import type { Flash } from './http/locals';

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
    flash?: Flash;
    /** Set-password links just issued, shown once to the admin who issued them. */
    issuedLinks?: { name: string; email: string; url: string }[];
  }
}

export {};
