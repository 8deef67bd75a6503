import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Certificate, DB, User } from '../db/schema';
import { HttpError } from '../http/errors';
import { formatDay } from '../training/dates';
import { issueCertificate } from '../training/finish';
import type { Training } from '../training/service';
import { certificateStore, completionStore } from '../training/store';
import { inScope, scopeFor } from '../users/scope';
import { userStore } from '../users/store';
import { codeHash, normalizeCode, sameCode } from './codes';
import type { CertificateData } from './render';

export async function loadCertificate(db: Kysely<DB>, id: number | undefined) {
  const cert = id === undefined ? undefined : await certificateStore(db).byId(id);
  const completion = cert ? await completionStore(db).byId(cert.completion_id) : undefined;
  const owner = completion ? await userStore(db).byId(completion.user_id) : undefined;
  return cert && completion && owner ? { cert, completion, owner } : undefined;
}

/** Owner, the owner's managers, admins and auditors; anyone else is told it does not exist. */
export async function mayDownload(db: Kysely<DB>, viewer: User, owner: User): Promise<boolean> {
  if (viewer.id === owner.id) return true;
  if (viewer.role === 'learner') return false;
  return inScope(await scopeFor(db, viewer), owner);
}

export async function certificateData(db: Kysely<DB>, training: Training, baseUrl: string, orgName: string, cert: Certificate): Promise<CertificateData> {
  const completion = (await completionStore(db).byId(cert.completion_id))!;
  const attestation = completion.attestation_id
    ? await db.selectFrom('attestations').selectAll().where('id', '=', completion.attestation_id).executeTakeFirst()
    : undefined;
  return {
    orgName, learnerName: cert.learner_name, courseTitle: cert.course_title, courseVersion: cert.course_version,
    contentHash: completion.content_hash, completedOn: formatDay(training.dayOf(completion.completed_at)), validUntil: formatDay(completion.valid_until),
    score: completion.score, source: completion.source, code: cert.code, verifyUrl: `${baseUrl}/verify/${cert.code}`, issuedAt: new Date(cert.issued_at),
    attestation: attestation
      ? `Attested to the ${attestation.policy_title} (version ${attestation.policy_version}) on ${formatDay(training.dayOf(attestation.attested_at))}, signed "${attestation.typed_name}"`
      : null,
  };
}

export type Verification =
  | { state: 'not-found' }
  | { state: 'replaced' }
  | { state: 'revoked'; revokedOn?: string }
  | { state: 'valid' | 'expired'; name: string; course: string; completedOn: string; validUntil: string };

/**
 * Public check of a code: name, course and dates for a valid or expired certificate, never anything
 * else about the person. A replaced code answers with its state alone (it was replaced after a name
 * correction, and the old name is no one's business); a revoked one vouches for no one, so it says
 * when it was revoked and nothing about whom.
 */
export async function verifyCode(db: Kysely<DB>, training: Training, input: string): Promise<Verification> {
  const code = normalizeCode(input);
  if (!code) return { state: 'not-found' };
  const cert = await certificateStore(db).byCodeHash(codeHash(code));
  if (!cert || !sameCode(cert.code, code)) return { state: 'not-found' };
  if (cert.status === 'revoked') return { state: 'revoked', revokedOn: cert.revoked_at ? training.dayOf(cert.revoked_at) : undefined };
  if (cert.status === 'replaced') return { state: 'replaced' };
  const completion = (await completionStore(db).byId(cert.completion_id))!;
  const base = { name: cert.learner_name, course: cert.course_title, completedOn: training.dayOf(completion.completed_at), validUntil: completion.valid_until };
  return { ...base, state: training.today() > completion.valid_until ? 'expired' : 'valid' };
}

export async function revokeCertificate(db: Kysely<DB>, training: Training, actor: Actor, certId: number, reason: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const r = await certificateStore(trx).setStatus(certId, { status: 'revoked', revoked_at: training.clock.now().toISOString(), revoked_reason: reason });
    if (Number(r.numUpdatedRows) !== 1) throw new HttpError(409, 'Only a valid certificate can be revoked; this one is already revoked or replaced.');
    await appendAudit(trx, training.clock, actor, { action: 'certificate.revoked', subjectType: 'certificate', subjectId: certId, details: { reason } });
    const owner = await trx.selectFrom('completions').innerJoin('certificates', 'certificates.completion_id', 'completions.id')
      .select('completions.user_id').where('certificates.id', '=', certId).executeTakeFirstOrThrow();
    await training.index.refresh(trx, [owner.user_id]);
  });
}

/** A new certificate for the same completion, with the person's name as it is now; the old code then reads "replaced". */
export async function reissueCertificate(db: Kysely<DB>, training: Training, actor: Actor, certId: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const found = await loadCertificate(trx, certId);
    if (!found) throw new HttpError(404, 'There is no such certificate.');
    if (found.cert.status !== 'valid') throw new HttpError(409, 'Only a valid certificate can be reissued.');
    // Same course title and version as the completion it records; only the name is brought up to date.
    const course = { title: found.cert.course_title, version: found.cert.course_version };
    const newId = await issueCertificate(trx, training, actor, found.completion.id, found.owner.name, course);
    await certificateStore(trx).setStatus(certId, { status: 'replaced', replaced_by: newId });
    await training.index.refresh(trx, [found.owner.id]);
    await appendAudit(trx, training.clock, actor, { action: 'certificate.reissued', subjectType: 'certificate', subjectId: certId, details: { replacedBy: newId, name: found.owner.name } });
    return newId;
  });
}
