import type { Logo } from './logo';
import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { Course } from '../content/catalogue';
import type { Certificate, DB, User } from '../db/schema';
import { touch } from '../db/unit-of-work';
import { fail } from '../errors';
import { formatDay } from '../dates';
import type { Training } from '../training/service';
import { inScope, scopeFor } from '../users/scope';
import { userStore } from '../users/store';
import { codeHash, newCertificateCode, normalizeCode, sameCode } from './codes';
import type { CertificateData } from './render';
import { certificateStore } from './store';

/** Issues a certificate for a completion, inside the caller's transaction, with its audit event. */
export async function issueCertificate(
  trx: Kysely<DB>, clock: Clock, actor: Actor, completionId: number, learnerName: string, course: Pick<Course, 'title' | 'version'>,
): Promise<number> {
  const code = newCertificateCode();
  const { id } = await certificateStore(trx).insert({
    completion_id: completionId, code, code_hash: codeHash(code), learner_name: learnerName,
    course_title: course.title, course_version: course.version, issued_at: clock.now().toISOString(),
  });
  await appendAudit(trx, clock, actor, { action: 'certificate.issued', subjectType: 'certificate', subjectId: id, details: { completion: completionId, code } });
  return id;
}

/** The newest certificate of a completion, if any. */
export async function certificateOfCompletion(trx: Kysely<DB>, completionId: number): Promise<Certificate | undefined> {
  return (await certificateStore(trx).forCompletion(completionId))[0];
}

/** A person's certificates, newest first, with their completion. */
export async function certificatesOf(db: Kysely<DB>, userId: number) {
  return certificateStore(db).forUser(userId);
}

export async function certificateById(db: Kysely<DB>, id: number): Promise<Certificate | undefined> {
  return certificateStore(db).byId(id);
}

export async function loadCertificate(db: Kysely<DB>, id: number | undefined) {
  const cert = id === undefined ? undefined : await certificateStore(db).byId(id);
  const completion = cert ? await certificateStore(db).completion(cert.completion_id) : undefined;
  const owner = completion ? await userStore(db).byId(completion.user_id) : undefined;
  return cert && completion && owner ? { cert, completion, owner } : undefined;
}

/** Owner, the owner's managers, admins and auditors; anyone else is told it does not exist. */
export async function mayDownload(db: Kysely<DB>, viewer: User, owner: User): Promise<boolean> {
  if (viewer.id === owner.id) return true;
  if (viewer.role === 'learner') return false;
  return inScope(await scopeFor(db, viewer), owner);
}

/** The organisation a certificate speaks for: its name and logo, and the public address its QR code points at. */
export interface CertificateSite { baseUrl: string; orgName: string; logo?: Logo }

export async function certificateData(db: Kysely<DB>, training: Training, site: CertificateSite, cert: Certificate): Promise<CertificateData> {
  const store = certificateStore(db);
  const completion = (await store.completion(cert.completion_id))!;
  const attestation = completion.attestation_id ? await store.attestation(completion.attestation_id) : undefined;
  return {
    orgName: site.orgName, ...(site.logo ? { logo: site.logo } : {}), learnerName: cert.learner_name, courseTitle: cert.course_title, courseVersion: cert.course_version,
    contentHash: completion.content_hash, completedOn: formatDay(training.dayOf(completion.completed_at)), validUntil: formatDay(completion.valid_until),
    how: training.sourceInWords({ source: completion.source, score: completion.score }, 'certificate'), code: cert.code, verifyUrl: `${site.baseUrl}/verify/${cert.code}`, issuedAt: new Date(cert.issued_at),
    attestation: attestation
      // The name as it is on record (the certificate's), not as it was typed: typing may differ in case,
      // spacing, apostrophes or accents, and the certificate prints one name.
      ? `Attested to the ${attestation.policy_title} (version ${attestation.policy_version}) on ${formatDay(training.dayOf(attestation.attested_at))}, signed "${cert.learner_name}"`
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
  const completion = (await certificateStore(db).completion(cert.completion_id))!;
  const base = { name: cert.learner_name, course: cert.course_title, completedOn: training.dayOf(completion.completed_at), validUntil: completion.valid_until };
  return { ...base, state: training.today() > completion.valid_until ? 'expired' : 'valid' };
}

export async function revokeCertificate(training: Training, actor: Actor, certId: number, reason: string): Promise<void> {
  await training.uow(async (trx) => {
    const r = await certificateStore(trx).setStatus(certId, { status: 'revoked', revoked_at: training.clock.now().toISOString(), revoked_reason: reason });
    if (Number(r.numUpdatedRows) !== 1) fail('conflict', 'Only a valid certificate can be revoked; this one is already revoked or replaced.');
    await appendAudit(trx, training.clock, actor, { action: 'certificate.revoked', subjectType: 'certificate', subjectId: certId, details: { reason } });
    touch(trx, await certificateStore(trx).ownerId(certId));
  });
}

/** A new certificate for the same completion, with the person's name as it is now; the old code then reads "replaced". */
export async function reissueCertificate(training: Training, actor: Actor, certId: number): Promise<number> {
  return training.uow(async (trx) => {
    const found = await loadCertificate(trx, certId);
    if (!found) fail('not-found', 'There is no such certificate.');
    if (found.cert.status !== 'valid') fail('conflict', 'Only a valid certificate can be reissued.');
    // Same course title and version as the completion it records; only the name is brought up to date.
    const course = { title: found.cert.course_title, version: found.cert.course_version };
    const newId = await issueCertificate(trx, training.clock, actor, found.completion.id, found.owner.name, course);
    await certificateStore(trx).setStatus(certId, { status: 'replaced', replaced_by: newId });
    touch(trx, found.owner.id);
    await appendAudit(trx, training.clock, actor, { action: 'certificate.reissued', subjectType: 'certificate', subjectId: certId, details: { replacedBy: newId, name: found.owner.name } });
    return newId;
  });
}
