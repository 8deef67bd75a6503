import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { auditKeyring, decodeAuditKey, type AuditKeyring } from './audit/keyring';
import { ensurePrivateDir, makePrivate, writeOnce } from './files';
import { projectRoot } from './paths';
import { isMonthDay } from './dates';
import type { AnnualRule } from './training/status';
import { oidcConfigFrom, type OidcConfig } from './identity/oidc-config';
import { ROLES, type Role } from './db/schema';

/** Thrown when the environment is invalid; main.ts prints it and exits without starting. */
export class ConfigError extends Error {}

const intFrom = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** Words per minute behind each lesson's minimum time; also the yardstick for "fast" when timing is off. */
export const DEFAULT_LESSON_WPM = 250;

const boolFrom = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const AUDIT_KEY_RULE = 'must be at least 32 bytes, written as hex (64 or more digits) or base64';

/** Express's names for address ranges (proxy-addr), accepted in a TRUST_PROXY list. */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** One TRUST_PROXY list entry: an IPv4/IPv6 address, a CIDR range of one, or one of RANGE_NAMES. */
function proxyEntryProblem(entry: string): string | undefined {
  if (RANGE_NAMES.includes(entry)) return undefined;
  const [addr = '', prefix, extra] = entry.split('/');
  const family = addr.includes('%') ? 0 : net.isIP(addr);
  if (extra !== undefined || family === 0) return `"${entry}" is not an IP address, a CIDR range (10.0.0.0/8, fd00::/8) or one of ${RANGE_NAMES.join(', ')}`;
  if (prefix === undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `"${entry}" has a range size that is not a whole number from 0 to ${max}`;
  return undefined;
}

/**
 * TRUST_PROXY: which X-Forwarded-For / X-Forwarded-Proto hops to believe. `true` would believe any
 * client's header, so the sign-in limits and the audit log would see whatever address an attacker
 * writes; it is refused rather than quietly reinterpreted.
 */
const trustProxyRule = z.string().trim().transform((raw, ctx): TrustProxy => {
  const v = raw.toLowerCase();
  if (['false', 'no', 'off', '0'].includes(v)) return false;
  if (['true', 'yes', 'on'].includes(v)) {
    ctx.addIssue({
      code: 'custom',
      message: `"${raw}" would trust any client's X-Forwarded-For header, so anyone could choose the address that the sign-in limits ` +
        'and the audit log see. Write the number of reverse proxies in front of this server (TRUST_PROXY=1 for one) or their ' +
        'addresses (TRUST_PROXY=127.0.0.1, or a list such as 10.0.0.5,10.0.1.0/24); false when there is none',
    });
    return z.NEVER;
  }
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 10) {
      ctx.addIssue({ code: 'custom', message: 'must be a number of proxies from 0 to 10, or a list of proxy addresses' });
      return z.NEVER;
    }
    return hops;
  }
  const entries = v.split(',').map((x) => x.trim());
  const problems = entries.map((x) => (x === '' ? 'an empty entry between commas' : proxyEntryProblem(x))).filter((x) => x !== undefined);
  if (problems.length) {
    ctx.addIssue({ code: 'custom', message: `must be a number of proxies (1, 2), a comma-separated list of proxy addresses, or false: ${problems.join('; ')}` });
    return z.NEVER;
  }
  return Object.freeze(entries);
});

/** SMTP_URL: nodemailer reads the rest (user, password, port, tls.* options); only the scheme and a host are checked here. */
function isSmtpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** SSO_ATTR_*: one claim or attribute name, or several separated by commas (the first one present is used). */
const attributeNames = z.string().trim().transform((raw, ctx): readonly string[] => {
  const names = raw.split(',').map((x) => x.trim());
  if (names.some((x) => x === '' || x.length > 300)) {
    ctx.addIssue({ code: 'custom', message: 'must be a claim or attribute name, or several separated by commas, such as email or http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress' });
    return z.NEVER;
  }
  return Object.freeze(names);
});

