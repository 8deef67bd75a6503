import type { Kysely } from 'kysely';
import type { Catalogue } from '../content/catalogue';
import { dateFormatters } from '../dates';
import type { DB } from '../db/schema';
import { describeEvent, type DescribedEvent, type EventContext } from './present';
import { auditStore, type AuditFilter } from './store';

export type { AuditFilter };

/** The readable audit log, as the admin page lists it. */
export class AuditLog {
  private readonly words: Omit<EventContext, 'personName'>;

  /** Course titles and the organisation's time zone put the events into words. */
  constructor(private readonly db: Kysely<DB>, catalogue?: Catalogue, timeZone = 'UTC') {
    const dates = dateFormatters(timeZone);
    this.words = {
      courseTitle: (id) => catalogue?.get(id)?.title ?? id, formatDateTime: (iso) => dates.formatDateTime(iso), formatDay: (day) => dates.formatDay(day),
    };
  }

  /** One page of events, newest first, and how many the filter matches. */
  async page(filter: AuditFilter, limit: number, offset: number) {
    const store = auditStore(this.db);
    const [rows, total] = await Promise.all([store.page(filter, limit, offset), store.count(filter)]);
    return { rows, total };
  }

  /** One page of events in words: who, what, about whom, when (see present.ts). */
  async describedPage(filter: AuditFilter, limit: number, offset: number): Promise<{ events: DescribedEvent[]; total: number }> {
    const { rows, total } = await this.page(filter, limit, offset);
    const ids = new Set<number>();
    for (const e of rows) {
      if (e.actor_id !== null) ids.add(e.actor_id);
      if (e.subject_type === 'user' && e.subject_id && /^\d{1,15}$/.test(e.subject_id)) ids.add(Number(e.subject_id));
    }
    const names = await auditStore(this.db).names([...ids]);
    const context: EventContext = { ...this.words, personName: (id) => names.get(id) };
    return { events: rows.map((e) => describeEvent(e, context)), total };
  }

  /** The latest events about a person, in words, for their page. */
  async aboutPerson(userId: number, limit = 20): Promise<DescribedEvent[]> {
    return (await this.describedPage({ subjectType: 'user', subjectId: String(userId) }, limit, 0)).events;
  }
}
