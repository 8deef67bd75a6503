import type { AuditEvent } from '../db/schema';

/** What the presenter needs to put names to ids, and moments into the organisation's date style. */
export interface EventContext {
  /** A person's name by id, if the person exists. */
  personName(id: number): string | undefined;
  /** A course's title by id, else the id. */
  courseTitle(id: string): string;
  /** "4 Dec 2026, 09:30 CST" (server/dates.ts). */
  formatDateTime(iso: string): string;
  /** "4 Dec 2026". */
  formatDay(day: string): string;
}

/** One event in words, as the audit page and its JSON give it. */
export interface DescribedEvent {
  id: number;
  /** ISO-8601 UTC, as stored. */
  at: string;
  /** The moment in the organisation's time zone and date style. */
  when: string;
  action: string;
  /** Who did it: "Pat Lee (pat@riverside.example)", "The system", "The command line". */
  who: string;
  actorId: number | null;
  /** To whom or to what: a person's name, "certificate 12", a department. Empty when about nothing in particular. */
  about: string;
  /** The person it was about, for a link to their page. */
  aboutPersonId: number | null;
  /** What happened, as the end of a sentence that starts with `who`: "revoked certificate 12 (reason: typo)". */
  what: string;
  /** The whole sentence. */
  sentence: string;
  ip: string | null;
}

type Details = Record<string, unknown>;
type Words = (d: Details, e: AuditEvent, c: EventContext) => string;

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const count = (v: unknown, one: string, many = `${one}s`): string => {
  const n = typeof v === 'number' ? v : Number(text(v) || 0);
  return `${n} ${n === 1 ? one : many}`;
};
const quoted = (v: unknown): string => `“${text(v)}”`;
const course = (d: Details, c: EventContext): string => (text(d.course) ? c.courseTitle(text(d.course)) : 'the course');
const when = (v: unknown, c: EventContext): string => (text(v) ? c.formatDateTime(text(v)) : 'later');

/** What a user.updated event's field names mean. */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  name: 'name', email: 'e-mail address', employee_id: 'employee ID', role: 'role', department_id: 'department', manager_id: 'manager',
  hire_date: 'hire date', untimed_lessons: 'lesson timing', status: 'status',
  org_name: 'organisation name', privacy_officer_name: 'privacy officer', privacy_officer_email: 'privacy officer’s e-mail',
  privacy_officer_phone: 'privacy officer’s phone', hotline: 'hotline', base_url: 'public address',
};

/** "name from "A" to "B", role from …": the changes a settings or person event lists. */
const changesIn = (d: Details): string[] => Object.entries(d).map(([k, v]) => {
  const change = (v ?? {}) as Details;
  return `${FIELD_WORDS[k] ?? k} from ${quoted(change.from ?? '')} to ${quoted(change.to ?? '')}`;
});

/**
 * Every action the app writes, in words. A test reads the server's source for the actions it writes
 * and checks each one is here, so a new kind of event cannot reach the log without a sentence.
 */
/** What an sso.refused event's reason means. */
const SSO_REFUSAL_WORDS: Readonly<Record<string, string>> = {
  'inactive': 'the person is deactivated', 'unknown-person': 'no such person here', 'email-not-verified': 'the e-mail was not verified',
  'privileged-account': 'admin and auditor accounts are not linked automatically', 'linked-to-another': 'already linked to another account there',
  'invalid-profile': 'unusable details from the provider', 'protocol-error': 'the provider’s answer failed a check',
};

/** What a scim.identity_changed event's field names mean. */
const SCIM_FIELD_WORDS: Readonly<Record<string, string>> = { external_id: 'their id there', scim_user_name: 'user name', given_name: 'given name', family_name: 'family name' };

