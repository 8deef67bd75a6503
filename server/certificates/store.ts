import type { Kysely } from 'kysely';
import type { Certificate, DB } from '../db/schema';

/** Certificates and what they certify; issuing and status changes go through certificates/service.ts. */
export function certificateStore(db: Kysely<DB>) {
  return {
    insert: (row: Omit<Certificate, 'id' | 'status' | 'revoked_at' | 'revoked_reason' | 'replaced_by'>) =>
      db.insertInto('certificates').values(row).returning('id').executeTakeFirstOrThrow(),
    byId: (id: number) => db.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirst(),
    byCodeHash: (hash: string) => db.selectFrom('certificates').selectAll().where('code_hash', '=', hash).executeTakeFirst(),
    forCompletion: (completionId: number) =>
      db.selectFrom('certificates').selectAll().where('completion_id', '=', completionId).orderBy('id', 'desc').execute(),
    /** The certificates of a person, newest first, with their completion. */
    forUser: (userId: number) =>
      db.selectFrom('certificates').innerJoin('completions', 'completions.id', 'certificates.completion_id')
        .selectAll('certificates')
        .select(['completions.user_id', 'completions.course_id', 'completions.cycle', 'completions.completed_at', 'completions.valid_until', 'completions.score', 'completions.source', 'completions.content_hash'])
        .where('completions.user_id', '=', userId).orderBy('certificates.id', 'desc').execute(),
    /** The completion a certificate records (certificates read it; training writes it). */
    completion: (completionId: number) => db.selectFrom('completions').selectAll().where('id', '=', completionId).executeTakeFirst(),
    attestation: (attestationId: number) => db.selectFrom('attestations').selectAll().where('id', '=', attestationId).executeTakeFirst(),
    ownerId: async (id: number) => (await db.selectFrom('completions').innerJoin('certificates', 'certificates.completion_id', 'completions.id')
      .select('completions.user_id').where('certificates.id', '=', id).executeTakeFirstOrThrow()).user_id,
    setStatus: (id: number, fields: { status: 'revoked' | 'replaced'; revoked_at?: string; revoked_reason?: string; replaced_by?: number }) =>
      db.updateTable('certificates').set(fields).where('id', '=', id).where('status', '=', 'valid').executeTakeFirst(),
  };
}
