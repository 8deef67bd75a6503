import { z } from 'zod';
import { safeNext } from '../http/guards';
import { NO_FIELDS, queryValue, rawFormValue, type RequestSchemas } from '../http/validate';
import { hasControlChars } from '../text';
import { PASSWORD_MAX, passwordProblem } from './password-rules';

/** Where to go after signing in is not the user's to get wrong: anything but a plain local path (repeated, too long, another site) quietly becomes the dashboard. */
const next = rawFormValue(z.unknown().transform(safeNext));

export const loginForm = z.object({
  email: z.string().trim().min(1, 'Enter your email address.').max(254, 'That email address is too long.'),
  password: z.string().min(1, 'Enter your password.').max(1024, 'That password is too long.'),
  next,
  /** The form a POST carried when its session had ended (http/signed-out.ts checks it before use). */
  resend: rawFormValue(z.unknown()),
});

/** After signing in again: where the refused form came from. */
export const resumeQuery = z.object({ next: queryValue(safeNext) });

const flag = queryValue((v) => Boolean(v));

/** The sign-in page: where to go afterwards, and which notice to show (query flags, as a visitor has no session). */
export const loginPageQuery = z.object({
  next: queryValue(safeNext),
  expired: flag,
  signedOut: flag,
  setUp: flag,
  passwordSet: flag,
});

const newPasswordShape = {
  password: z.string().max(PASSWORD_MAX * 4, `Use at most ${PASSWORD_MAX} characters.`),
  confirm: z.string().max(PASSWORD_MAX * 4),
};

/** What the password rules weigh a new password against (the account's address, the organisation's name). */
export type PasswordContext = () => { email?: string; orgName: string };

const passwordIssue = (v: { password: string; confirm: string }, ctx: PasswordContext): { path: string; message: string } | undefined => {
  const problem = passwordProblem(v.password, ctx());
  if (problem) return { path: 'password', message: problem };
  if (v.password !== v.confirm) return { path: 'confirm', message: 'The two passwords do not match.' };
  return undefined;
};

/** A new password and its confirmation, checked against the password rules. */
export const newPasswordForm = (ctx: PasswordContext) => z.object(newPasswordShape).superRefine((v, c) => {
  const issue = passwordIssue(v, ctx);
  if (issue) c.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
});

/**
 * The set-password page: a new password, plus `username` (the account's address, shown read-only so a
 * password manager files the new password under it), which is sent but not read.
 */
export const setPasswordFields = z.object({ username: rawFormValue(z.unknown()), ...newPasswordShape });
export const setPasswordForm = (ctx: PasswordContext) => setPasswordFields.superRefine((v, c) => {
  const issue = passwordIssue(v, ctx);
  if (issue) c.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
});

/** The first administrator: who they are. Their password is checked against the email parsed here (newPasswordForm). */
export const setupIdentityForm = z.object({
  name: z.string().trim().min(1, 'Enter your full name.').max(200, 'Use at most 200 characters.')
    .refine((s) => !hasControlChars(s), 'Remove control characters.'),
  email: z.string().trim().max(254).pipe(z.email('Enter a valid email address.')),
});

/** Every field the setup form sends: the route parses it in the two steps above, since the password rules need the parsed email. */
export const setupFields = setupIdentityForm.extend(newPasswordShape);

export const AUTH_REQUESTS = {
  'GET /login': loginPageQuery,
  'POST /login': loginForm,
  'POST /logout': NO_FIELDS,
  'GET /resume': resumeQuery,
  'GET /setup/:token': NO_FIELDS,
  'POST /setup/:token': setupFields,
  'GET /password/:token': NO_FIELDS,
  'POST /password/:token': setPasswordFields,
} satisfies RequestSchemas;