/** SSO_ROLE_MAP: group=role pairs, such as `Training Managers=manager,Training Admins=admin`. */
const roleMapRule = z.string().trim().transform((raw, ctx): readonly SsoRoleMapping[] => {
  const pairs = raw.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const out: SsoRoleMapping[] = [];
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    const group = at > 0 ? pair.slice(0, at).trim() : '';
    const role = (at > 0 ? pair.slice(at + 1).trim().toLowerCase() : '') as Role;
    if (!group || !ROLES.includes(role)) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not group=role; write pairs such as Training Managers=manager,Training Admins=admin (roles: ${ROLES.join(', ')})` });
      return z.NEVER;
    }
    out.push(Object.freeze({ group, role }));
  }
  return Object.freeze(out);
});

/** SSO_PASSWORD_ROLES: the roles whose password sign-in is off while single sign-on is configured. */
const roleListRule = z.string().trim().transform((raw, ctx): readonly Role[] => {
  const roles = raw.split(',').map((x) => x.trim().toLowerCase()).filter((x) => x !== '');
  const bad = roles.filter((r) => !ROLES.includes(r as Role));
  if (bad.length) {
    ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of roles (${ROLES.join(', ')}); not: ${bad.join(', ')}` });
    return z.NEVER;
  }
  return Object.freeze([...new Set(roles as Role[])]);
});

