import { addDays, daysBetween } from '../../server/dates';
import { isoWeek, planDigest, planInvitation, planPerson, type PlannedMessage, type PlanObligation, type PlanPerson } from '../../server/notifications/planner';
import { DEFAULT_STAGE_SETTINGS, parseStageSettings, type StageSettings } from '../../server/notifications/stages';
import { statusOn, type Thresholds, type TrainingStatus } from '../../server/training/status';

// A Monday: weeks of the simulation are counted from it.
const DAY0 = '2027-01-04';
const DAYS = 120;
const HOURS = [0, 7, 8, 13, 17, 18, 23];

/** A small deterministic generator, so a failure can be replayed. */
function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

function syntheticPeople(count: number, seed: number): PlanPerson[] {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const people: PlanPerson[] = [];
  for (let id = 1; id <= count; id += 1) {
    const obligations: PlanObligation[] = [];
    for (let j = 0; j < int(1, 3); j += 1) {
      const grace = rnd() < 0.3 ? int(1, 10) : 0;
      const started = rnd() < 0.3;
      const shape = rnd();
      let th: Thresholds;
      let dueOn: string;
      let cycle: string;
      let last: string | null = null;
      if (shape < 0.45) {
        const since = addDays(DAY0, int(-90, 110));
        dueOn = addDays(since, 30);
        cycle = 'onboarding';
        th = { kind: 'onboarding', opensOn: since, graceUntil: addDays(dueOn, grace), validUntil: '9999-12-31', started };
      } else {
        // Annual: completed some time before; rolling (valid until the due date) or fixed (valid through the grace).
        dueOn = addDays(DAY0, int(-60, 200));
        last = rnd() < 0.2 ? addDays(DAY0, int(-3, 100)) : addDays(dueOn, -365);
        if (rnd() < 0.2) dueOn = addDays(last, 365);
        cycle = `annual-${dueOn.slice(0, 4)}`;
        const window = rnd() < 0.15 ? 10 : 60;
        th = { kind: 'annual', opensOn: addDays(dueOn, -window), graceUntil: addDays(dueOn, grace), validUntil: rnd() < 0.5 ? dueOn : addDays(dueOn, grace + 20), started };
      }
      if (rnd() < 0.1) th = { ...th, exempt: { from: addDays(DAY0, int(-30, 60)), until: rnd() < 0.5 ? null : addDays(DAY0, int(61, 100)) } };
      obligations.push({
        targetType: rnd() < 0.8 ? 'course' : 'policy', targetId: `t${j}`, title: `Training ${j}`, cycle, kind: th.kind, dueOn, thresholds: th,
        reason: `Due ${dueOn}.`, lastCompletedOn: last, certificateCode: last !== null && rnd() < 0.8 ? `CODE-${id}-${j}` : null,
      });
    }
    const managerId = id > 20 && rnd() < 0.7 ? int(1, 20) : null;
    people.push({
      id, name: `Person ${id}`, email: `p${id}@example.test`,
      manager: managerId === null ? null : { id: managerId, name: `Person ${managerId}`, email: `p${managerId}@example.test` },
      weeklySummary: rnd() < 0.15, obligations,
    });
  }
  return people;
}

interface Created {
  message: PlannedMessage;
  day: string;
  hour: number;
}

/** Plans every hour of every day as the scheduler would, keeping each key's first message (the outbox inserts a key once). */
function simulate(s: StageSettings, people: readonly PlanPerson[]): { created: Map<string, Created>; duplicatesInOneRun: number } {
  const created = new Map<string, Created>();
  let duplicatesInOneRun = 0;
  const managers = new Map<number, PlanPerson[]>();
  for (const p of people) if (p.manager) managers.set(p.manager.id, [...(managers.get(p.manager.id) ?? []), p]);
  for (let d = 0; d < DAYS; d += 1) {
    const day = addDays(DAY0, d);
    for (const hour of HOURS) {
      const run: PlannedMessage[] = [];
      for (const p of people) run.push(...planPerson(s, p, { day, hour }));
      for (const [id, reports] of managers) {
        const m = people[id - 1]!;
        const digest = planDigest(s, { id, name: m.name, email: m.email }, reports, { day, hour });
        if (digest) run.push(digest);
      }
      duplicatesInOneRun += run.length - new Set(run.map((m) => m.key)).size;
      for (const message of run) if (!created.has(message.key)) created.set(message.key, { message, day, hour });
    }
  }
  return { created, duplicatesInOneRun };
}

const OPEN = new Set<TrainingStatus>(['not-started', 'in-progress', 'due-soon', 'overdue', 'expired']);
const LATE = new Set<TrainingStatus>(['overdue', 'expired']);

