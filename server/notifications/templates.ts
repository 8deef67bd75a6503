import { formatDay } from '../dates';
import type { DigestRow, MessageFacts, ObligationFacts } from './planner';
import type { Stage } from './stages';

/**
 * The words of every message. A template is plain text with {{placeholders}}: admins may override the
 * subject and body of any stage (settings key `notification_template:<stage>`), never write HTML — the
 * HTML part is made from the same text, every value escaped, so an override cannot inject markup.
 * Messages carry names, titles, dates, the due-date sentence and links: never PHI, never quiz content
 * (a course's questions and answers are not among the placeholders).
 */

export interface Template {
  subject: string;
  body: string;
}

/** What a message knows about the organisation (from settings). */
export interface OrgContext {
  orgName: string;
  /** Without a trailing slash. */
  baseUrl: string;
  /** Set when the organisation has a logo: its public URL's version. */
  logoVersion: string | null;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

export const PLACEHOLDERS_BY_STAGE: Readonly<Record<Stage, readonly string[]>> = {
  invitation: ['name', 'organisation', 'link'],
  'due-soon': ['name', 'organisation', 'title', 'due_date', 'days_left', 'reason', 'link'],
  'due-today': ['name', 'organisation', 'title', 'due_date', 'reason', 'link'],
  overdue: ['name', 'organisation', 'title', 'due_date', 'reason', 'reminder', 'link'],
  escalation: ['name', 'organisation', 'title', 'due_date', 'reason', 'reminder', 'link'],
  'refresher-open': ['name', 'organisation', 'title', 'due_date', 'reason', 'link'],
  'certificate-issued': ['name', 'organisation', 'title', 'completed_date', 'link'],
  summary: ['name', 'organisation', 'list', 'link'],
  digest: ['name', 'organisation', 'list', 'link'],
  'password-reset': ['name', 'organisation', 'link', 'forgot_link'],
  lockout: ['name', 'organisation', 'failures', 'until', 'forgot_link'],
};

export const DEFAULT_TEMPLATES: Readonly<Record<Stage, Template>> = {
  invitation: {
    subject: 'Your {{organisation}} training account',
    body: 'Hello {{name}},\n\n{{organisation}} has created a training account for you. Choose your password with this link (it works once and expires in 72 hours):\n\n{{link}}\n\nAfter that, sign in to see the training you need to complete and when it is due.',
  },
  'due-soon': {
    subject: 'Reminder: {{title}} is due in {{days_left}} days',
    body: 'Hello {{name}},\n\n{{title}} is due on {{due_date}}.\n{{reason}}\n\nStart or continue it here:\n{{link}}',
  },
  'due-today': {
    subject: 'Due today: {{title}}',
    body: 'Hello {{name}},\n\n{{title}} is due today, {{due_date}}.\n{{reason}}\n\nComplete it here:\n{{link}}',
  },
  overdue: {
    subject: 'Overdue: {{title}}',
    body: 'Hello {{name}},\n\n{{title}} was due on {{due_date}} and is not complete yet (reminder {{reminder}}).\n{{reason}}\n\nPlease complete it as soon as you can:\n{{link}}',
  },
  escalation: {
    subject: 'Overdue: {{title}} (your manager is copied)',
    body: 'Hello {{name}},\n\n{{title}} was due on {{due_date}} and is not complete yet (reminder {{reminder}}). Your manager is copied on this reminder.\n{{reason}}\n\nPlease complete it as soon as you can:\n{{link}}',
  },
  'refresher-open': {
    subject: 'Your yearly refresher is open: {{title}}',
    body: 'Hello {{name}},\n\nThe refresher for {{title}} is open now; it is due on {{due_date}}.\n{{reason}}\n\nStart it here:\n{{link}}',
  },
  'certificate-issued': {
    subject: 'Your certificate: {{title}}',
    body: 'Hello {{name}},\n\nYou completed {{title}} on {{completed_date}}. Your certificate can be checked by anyone at:\n{{link}}',
  },
  summary: {
    subject: 'Your weekly training summary',
    body: 'Hello {{name}},\n\nThis is your weekly summary of training that is due soon or overdue:\n\n{{list}}\n\nSee all your training here:\n{{link}}',
  },
  digest: {
    subject: 'Weekly training digest for your team',
    body: 'Hello {{name}},\n\nThese people in your team have training overdue, due soon or in progress:\n\n{{list}}\n\nSee your team\'s training here:\n{{link}}',
  },
  'password-reset': {
    subject: 'Reset your {{organisation}} training password',
    body: 'Hello {{name}},\n\nSomeone asked to reset the password of your {{organisation}} training account. If it was you, choose a new password with this link (it works once and expires 1 hour after this message was sent):\n\n{{link}}\n\nIf the link has expired, ask for a new one here:\n{{forgot_link}}\n\nIf you did not ask, you can ignore this message: your password stays as it is.',
  },
  lockout: {
    subject: 'Sign-in to your {{organisation}} training account is paused',
    body: 'Hello {{name}},\n\nAfter {{failures}} failed sign-in attempts in a row, sign-in to your {{organisation}} training account is paused until {{until}} on computers and phones you have not signed in from before.\n\nIf that was you and you have forgotten your password, choose a new one here ("Forgot your password?"):\n{{forgot_link}}\n\nIf it was not you, nobody has signed in: your password still works once the pause ends. You can also ask your administrator to unlock the account.',
  },
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const DIGEST_HEADING: Record<DigestRow['group'], string> = { overdue: 'Overdue', 'due-soon': 'Due soon', 'in-progress': 'In progress' };

function targetLink(org: OrgContext, o: ObligationFacts): string {
  return `${org.baseUrl}/${o.targetType === 'course' ? 'courses' : 'policies'}/${encodeURIComponent(o.targetId)}`;
}

function summaryLines(list: readonly ObligationFacts[]): string {
  return list.map((o) => `- ${o.title}: ${o.daysLeft < 0 ? `overdue since ${formatDay(o.dueOn)}` : `due ${formatDay(o.dueOn)}`}`).join('\n');
}

/** The digest's list: a heading per group, a line per person and obligation, and the person's page for their manager. */
function digestLines(rows: readonly DigestRow[], org: OrgContext): string {
  const out: string[] = [];
  for (const group of ['overdue', 'due-soon', 'in-progress'] as const) {
    const mine = rows.filter((r) => r.group === group);
    if (mine.length === 0) continue;
    out.push(`${DIGEST_HEADING[group]}:`, ...mine.map((r) => `- ${r.name}: ${r.title}, due ${formatDay(r.dueOn)}\n  ${org.baseUrl}/team/people/${r.userId}`), '');
  }
  return out.join('\n').trimEnd();
}

/** The placeholder values of a message, in plain text. */
export function valuesFor(facts: MessageFacts, org: OrgContext): Record<string, string> {
  const common = { name: facts.person.name, organisation: org.orgName };
  switch (facts.stage) {
    case 'invitation':
      return { ...common, link: facts.link };
    case 'password-reset':
      return { ...common, link: facts.link, forgot_link: facts.forgotLink };
    case 'lockout':
      return { ...common, failures: String(facts.failures), until: facts.until, forgot_link: facts.forgotLink };
    case 'summary':
      return { ...common, list: summaryLines(facts.obligations), link: `${org.baseUrl}/` };
    case 'digest':
      return { ...common, list: digestLines(facts.rows, org), link: `${org.baseUrl}/team` };
    case 'certificate-issued':
      return { ...common, title: facts.obligation.title, completed_date: formatDay(facts.completedOn), link: `${org.baseUrl}/verify/${encodeURIComponent(facts.certificateCode)}` };
    default: {
      const o = facts.obligation;
      return {
        ...common, title: o.title, due_date: formatDay(o.dueOn), days_left: String(Math.max(0, o.daysLeft)), reason: o.reason, link: targetLink(org, o),
        ...('reminder' in facts ? { reminder: String(facts.reminder) } : {}),
      };
    }
  }
}

/** Placeholders in a template that its stage does not have (an admin's typo would reach every recipient as typed). */
export function unknownPlaceholders(stage: Stage, template: Template): string[] {
  const known = new Set(PLACEHOLDERS_BY_STAGE[stage]);
  const used = [...`${template.subject}\n${template.body}`.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)].map((m) => m[1]!);
  return [...new Set(used.filter((u) => !known.has(u)))];
}

const fill = (text: string, values: Record<string, string>, map: (v: string) => string) =>
  text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => (name in values ? map(values[name]!) : whole));