/** SSO_BREAK_GLASS: e-mail addresses of the admins who always keep password sign-in. */
const emailListRule = z.string().trim().transform((raw, ctx): readonly string[] => {
  const emails = raw.split(',').map((x) => x.trim().toLowerCase()).filter((x) => x !== '');
  const bad = emails.filter((e) => !z.email().safeParse(e).success);
  if (bad.length) {
    ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of e-mail addresses; not: ${bad.join(', ')}` });
    return z.NEVER;
  }
  return Object.freeze(emails);
});

/** One SSO_ROLE_MAP entry: people in this group (as the provider names it) get this role. */
export interface SsoRoleMapping {
  readonly group: string;
  readonly role: Role;
}

/** The claim or attribute names each profile field is read from; unset fields use the protocol's defaults (attribute-map.ts). */
export interface SsoAttributeNames {
  readonly email?: readonly string[];
  readonly name?: readonly string[];
  readonly employeeId?: readonly string[];
  readonly department?: readonly string[];
  readonly jobTitle?: readonly string[];
  readonly manager?: readonly string[];
  readonly groups?: readonly string[];
}

/** Single sign-on (issue 18): how provider accounts link to people, what they may change, who keeps a password. */
export interface SsoConfig {
  /** True when OIDC or SAML is configured (OIDC_ISSUER_URL or SAML_IDP_METADATA set). */
  readonly enabled: boolean;
  /** The sign-in page's "Sign in with" buttons, one per configured protocol. */
  readonly buttons: readonly { readonly protocol: 'oidc' | 'saml'; readonly label: string; readonly href: string }[];
  /** How a first sign-in finds an existing person: by verified e-mail, by employee ID, or not at all. */
  readonly linkBy: 'email' | 'employee_id' | 'none';
  /** Admins and auditors may be linked automatically at a first sign-in (off by default: account takeover). */
  readonly linkPrivileged: boolean;
  /** Unknown people are created at their first sign-in (off by default: they get a refusal page). */
  readonly jit: boolean;
  readonly attributes: SsoAttributeNames;
  /** Empty: sign-in never changes anyone's role. */
  readonly roleMap: readonly SsoRoleMapping[];
  /** Roles whose password sign-in is refused while SSO is enabled (break-glass admins excepted). */
  readonly passwordOffRoles: readonly Role[];
  /** Lower-case e-mails of the admins who always keep password sign-in (and whose role SSO never changes). */
  readonly breakGlass: readonly string[];
}

/** false: no proxy; a number: that many hops in front; a list: the proxies' addresses and ranges. */
export type TrustProxy = false | number | readonly string[];

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: intFrom(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('data'),
  DATABASE_PATH: z.string().min(1).optional(),
  DATABASE_URL: z.string().trim().refine((v) => /^postgres(ql)?:\/\/[^\s]+$/i.test(v) && URL.canParse(v),
    'must be a PostgreSQL address such as postgres://user:password@db.example.org:5432/privacy_rounds').optional(),
  CONTENT_DIR: z.string().min(1).default('content'),
  BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  ORG_NAME: z.string().trim().min(1).max(200).default('Your Hospital'),
  TIME_ZONE: z.string().refine(validTimeZone, 'must be an IANA time zone such as America/New_York').default('America/New_York'),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUDIT_KEY: z.string().refine((v) => decodeAuditKey(v) !== undefined, AUDIT_KEY_RULE).optional(),
  AUDIT_KEYS_OLD: z.string().refine((v) => v.split(',').every((k) => decodeAuditKey(k) !== undefined), `each comma-separated key ${AUDIT_KEY_RULE}`).optional(),
  AUDIT_ANCHOR_FILE: z.string().min(1).optional(),
  SESSION_IDLE_MINUTES: intFrom(1, 24 * 60).default(30),
  SESSION_ABSOLUTE_HOURS: intFrom(1, 24 * 7).default(12),
  LOGIN_RATE_LIMIT: intFrom(1, 100000).default(100),
  LOGIN_ACCOUNT_RATE_LIMIT: intFrom(1, 100000).default(10),
  LOCKOUT_THRESHOLD: intFrom(1, 100).default(5),
  LOCKOUT_FIRST_MINUTES: intFrom(1, 24 * 60).default(1),
  LOCKOUT_MINUTES: intFrom(1, 24 * 60).default(15),
  COURSE_SEQUENTIAL: boolFrom.default(true),
  ONBOARDING_DUE_DAYS: intFrom(1, 365).default(30),
  /** Days existing staff get when an assignment rolls out (an assignment may set its own). */
  ROLLOUT_DAYS: intFrom(1, 730).default(60),
  ANNUAL_CYCLE: z.enum(['rolling', 'fixed'], 'must be rolling or fixed').default('rolling'),
  ANNUAL_DUE_DATE: z.string().refine(isMonthDay, 'must be a month and day written MM-DD, such as 01-31').default('01-31'),
  REFRESHER_WINDOW_DAYS: intFrom(0, 180).default(60),
  GRACE_DAYS: intFrom(0, 90).default(0),
  QUIZ_MAX_ATTEMPTS: intFrom(0, 1000).default(3),
  QUIZ_COOLDOWN_HOURS: intFrom(1, 24 * 30).default(24),
  LESSON_MIN_WPM: z.string().trim().toLowerCase()
    .refine((s) => s === 'off' || (/^\d+$/.test(s) && Number(s) <= 5000), 'must be a reading speed in words per minute (such as 250), or 0 or off for no minimum lesson time')
    .transform((s) => (s === 'off' ? 0 : Number(s))).default(DEFAULT_LESSON_WPM),
  NOTIFICATIONS_EVERY_MS: z.string().trim().regex(/^\d+$/, 'must be a whole number of milliseconds, such as 300000 (5 minutes)').transform(Number)
    .pipe(z.number().int().min(1000, 'must be at least 1000 (one second)').max(86_400_000, 'must be at most 86400000 (one day)')).default(300_000),
  HEAVY_REQUESTS_MAX: intFrom(1, 64).default(4),
  HEAVY_REQUESTS_PER_PERSON: intFrom(1, 64).default(2),
  DB_SYNCHRONOUS: z.enum(['full', 'normal'], 'must be full or normal').default('full'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: trustProxyRule.default(false),
  SMTP_URL: z.string().trim().refine(isSmtpUrl, 'must be an smtp:// or smtps:// address such as smtp://user:password@mail.example.org:587').optional(),
  MAIL_FROM: z.email('must be an e-mail address such as training@example.org').optional(),
  SMTP_BOUNCE_PORT: intFrom(1, 65535).optional(),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  ADMIN_NAME: z.string().trim().min(1).max(200).default('Administrator'),
  // OpenID Connect sign-in (issue 18): checked by identity/oidc-config.ts.
  OIDC_ISSUER_URL: z.string().trim().optional(),
  OIDC_CLIENT_ID: z.string().trim().min(1).max(500).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).max(2000).optional(),
  OIDC_SCOPES: z.string().trim().max(500).optional(),
  OIDC_ID_TOKEN_ALGS: z.string().trim().max(200).optional(),
  OIDC_TENANT_IDS: z.string().trim().max(2000).optional(),
  OIDC_LOGOUT: z.string().trim().optional(),
  /** SAML sign-in (issue 18): the IdP's metadata, as a file path or an https:// address (fetched at start-up and every SAML_METADATA_REFRESH_HOURS). */
  SAML_IDP_METADATA: z.string().trim().min(1).optional(),
  SAML_SP_ENTITY_ID: z.string().trim().min(1).max(500).optional(),
  SAML_CLOCK_SKEW_SECONDS: intFrom(0, 300).default(120),
  SAML_METADATA_REFRESH_HOURS: intFrom(1, 24 * 7).default(24),
  // Issue 18 single sign-on: linking, attribute mapping and password policy (see ssoConfig).
  SSO_LINK_BY: z.enum(['email', 'employee_id', 'none'], 'must be email, employee_id or none').default('email'),
  SSO_LINK_PRIVILEGED: boolFrom.default(false),
  SSO_JIT: boolFrom.default(false),
  SSO_ATTR_EMAIL: attributeNames.optional(),
  SSO_ATTR_NAME: attributeNames.optional(),
  SSO_ATTR_EMPLOYEE_ID: attributeNames.optional(),
  SSO_ATTR_DEPARTMENT: attributeNames.optional(),
  SSO_ATTR_JOB_TITLE: attributeNames.optional(),
  SSO_ATTR_MANAGER: attributeNames.optional(),
  SSO_ATTR_GROUPS: attributeNames.optional(),
  SSO_ROLE_MAP: roleMapRule.optional(),
  SSO_PASSWORD_ROLES: roleListRule.optional(),
  SSO_BREAK_GLASS: emailListRule.optional(),
  SSO_OIDC_NAME: z.string().trim().min(1).max(60).default('your organisation account'),
  SSO_SAML_NAME: z.string().trim().min(1).max(60).default('your organisation account (SAML)'),
});

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databasePath: string;
  /** DATABASE_URL: PostgreSQL instead of the SQLite file at databasePath; holds a password, never logged. */
  readonly databaseUrl?: string;
  readonly contentDir: string;
  readonly baseUrl: string;
  /** False when BASE_URL was not set and baseUrl is the localhost default (start-up warns). */
  readonly baseUrlSet: boolean;
  readonly secureCookies: boolean;
  readonly orgName: string;
  readonly timeZone: string;
  readonly sessionSecret: string;
  /** Seals the audit chain (HMAC-SHA-256); the old keys only verify events sealed before a rotation. */
  readonly auditKeys: AuditKeyring;
  /** Where audit:anchor appends and audit:verify looks by default. */
  readonly auditAnchorFile: string;
  readonly sessionIdleMs: number;
  readonly sessionAbsoluteMs: number;
  /** Failed sign-ins per client address per 15 minutes (successful ones do not count). */
  readonly loginRateLimit: number;
  /** Failed sign-ins per (e-mail address, client address) per 15 minutes. */
  readonly loginAccountRateLimit: number;
  /** Failures in a row from devices not known for the account before sign-in from them pauses. */
  readonly lockoutThreshold: number;
  /** The first pause; each further failure doubles it, up to lockoutMs. */
  readonly lockoutFirstMs: number;
  readonly lockoutMs: number;
  readonly logLevel: string;
  /** Lesson N+1 opens only after lesson N. */
  readonly sequentialLessons: boolean;
  /** Quiz attempts per set; 0 = unlimited (no cool-down). */
  readonly quizMaxAttempts: number;
  /** After a set of quizMaxAttempts submitted attempts, the learner waits this long for a fresh set. */
  readonly quizCooldownMs: number;
  /** Reading speed (words per minute) that sets each lesson's minimum time; 0 = no minimum. */
  readonly lessonMinWpm: number;
  /** full: every commit is on disk before it is answered (survives power loss); normal: survives a process crash only. */
  readonly dbSynchronous: 'full' | 'normal';
  /** How often each instance's notification timer ticks; of all instances one runs each interval (scheduler_ticks). */
  readonly notificationsEveryMs: number;
  /** Exports and imports running at once, overall and per person; more are refused with "try again" (see HeavyWork). */
  readonly heavyRequests: { readonly max: number; readonly perPerson: number };
  /** Due dates: onboarding days after hire, annual refresher rolling or by a fixed month-day. */
  readonly cycles: { readonly onboardingDays: number; readonly annual: AnnualRule; readonly windowDays: number; readonly graceDays: number };
  /** Default roll-out window of a new assignment: days after its start that existing staff are due. */
  readonly rolloutDays: number;
  readonly trustProxy: TrustProxy;
  /** E-mail (issue 17): without smtpUrl nothing is sent and messages wait in the outbox. */
  readonly mail: MailConfig;
  readonly bootstrapAdmin?: { readonly email: string; readonly password: string; readonly name: string };
  /** OpenID Connect sign-in (issue 18); undefined when OIDC_ISSUER_URL is not set. */
  readonly oidc?: OidcConfig;
  /** SAML 2.0 sign-in; absent when SAML_IDP_METADATA is not set. */
  readonly saml?: SamlConfig;
  /** Single sign-on's linking, mapping and password rules (issue 18). */
  readonly sso: SsoConfig;
}

export interface SamlConfig {
  /** SAML_IDP_METADATA: a file path (resolved) or an address, read at start-up and every metadataRefreshMs. */
  readonly idpMetadata: string;
  /** Our entity ID: SAML_SP_ENTITY_ID, by default the metadata address BASE_URL/auth/saml/metadata. */
  readonly spEntityId: string;
  /** Where the IdP posts its response: BASE_URL/auth/saml/acs. */
  readonly acsUrl: string;
  /** What the sign-in button calls the IdP ("Sign in with …"): SSO_SAML_NAME. */
  readonly buttonName: string;
  /** How far the IdP's clock may differ from ours when its time limits are checked. */
  readonly clockSkewMs: number;
  readonly metadataRefreshMs: number;
}

export interface MailConfig {
  /** SMTP_URL, with its password: never logged or shown. */
  readonly smtpUrl?: string;
  /** MAIL_FROM: the From address; its domain also names Message-IDs and the bounce (VERP) addresses. */
  readonly from: string;
  readonly domain: string;
  /** SMTP_BOUNCE_PORT: where the bounce listener takes delivery status notifications; off when unset. */
  readonly bouncePort?: number;
}

/**
 * Reads a .env file into process.env with Node's own parser (process.loadEnvFile), before loadConfig:
 * `.env` in the working directory unless another file is named. Variables already set in the real
 * environment win over the file, as with `node --env-file`. Returns the file read, or undefined when
 * there is none.
 */
export function loadEnvFile(file = path.resolve('.env')): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    process.loadEnvFile(file);
  } catch (e) {
    throw new ConfigError(`Invalid configuration:\n  ${file} could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  return file;
}

/** Reads a kept secret, or creates one (mode 0600) so the embedded default needs no set-up. */
function persistentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  ensurePrivateDir(dataDir);
  if (fs.existsSync(file)) {
    makePrivate(file);
    const kept = fs.readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
    fs.rmSync(file);
  }
  // 0600 whatever the umask; a second process starting at the same moment reads the first one's secret.
  return writeOnce(file, `${crypto.randomBytes(48).toString('base64url')}\n`).trim();
}

/**
 * The audit key from AUDIT_KEY, or else kept in DATA_DIR/audit-key (created once, mode 0600). A file
 * that is there but unreadable as a key stops start-up rather than being replaced: every event sealed
 * with the lost key would stop verifying.
 */
function persistentAuditKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'audit-key');
  fs.mkdirSync(dataDir, { recursive: true });
  // Created once (never over an existing file), whole: a second process starting at the same moment reads the first one's key.
  const kept = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : writeOnce(file, `${crypto.randomBytes(32).toString('base64url')}\n`);
  const key = decodeAuditKey(kept);
  if (!key) throw new ConfigError(`Invalid configuration:\n  AUDIT_KEY: ${file} is not a valid audit key (${AUDIT_KEY_RULE}); restore it from your key backup`);
  return key;
}