/**
 * The messages the rules call for, worked out from the rules day by day and by days left to the due
 * date, without the planner: one per reminder, per overdue reminder number, per certificate, per week.
 * Returns "stage|person|what" strings.
 */
function expected(s: StageSettings, people: readonly PlanPerson[]): Set<string> {
  const out = new Set<string>();
  const horizon = Math.max(...s.dueSoonDays);
  const worthALine = (o: PlanObligation, st: TrainingStatus, day: string) =>
    OPEN.has(st) && (LATE.has(st) || daysBetween(day, o.dueOn) <= horizon || (o.kind === 'annual' && day >= o.thresholds.opensOn));
  for (let d = 0; d < DAYS; d += 1) {
    const day = addDays(DAY0, d);
    const week = Math.floor(d / 7);
    const digestDay = d % 7 >= s.digestWeekday - 1;
    for (const p of people) {
      for (const o of p.obligations) {
        const what = `${o.targetType}/${o.targetId}/${o.cycle}`;
        const st = statusOn(o.thresholds, day);
        if (o.certificateCode && o.lastCompletedOn && day >= o.lastCompletedOn && daysBetween(o.lastCompletedOn, day) < 7) out.add(`certificate-issued|${p.id}|${o.certificateCode}`);
        if (LATE.has(st)) {
          const lateDays = daysBetween(o.thresholds.graceUntil, day) - 1;
          const n = Math.floor(lateDays / s.overdueEveryDays) + 1;
          if (n > s.overdueMax) continue;
          if (p.manager && n >= s.escalateFrom) out.add(`escalation|${p.id}|${what}/${n}`);
          else if (!p.weeklySummary) out.add(`overdue|${p.id}|${what}/${n}`);
          continue;
        }
        if (!OPEN.has(st) || p.weeklySummary) continue;
        const left = daysBetween(day, o.dueOn);
        const offsets = s.dueSoonDays.filter((x) => x >= left);
        if (left <= 0) out.add(`due-today|${p.id}|${what}`);
        else if (offsets.length) out.add(`due-soon|${p.id}|${what}/${Math.min(...offsets)}`);
        else if (o.kind === 'annual' && day >= o.thresholds.opensOn) out.add(`refresher-open|${p.id}|${what}`);
      }
      if (p.weeklySummary && digestDay && p.obligations.some((o) => worthALine(o, statusOn(o.thresholds, day), day))) out.add(`summary|${p.id}|week${week}`);
    }
    if (!digestDay) continue;
    for (const m of new Set(people.filter((p) => p.manager).map((p) => p.manager!.id))) {
      const reports = people.filter((p) => p.manager?.id === m);
      if (reports.some((p) => p.obligations.some((o) => worthALine(o, statusOn(o.thresholds, day), day)))) out.add(`digest|${m}|week${week}`);
    }
  }
  return out;
}

/** The planner's messages written the way expected() writes them. */
function asExpected(created: Map<string, Created>): Set<string> {
  const out = new Set<string>();
  for (const { message: m, day } of created.values()) {
    const week = Math.floor(daysBetween(DAY0, day) / 7);
    const f = m.facts;
    if (f.stage === 'summary' || f.stage === 'digest') out.add(`${m.stage}|${m.userId}|week${week}`);
    else if (f.stage === 'certificate-issued') out.add(`certificate-issued|${m.userId}|${f.certificateCode}`);
    else {
      const parts = m.key.split(':');
      const what = `${parts[2]}/${parts[3]}/${parts[4]}${parts[5] !== undefined ? `/${parts[5]}` : ''}`;
      out.add(`${m.stage}|${m.userId}|${what}`);
    }
  }
  return out;
}

function countByStage(items: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const i of items) {
    const stage = i.split('|')[0]!;
    counts[stage] = (counts[stage] ?? 0) + 1;
  }
  return counts;
}

