import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import { codeHash, newCertificateCode } from '../certificates/codes';
import type { Course } from '../content/catalogue';
import { DEFAULT_LESSON_WPM } from '../config';
import type { DB, QuizAttempt, User } from '../db/schema';
import { courseMinimumSeconds, paceOf } from '../learning/pace';
import { HttpError } from '../http/errors';
import { ownAttempt } from '../learning/quiz';
import type { Training } from './service';
import { nextAnnual } from './status';
import { certificateStore, completionStore } from './store';

/** Names compared as people type them: case, accents' composition and spacing do not matter. */
function sameName(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFKC').toLocaleLowerCase('en-US').replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}

function policyHash(course: Course): string {
  return crypto.createHash('sha256').update(`${course.policy.title}\n${course.policy.version}\n${course.policy.textHtml}`).digest('hex');
}

export interface FinishResult {
  completionId: number;
  certificateId: number;
  created: boolean;
}

/** Issues a certificate for a completion, inside the caller's transaction, with its audit event. */
export async function issueCertificate(
  trx: Kysely<DB>, training: Training, actor: Actor, completionId: number, learnerName: string, course: Pick<Course, 'title' | 'version'>,
): Promise<number> {
  const code = newCertificateCode();
  const { id } = await certificateStore(trx).insert({
    completion_id: completionId, code, code_hash: codeHash(code), learner_name: learnerName,
    course_title: course.title, course_version: course.version, issued_at: training.clock.now().toISOString(),
  });
  await appendAudit(trx, training.clock, actor, { action: 'certificate.issued', subjectType: 'certificate', subjectId: id, details: { completion: completionId, code } });
  return id;
}

async function existingResult(trx: Kysely<DB>, completionId: number): Promise<FinishResult> {
  const certs = await certificateStore(trx).forCompletion(completionId);
  return { completionId, certificateId: certs[0]!.id, created: false };
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
 */
export async function finishWithAttestation(
  training: Training, actor: Actor, user: User, course: Course, attemptId: number | undefined, typedName: string,
): Promise<FinishResult> {
  return training.db.transaction().execute(async (trx) => {
    const attempt = await ownAttempt(trx, user.id, course.id, attemptId);
    if (!attempt.passed) throw new HttpError(409, 'This attempt did not pass, so there is nothing to attest yet. Retake the quiz first.');
    const done = await completionStore(trx).byCycle(user.id, course.id, attempt.cycle);
    if (done) return existingResult(trx, done.id);
    const assignment = await training.assignment(user, course, trx);
    if (assignment.cycle !== attempt.cycle) throw new HttpError(409, 'This quiz attempt belongs to an earlier training cycle. Take the current one.');
    if (!sameName(typedName, user.name)) {
      throw new HttpError(400, `Type your full name exactly as it is on your record ("${user.name}"). If that name is wrong, ask your administrator to correct it first.`);
    }
    const now = training.clock.now().toISOString();
    const { id: attestationId } = await trx.insertInto('attestations').values({
      user_id: user.id, course_id: course.id, attempt_id: attempt.id, policy_title: course.policy.title,
      policy_version: course.policy.version, policy_hash: policyHash(course), typed_name: typedName.trim(), attested_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    const completionId = await completionStore(trx).insertOnce({
      user_id: user.id, course_id: course.id, cycle: attempt.cycle, due_on: assignment.dueOn, content_hash: attempt.content_hash,
      attempt_id: attempt.id, attestation_id: attestationId, score: attempt.score, completed_at: now,
      valid_until: nextAnnual(training.policy(course), training.dayOf(now)).validUntil, source: 'quiz', recorded_by: null, created_at: now,
      ...await studyPace(trx, training, course, user.id, attempt),
    });
    if (completionId === undefined) throw new HttpError(409, 'This training was already completed.');
    await appendAudit(trx, training.clock, actor, {
      action: 'completion.recorded', subjectType: 'user', subjectId: user.id,
      details: { completion: completionId, course: course.id, cycle: attempt.cycle, attempt: attempt.id, score: attempt.score, content: attempt.content_hash, policy: course.policy.version },
    });
    const certificateId = await issueCertificate(trx, training, actor, completionId, user.name, course);
    await training.index.refresh(trx, [user.id]);
    return { completionId, certificateId, created: true };
  });
}
