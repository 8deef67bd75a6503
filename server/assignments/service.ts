import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import { addDays } from '../dates';
import type { DB, Exemption, Role } from '../db/schema';
import { touch, type UnitOfWork } from '../db/unit-of-work';
import { fail } from '../errors';
import type { Training } from '../training/service';
import { obligationsOn, type PersonObligation } from './obligations';
import { recordPersonChange } from './history';
import { audienceWords, ruleStartFor, type AssignmentRule, type Audience, type Obligation, type TargetRef } from './rules';
import { assignmentStore, type RuleValues } from './store';
import { previewStore } from './preview-store';
import { keepFirstVersion, ruleOfVersion } from './versions';
import { versionStore } from './versions-store';

export interface EvidenceFile {
  name: string;
  mediaType: string;
  data: Buffer;
  sha256: string;
}

export interface ExemptionInput {
  userId: number;
  assignmentId: number;
  reason: string;
  until: string | null;
  evidence?: EvidenceFile;
}

export interface Preview {
  matches: number;
  dueWithin14: number;
  /** The day the figures are for: today, or the rule's start when it is later. */
  onDay: string;
  sentence: string;
}

/** How long a rule change waits for everyone's rows (milliseconds; by default until all are done). */
export interface RuleChangeOptions {
  waitMs?: number;
}

export interface PersonMove {
  departmentId: number | null;
  role: Role;
  jobCode: string | null;
  jobTitle: string | null;
  effectiveOn: string;
}

/** Assignment rules, exemptions and moves between audiences: every change audited, every person it can move refreshed at commit. */
export class Assignments {
  /**
   * `policyTitles`: each published policy's title by slug, the policies a rule may target (from the
   * policies feature, passed in by compose so neither folder imports the other).
   */
  constructor(private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock, private readonly training: Training, private readonly courseIds: readonly string[],
    private readonly policyTitles: () => Promise<ReadonlyMap<string, string>> = async () => new Map()) {}

  /** The published policies a rule may target, by title. */
  async policyChoices(): Promise<{ slug: string; title: string }[]> {
    return [...(await this.policyTitles()).entries()].map(([slug, title]) => ({ slug, title })).sort((a, b) => a.title.localeCompare(b.title) || a.slug.localeCompare(b.slug));
  }

  list(): Promise<AssignmentRule[]> {
    return assignmentStore(this.db).rules();
  }

  async get(id: number): Promise<AssignmentRule> {
    return (await assignmentStore(this.db).rule(id)) ?? fail('not-found', 'There is no such assignment.');
  }

  /** Every version of a rule, oldest first, with the day each took effect (none for a rule made before versions and never changed). */
  async versionsOf(id: number): Promise<(AssignmentRule & { effectiveOn: string; change: string })[]> {
    return (await versionStore(this.db).of(id)).map((v) => ({ ...ruleOfVersion(v), effectiveOn: v.effective_on, change: v.change }));
  }

  /** The seam other features read: what a person must do on a day, due when and why. */
  obligationsOf(userId: number, onDay?: string, audience: 'your' | 'their' = 'your'): Promise<Obligation[]> {
    return this.training.obligationsOf(userId, onDay, audience);
  }

  /**
   * Everyone active who is obligated to a target on a day, a slice at a time, with why and since when
   * (the seam for features that list or count people per obligation, such as policy acknowledgements).
   */
  async *peopleObligatedTo(target: TargetRef, onDay: string = this.training.today()): AsyncGenerator<{ userId: number; obligation: PersonObligation }[]> {
    const book = await this.training.statusIndex.ruleBook(this.db);
    for await (const batch of previewStore(this.db).activePeople((iso) => this.training.dayOf(iso))) {
      const out: { userId: number; obligation: PersonObligation }[] = [];
      for (const p of batch) {
        const o = obligationsOn(book, p.facts, onDay).find((x) => x.target.type === target.type && x.target.id === target.id);
        if (o) out.push({ userId: p.id, obligation: o });
      }
      if (out.length) yield out;
    }
  }