describe('notification planner', () => {
  const people = syntheticPeople(500, 17);

  it('the synthetic people cover every status', () => {
    const seen = new Set<TrainingStatus>();
    for (let d = 0; d < DAYS; d += 1) for (const p of people) for (const o of p.obligations) seen.add(statusOn(o.thresholds, addDays(DAY0, d)));
    expect([...seen].sort()).toEqual(['completed', 'due-soon', 'exempt', 'expired', 'in-progress', 'not-started', 'overdue']);
  });

  it.each([
    ['the default settings', DEFAULT_STAGE_SETTINGS],
    ['other offsets, a Wednesday digest and an earlier escalation', { ...DEFAULT_STAGE_SETTINGS, dueSoonDays: [21, 7, 1], overdueEveryDays: 5, overdueMax: 4, escalateFrom: 2, digestWeekday: 3, sendFrom: 7 }],
  ])('120 days for 500 people give exactly the messages the rules call for, per stage (%s)', (_name, s) => {
    const { created, duplicatesInOneRun } = simulate(s, people);
    const want = expected(s, people);
    const got = asExpected(created);
    expect(duplicatesInOneRun).toBe(0);
    // One planner message per expected message: none merged into another, none extra.
    expect(got.size).toBe(created.size);
    expect(countByStage(got)).toEqual(countByStage(want));
    expect([...got].filter((x) => !want.has(x))).toEqual([]);
    expect([...want].filter((x) => !got.has(x))).toEqual([]);
    for (const stage of ['due-soon', 'due-today', 'overdue', 'escalation', 'refresher-open', 'certificate-issued', 'summary', 'digest']) {
      expect(countByStage(want)[stage] ?? 0).toBeGreaterThan(0);
    }
    for (const c of created.values()) {
      expect(c.hour).toBeGreaterThanOrEqual(s.sendFrom);
      expect(c.hour).toBeLessThan(s.sendUntil);
    }
  });

  it('plans nothing outside the send hours, and the same messages at every hour inside them', () => {
    const day = addDays(DAY0, 30);
    for (const p of people.slice(0, 100)) {
      expect(planPerson(DEFAULT_STAGE_SETTINGS, p, { day, hour: 7 })).toEqual([]);
      expect(planPerson(DEFAULT_STAGE_SETTINGS, p, { day, hour: 18 })).toEqual([]);
      expect(planPerson(DEFAULT_STAGE_SETTINGS, p, { day, hour: 17 })).toEqual(planPerson(DEFAULT_STAGE_SETTINGS, p, { day, hour: 8 }));
    }
  });

  it('an escalation copies the manager; an overdue reminder before it does not', () => {
    const { created } = simulate(DEFAULT_STAGE_SETTINGS, people.slice(20, 120));
    const byStage = (stage: string) => [...created.values()].map((c) => c.message).filter((m) => m.stage === stage);
    for (const m of byStage('escalation')) {
      const p = people[m.userId! - 1]!;
      expect(m.cc).toEqual([p.manager!.email]);
    }
    for (const m of byStage('overdue')) expect(m.cc).toEqual([]);
  });

  it('a stage turned off sends nothing of that stage, and the others are unchanged', () => {
    const off: StageSettings = { ...DEFAULT_STAGE_SETTINGS, dueToday: false, refresherOpen: false, certificateIssued: false, digest: false };
    const on = countByStage(asExpected(simulate(DEFAULT_STAGE_SETTINGS, people.slice(0, 200)).created));
    const without = countByStage(asExpected(simulate(off, people.slice(0, 200)).created));
    expect(without['due-today'] ?? 0).toBe(0);
    expect(without['refresher-open'] ?? 0).toBe(0);
    expect(without['certificate-issued'] ?? 0).toBe(0);
    expect(without.digest ?? 0).toBe(0);
    expect(without.overdue).toBe(on.overdue);
    expect(without.escalation).toBe(on.escalation);
  });

  it('an invitation has the key invitation:<id> and is not planned when turned off', () => {
    const p = { id: 42, name: 'Avery Quinn', email: 'avery@example.test' };
    expect(planInvitation(DEFAULT_STAGE_SETTINGS, p, 'https://x.test/password/abc')).toMatchObject({ key: 'invitation:42', to: 'avery@example.test', stage: 'invitation' });
    expect(planInvitation({ ...DEFAULT_STAGE_SETTINGS, invitation: false }, p, 'https://x.test/password/abc')).toBeUndefined();
  });

  it('ISO weeks: the Thursday decides the year', () => {
    expect(isoWeek('2027-01-04')).toBe('2027-W01');
    expect(isoWeek('2027-01-03')).toBe('2026-W53');
    expect(isoWeek('2026-12-31')).toBe('2026-W53');
    expect(isoWeek('2025-12-29')).toBe('2026-W01');
  });

  it('stored stage settings: defaults fill what is missing, offsets come sorted, a broken value falls back to the defaults', () => {
    expect(parseStageSettings(JSON.stringify({ dueSoonDays: [3, 30, 3], overdue: false }))).toMatchObject({ dueSoonDays: [30, 3], overdue: false, overdueEveryDays: 7, escalateFrom: 3 });
    expect(parseStageSettings('{oops')).toEqual(DEFAULT_STAGE_SETTINGS);
    expect(parseStageSettings(JSON.stringify({ sendFrom: 20, sendUntil: 8 }))).toEqual(DEFAULT_STAGE_SETTINGS);
  });
});
