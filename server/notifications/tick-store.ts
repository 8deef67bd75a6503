import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

/**
 * Timer ticks claimed in the database (migration 0026), so that of several instances ticking the same
 * interval exactly one runs it. Autocommit statements, outside any unit of work: the claim must be
 * visible to the other instances at once.
 */
export function tickStore(db: Kysely<DB>) {
  return {
    /**
     * Inserts (name, slot); true when this insert made the row, false when another instance (or an
     * earlier tick of this one) holds it already. The primary key decides, on both engines: no
     * read-then-write.
     */
    async claim(name: string, slot: number, instance: string, claimedAt: string): Promise<boolean> {
      const rows = await db.insertInto('scheduler_ticks').values({ name, slot, instance, claimed_at: claimedAt })
        .onConflict((oc) => oc.columns(['name', 'slot']).doNothing())
        .returning('slot')
        .execute();
      return rows.length === 1;
    },

    /** Forgets the ticks of `name` claimed before `before` (ISO); returns how many. */
    async prune(name: string, before: string): Promise<number> {
      const result = await db.deleteFrom('scheduler_ticks').where('name', '=', name).where('claimed_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