export const ACTION_WORDS: Readonly<Record<string, Words>> = {
  'auth.login_succeeded': (d) => `signed in${text(d.device) ? ` from a ${text(d.device)}` : ''}`,
  'auth.login_failed': (d) => `failed to sign in (${text(d.reason) === 'paused' ? 'sign-in was paused' : text(d.reason) || 'refused'})`,
  'auth.locked': (d, _e, c) => `had sign-in paused until ${when(d.until, c)} after ${count(d.failures, 'failed attempt')}`,
  'auth.device_forgotten': (d) => `had a browser forgotten after ${count(d.failures, 'failed attempt')} on it`,
  'auth.logout': () => 'signed out',
  'auth.unlocked': (d) => `unlocked sign-in after ${count(d.failures, 'failed attempt')}`,
  'outbox.retried': (d) => `sent e-mail message ${text(d.message)} (${text(d.stage)}) to ${text(d.to)} again, which was ${text(d.was)}`,
  'settings.updated': (d) => `changed the settings: ${changesIn(d).join(', ') || 'nothing'}`,
  'settings.logo_changed': (d) => `uploaded a new ${text(d.type).toUpperCase() || 'image'} logo (${text(d.bytes) || '?'} bytes)`,
  'settings.logo_removed': () => 'removed the logo',
  'settings.notifications_changed': (d) => `changed the e-mail notification settings: ${Object.keys(d).join(', ') || 'nothing'}`,
  'settings.template_changed': (d) => d.reset === true ? `put the words of the ${text(d.stage)} message back to the default` : `changed the words of the ${text(d.stage)} message`,
  'notifications.preference_changed': (d) => d.weekly_summary === true ? 'chose one weekly summary instead of individual reminders' : 'chose individual reminders again',
  'notifications.test_queued': (d) => `queued a test of the ${text(d.stage)} message to ${text(d.to)}`,
  'policy.published': (d) => `published version ${text(d.label)} of the policy ${quoted(d.title)} as a ${text(d.kind) === 'correction' ? 'correction (earlier signatures still count)' : 'material change (everyone signs again)'}`,
  'policy.acknowledged': (d) => `read and signed version ${text(d.label)} of the policy ${quoted(d.policy)}`,
  'policy.exported': (d) => `downloaded every version of the policy ${quoted(d.slug)}`,
  'settings.policy_changed': (d) => `saved version ${text(d.version)} of the policy ${quoted(d.title)}${text(d.course_id) ? ` for the course ${text(d.course_id)}` : ''}`,
  'auth.password_set': (d) => text(d.via) ? `set a password with a ${text(d.via)} link` : 'set a password',
  'auth.password_reset_requested': (d) => `asked for a password-reset e-mail (${text(d.outcome) || 'recorded'})`,
  'notifications.lockout_queued': (d, _e, c) => `queued an e-mail telling the person their sign-in is paused until ${when(d.until, c)} after ${count(d.failures, 'failed attempt')}`,
  'setup.link_issued': () => 'issued the link to set up the first administrator',
  'user.created': (d) => `added the person${text(d.role) ? ` as ${text(d.role)}` : ''}${text(d.department) ? ` in ${text(d.department)}` : ''}`,
  'user.updated': (d) => {
    const changes = changesIn(d);
    return `changed ${changes.length ? changes.join(', ') : 'the person’s details'}`;
  },
  'user.role_changed': (d) => `changed the role from ${text(d.from)} to ${text(d.to)}`,
  'user.password_link_issued': () => 'issued a set-password link',
  'user.invitation_resent': () => 'queued the invitation e-mail again (its new link ends the earlier ones once sent)',
  'user.password_link_emailed': (d) => text(d.stage) === 'password-reset'
    ? 'e-mailed a password-reset link, valid 1 hour (earlier links stopped working)'
    : 'e-mailed the invitation with a new set-password link (earlier links stopped working)',
  'user.deactivated': () => 'deactivated the person',
  'user.reactivated': () => 'reactivated the person',
  'scim.linked': (d) => `linked the person to the identity provider${text((d.scim_user_name as { to?: unknown } | undefined)?.to) ? ` as ${quoted((d.scim_user_name as { to?: unknown }).to)}` : ''}`,
  'scim.identity_changed': (d) => `changed the person’s identity-provider details: ${Object.keys(d).map((k) => SCIM_FIELD_WORDS[k] ?? k).join(', ') || 'none'}`,
  'scim.token_created': (d) => `created the SCIM token ${quoted(d.name)}`,
  'scim.token_revoked': (d) => `revoked the SCIM token ${quoted(d.name)}`,
  'sso.linked': (d) => `linked the person to their ${text(d.protocol).toUpperCase() || 'single sign-on'} account at ${quoted(d.issuer)} (matched by ${text(d.by) === 'employee_id' ? 'employee ID' : 'verified e-mail'})`,
  'sso.unlinked': (d) => `removed the link to the person’s ${text(d.protocol).toUpperCase() || 'single sign-on'} account at ${quoted(d.issuer)}; their next single sign-on links again`,
  'sso.signed_in': (d) => `signed in with single sign-on (${text(d.protocol).toUpperCase()})`,
  'sso.refused': (d) => `refused a single sign-on (${SSO_REFUSAL_WORDS[text(d.reason)] ?? text(d.reason)}${text(d.check) ? `: ${text(d.check)}` : ''})`,
  'sso.created': (d) => `added the person at their first single sign-on${text(d.role) ? ` as ${text(d.role)}` : ''}`,
  'sso.attributes_changed': (d) => {
    const changed = Array.isArray(d.changed) ? d.changed.map(String) : [];
    const skipped = d.skipped && typeof d.skipped === 'object' ? Object.keys(d.skipped) : [];
    return `took the person’s details from the identity provider: ${changed.length ? `changed ${changed.join(', ')}` : 'no change'}${skipped.length ? `; not taken: ${skipped.join(', ')}` : ''}`;
  },
  'users.imported': (d) => `imported ${count(d.rows, 'row')} of people${text(d.source) ? ` from ${quoted(d.source)}` : ''}: ${text(d.created) || 0} added, ${text(d.updated) || 0} updated, ${text(d.unchanged) || 0} unchanged`,
  'department.created': (d) => `created the department ${quoted(d.path)}`,
  'certificate.issued': (d) => `issued certificate ${text(d.code)}`.trim(),
  'certificate.revoked': (d) => `revoked the certificate${text(d.reason) ? ` (reason: ${quoted(d.reason)})` : ''}`,
  'certificate.reissued': (d) => `reissued the certificate${text(d.name) ? ` with the name ${quoted(d.name)}` : ''}${text(d.replacedBy) ? ` (new certificate ${text(d.replacedBy)})` : ''}`,
  'completion.recorded': (d, _e, c) => (text(d.source) === 'in-person'
    ? `recorded an in-person completion of ${course(d, c)}${text(d.date) ? ` on ${c.formatDay(text(d.date))}` : ''}${text(d.trainer) ? ` with ${quoted(d.trainer)}` : ''}`
    : `completed ${course(d, c)}${text(d.score) ? ` with ${text(d.score)}%` : ''}`),
  'completions.imported': (d) => `imported ${count(d.rows, 'training record')}${text(d.source) ? ` from ${quoted(d.source)}` : ''}: ${text(d.added) || 0} added, ${text(d.present) || 0} already on record`,
  'quiz.passed': (d, _e, c) => `passed the quiz of ${course(d, c)} with ${text(d.score)}% (${text(d.correct)} of ${text(d.questions)} right)`,
  'quiz.failed': (d, _e, c) => `did not pass the quiz of ${course(d, c)}: ${text(d.score)}% (${text(d.correct)} of ${text(d.questions)} right)`,
  'lesson.completed': (d, _e, c) => `finished the lesson ${quoted(d.lesson)} of ${course(d, c)}`,
  'report.exported': (d) => {
    const format = ({ csv: 'the report as CSV', zip: 'certificates as a ZIP', 'evidence-pdf': 'an evidence pack (PDF)', 'evidence-csv': 'an evidence pack (CSV)' } as Record<string, string>)[text(d.format)] ?? `an export (${text(d.format)})`;
    return `downloaded ${format}, ${count(d.rows, 'row')}${d.complete === false ? ' (the download did not finish)' : ''}`;
  },
  'retention.purged': (d, _e, c) => `removed training records older than ${text(d.before) ? c.formatDay(text(d.before).slice(0, 10)) : 'six years'} (the retention period)`,
  'audit.chain-keyed': (d) => `sealed the ${count(d.unkeyedEvents, 'earlier event')} of the audit log with the audit key`,
  'backup.created': (d) => `wrote a backup to ${quoted(d.file)}`,
  'backup.restored': (d) => `restored the database from ${quoted(d.file)}`,
  'database.copied': (d) => `copied the SQLite database ${quoted(d.from)} into this PostgreSQL database (${count(d.tables, 'table')}, ${count(d.rows, 'row')}, all verified)`,
  'assignment.created': (d) => `created the assignment ${quoted(d.name)} from ${text(d.starts_on)}`,
  'assignment.edited': (d) => {
    const after = typeof d.after === 'object' && d.after !== null ? d.after as Details : {};
    return `edited the assignment ${quoted(after.name)}${text(d.effective_on) ? ` from ${text(d.effective_on)}` : ''}`;
  },
  'assignment.ended': (d) => `ended the assignment ${quoted(d.name)} after ${text(d.last_day)}`,
  'exemption.granted': (d) => `granted an exemption from ${quoted(d.assignment)}${text(d.until) ? ` until ${text(d.until)}` : ''} (reason: ${quoted(d.reason)})`,
  'exemption.ended': (d) => `ended an exemption on ${text(d.last_day)}`,
  'user.moved': (d) => `recorded a move from ${text(d.effective_on)}`,
  'demo.seeded': (d) => `added demonstration data: ${count(d.people, 'person', 'people')}, ${count(d.completions, 'completion')}`,
};