  private async check(v: RuleValues): Promise<void> {
    if (v.target.type === 'course' && !this.courseIds.includes(v.target.id)) fail('invalid', `There is no course "${v.target.id}".`, { target: 'Choose a course or a policy from the list.' });
    if (v.target.type === 'policy' && !(await this.policyTitles()).has(v.target.id)) {
      fail('invalid', `There is no published policy "${v.target.id}".`, { target: 'Choose a course or a published policy from the list.' });
    }
    if (!v.audience.everyone && v.audience.departmentIds.length + v.audience.roles.length + v.audience.jobCodes.length === 0) {
      fail('invalid', 'Choose who the assignment is for: everyone, or departments, roles or job codes.', { audience: 'Choose who the assignment is for.' });
    }
    const known = new Set((await assignmentStore(this.db).departments()).map((d) => d.id));
    if (v.audience.departmentIds.some((id) => !known.has(id))) fail('invalid', 'One of the departments does not exist.', { departments: 'Choose departments from the list.' });
    if (v.endsOn !== null && v.endsOn < v.startsOn) fail('invalid', 'The assignment cannot end before it starts.', { ends_on: 'End on or after the start.' });
  }

  /**
   * A rule can add or remove any person's obligation: everyone's rows are marked stale in the rule's
   * unit of work (so the rule and the marks commit together), and recomputed after it, a slice per
   * transaction (StatusIndex.refreshDue). At 100,000 people that is many short writes with the event
   * loop free between them, not one long one; a crash part-way is finished by the next start-up.
   */
  private async markEveryone(trx: Kysely<DB>): Promise<void> {
    await this.training.statusIndex.markEveryoneStale(trx);
  }

  /**
   * After a rule change commits: recomputes everyone's rows, waiting at most `waitMs` (by default until
   * done). Resolves with whether every row is up to date; if not, the catch-up goes on meanwhile and
   * the report pages say their figures are being updated.
   */
  private catchUp(waitMs: number): Promise<boolean> {
    return this.training.statusIndex.settle(this.db, waitMs);
  }

  async create(actor: Actor, v: RuleValues, opts: RuleChangeOptions = {}): Promise<number> {
    return (await this.createWithStatus(actor, v, opts)).id;
  }

  /** create(), also saying whether everyone's rows were recomputed within `waitMs`. */
  async createWithStatus(actor: Actor, v: RuleValues, opts: RuleChangeOptions = {}): Promise<{ id: number; upToDate: boolean }> {
    await this.check(v);
    const id = await this.uow(async (trx) => {
      const now = this.clock.now().toISOString();
      const id = await assignmentStore(trx).insertRule(v, actor.id, now);
      await versionStore(trx).insert(id, v, this.training.today(), 'created', actor.id, now);
      await this.markEveryone(trx);
      await appendAudit(trx, this.clock, actor, { action: 'assignment.created', subjectType: 'assignment', subjectId: id, details: ruleDetails(v) });
      return id;
    });
    return { id, upToDate: await this.catchUp(opts.waitMs ?? Infinity) };
  }

  /** Changes a rule; resolves with whether everyone's rows were recomputed within `waitMs`. */
  async edit(actor: Actor, id: number, v: RuleValues, opts: RuleChangeOptions = {}): Promise<boolean> {
    const before = await this.get(id);
    await this.check(v);
    await this.uow(async (trx) => {
      const now = this.clock.now().toISOString();
      await keepFirstVersion(trx, before, (iso) => this.training.dayOf(iso), now);
      await assignmentStore(trx).updateRule(id, v, now);
      // In force from today: the as-of report answers for earlier days with the values they had.
      await versionStore(trx).insert(id, v, this.training.today(), 'edited', actor.id, now);
      await this.markEveryone(trx);
      await appendAudit(trx, this.clock, actor, { action: 'assignment.edited', subjectType: 'assignment', subjectId: id, details: { before: ruleDetails(before), after: ruleDetails(v), effective_on: this.training.today() } });
    });
    return this.catchUp(opts.waitMs ?? Infinity);
  }

