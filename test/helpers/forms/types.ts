import type { Response } from 'supertest';
import type { AuditEvent } from '../../../server/db/schema';
import type { TestApp } from '../app';
import type { Agent } from '../http';

// What each POST route needs: who may send it, the form's real fields, realistic values (so some runs
// get through validation and the success path is checked too), the real records its parameters name.

export type Pair = [string, string];

export interface Target {
  app: TestApp;
  agent: Agent;
  token: string;
  /** Who is signed in, if anyone; a route that answers "sign in first" has not been exercised. */
  signedIn: boolean;
}

export interface Ctx {
  app: TestApp;
  res: Response;
  params: Record<string, string>;
  /** Audit events written by this request. */
  events: AuditEvent[];
  /** How many rows this request added to a table. */
  delta: (table: string) => number;
}

export interface Spec {
  target(): Promise<Target>;
  /** The form's field names, as the page's form sends them (checked against the real pages below). */
  fields: () => string[];
  /** Realistic values, mixed into the random ones. */
  values: () => string[];
  /** Real values for the route's parameters, read (or set up) just before each run. */
  params?: () => Promise<Record<string, string>>;
  /** Valid-looking bodies for the current state; a run may start from one and add random fields. */
  bases?: () => Promise<Pair[][]>;
  /** A CSV import: also gets random multipart bodies carrying random CSV files. */
  csv?: { columns: string[]; cells: () => string[]; bulkRow: (i: number) => string[] };
  /** After a 2xx/3xx: what the success describes exists. */
  effect?: (c: Ctx) => Promise<void> | void;
  /** The route reports its outcome with a message on the page it redirects to, or on the page it answers with. */
  notice?: boolean;
  /** See the header: failed sign-ins are recorded by design. */
  loginNoise?: boolean;
}

export const must = (cond: unknown, msg: string): void => {
  if (!cond) throw new Error(msg);
};
export const one = (events: AuditEvent[], action: string) => events.filter((e) => e.action === action);
export const locationOf = (res: Response) => String(res.headers.location ?? '');