/** Who did it, in words. */
function actorWords(e: AuditEvent, c: EventContext): string {
  if (e.actor_id !== null) {
    const name = c.personName(e.actor_id);
    return name ? `${name} (${e.actor_label})` : e.actor_label;
  }
  if (e.actor_label === 'system') return 'The system';
  if (e.actor_label === 'cli') return 'The command line';
  if (e.actor_label.startsWith('unknown account')) return 'Someone using an unknown e-mail address';
  return e.actor_label;
}

/** To whom or to what, in words. */
function subjectWords(e: AuditEvent, d: Details, c: EventContext): { about: string; personId: number | null } {
  if (e.subject_type === 'user' && e.subject_id) {
    const id = Number(e.subject_id);
    return { about: c.personName(id) ?? `person ${e.subject_id}`, personId: Number.isInteger(id) ? id : null };
  }
  if (e.subject_type === 'certificate' && e.subject_id) return { about: `certificate ${e.subject_id}`, personId: null };
  if (e.subject_type === 'department') return { about: text(d.path) ? `department ${text(d.path)}` : 'a department', personId: null };
  return { about: '', personId: null };
}

function parseDetails(json: string): Details {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Details : {};
  } catch {
    return {};
  }
}

/** One event in words; an action without words (written by a newer version) says what it is called. */
export function describeEvent(e: AuditEvent, c: EventContext): DescribedEvent {
  const d = parseDetails(e.details);
  const words = ACTION_WORDS[e.action];
  const what = words ? words(d, e, c) : `recorded “${e.action}”`;
  const who = actorWords(e, c);
  const { about, personId } = subjectWords(e, d, c);
  // Someone acting on themselves (signing in, passing a quiz) needs no "about"; others read "… about Sam Park".
  const self = personId !== null && personId === e.actor_id;
  const sentence = `${who} ${what}${about && !self ? ` — ${about}` : ''}.`;
  return {
    id: e.id, at: e.occurred_at, when: c.formatDateTime(e.occurred_at), action: e.action, who, actorId: e.actor_id,
    about, aboutPersonId: personId, what, sentence, ip: e.ip,
  };
}