  /** Ends a rule after a day (today by default): people keep their records, the obligation stops. */
  async end(actor: Actor, id: number, lastDay: string = this.training.today(), opts: RuleChangeOptions = {}): Promise<boolean> {
    const rule = await this.get(id);
    if (lastDay < rule.startsOn) fail('invalid', 'The assignment cannot end before it starts.');
    await this.uow(async (trx) => {
      const now = this.clock.now().toISOString();
      const today = this.training.today();
      await keepFirstVersion(trx, rule, (iso) => this.training.dayOf(iso), now);
      await assignmentStore(trx).updateRule(id, { ...rule, endsOn: lastDay }, now);
      // An end for an earlier last day (the CLI's --on) takes effect the day after it, not only from today.
      const nextDay = addDays(lastDay, 1);
      await versionStore(trx).insert(id, { ...rule, endsOn: lastDay }, nextDay < today ? nextDay : today, 'ended', actor.id, now);
      await this.markEveryone(trx);
      await appendAudit(trx, this.clock, actor, { action: 'assignment.ended', subjectType: 'assignment', subjectId: id, details: { name: rule.name, last_day: lastDay } });
    });
    return this.catchUp(opts.waitMs ?? Infinity);
  }

  /** "This rule matches 412 people; 37 would be due within 14 days", for the rule as typed, before saving. */
  async preview(v: RuleValues): Promise<Preview> {
    await this.check(v);
    const today = this.training.today();
    const onDay = v.startsOn > today ? v.startsOn : today;
    const rule: AssignmentRule = { ...v, id: 0 };
    const book = await this.training.statusIndex.ruleBook(this.db);
    const ps = previewStore(this.db);
    let matches = 0;
    let dueSoon = 0;
    const limit = addDays(onDay, 14);
    for await (const batch of ps.activePeople((iso) => this.training.dayOf(iso))) {
      const latest = v.target.type === 'course' ? await ps.latestCompletions(v.target.id, batch.map((p) => p.id)) : new Map<number, string>();
      for (const p of batch) {
        const rs = ruleStartFor(rule, p.periods, p.startOn, onDay, book.parents);
        if (!rs) continue;
        matches += 1;
        const last = latest.get(p.id);
        if (this.training.previewDue(v.target, rs, last === undefined ? undefined : this.training.dayOf(last), onDay) <= limit) dueSoon += 1;
      }
    }
    const sentence = `This rule matches ${matches} ${matches === 1 ? 'person' : 'people'}; ${dueSoon} would be due within 14 days${onDay > today ? ` of its start on ${onDay}` : ''}.`;
    return { matches, dueWithin14: dueSoon, onDay, sentence };
  }

  /** Every department with its path ("Nursing/ICU"), in path order, for the audience picker. */
  async departmentChoices(): Promise<{ id: number; path: string }[]> {
    const rows = await assignmentStore(this.db).departments();
    const byId = new Map(rows.map((d) => [d.id, d]));
    const pathOf = (id: number): string => {
      const names: string[] = [];
      const seen = new Set<number>();
      for (let d = byId.get(id); d && !seen.has(d.id); d = d.parent_id === null ? undefined : byId.get(d.parent_id)) {
        seen.add(d.id);
        names.unshift(d.name);
      }
      return names.join('/');
    };
    return rows.map((d) => ({ id: d.id, path: pathOf(d.id), key: d.path_key })).sort((a, b) => a.key.localeCompare(b.key)).map(({ id, path }) => ({ id, path }));
  }

  audienceWords(a: Audience, departmentName: (id: number) => string | undefined): string {
    return audienceWords(a, departmentName);
  }

  exemptionsOf(userId: number): Promise<Exemption[]> {
    return assignmentStore(this.db).exemptionsOf([userId]);
  }

  async exemption(id: number): Promise<Exemption> {
    return (await assignmentStore(this.db).exemption(id)) ?? fail('not-found', 'There is no such exemption.');
  }

