import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { PersonObligation } from '../assignments/obligations';
import { inChunks } from '../db/chunks';
import type { DB, StatusIndexRow } from '../db/schema';
import type { Training } from '../training/service';
import { policyObligation, policyThresholds, type DueSettings } from './obligations';
import { policyStore } from './store';
import { policyStates, signatureCounts } from './versions';

/** Bumped when what a policy row means changes. */
const ROW_FORMAT = 'policy-1';

/**
 * The status-index rows of people's policy obligations, so reports, counts and the CSV read policies as
 * they read courses. A row's `cycle` is the version that counts for the person: the one they signed, or
 * the one they must sign; `last_completed_on` is the day they signed; `content_hash` the signed text's hash.
 */
export async function policyStatusRows(
  db: Kysely<DB>, training: Pick<Training, 'dayOf' | 'config'>, users: readonly { id: number }[], obligations: ReadonlyMap<number, readonly PersonObligation[]>, now: string,
): Promise<StatusIndexRow[]> {
  const store = policyStore(db);
  const states = policyStates(await store.allVersions());
  const ids = users.map((u) => u.id);
  const [acks, reads] = await Promise.all([inChunks(ids, (c) => store.acksOfPeople(c)), inChunks(ids, (c) => store.readsOfUsers(c))]);
  const settings: DueSettings = { onboardingDays: training.config.cycles.onboardingDays, graceDays: training.config.cycles.graceDays };
  const key = crypto.createHash('sha256').update(JSON.stringify([settings, training.config.timeZone, ROW_FORMAT])).digest('hex').slice(0, 16);
  const rows: StatusIndexRow[] = [];
  for (const u of users) {
    for (const o of obligations.get(u.id) ?? []) {
      const state = o.target.type === 'policy' ? states.get(o.target.id) : undefined;
      if (!state) continue;
      const p = policyObligation(o, { slug: state.slug, label: state.required.label, publishedOn: training.dayOf(state.required.published_at) }, settings);
      const signed = acks.filter((a) => a.user_id === u.id && signatureCounts(state, a.policy_version_id))
        .sort((a, b) => (a.acknowledged_at < b.acknowledged_at ? 1 : -1))[0];
      const signedVersion = signed ? state.versions.find((v) => v.id === signed.policy_version_id) : undefined;
      const opened = reads.some((r) => r.user_id === u.id && state.versions.some((v) => v.id === r.policy_version_id && v.seq >= state.required.seq));
      const th = policyThresholds(p, signed !== undefined, opened, settings);
      rows.push({
        user_id: u.id, target_type: 'policy', course_id: state.slug, cycle: signedVersion?.label ?? state.required.label, kind: th.kind, due_on: p.dueOn,
        opens_on: th.opensOn, grace_until: th.graceUntil, valid_until: th.validUntil, started: th.started ? 1 : 0,
        last_completion_id: null, last_completed_on: signed ? training.dayOf(signed.acknowledged_at) : null, last_valid_until: signed ? th.validUntil : null,
        score: null, content_hash: signedVersion?.text_hash ?? null, certificate_id: null, certificate_code: null, source: null, recorded_by: null, pace: null,
        policy_key: key, updated_at: now, since: p.since,
        // The obligation's own start (the due date may count from a later version's publication instead): enough to say the sentence again.
        reason_kind: o.start.kind, reason_on: o.start.since, reason_group: o.start.group, reason_days: o.start.kind === 'hire' ? null : o.start.rolloutDays,
        assignment_ids: o.assignmentIds.length ? `,${o.assignmentIds.join(',')},` : '', assignment_names: o.assignmentNames.join('; '),
        exemption_id: o.exemption?.id ?? null, exempt_from: o.exemption?.from ?? null, exempt_until: o.exemption?.until ?? null, exempt_reason: o.exemption?.reason ?? null,
      });
    }
  }
  return rows;
}

/** The obligation a policy row was made from, again (the sentence to someone else is said from it). */
export function obligationFromRow(row: Pick<StatusIndexRow, 'reason_kind' | 'reason_on' | 'reason_group' | 'reason_days' | 'since' | 'assignment_ids' | 'assignment_names' | 'course_id'
  | 'exemption_id' | 'exempt_from' | 'exempt_until' | 'exempt_reason'>, hasHireDate: boolean): PersonObligation {
  const exemption = row.exemption_id !== null && row.exempt_from !== null
    ? { exemption: { id: row.exemption_id, from: row.exempt_from, until: row.exempt_until, reason: row.exempt_reason ?? '', approverName: '' } } : {};
  return {
    target: { type: 'policy', id: row.course_id },
    start: { kind: row.reason_kind, since: row.reason_on ?? row.since, rolloutDays: row.reason_days ?? 0, group: row.reason_group, hasHireDate },
    assignmentIds: row.assignment_ids.split(',').filter(Boolean).map(Number), assignmentNames: row.assignment_names ? row.assignment_names.split('; ') : [],
    ...exemption,
  };
}
