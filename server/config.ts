import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from './paths';
import { isMonthDay } from './training/dates';
import type { AnnualRule } from './training/status';

/** Thrown when the environment is invalid; main.ts prints it and exits without starting. */
export class ConfigError extends Error {}

const intFrom = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number)
    .pipe(z.number().int().min(min).max(max));

const boolFrom = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: intFrom(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_PATH: z.string().min(1).optional(),
  CONTENT_DIR: z.string().min(1).default('content'),
  BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  ORG_NAME: z.string().trim().min(1).max(200).default('Your Hospital'),
  TIME_ZONE: z.string().refine(validTimeZone, 'must be an IANA time zone such as America/New_York').default('America/New_York'),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_IDLE_MINUTES: intFrom(1, 24 * 60).default(30),
  SESSION_ABSOLUTE_HOURS: intFrom(1, 24 * 7).default(12),
  LOGIN_RATE_LIMIT: intFrom(1, 100000).default(30),
  LOCKOUT_THRESHOLD: intFrom(1, 100).default(5),
  LOCKOUT_MINUTES: intFrom(1, 24 * 60).default(15),
  COURSE_SEQUENTIAL: boolFrom.default(true),
  ONBOARDING_DUE_DAYS: intFrom(1, 365).default(30),
  ANNUAL_CYCLE: z.enum(['rolling', 'fixed'], 'must be rolling or fixed').default('rolling'),
  ANNUAL_DUE_DATE: z.string().refine(isMonthDay, 'must be a month and day written MM-DD, such as 01-31').default('01-31'),
  REFRESHER_WINDOW_DAYS: intFrom(0, 180).default(60),
  GRACE_DAYS: intFrom(0, 90).default(0),
  QUIZ_MAX_ATTEMPTS: intFrom(0, 1000).default(0),
  HEAVY_REQUESTS_MAX: intFrom(1, 64).default(4),
  HEAVY_REQUESTS_PER_PERSON: intFrom(1, 64).default(2),
  DB_SYNCHRONOUS: z.enum(['full', 'normal'], 'must be full or normal').default('full'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: boolFrom.default(false),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  ADMIN_NAME: z.string().trim().min(1).max(200).default('Administrator'),
});

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databasePath: string;
  readonly contentDir: string;
  readonly baseUrl: string;
  readonly secureCookies: boolean;
  readonly orgName: string;
  readonly timeZone: string;
  readonly sessionSecret: string;
  readonly sessionIdleMs: number;
  readonly sessionAbsoluteMs: number;
  readonly loginRateLimit: number;
  readonly lockoutThreshold: number;
  readonly lockoutMs: number;
  readonly logLevel: string;
  /** Lesson N+1 opens only after lesson N. */
  readonly sequentialLessons: boolean;
  /** 0 = unlimited quiz attempts. */
  readonly quizMaxAttempts: number;
  /** full: every commit is on disk before it is answered (survives power loss); normal: survives a process crash only. */
  readonly dbSynchronous: 'full' | 'normal';
  /** Exports and imports running at once, overall and per person; more are refused with "try again" (see HeavyWork). */
  readonly heavyRequests: { readonly max: number; readonly perPerson: number };
  /** Due dates: onboarding days after hire, annual refresher rolling or by a fixed month-day. */
  readonly cycles: { readonly onboardingDays: number; readonly annual: AnnualRule; readonly windowDays: number; readonly graceDays: number };
  readonly trustProxy: boolean;
  readonly bootstrapAdmin?: { readonly email: string; readonly password: string; readonly name: string };
}

/** Reads a kept secret, or creates one (mode 0600) so the embedded default needs no set-up. */
function persistentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (fs.existsSync(file)) {
    const kept = fs.readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return secret;
}

/** The only reader of process.env: validated, typed and frozen. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings (as left by `VAR=` in a .env file) mean "not set".
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration:\n  ADMIN_PASSWORD: ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  const dataDir = path.resolve(projectRoot, e.DATA_DIR);
  const baseUrl = (e.BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databasePath: e.DATABASE_PATH ? path.resolve(projectRoot, e.DATABASE_PATH) : path.join(dataDir, 'privacy-rounds.sqlite'),
    contentDir: path.resolve(projectRoot, e.CONTENT_DIR),
    baseUrl,
    secureCookies: baseUrl.startsWith('https://'),
    orgName: e.ORG_NAME,
    timeZone: e.TIME_ZONE,
    sessionSecret: e.SESSION_SECRET ?? persistentSecret(dataDir),
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    lockoutThreshold: e.LOCKOUT_THRESHOLD,
    lockoutMs: e.LOCKOUT_MINUTES * 60_000,
    logLevel: e.LOG_LEVEL,
    sequentialLessons: e.COURSE_SEQUENTIAL,
    quizMaxAttempts: e.QUIZ_MAX_ATTEMPTS,
    heavyRequests: { max: e.HEAVY_REQUESTS_MAX, perPerson: Math.min(e.HEAVY_REQUESTS_PER_PERSON, e.HEAVY_REQUESTS_MAX) },
    dbSynchronous: e.DB_SYNCHRONOUS,
    cycles: Object.freeze({
      onboardingDays: e.ONBOARDING_DUE_DAYS,
      annual: e.ANNUAL_CYCLE === 'fixed' ? { mode: 'fixed' as const, monthDay: e.ANNUAL_DUE_DATE } : { mode: 'rolling' as const },
      windowDays: e.REFRESHER_WINDOW_DAYS,
      graceDays: e.GRACE_DAYS,
    }),
    trustProxy: e.TRUST_PROXY,
    bootstrapAdmin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD
      ? Object.freeze({ email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD, name: e.ADMIN_NAME })
      : undefined,
  });
}