/**
 * The SSO part of the configuration. Whether each protocol is on is read from its own variables
 * (OIDC_ISSUER_URL, SAML_IDP_METADATA), which the protocol's configuration checks in full.
 */
function ssoConfig(e: z.output<typeof envSchema>, env: NodeJS.ProcessEnv): SsoConfig {
  const oidc = (env.OIDC_ISSUER_URL ?? '').trim() !== '';
  const saml = (env.SAML_IDP_METADATA ?? '').trim() !== '';
  const buttons = [
    ...(oidc ? [{ protocol: 'oidc' as const, label: e.SSO_OIDC_NAME, href: '/auth/oidc/login' }] : []),
    ...(saml ? [{ protocol: 'saml' as const, label: e.SSO_SAML_NAME, href: '/auth/saml/login' }] : []),
  ];
  const attributes: SsoAttributeNames = {
    ...(e.SSO_ATTR_EMAIL ? { email: e.SSO_ATTR_EMAIL } : {}),
    ...(e.SSO_ATTR_NAME ? { name: e.SSO_ATTR_NAME } : {}),
    ...(e.SSO_ATTR_EMPLOYEE_ID ? { employeeId: e.SSO_ATTR_EMPLOYEE_ID } : {}),
    ...(e.SSO_ATTR_DEPARTMENT ? { department: e.SSO_ATTR_DEPARTMENT } : {}),
    ...(e.SSO_ATTR_JOB_TITLE ? { jobTitle: e.SSO_ATTR_JOB_TITLE } : {}),
    ...(e.SSO_ATTR_MANAGER ? { manager: e.SSO_ATTR_MANAGER } : {}),
    ...(e.SSO_ATTR_GROUPS ? { groups: e.SSO_ATTR_GROUPS } : {}),
  };
  return Object.freeze({
    enabled: oidc || saml,
    buttons: Object.freeze(buttons),
    linkBy: e.SSO_LINK_BY,
    linkPrivileged: e.SSO_LINK_PRIVILEGED,
    jit: e.SSO_JIT,
    attributes: Object.freeze(attributes),
    roleMap: e.SSO_ROLE_MAP ?? [],
    passwordOffRoles: e.SSO_PASSWORD_ROLES ?? [],
    breakGlass: e.SSO_BREAK_GLASS ?? [],
  });
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
  if (e.LOCKOUT_FIRST_MINUTES > e.LOCKOUT_MINUTES) {
    throw new ConfigError('Invalid configuration:\n  LOCKOUT_FIRST_MINUTES: must not be longer than LOCKOUT_MINUTES (the longest pause)');
  }
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration:\n  ADMIN_PASSWORD: ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  const samlMetadata = e.SAML_IDP_METADATA;
  if (samlMetadata !== undefined && /^[a-z]+:\/\//i.test(samlMetadata) && !/^https?:\/\//i.test(samlMetadata)) {
    throw new ConfigError('Invalid configuration:\n  SAML_IDP_METADATA: must be a file path or an https:// address of the identity provider\'s federation metadata');
  }
  if (e.SMTP_URL !== undefined && e.MAIL_FROM === undefined) {
    throw new ConfigError('Invalid configuration:\n  MAIL_FROM: must be set with SMTP_URL (the address e-mail comes from, such as training@example.org)');
  }
  const oidc = oidcConfigFrom(e);
  if (oidc.problems.length) throw new ConfigError(`Invalid configuration:\n${oidc.problems.map((p) => `  ${p}`).join('\n')}`);
  const dataDir = path.resolve(projectRoot, e.DATA_DIR);
  const baseUrl = (e.BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  // Without MAIL_FROM (and so without SMTP) messages still get a From and Message-ID domain while they wait.
  const mailFrom = e.MAIL_FROM ?? `privacy-rounds@${new URL(baseUrl).hostname}`;
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databasePath: e.DATABASE_PATH ? path.resolve(projectRoot, e.DATABASE_PATH) : path.join(dataDir, 'privacy-rounds.sqlite'),
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    contentDir: path.resolve(projectRoot, e.CONTENT_DIR),
    baseUrl,
    baseUrlSet: e.BASE_URL !== undefined,
    secureCookies: baseUrl.startsWith('https://'),
    orgName: e.ORG_NAME,
    timeZone: e.TIME_ZONE,
    sessionSecret: e.SESSION_SECRET ?? persistentSecret(dataDir),
    auditKeys: auditKeyring(
      e.AUDIT_KEY ? decodeAuditKey(e.AUDIT_KEY)! : persistentAuditKey(dataDir),
      (e.AUDIT_KEYS_OLD?.split(',') ?? []).map((k) => decodeAuditKey(k)!),
    ),
    auditAnchorFile: e.AUDIT_ANCHOR_FILE ? path.resolve(projectRoot, e.AUDIT_ANCHOR_FILE) : path.join(dataDir, 'audit-anchors.log'),
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    loginRateLimit: e.LOGIN_RATE_LIMIT,
    loginAccountRateLimit: e.LOGIN_ACCOUNT_RATE_LIMIT,
    lockoutThreshold: e.LOCKOUT_THRESHOLD,
    lockoutFirstMs: e.LOCKOUT_FIRST_MINUTES * 60_000,
    lockoutMs: e.LOCKOUT_MINUTES * 60_000,
    logLevel: e.LOG_LEVEL,
    sequentialLessons: e.COURSE_SEQUENTIAL,
    quizMaxAttempts: e.QUIZ_MAX_ATTEMPTS,
    quizCooldownMs: e.QUIZ_COOLDOWN_HOURS * 3_600_000,
    lessonMinWpm: e.LESSON_MIN_WPM,
    notificationsEveryMs: e.NOTIFICATIONS_EVERY_MS,
    heavyRequests: { max: e.HEAVY_REQUESTS_MAX, perPerson: Math.min(e.HEAVY_REQUESTS_PER_PERSON, e.HEAVY_REQUESTS_MAX) },
    dbSynchronous: e.DB_SYNCHRONOUS,
    cycles: Object.freeze({
      onboardingDays: e.ONBOARDING_DUE_DAYS,
      annual: e.ANNUAL_CYCLE === 'fixed' ? { mode: 'fixed' as const, monthDay: e.ANNUAL_DUE_DATE } : { mode: 'rolling' as const },
      windowDays: e.REFRESHER_WINDOW_DAYS,
      graceDays: e.GRACE_DAYS,
    }),
    rolloutDays: e.ROLLOUT_DAYS,
    trustProxy: e.TRUST_PROXY,
    mail: Object.freeze({
      ...(e.SMTP_URL ? { smtpUrl: e.SMTP_URL } : {}),
      from: mailFrom,
      domain: mailFrom.slice(mailFrom.lastIndexOf('@') + 1).toLowerCase(),
      ...(e.SMTP_BOUNCE_PORT ? { bouncePort: e.SMTP_BOUNCE_PORT } : {}),
    }),
    saml: samlMetadata === undefined ? undefined : Object.freeze({
      idpMetadata: /^https?:\/\//i.test(samlMetadata) ? samlMetadata : path.resolve(projectRoot, samlMetadata),
      spEntityId: e.SAML_SP_ENTITY_ID ?? `${baseUrl}/auth/saml/metadata`,
      acsUrl: `${baseUrl}/auth/saml/acs`,
      buttonName: e.SSO_SAML_NAME,
      clockSkewMs: e.SAML_CLOCK_SKEW_SECONDS * 1000,
      metadataRefreshMs: e.SAML_METADATA_REFRESH_HOURS * 3_600_000,
    }),
    bootstrapAdmin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD
      ? Object.freeze({ email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD, name: e.ADMIN_NAME })
      : undefined,
    ...(oidc.config ? { oidc: oidc.config } : {}),
    sso: ssoConfig(e, env),
  });
}

