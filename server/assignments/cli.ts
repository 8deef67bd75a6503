import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Composed } from '../compose';
import { isRealDate } from '../dates';
import { ROLES, type Role } from '../db/schema';
import { fail } from '../errors';
import type { AssignmentRule, Audience, TargetRef } from './rules';
import type { RuleValues } from './store';

// Scripted set-up of assignments and exemptions (issue 16): the same service as the admin screens,
// audited as the CLI.

const CLI_ACTOR = { id: null, label: 'cli' };
type WithServices = <T>(fn: (services: Composed, baseUrl: string) => Promise<T>) => Promise<T>;
const many = (v: string, list: string[] = []) => [...list, v];
const EVIDENCE_MAX_BYTES = 5 * 1024 * 1024;
const EVIDENCE_TYPES: Record<string, string> = { '.pdf': 'application/pdf', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.txt': 'text/plain' };

interface RuleOptions {
  name: string; course?: string; policy?: string; everyone?: boolean; department?: string[]; role?: string[]; jobCode?: string[];
  starts: string; rolloutDays?: string; ends?: string; preview?: boolean;
}

function day(label: string, v: string | undefined): string | null {
  if (v === undefined) return null;
  if (!isRealDate(v)) fail('invalid', `${label} must be a real date written YYYY-MM-DD.`);
  return v;
}

async function ruleValues(s: Composed, o: RuleOptions): Promise<RuleValues> {
  if (!!o.course === !!o.policy) fail('invalid', 'Name exactly one target: --course <id> or --policy <slug>.');
  const target: TargetRef = o.course ? { type: 'course', id: o.course } : { type: 'policy', id: o.policy! };
  const departments = await s.people.departments();
  const departmentIds = (o.department ?? []).map((p) => {
    const d = departments.find((x) => x.path_key === p.split('/').map((q) => q.trim().toLowerCase()).join('/'));
    return d?.id ?? fail('invalid', `There is no department "${p}".`);
  });
  const roles = (o.role ?? []).map((r) => ((ROLES as readonly string[]).includes(r) ? (r as Role) : fail('invalid', `Role must be one of: ${ROLES.join(', ')}.`)));
  const audience: Audience = { everyone: o.everyone === true, departmentIds, roles, jobCodes: o.jobCode ?? [] };
  const rolloutDays = o.rolloutDays === undefined ? s.config.rolloutDays : Number(o.rolloutDays);
  if (!Number.isInteger(rolloutDays) || rolloutDays < 1 || rolloutDays > 730) fail('invalid', 'The roll-out days are a whole number from 1 to 730.');
  if (!o.name.trim()) fail('invalid', 'Give the assignment a name.');
  return { name: o.name.trim(), target, audience, startsOn: day('--starts', o.starts)!, rolloutDays, endsOn: day('--ends', o.ends) };
}

interface EditOptions extends Partial<RuleOptions> { openEnded?: boolean }

/** An edit's values: those given, the rule's own for the rest (the audience is replaced only when one of its options is given). */
async function editedValues(s: Composed, rule: AssignmentRule, o: EditOptions): Promise<RuleValues> {
  if (o.ends !== undefined && o.openEnded) fail('invalid', 'Give either --ends <day> or --open-ended, not both.');
  const targetGiven = o.course !== undefined || o.policy !== undefined;
  const audienceGiven = o.everyone !== undefined || o.department !== undefined || o.role !== undefined || o.jobCode !== undefined;
  const v = await ruleValues(s, {
    name: o.name ?? rule.name, starts: o.starts ?? rule.startsOn, rolloutDays: o.rolloutDays ?? String(rule.rolloutDays), ends: o.ends ?? (o.openEnded ? undefined : rule.endsOn ?? undefined),
    ...(targetGiven ? { course: o.course, policy: o.policy } : rule.target.type === 'course' ? { course: rule.target.id } : { policy: rule.target.id }),
    ...(audienceGiven ? { everyone: o.everyone, department: o.department, role: o.role, jobCode: o.jobCode } : { everyone: true }),
  });
  return audienceGiven ? v : { ...v, audience: rule.audience };
}

export function addAssignmentCommands(program: Command, withServices: WithServices): void {
  program.command('assignments:list').description('list the assignment rules')
    .action(async () => withServices(async (s) => {
      const rules = await s.assignments.list();
      if (rules.length === 0) console.log('No assignment rules: every course falls to everyone from their start date.');
      const names = new Map((await s.people.departments()).map((d) => [d.id, d.name]));
      for (const r of rules) {
        console.log(`${r.id}\t${r.name}\t${r.target.type}:${r.target.id}\t${s.assignments.audienceWords(r.audience, (id) => names.get(id))}\tfrom ${r.startsOn}\t${r.rolloutDays} days${r.endsOn ? `\tuntil ${r.endsOn}` : ''}`);
      }
    }));

  program.command('assignments:create').description('assign a course or policy to an audience from a day (--preview: only count who it would match)')
    .requiredOption('--name <name>', 'what the assignment is called in reports')
    .option('--course <id>', 'the course to assign')
    .option('--policy <slug>', 'the policy to assign for acknowledgement')
    .option('--everyone', 'everyone')
    .option('--department <path>', 'a department with its sub-departments (repeatable)', many)
    .option('--role <role>', 'a role (repeatable)', many)
    .option('--job-code <code>', 'a job code (repeatable)', many)
    .requiredOption('--starts <day>', 'first day, YYYY-MM-DD')
    .option('--rollout-days <n>', 'days existing staff have after the start (default ROLLOUT_DAYS)')
    .option('--ends <day>', 'last day, YYYY-MM-DD')
    .option('--preview', 'print how many people it matches and how many would be due within 14 days; create nothing')
    .action(async (o: RuleOptions) => withServices(async (s) => {
      const v = await ruleValues(s, o);
      console.log((await s.assignments.preview(v)).sentence);
      if (o.preview) return;
      const id = await s.assignments.create(CLI_ACTOR, v);
      console.log(`Assignment ${id} created: ${v.name}.`);
    }));

  program.command('assignments:edit').description('change an assignment from today; options not given keep their values (--preview: only count who it would match)')
    .argument('<id>', 'the assignment id')
    .option('--name <name>', 'what the assignment is called in reports')
    .option('--course <id>', 'the course to assign instead')
    .option('--policy <slug>', 'the published policy to assign instead')
    .option('--everyone', 'everyone (replaces the audience)')
    .option('--department <path>', 'a department with its sub-departments (repeatable; replaces the audience)', many)
    .option('--role <role>', 'a role (repeatable; replaces the audience)', many)
    .option('--job-code <code>', 'a job code (repeatable; replaces the audience)', many)
    .option('--starts <day>', 'first day, YYYY-MM-DD')
    .option('--rollout-days <n>', 'days existing staff have after the start')
    .option('--ends <day>', 'last day, YYYY-MM-DD')
    .option('--open-ended', 'remove the last day')
    .option('--preview', 'print how many people it would match and how many would be due within 14 days; change nothing')
    .action(async (id: string, o: EditOptions) => withServices(async (s) => {
      const rule = await s.assignments.get(Number(id) || 0);
      const v = await editedValues(s, rule, o);
      console.log((await s.assignments.preview(v)).sentence);
      if (o.preview) return;
      await s.assignments.edit(CLI_ACTOR, rule.id, v);
      console.log(`Assignment ${rule.id} changed from today: ${v.name}.`);
    }));

  program.command('assignments:end').description('end an assignment after a day (default today); records are kept')
    .argument('<id>', 'the assignment id')
    .option('--on <day>', 'its last day, YYYY-MM-DD')
    .action(async (id: string, o: { on?: string }) => withServices(async (s) => {
      const rule = await s.assignments.get(Number(id) || 0);
      await s.assignments.end(CLI_ACTOR, rule.id, day('--on', o.on) ?? undefined);
      console.log(`Assignment ${rule.id} (${rule.name}) ended.`);
    }));

  program.command('exemptions:grant').description('exempt a person from an assignment, with a reason and optional end day and evidence file')
    .requiredOption('--email <email>', 'the person')
    .requiredOption('--assignment <id>', 'the assignment id')
    .requiredOption('--reason <text>', 'why (shown in reports)')
    .option('--until <day>', 'last exempt day, YYYY-MM-DD (default: until ended)')
    .option('--evidence <file>', 'a PDF, PNG, JPEG or text file kept with the exemption')
    .action(async (o: { email: string; assignment: string; reason: string; until?: string; evidence?: string }) => withServices(async (s) => {
      const person = (await s.people.page({ search: o.email }, 5, 0)).rows.find((p) => p.email_normalized === o.email.trim().toLowerCase());
      if (!person) fail('not-found', `No person with the email ${o.email} exists.`);
      const reason = o.reason.trim();
      if (!reason || reason.length > 500) fail('invalid', 'Give a reason of at most 500 characters.');
      let evidence;
      if (o.evidence) {
        const type = EVIDENCE_TYPES[path.extname(o.evidence).toLowerCase()] ?? fail('invalid', 'The evidence file must be a PDF, PNG, JPEG or text file.');
        const data = fs.readFileSync(o.evidence);
        if (data.length > EVIDENCE_MAX_BYTES) fail('invalid', 'The evidence file is larger than 5 MB.');
        evidence = { name: path.basename(o.evidence), mediaType: type, data, sha256: crypto.createHash('sha256').update(data).digest('hex') };
      }
      const id = await s.assignments.grantExemption(CLI_ACTOR, 'cli', { userId: person.id, assignmentId: Number(o.assignment) || 0, reason, until: day('--until', o.until), ...(evidence ? { evidence } : {}) });
      console.log(`Exemption ${id} granted to ${person.email}.`);
    }));

  program.command('people:move').description('record a move to another department, role or job code from a day (today or earlier); obligations follow from that day')
    .requiredOption('--email <email>', 'the person')
    .requiredOption('--effective <day>', 'the day the move took effect, YYYY-MM-DD')
    .option('--department <path>', 'the new department (default: unchanged)')
    .option('--role <role>', 'the new role (default: unchanged)')
    .option('--job-code <code>', 'the new job code (default: unchanged; "" clears it)')
    .option('--job-title <title>', 'the new job title (default: unchanged)')
    .action(async (o: { email: string; effective: string; department?: string; role?: string; jobCode?: string; jobTitle?: string }) => withServices(async (s) => {
      const person = (await s.people.page({ search: o.email }, 5, 0)).rows.find((p) => p.email_normalized === o.email.trim().toLowerCase());
      if (!person) fail('not-found', `No person with the email ${o.email} exists.`);
      let departmentId = person.department_id;
      if (o.department !== undefined) {
        const key = o.department.split('/').map((q) => q.trim().toLowerCase()).join('/');
        departmentId = (await s.people.departments()).find((x) => x.path_key === key)?.id ?? fail('invalid', `There is no department "${o.department}".`);
      }
      const role = o.role === undefined ? person.role : (ROLES as readonly string[]).includes(o.role) ? (o.role as Role) : fail('invalid', `Role must be one of: ${ROLES.join(', ')}.`);
      const jobCode = o.jobCode === undefined ? person.job_code : o.jobCode.trim() || null;
      if (jobCode !== null && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(jobCode)) fail('invalid', 'Job code may use letters, digits, ".", "_" and "-" only.');
      const jobTitle = o.jobTitle === undefined ? person.job_title : o.jobTitle.trim() || null;
      await s.assignments.move(CLI_ACTOR, person.id, { departmentId, role, jobCode, jobTitle, effectiveOn: day('--effective', o.effective)! });
      console.log(`Move of ${person.email} recorded from ${o.effective}.`);
    }));

  program.command('exemptions:end').description('end an exemption today: the obligation returns tomorrow with a fresh due date')
    .argument('<id>', 'the exemption id')
    .action(async (id: string) => withServices(async (s) => {
      await s.assignments.endExemption(CLI_ACTOR, Number(id) || 0);
      console.log(`Exemption ${id} ended.`);
    }));
}