  /** Grants an exemption from today; the person counts as exempt until its end date (or until ended). */
  async grantExemption(actor: Actor, approverName: string, input: ExemptionInput): Promise<number> {
    const rule = await this.get(input.assignmentId);
    const today = this.training.today();
    if (input.until !== null && input.until < today) fail('invalid', 'The exemption would end before today.', { until: 'Choose today or a later day, or leave it empty.' });
    const person = await assignmentStore(this.db).person(input.userId);
    if (!person) fail('not-found', 'That person does not exist.');
    return this.uow(async (trx) => {
      const now = this.clock.now().toISOString();
      const id = await assignmentStore(trx).insertExemption({
        user_id: input.userId, assignment_id: rule.id, reason: input.reason, starts_on: today, until: input.until, approved_by: actor.id, approver_name: approverName,
        evidence_name: input.evidence?.name ?? null, evidence_type: input.evidence?.mediaType ?? null, evidence_sha256: input.evidence?.sha256 ?? null,
        evidence_data: input.evidence ? input.evidence.data.toString('base64') : null, created_at: now, ended_at: null, ended_by: null,
      });
      touch(trx, input.userId);
      await appendAudit(trx, this.clock, actor, {
        action: 'exemption.granted', subjectType: 'user', subjectId: input.userId,
        details: { exemption: id, assignment: rule.name, reason: input.reason, until: input.until, ...(input.evidence ? { evidence: input.evidence.name, sha256: input.evidence.sha256 } : {}) },
      });
      return id;
    });
  }

  /** Ends an exemption today: from tomorrow the obligation returns with a fresh due date. */
  async endExemption(actor: Actor, id: number): Promise<void> {
    const e = await this.exemption(id);
    const today = this.training.today();
    if (e.ended_at !== null || (e.until !== null && e.until < today)) fail('conflict', 'That exemption has already ended.');
    await this.uow(async (trx) => {
      const r = await assignmentStore(trx).endExemption(id, today, actor.id, this.clock.now().toISOString());
      if (Number(r.numUpdatedRows) !== 1) fail('conflict', 'That exemption has already ended.');
      touch(trx, e.user_id);
      await appendAudit(trx, this.clock, actor, { action: 'exemption.ended', subjectType: 'user', subjectId: e.user_id, details: { exemption: id, last_day: today } });
    });
  }

  /**
   * A move to another department, role or job code from a day on (today or earlier): the person's
   * obligations follow from that day; their records stay.
   */
  async move(actor: Actor, userId: number, m: PersonMove): Promise<void> {
    const today = this.training.today();
    if (m.effectiveOn > today) fail('invalid', 'A move is recorded on or after the day it happens.', { effective_on: 'A move is recorded on or after the day it happens: choose today or an earlier day.' });
    const user = await assignmentStore(this.db).person(userId);
    if (!user) fail('not-found', 'That person does not exist.');
    if (m.effectiveOn < (user.hire_date ?? '0000-01-01')) fail('invalid', 'A move cannot be before the person started.', { effective_on: 'A move cannot be before the person started: choose a day after their start.' });
    if (user.role === 'admin' && m.role !== 'admin') {
      if (await assignmentStore(this.db).activeAdmins() <= 1) fail('conflict', 'This is the only active admin; make someone else an admin first.');
    }
    await this.uow(async (trx) => {
      const now = this.clock.now().toISOString();
      await recordPersonChange(trx, userId, { departmentId: user.department_id, role: user.role, jobCode: user.job_code },
        { departmentId: m.departmentId, role: m.role, jobCode: m.jobCode }, m.effectiveOn, actor.id, now);
      await assignmentStore(trx).setPersonFacts(userId, { department_id: m.departmentId, role: m.role, job_code: m.jobCode, job_title: m.jobTitle, updated_at: now });
      touch(trx, userId);
      await appendAudit(trx, this.clock, actor, {
        action: 'user.moved', subjectType: 'user', subjectId: userId,
        details: { effective_on: m.effectiveOn, from: { department_id: user.department_id, role: user.role, job_code: user.job_code }, to: { department_id: m.departmentId, role: m.role, job_code: m.jobCode } },
      });
    });
  }
}

function ruleDetails(v: RuleValues) {
  return { name: v.name, target: `${v.target.type}:${v.target.id}`, audience: v.audience, starts_on: v.startsOn, rollout_days: v.rolloutDays, ends_on: v.endsOn };
}

export type { RuleValues, TargetRef };