/**
 * Settings that start but probably do not do what was meant; main.ts logs them at start.
 * An https BASE_URL with no trusted proxy: this server only speaks plain http, so no request looks
 * secure, the Secure session cookie is never sent and nobody can sign in until TRUST_PROXY names the
 * TLS-terminating proxy (the cookie is not downgraded to non-Secure: it would then travel in clear text).
 */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.secureCookies && config.trustProxy === false) {
    warnings.push('BASE_URL is https but TRUST_PROXY is not set: requests reach this server over plain http, so no session cookie ' +
      'is set and nobody can sign in. Set TRUST_PROXY to the number of reverse proxies in front (1) or their addresses.');
  }
  // A hop count believes the last X-Forwarded-For entry from whoever connects; a client that can reach
  // the server without the proxy would choose its own address.
  if (typeof config.trustProxy === 'number' && config.trustProxy > 0 && !/^(127\.|::1$|localhost$)/.test(config.host)) {
    warnings.push(`TRUST_PROXY=${config.trustProxy} believes the last X-Forwarded-For entry from any client, but HOST=${config.host} lets clients ` +
      'reach this server without the proxy. Listen on HOST=127.0.0.1 behind a proxy on the same machine, or set TRUST_PROXY to the proxy\'s address.');
  }
  return warnings;
}

