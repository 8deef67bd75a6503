import { z } from 'zod';

/** Every kind of message the app sends, as the outbox's `stage` column names it. */
export const STAGES = ['invitation', 'due-soon', 'due-today', 'overdue', 'escalation', 'refresher-open', 'certificate-issued', 'digest', 'summary', 'password-reset', 'lockout'] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_LABEL: Readonly<Record<Stage, string>> = {
  invitation: 'Invitation with the set-password link',
  'due-soon': 'Reminder before the due date',
  'due-today': 'Reminder on the due date',
  overdue: 'Overdue reminder',
  escalation: 'Overdue reminder copied to the manager',
  'refresher-open': 'Refresher window opens',
  'certificate-issued': 'Certificate issued',
  digest: 'Weekly manager digest',
  summary: 'Weekly summary (instead of individual reminders)',
  'password-reset': 'Password reset link (asked for on "Forgot your password?")',
  lockout: 'Account locked after failed sign-ins',
};

/**
 * What an admin can turn on or off and move, stored as one JSON value in the settings table (key
 * `notification_stages`). Every field has a default, so a partial or older value still parses.
 */
export const stageSettingsSchema = z.object({
  /** Local hours [from, until) in the organisation's time zone during which messages are planned. */
  sendFrom: z.number().int().min(0).max(23).default(8),
  sendUntil: z.number().int().min(1).max(24).default(18),
  invitation: z.boolean().default(true),
  dueSoon: z.boolean().default(true),
  /** Days before the due date; each gives one reminder. */
  dueSoonDays: z.array(z.number().int().min(1).max(180)).max(5).default([14, 3]),
  dueToday: z.boolean().default(true),
  overdue: z.boolean().default(true),
  overdueEveryDays: z.number().int().min(1).max(90).default(7),
  overdueMax: z.number().int().min(1).max(52).default(6),
  /** From this overdue reminder on, the person's manager is copied. */
  escalation: z.boolean().default(true),
  escalateFrom: z.number().int().min(1).max(52).default(3),
  refresherOpen: z.boolean().default(true),
  certificateIssued: z.boolean().default(true),
  digest: z.boolean().default(true),
  /** E-mail a person when failed sign-ins lock their account. (Password-reset e-mails have no switch: they answer the person's own request.) */
  lockout: z.boolean().default(true),
  /** ISO weekday (1 Monday … 7 Sunday) of the manager digest and the personal weekly summary. */
  digestWeekday: z.number().int().min(1).max(7).default(1),
}).refine((s) => s.sendFrom < s.sendUntil, { message: 'The send hours must start before they end.', path: ['sendUntil'] });

export type StageSettings = z.infer<typeof stageSettingsSchema>;

export const DEFAULT_STAGE_SETTINGS: StageSettings = stageSettingsSchema.parse({});

/** The stored value read back; a value that no longer parses (edited by hand) falls back to the defaults. */
export function parseStageSettings(stored: string | undefined): StageSettings {
  if (stored === undefined) return DEFAULT_STAGE_SETTINGS;
  let raw: unknown;
  try {
    raw = JSON.parse(stored);
  } catch {
    return DEFAULT_STAGE_SETTINGS;
  }
  const parsed = stageSettingsSchema.safeParse(raw);
  return parsed.success ? normalizeStageSettings(parsed.data) : DEFAULT_STAGE_SETTINGS;
}

/** Offsets sorted from the farthest to the nearest, without repeats. */
export function normalizeStageSettings(s: StageSettings): StageSettings {
  return { ...s, dueSoonDays: [...new Set(s.dueSoonDays)].sort((a, b) => b - a) };
}
