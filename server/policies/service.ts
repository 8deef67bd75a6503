import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import { renderMarkdown } from '../content/markdown';
import type { DB, PolicyChangeKind, StatusIndexRow, User } from '../db/schema';
import { touch, type UnitOfWork } from '../db/unit-of-work';
import { fail } from '../errors';
import { sameName, storedSignature } from '../training/names';
import type { Training } from '../training/service';
import { acknowledgementHash, normalizePolicyText, policyTextHash } from './hash';
import { policyObligation, policyStatus, type DueSettings, type PolicyObligation } from './obligations';
import { obligationFromRow, policyStatusRows } from './status-rows';
import type { TrainingStatus } from '../training/status';
import { policyEvidence, policyVersionsExport, signersOf, verifyPolicyChain, type ChainCheck, type PolicyEvidence, type SignerRow } from './records';
import { policyStore } from './store';
import { policyStates, signatureCounts, type PolicyState } from './versions';

export interface PublishInput {
  slug: string;
  title: string;
  label: string;
  text: string;
  kind: PolicyChangeKind;
  note: string;
  minReadSeconds: number | null;
}

/** A policy obligation as the dashboard shows it. */
export interface PolicyDashboardItem {
  slug: string;
  heading: string;
  status: TrainingStatus;
  obligation: PolicyObligation;
  /** The sentence shown: why it is due when it is, or the exemption. */
  reason: string;
  signedOn: string | null;
}

/** What the learner's read-and-sign page shows. */
export interface ReadingPage {
  slug: string;
  title: string;
  label: string;
  versionId: number;
  html: string;
  minReadSeconds: number | null;
  /** When the person signed a version that still counts; null while they must sign. */
  signed: { label: string; at: string } | null;
  obligation: PolicyObligation | null;
}

/** Versioned policy documents and their acknowledgements (issue 16). */
export class Policies {
  constructor(private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock, private readonly training: Training) {
    // Policy obligations get status-index rows like courses, so reports and counts read them alike.
    training.statusIndex.addTargetRows('policy', (trx, users, obligations, now) => policyStatusRows(trx, training, users, obligations, now));
  }

  private get settings(): DueSettings {
    return { onboardingDays: this.training.config.cycles.onboardingDays, graceDays: this.training.config.cycles.graceDays };
  }

  /** Every policy's state, by slug (a handful of policies, a few versions each). */
  async states(db: Kysely<DB> = this.db): Promise<Map<string, PolicyState>> {
    return policyStates(await policyStore(db).allVersions());
  }

  async state(slug: string, db: Kysely<DB> = this.db): Promise<PolicyState> {
    return (await this.states(db)).get(slug) ?? fail('not-found', 'There is no such policy.');
  }

  /** Who must sign the policy and who has, unsigned first (the per-policy report). */
  async signers(slug: string): Promise<SignerRow[]> {
    return signersOf(this.db, this.training, await this.state(slug));
  }

  /** The hash chain of every version and acknowledgement, recomputed. */
  async verify(): Promise<ChainCheck> {
    return verifyPolicyChain(this.db);
  }

  /** Every version's exact text and these people's acknowledgements, for an evidence pack. */
  async evidence(userIds: number[]): Promise<PolicyEvidence> {
    return policyEvidence(this.db, this.training, userIds);
  }

  /** One version's exact text as published. */
  async version(slug: string, versionId: number) {
    const state = await this.state(slug);
    return state.versions.find((v) => v.id === versionId) ?? fail('not-found', 'This policy has no such version.');
  }

  /** The admin's export of one policy (every version's exact text), audited as every export is. */
  async exportVersions(actor: Actor, slug: string) {
    const versions = await policyVersionsExport(this.db, slug) ?? fail('not-found', 'There is no such policy.');
    await this.uow((trx) => appendAudit(trx, this.clock, actor, { action: 'policy.exported', subjectType: 'policy', subjectId: slug, details: { slug, versions: versions.length } }));
    return versions;
  }

  /** The Markdown rendered as pages show it (raw HTML off: content/markdown.ts). */
  preview(text: string): string {
    return renderMarkdown(normalizePolicyText(text));
  }

