import type { Kysely } from 'kysely';
import type { DB, User } from '../db/schema';
import { scopeFor } from './scope';
import { departmentStore, userStore, type UserFilter } from './store';

/** The people reads the admin, team and report pages need, so those routes never see the database. */
export class People {
  constructor(private readonly db: Kysely<DB>) {}

  byId(id: number) {
    return userStore(this.db).byId(id);
  }

  /** One page of the people list and the count of everyone the filter matches. */
  async page(filter: UserFilter, limit: number, offset: number) {
    const users = userStore(this.db);
    const [rows, total] = await Promise.all([users.page(filter, limit, offset), users.count(filter)]);
    return { rows, total };
  }

  /** Every department, for the trees and pickers on the admin and report pages. */
  departments() {
    return departmentStore(this.db).all();
  }

  /** Whom a viewer may see: everyone, their departments and direct reports, or only themselves. */
  scopeOf(viewer: User) {
    return scopeFor(this.db, viewer);
  }
}
