import type { Kysely } from 'kysely';

// Until this version, set-password links were kept in session data (`issuedLinks`) between the POST
// that issued them and the page that showed them, so a session row could hold a working link for up
// to 72 hours. The app no longer puts them there; this removes any left in rows from before. The
// database is opened with secure_delete on, so the rewritten rows leave zeros, not the old text.

type SessionsOnly = { sessions: { sid: string; data: string } };

export async function up(anyDb: Kysely<unknown>): Promise<void> {
  const db = anyDb as unknown as Kysely<SessionsOnly>;
  const rows = await db.selectFrom('sessions').select(['sid', 'data']).where('data', 'like', '%issuedLinks%').execute();
  for (const row of rows) {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(row.data) as Record<string, unknown>;
    } catch {
      // Not readable as a session: nothing in it can be trusted or kept.
      await db.deleteFrom('sessions').where('sid', '=', row.sid).execute();
      continue;
    }
    delete data.issuedLinks;
    await db.updateTable('sessions').set({ data: JSON.stringify(data) }).where('sid', '=', row.sid).execute();
  }
}