  /**
   * Publishes a new version. The first version of a policy is always what people must sign; after it,
   * a material change asks everyone to sign again and a correction keeps their signatures.
   */
  async publish(actor: Actor, input: PublishInput, opts: { waitMs?: number } = {}): Promise<{ versionId: number; seq: number; upToDate: boolean }> {
    const text = normalizePolicyText(input.text);
    const published = await this.uow(async (trx) => {
      const store = policyStore(trx);
      const now = this.clock.now().toISOString();
      const policy = await store.bySlug(input.slug);
      const versions = policy ? await store.versionsOf(policy.id) : [];
      const latest = versions[versions.length - 1];
      if (!latest && input.kind === 'correction') {
        const problem = 'The first version of a policy is one everyone must sign: publish it as a material change.';
        fail('invalid', problem, { change_kind: problem });
      }
      if (versions.some((v) => v.label === input.label)) {
        const problem = `Version ${input.label} of this policy already exists: give the new version another label.`;
        fail('conflict', problem, { label: problem });
      }
      if (latest && latest.text === text && latest.title === input.title) {
        const problem = `The title and text are the same as version ${latest.label}: there is nothing to publish.`;
        fail('invalid', problem, { text: problem });
      }
      const policyId = policy?.id ?? (await store.insertPolicy(input.slug, now, actor.id)).id;
      const seq = (latest?.seq ?? 0) + 1;
      const textHash = policyTextHash({ title: input.title, label: input.label, text });
      const { id } = await store.insertVersion({
        policy_id: policyId, seq, label: input.label, title: input.title, text, text_hash: textHash, change_kind: input.kind,
        change_note: input.note, min_read_seconds: input.minReadSeconds, published_at: now, published_by: actor.id,
      });
      await store.supersede(policyId, seq, now);
      if (input.kind === 'material') {
        await store.lapseAcknowledgements(policyId, seq, now);
        // Everyone's row of this policy moves (a new version to sign, or a policy new to the default targets):
        // marked stale with the version, recomputed after the commit a slice at a time, as a rule change is.
        await this.training.statusIndex.markEveryoneStale(trx);
      }
      await appendAudit(trx, this.clock, actor, {
        action: 'policy.published', subjectType: 'policy', subjectId: input.slug,
        details: { slug: input.slug, title: input.title, label: input.label, version_id: id, kind: input.kind, note: input.note, text_hash: textHash, previous: latest?.label ?? null, min_read_seconds: input.minReadSeconds },
      });
      return { versionId: id, seq };
    });
    return { ...published, upToDate: await this.training.statusIndex.settle(this.db, opts.waitMs) };
  }

  /** The person's obligation to sign this policy today under the rules, or null when no rule gives it to them. */
  private async obligationOf(user: Pick<User, 'id' | 'status'>, state: PolicyState, audience: 'your' | 'their' = 'your'): Promise<PolicyObligation | null> {
    if (user.status !== 'active') return null;
    const o = (await this.training.personObligations(user.id)).find((x) => x.target.type === 'policy' && x.target.id === state.slug);
    if (!o) return null;
    const t = this.training;
    return policyObligation(o, { slug: state.slug, label: state.required.label, publishedOn: t.dayOf(state.required.published_at) }, this.settings, audience);
  }

  /** The person's policy obligations today with due dates counted from the version to sign, by slug (the admin's person page). */
  async obligationsFor(user: Pick<User, 'id' | 'status'>, audience: 'your' | 'their' = 'your'): Promise<Map<string, PolicyObligation>> {
    const out = new Map<string, PolicyObligation>();
    for (const state of (await this.states()).values()) {
      const o = await this.obligationOf(user, state, audience);
      if (o) out.set(state.slug, o);
    }
    return out;
  }

  /**
   * For messages about policy rows of the status index (reminders): the policy's title and the due-date
   * sentence, as the dashboard says them. The versions are read once per call; the function is per row.
   */
  async rowDescriber(): Promise<(row: StatusIndexRow, hasHireDate: boolean) => { title: string; reason: string } | undefined> {
    const states = await this.states();
    return (row, hasHireDate) => {
      const state = row.target_type === 'policy' ? states.get(row.course_id) : undefined;
      if (!state) return undefined;
      const p = policyObligation(obligationFromRow(row, hasHireDate), { slug: state.slug, label: state.required.label, publishedOn: this.training.dayOf(state.required.published_at) }, this.settings);
      return { title: `${state.current.title} (read and sign version ${state.required.label})`, reason: p.reason };
    };
  }

  /** Each policy the rules give the person, with its status and sentence, for the dashboard. */
  async dashboardItems(user: User): Promise<PolicyDashboardItem[]> {
    if (user.status !== 'active') return [];
    const [states, acks, obligations] = await Promise.all([this.states(), policyStore(this.db).acksOfUser(user.id), this.training.personObligations(user.id)]);
    const reads = await policyStore(this.db).readsOfUsers([user.id]);
    const today = this.training.today();
    const out: PolicyDashboardItem[] = [];
    for (const o of obligations) {
      const state = o.target.type === 'policy' ? states.get(o.target.id) : undefined;
      if (!state) continue;
      const obligation = policyObligation(o, { slug: state.slug, label: state.required.label, publishedOn: this.training.dayOf(state.required.published_at) }, this.settings);
      const signed = acks.find((a) => signatureCounts(state, a.policy_version_id));
      const opened = reads.some((r) => state.versions.some((v) => v.id === r.policy_version_id && v.seq >= state.required.seq));
      const { status, reason } = policyStatus(obligation, signed !== undefined, opened, this.settings, today);
      out.push({
        slug: state.slug, heading: `Read and sign: ${state.current.title} v${state.current.label}`, obligation, status, reason,
        signedOn: signed ? this.training.dayOf(signed.acknowledged_at) : null,
      });
    }
    return out;
  }

