import type { ExpressionBuilder, Kysely } from 'kysely';
import { changeInChunks, inChunks } from '../db/chunks';
import { appendAudit, type Actor } from '../audit/service';
import type { DB } from '../db/schema';
import { touch } from '../db/unit-of-work';
import { fail } from '../errors';
import type { Training } from './service';

export const RETENTION_YEARS = 6;

/** The latest --before a purge may use today: records stay six years after they were last in effect. */
export function earliestAllowedCutoff(today: string): string {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const sixYearsAgo = new Date(Date.UTC(y - RETENTION_YEARS, m - 1, d)).toISOString().slice(0, 10);
  return sixYearsAgo;
}

export interface PurgeCounts {
  completions: number;
  certificates: number;
  attestations: number;
  attempts: number;
  answers: number;
  progress: number;
  /** Policy acknowledgements that stopped counting (a later material change) before the cutoff. */
  policyAcknowledgements: number;
  /** Policy versions superseded before the cutoff whose acknowledgements also stopped counting before it. */
  policyVersions: number;
}

/**
 * Removes training records that stopped being in effect before `before` (a completion's last day of
 * validity, an attempt's start, an answer's time). Refused for any date less than six years ago
 * (45 CFR 164.530(j)). The audit log is kept whole: removing its oldest events would break the hash
 * chain that proves nothing was edited. One audit event records what was removed.
 */
export async function purgeBefore(training: Training, actor: Actor, before: string): Promise<PurgeCounts> {
  const limit = earliestAllowedCutoff(training.today());
  if (before > limit) {
    fail('invalid', `Training records are kept six years (45 CFR 164.530(j)). The latest date you can purge before today is ${limit}.`);
  }
  const cutoff = `${before}T00:00:00.000Z`;
  return training.uow(async (trx: Kysely<DB>) => {
    const old = await trx.selectFrom('completions').select(['id', 'user_id', 'attestation_id']).where('valid_until', '<', before).execute();
    // Whose records go: their status may move (a removed completion, or the attempt or lesson that made them "started").
    touch(trx, old.map((c) => c.user_id));
    const unreferenced = (eb: ExpressionBuilder<DB, 'quiz_attempts'>) => eb.and([
      eb.not(eb.exists(eb.selectFrom('completions').select('completions.id').whereRef('completions.attempt_id', '=', 'quiz_attempts.id'))),
      eb.not(eb.exists(eb.selectFrom('attestations').select('attestations.id').whereRef('attestations.attempt_id', '=', 'quiz_attempts.id'))),
    ]);
    const startedBy = await trx.selectFrom('quiz_attempts').select('user_id').distinct().where('started_at', '<', cutoff).where(unreferenced)
      .union(trx.selectFrom('lesson_progress').select('user_id').distinct().where('updated_at', '<', cutoff)).execute();
    touch(trx, startedBy.map((r) => r.user_id));
    const ids = old.map((c) => c.id);
    const certs = (await inChunks(ids, (chunk) => trx.selectFrom('certificates').select('id').where('completion_id', 'in', chunk).execute())).map((c) => c.id);
    // Nothing else may point at what goes: the status index and "replaced by" links.
    await changeInChunks(ids, async (chunk) => (await trx.updateTable('status_index').set({ last_completion_id: null, certificate_id: null }).where('last_completion_id', 'in', chunk).executeTakeFirst()).numUpdatedRows);
    await changeInChunks(certs, async (chunk) => (await trx.updateTable('certificates').set({ replaced_by: null }).where('replaced_by', 'in', chunk).executeTakeFirst()).numUpdatedRows);
    await changeInChunks(certs, async (chunk) => (await trx.deleteFrom('certificates').where('id', 'in', chunk).executeTakeFirst()).numDeletedRows);
    await changeInChunks(ids, async (chunk) => (await trx.deleteFrom('completions').where('id', 'in', chunk).executeTakeFirst()).numDeletedRows);
    const attestationIds = old.map((c) => c.attestation_id).filter((x): x is number => x !== null);
    const attestations = await changeInChunks(attestationIds, async (chunk) => (await trx.deleteFrom('attestations').where('id', 'in', chunk).executeTakeFirst()).numDeletedRows);
    // Attempts still referenced by a kept completion or attestation stay; answers saved in an attempt
    // that was never submitted (migration 0011) go with it.
    await trx.deleteFrom('quiz_saved_answers')
      .where('attempt_id', 'in', trx.selectFrom('quiz_attempts').select('id').where('started_at', '<', cutoff).where(unreferenced)).execute();
    const attempts = Number((await trx.deleteFrom('quiz_attempts').where('started_at', '<', cutoff).where(unreferenced).executeTakeFirst()).numDeletedRows);
    const answers = Number((await trx.deleteFrom('scene_answers').where('answered_at', '<', cutoff).executeTakeFirst()).numDeletedRows);
    const progress = Number((await trx.deleteFrom('lesson_progress').where('updated_at', '<', cutoff).executeTakeFirst()).numDeletedRows);
    const policy = await purgePolicyRecords(trx, cutoff);
    const counts = { completions: ids.length, certificates: certs.length, attestations, attempts, answers, progress, ...policy };
    await appendAudit(trx, training.clock, actor, { action: 'retention.purged', details: { before, ...counts } });
    return counts;
  });
}


/**
 * Policy records (issue 16, migration 0017) past their six years. A version stops being in effect when
 * the next one is published (superseded_at); a signature of it stops counting only at the next
 * material change (acks_lapse_at), since a correction carries signatures over. So an acknowledgement
 * goes six years after it stopped counting, and a version's exact text goes only once it is six years
 * past both dates and no kept acknowledgement is chained to it. The current version is never purged.
 * The dates are written by policies/service.ts when a version is published; reading them here keeps
 * training/ from importing policies/ (which builds on training/).
 */
async function purgePolicyRecords(trx: Kysely<DB>, cutoff: string): Promise<{ policyAcknowledgements: number; policyVersions: number }> {
  const lapsed = trx.selectFrom('policy_versions').select('id').where('acks_lapse_at', '<', cutoff);
  const policyAcknowledgements = Number((await trx.deleteFrom('policy_acknowledgements').where('policy_version_id', 'in', lapsed).executeTakeFirst()).numDeletedRows);
  await trx.deleteFrom('policy_reads').where('policy_version_id', 'in', lapsed).execute();
  const gone = trx.selectFrom('policy_versions').select('policy_versions.id')
    .where('superseded_at', '<', cutoff).where('acks_lapse_at', '<', cutoff)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('policy_acknowledgements').select('policy_acknowledgements.id').whereRef('policy_acknowledgements.policy_version_id', '=', 'policy_versions.id'))));
  const policyVersions = Number((await trx.deleteFrom('policy_versions').where('id', 'in', gone).executeTakeFirst()).numDeletedRows);
  return { policyAcknowledgements, policyVersions };
}
