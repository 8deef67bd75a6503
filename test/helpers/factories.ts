import type { Kysely } from 'kysely';
import { hashPassword } from '../../server/auth/password-hashing';
import type { Clock } from '../../server/clock';
import type { DB, Role, User } from '../../server/db/schema';
import { saveUser } from '../../server/users/service';
import { userStore } from '../../server/users/store';
import { unitOfWorkFor } from './app';

export const GOOD_PASSWORD = 'lantern orchard velvet 42';

let counter = 0;

export interface PersonSpec {
  name?: string;
  email?: string;
  role?: Role;
  department?: string | null;
  managerEmail?: string | null;
  employeeId?: string | null;
  hireDate?: string | null;
  password?: string | null;
}

/** Creates a person through the same service the admin screens use (audited), with a password unless told not to. */
export async function createPerson(db: Kysely<DB>, clock: Clock, spec: PersonSpec = {}): Promise<User> {
  counter += 1;
  const f = {
    employee_id: spec.employeeId === undefined ? `E${1000 + counter}` : spec.employeeId,
    email: spec.email ?? `person${counter}@riverside.example`,
    name: spec.name ?? `Person ${counter}`,
    role: spec.role ?? 'learner',
    department: spec.department ?? null,
    manager_email: spec.managerEmail ?? null,
    hire_date: spec.hireDate ?? null,
  } as const;
  const password = spec.password === undefined ? GOOD_PASSWORD : spec.password;
  const hash = password ? await hashPassword(password) : null;
  return unitOfWorkFor(db)(async (trx) => {
    const { user } = await saveUser(trx, clock, { id: null, label: 'test' }, undefined, f);
    return hash ? userStore(trx).update(user.id, { password_hash: hash }) : user;
  });
}