/** A value in HTML: escaped, with its web addresses made links. */
function htmlValue(v: string): string {
  return escapeHtml(v).replace(/https?:\/\/[^\s<>"']+/g, (url) => `<a href="${url}">${url}</a>`);
}

/** Renders a message: the subject on one line, the text, and HTML made from the same text. */
export function render(facts: MessageFacts, org: OrgContext, template: Template = DEFAULT_TEMPLATES[facts.stage]): RenderedMessage {
  const values = valuesFor(facts, org);
  const subject = fill(template.subject, values, (v) => v).replace(/[\r\n]+/g, ' ').trim();
  const text = `${fill(template.body, values, (v) => v)}\n\n-- \n${org.orgName}\n`;
  // The template itself is escaped piece by piece around the placeholders, then each value.
  const parts = template.body.split(/(\{\{\s*[a-z_]+\s*\}\})/g);
  const bodyHtml = parts.map((p) => {
    const m = /^\{\{\s*([a-z_]+)\s*\}\}$/.exec(p);
    return m && m[1]! in values ? htmlValue(values[m[1]!]!) : escapeHtml(p);
  }).join('');
  const paragraphs = bodyHtml.split(/\n{2,}/).map((para) => `<p>${para.replace(/\n/g, '<br>\n')}</p>`).join('\n');
  const logo = org.logoVersion ? `<img src="${escapeHtml(`${org.baseUrl}/settings/logo?v=${org.logoVersion}`)}" alt="${escapeHtml(org.orgName)}" style="max-height:48px">\n` : '';
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n<body style="font-family:sans-serif;line-height:1.5;max-width:40em">\n${logo}${paragraphs}\n<p style="color:#555">${escapeHtml(org.orgName)}</p>\n</body></html>\n`;
  return { subject, text, html };
}

/** Made-up facts for the preview of each stage: an invented person, a sample course, fixed dates. */
export function sampleFacts(stage: Stage): MessageFacts {
  const person = { name: 'Jordan Sample' };
  const obligation: ObligationFacts = {
    title: 'Sample course', targetType: 'course', targetId: 'sample-course', dueOn: '2027-03-15', status: 'due-soon', daysLeft: 14,
    reason: 'Due 15 Mar 2027: 30 days after your start date.',
  };
  switch (stage) {
    case 'invitation': return { stage, person: { ...person, email: 'jordan.sample@example.org' }, link: 'https://training.example.org/password/sample-link' };
    case 'overdue': case 'escalation': return { stage, person, obligation: { ...obligation, status: 'overdue', daysLeft: -8 }, reminder: stage === 'overdue' ? 1 : 3 };
    case 'certificate-issued': return { stage, person, obligation: { ...obligation, status: 'completed' }, certificateCode: 'SAMPLE-CODE', completedOn: '2027-03-01' };
    case 'summary': return { stage, person, obligations: [obligation, { ...obligation, title: 'Sample policy', targetType: 'policy', targetId: 'sample-policy', dueOn: '2027-02-20', daysLeft: -9, status: 'overdue' }] };
    case 'password-reset': return { stage, person, link: 'https://training.example.org/password/sample-link', forgotLink: 'https://training.example.org/password/forgot' };
    case 'lockout': return { stage, person, failures: 5, until: '15 Mar 2027, 14:30', forgotLink: 'https://training.example.org/password/forgot' };
    case 'digest': return { stage, person, rows: [{ name: 'Riley Example', userId: 0, title: 'Sample course', dueOn: '2027-02-20', group: 'overdue' }, { name: 'Sam Placeholder', userId: 0, title: 'Sample course', dueOn: '2027-03-15', group: 'due-soon' }] };
    default: return { stage, person, obligation };
  }
}
