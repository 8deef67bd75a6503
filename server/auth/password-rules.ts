import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN = 15;
export const PASSWORD_MAX = 128;

// NIST SP 800-63B-4: length over composition rules, plus a blocklist of common and breached passwords
// and of context-specific words. The list ships inside @zxcvbn-ts/language-common (about 49,000 entries).
const common = new Set<string>((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
const contextWords = ['privacyrounds', 'privacy rounds', 'password', 'hipaa'];

/** True when the password is one or two common passwords glued together, with digits or symbols around. */
function builtFromCommon(lower: string): boolean {
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  if (common.has(lower) || (core.length >= 4 && common.has(core))) return true;
  for (let i = 4; i <= lower.length - 4; i += 1) {
    if (common.has(lower.slice(0, i)) && common.has(lower.slice(i))) return true;
  }
  return false;
}

function tooRepetitive(pw: string): boolean {
  const chars = [...pw];
  if (new Set(chars).size < 5) return true;
  // The same short unit over and over ("abcabcabcabcabc").
  return /^(.{1,6})\1{2,}$/u.test(pw);
}

export interface PasswordContext {
  email?: string;
  name?: string;
  orgName?: string;
}

/** Returns why the password is not acceptable, or null when it is. */
export function passwordProblem(pw: string, ctx: PasswordContext = {}): string | null {
  const length = [...pw].length;
  if (length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters (you typed ${length}).`;
  if (length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  const lower = pw.toLowerCase();
  if (tooRepetitive(pw)) return 'That password repeats itself too much. Try a few unrelated words.';
  if (builtFromCommon(lower)) return 'That password appears on lists of common or breached passwords. Choose another.';
  const local = ctx.email?.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 3 && lower.includes(local)) return 'Do not use your email address in your password.';
  const context = [...contextWords, ...(ctx.orgName ? [ctx.orgName.toLowerCase()] : [])];
  if (context.some((w) => w.length >= 4 && lower.replace(/\s+/g, '') === w.replace(/\s+/g, ''))) {
    return 'Do not use the name of this service or your organisation as your password.';
  }
  return null;
}

export const PASSWORD_HINT =
  `At least ${PASSWORD_MIN} characters. A few unrelated words make a strong, memorable password; ` +
  'spaces and any characters are allowed. Common passwords and your email address are refused.';
