import type { Kysely } from 'kysely';
import { inChunks } from '../db/chunks';
import type { DB } from '../db/schema';
import type { Training } from '../training/service';
import { acknowledgementHash, policyTextHash } from './hash';
import { policyObligation, policyStatus } from './obligations';
import { obligationFromRow } from './status-rows';
import type { TrainingStatus } from '../training/status';
import { policyStore } from './store';
import { policyStates, type PolicyState, type VersionRow } from './versions';

// The records of policies as admins, auditors and evidence packs read them: who has signed the version
// that counts, the chain check, and every version with its acknowledgements.

export interface SignerRow {
  userId: number;
  name: string;
  email: string;
  employeeId: string;
  /** The counted signature: version label and day; null when the person has not signed. */
  signed: { label: string; on: string } | null;
  status: TrainingStatus;
  dueOn: string;
  /** Why the due date is what it is (or the exemption), said to an admin. */
  reason: string;
}

/**
 * Everyone the rules oblige to sign the policy, from the status index (kept in step by every rule
 * change, move, publication and signature), unsigned first.
 */
export async function signersOf(db: Kysely<DB>, training: Training, state: PolicyState): Promise<SignerRow[]> {
  await training.statusIndex.freshen(db);
  const today = training.today();
  const settings = { onboardingDays: training.config.cycles.onboardingDays, graceDays: training.config.cycles.graceDays };
  const required = { slug: state.slug, label: state.required.label, publishedOn: training.dayOf(state.required.published_at) };
  const rows = (await policyStore(db).obligationRows(state.slug)).map((r) => {
    const signed = r.last_completed_on !== null;
    const p = policyObligation(obligationFromRow(r, r.hire_date !== null), required, settings, 'their');
    const { status, reason } = policyStatus(p, signed, r.started === 1, settings, today, 'their');
    return { userId: r.user_id, name: r.name, email: r.email, employeeId: r.employee_id ?? '', signed: signed ? { label: r.cycle, on: r.last_completed_on! } : null, status, dueOn: p.dueOn, reason };
  });
  return [...rows.filter((r) => !r.signed), ...rows.filter((r) => r.signed)];
}

export interface ChainCheck {
  ok: boolean;
  versions: number;
  acknowledgements: number;
  /** One sentence per broken link, naming the version or acknowledgement. */
  problems: string[];
}

/**
 * Recomputes every version's text hash from its stored text, and every acknowledgement's hash from the
 * recomputed text hash: a text, title or label changed after publishing, or a signature's facts edited,
 * shows as a problem.
 */
export async function verifyPolicyChain(db: Kysely<DB>): Promise<ChainCheck> {
  const versions = await policyStore(db).allVersions();
  const recomputed = new Map<number, string>();
  const problems: string[] = [];
  for (const v of versions) {
    const hash = policyTextHash(v);
    recomputed.set(v.id, hash);
    if (hash !== v.text_hash) problems.push(`${v.slug} version ${v.label}: the stored text does not match its hash.`);
  }
  const acks = await policyStore(db).acksOfVersions(versions.map((v) => v.id));
  for (const a of acks) {
    const textHash = recomputed.get(a.policy_version_id)!;
    const hash = acknowledgementHash({ textHash, versionId: a.policy_version_id, userId: a.user_id, typedName: a.typed_name, acknowledgedAt: a.acknowledged_at });
    if (hash !== a.ack_hash) problems.push(`Acknowledgement ${a.id} by ${a.name}: its hash does not match the version text and the signature.`);
  }
  return { ok: problems.length === 0, versions: versions.length, acknowledgements: acks.length, problems };
}

export interface PolicyEvidence {
  /** What the rules require of these people and they have not signed (the version to sign, status, due date and why). */
  outstanding: { employeeId: string; name: string; email: string; slug: string; label: string; status: string; dueOn: string; reason: string }[];
  versions: { slug: string; label: string; title: string; kind: string; note: string; publishedAt: string; supersededAt: string; textHash: string; text: string }[];
  acknowledgements: { employeeId: string; name: string; email: string; slug: string; label: string; signedAs: string; acknowledgedAt: string; textHash: string; ackHash: string }[];
}

const versionEvidence = (v: VersionRow) => ({
  slug: v.slug, label: v.label, title: v.title, kind: v.change_kind, note: v.change_note, publishedAt: v.published_at, supersededAt: v.superseded_at ?? '', textHash: v.text_hash, text: v.text,
});

/** Every policy version (its exact text), these people's acknowledgements and what they have not signed, for an evidence pack. */
export async function policyEvidence(db: Kysely<DB>, training: Training, userIds: number[]): Promise<PolicyEvidence> {
  const rows = await policyStore(db).allVersions();
  const byId = new Map(rows.map((v) => [v.id, v]));
  const acks = await inChunks(userIds, (chunk) => policyStore(db).acksOfUsers(chunk));
  await training.statusIndex.refreshDue(db);
  const states = policyStates(rows);
  const today = training.today();
  const settings = { onboardingDays: training.config.cycles.onboardingDays, graceDays: training.config.cycles.graceDays };
  const unsigned = (await inChunks(userIds, (chunk) => policyStore(db).unsignedRows(chunk)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.user_id - b.user_id || (a.course_id < b.course_id ? -1 : 1)));
  const outstanding = unsigned.flatMap((r) => {
    const state = states.get(r.course_id);
    if (!state) return [];
    const p = policyObligation(obligationFromRow(r, r.hire_date !== null), { slug: state.slug, label: state.required.label, publishedOn: training.dayOf(state.required.published_at) }, settings, 'their');
    const { status, reason } = policyStatus(p, false, r.started === 1, settings, today, 'their');
    return [{ employeeId: r.employee_id ?? '', name: r.name, email: r.email, slug: state.slug, label: state.required.label, status, dueOn: p.dueOn, reason }];
  });
  return {
    outstanding,
    versions: rows.map(versionEvidence),
    acknowledgements: acks.map((a) => {
      const v = byId.get(a.policy_version_id)!;
      return { employeeId: a.employee_id ?? '', name: a.name, email: a.email, slug: v.slug, label: v.label, signedAs: a.typed_name, acknowledgedAt: a.acknowledged_at, textHash: v.text_hash, ackHash: a.ack_hash };
    }),
  };
}

/** One policy's versions, oldest first, with their exact text (the admin export). */
export async function policyVersionsExport(db: Kysely<DB>, slug: string) {
  const state = policyStates(await policyStore(db).allVersions()).get(slug);
  return state ? state.versions.map(versionEvidence) : undefined;
}