  /**
   * The read-and-sign page. Opening it while a signature is needed records the first opening (the
   * minimum reading time runs from there, on the server's clock); opening it again changes nothing.
   */
  async readingPage(user: User, slug: string): Promise<ReadingPage> {
    const state = await this.state(slug);
    const v = state.current;
    const signed = (await policyStore(this.db).acksOfUser(user.id)).find((a) => signatureCounts(state, a.policy_version_id));
    if (!signed && !(await policyStore(this.db).readOf(user.id, v.id))) {
      // The first opening: the reading time runs from it, and the person's row shows "in progress".
      await this.uow(async (trx) => {
        await policyStore(trx).recordRead(user.id, v.id, this.clock.now().toISOString());
        touch(trx, user.id);
      });
    }
    const signedVersion = signed ? state.versions.find((x) => x.id === signed.policy_version_id) : undefined;
    return {
      slug, title: v.title, label: v.label, versionId: v.id, html: renderMarkdown(v.text), minReadSeconds: v.min_read_seconds,
      signed: signed && signedVersion ? { label: signedVersion.label, at: signed.acknowledged_at } : null,
      obligation: await this.obligationOf(user, state),
    };
  }

  /**
   * Signs the version shown (`versionId`) with the typed name. Refused, with a message by field, when
   * the version changed while the page was open, the name is not the one on record, or the minimum
   * reading time has not passed since the page was first opened. Signing again returns the first signature.
   */
  async acknowledge(actor: Actor, user: User, slug: string, versionId: number, typedName: string): Promise<{ created: boolean; ackHash: string }> {
    return this.uow(async (trx) => {
      const store = policyStore(trx);
      const state = await this.state(slug, trx);
      const v = state.current;
      const existing = (await store.acksOfUser(user.id)).find((a) => signatureCounts(state, a.policy_version_id));
      if (existing) return { created: false, ackHash: existing.ack_hash };
      if (versionId !== v.id) {
        const problem = `The policy was changed (it is now version ${v.label}) while this page was open. Read this version, then sign again.`;
        fail('conflict', problem, { version_id: problem });
      }
      if (!sameName(typedName, user.name)) {
        const problem = `Type your full name exactly as it is on your record ("${user.name}"). If that name is wrong, ask your administrator to correct it first.`;
        fail('invalid', problem, { typed_name: problem });
      }
      const read = await store.readOf(user.id, v.id);
      if (!read) fail('conflict', 'Open the policy and read it before signing.', { version_id: 'Open the policy and read it before signing.' });
      const now = this.clock.now();
      const waited = Math.floor((now.getTime() - Date.parse(read.opened_at)) / 1000);
      const min = v.min_read_seconds ?? 0;
      if (waited < min) {
        const problem = `This policy takes at least ${minutesAndSeconds(min)} to read. You opened it ${minutesAndSeconds(waited)} ago: read it to the end, then sign in ${minutesAndSeconds(min - waited)}.`;
        fail('invalid', problem, { read: problem });
      }
      const at = now.toISOString();
      const typed = storedSignature(typedName);
      const ackHash = acknowledgementHash({ textHash: v.text_hash, versionId: v.id, userId: user.id, typedName: typed, acknowledgedAt: at });
      const inserted = await store.insertAck({ user_id: user.id, policy_version_id: v.id, typed_name: typed, opened_at: read.opened_at, acknowledged_at: at, ack_hash: ackHash });
      if (!inserted) return { created: false, ackHash: (await store.acksOfUser(user.id)).find((a) => a.policy_version_id === v.id)!.ack_hash };
      touch(trx, user.id);
      await appendAudit(trx, this.clock, actor, {
        action: 'policy.acknowledged', subjectType: 'user', subjectId: user.id,
        details: { policy: slug, label: v.label, version_id: v.id, text_hash: v.text_hash, ack_hash: ackHash, read_seconds: waited },
      });
      return { created: true, ackHash };
    });
  }
}

/** "2 minutes 5 seconds", "45 seconds". */
export function minutesAndSeconds(total: number): string {
  const s = Math.max(0, total);
  const m = Math.floor(s / 60);
  const rest = s % 60;
  const parts = [m ? `${m} minute${m === 1 ? '' : 's'}` : '', rest || !m ? `${rest} second${rest === 1 ? '' : 's'}` : ''].filter(Boolean);
  return parts.join(' ');
}
