import type { Actor } from '../audit/service';
import type { User } from '../db/schema';

/** Who did it, as the audit log records it: the signed-in person and the address the request came from. */
export function actorOf(user: User, ip: string | undefined): Actor {
  return { id: user.id, label: user.email, ip: ip ?? null };
}