/** Host names that only ever mean this machine. */
function isLocalHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0.0.0.0' || h === '::' || /^127\./.test(h);
}

/**
 * Start-up warnings about the public address that certificate QR codes and password links carry:
 * BASE_URL not set at all (the localhost default is used), or a localhost address while
 * NODE_ENV=production. An address saved on the settings page replaces BASE_URL, so it is the one checked.
 */
export function baseUrlWarnings(config: Config, settingsBaseUrl?: string): string[] {
  const effective = settingsBaseUrl ?? config.baseUrl;
  const warnings: string[] = [];
  if (settingsBaseUrl === undefined && !config.baseUrlSet) {
    warnings.push(`BASE_URL is not set, so certificate QR codes and password links use ${config.baseUrl}, which works on this machine only. ` +
      'Set BASE_URL to the address staff open (such as https://training.example.org), or save it on the Settings page.');
  }
  let host = '';
  try {
    host = new URL(effective).hostname;
  } catch {
    host = '';
  }
  if (config.env === 'production' && isLocalHost(host)) {
    warnings.push(`The public address is ${effective}, a localhost address, while NODE_ENV=production: certificate QR codes and password ` +
      'links would point to a machine nobody else can reach. Set BASE_URL (or the address on the Settings page) to the address staff open.');
  }
  return warnings;
}
