import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import { certificateOfCompletion, issueCertificate } from '../certificates/service';
import type { Course } from '../content/catalogue';
import { DEFAULT_LESSON_WPM } from '../config';
import type { DB, QuizAttempt, User } from '../db/schema';
import { touch } from '../db/unit-of-work';
import { courseMinimumSeconds, paceOf } from '../learning/pace';
import { fail } from '../errors';
import { ownAttempt } from '../learning/quiz';
import type { ShownPolicy } from '../settings/service';
import type { Training } from './service';
import { nextAnnual } from './status';
import { completionStore } from './store';
import { sameName, storedSignature } from './names';

export function policyHash(policy: Pick<Course['policy'], 'title' | 'version' | 'textHtml'>): string {
  return crypto.createHash('sha256').update(`${policy.title}\n${policy.version}\n${policy.textHtml}`).digest('hex');
}

export interface FinishResult {
  completionId: number;
  certificateId: number;
  created: boolean;
}

async function existingResult(trx: Kysely<DB>, completionId: number): Promise<FinishResult> {
  const cert = await certificateOfCompletion(trx, completionId);
  return { completionId, certificateId: cert!.id, created: false };
}

/**
 * How long the learner took, from the first lesson opened in the cycle to the passing quiz submitted,
 * against the summed minimum lesson time (at the configured speed, or the default one when timing is
 * off, so reports still flag a scripted run). Stored once here so reports never recompute it.
 */
async function studyPace(trx: Kysely<DB>, training: Training, course: Course, userId: number, attempt: QuizAttempt) {
  const first = await trx.selectFrom('lesson_progress').select((eb) => eb.fn.min('started_at').as('started'))
    .where('user_id', '=', userId).where('course_id', '=', course.id).where('cycle', '=', attempt.cycle).executeTakeFirst();
  if (!first?.started || !attempt.submitted_at) return {};
  const studySeconds = Math.max(0, Math.floor((Date.parse(attempt.submitted_at) - Date.parse(first.started)) / 1000));
  const minimum = courseMinimumSeconds(course, training.config.lessonMinWpm || DEFAULT_LESSON_WPM);
  return { study_seconds: studySeconds, min_study_seconds: minimum, pace: paceOf(studySeconds, minimum) };
}

/**
 * Attestation, completion, certificate and their audit events, in one transaction. A repeated or
 * concurrent finish of the same attempt or cycle returns the first result and writes nothing more.
 * `policy` is the text the person was shown (settings' latest version, or the course file's).
 */
export async function finishWithAttestation(
  t: Training, actor: Actor, user: User, course: Course, attemptId: number | undefined, typedName: string,
  policy: ShownPolicy = { ...course.policy, settingsVersion: null },
): Promise<FinishResult> {
  return t.uow(async (trx) => {
    const attempt = await ownAttempt(trx, user.id, course.id, attemptId);
    if (!attempt.passed) fail('conflict', 'This attempt did not pass, so there is nothing to attest yet. Retake the quiz first.');
    const done = await completionStore(trx).byCycle(user.id, course.id, attempt.cycle);
    if (done) return existingResult(trx, done.id);
    const assignment = await t.assignment(user, course, trx);
    if (assignment.cycle !== attempt.cycle) fail('conflict', 'This quiz attempt belongs to an earlier training cycle. Take the current one.');
    if (!sameName(typedName, user.name)) {
      const problem = `Type your full name exactly as it is on your record ("${user.name}"). If that name is wrong, ask your administrator to correct it first.`;
      fail('invalid', problem, { typed_name: problem });
    }
    const now = t.clock.now().toISOString();
    const hash = policyHash(policy);
    // The text as signed, contacts filled in: the hash alone cannot show what a signer read.
    await trx.insertInto('signed_policy_texts').values({ policy_hash: hash, title: policy.title, version: policy.version, text_html: policy.textHtml, first_signed_at: now })
      .onConflict((oc) => oc.column('policy_hash').doNothing()).execute();
    const { id: attestationId } = await trx.insertInto('attestations').values({
      user_id: user.id, course_id: course.id, attempt_id: attempt.id, policy_title: policy.title,
      policy_version: policy.version, policy_hash: hash, typed_name: storedSignature(typedName), attested_at: now,
      policy_text_version: policy.settingsVersion,
    }).returning('id').executeTakeFirstOrThrow();
    const completionId = await completionStore(trx).insertOnce({
      user_id: user.id, course_id: course.id, cycle: attempt.cycle, due_on: assignment.dueOn, content_hash: attempt.content_hash,
      attempt_id: attempt.id, attestation_id: attestationId, score: attempt.score, completed_at: now,
      valid_until: nextAnnual(t.policy(course), t.dayOf(now)).validUntil, source: 'quiz', recorded_by: null, created_at: now,
      ...await studyPace(trx, t, course, user.id, attempt),
    });
    if (completionId === undefined) fail('conflict', 'This training was already completed.');
    await appendAudit(trx, t.clock, actor, {
      action: 'completion.recorded', subjectType: 'user', subjectId: user.id,
      details: { completion: completionId, course: course.id, cycle: attempt.cycle, attempt: attempt.id, score: attempt.score, content: attempt.content_hash, policy: policy.version },
    });
    const certificateId = await issueCertificate(trx, t.clock, actor, completionId, user.name, course);
    touch(trx, user.id);
    return { completionId, certificateId, created: true };
  });
}
