import { z } from 'zod';
import { NO_FIELDS, type RequestSchemas } from '../http/validate';
import { OUTBOX_STATES, type OutboxState } from './service';

/**
 * The outbox page's filters (GET /admin/outbox): state, stage, a person's name or address, the page.
 * Every field may be empty; anything else that does not fit is a message, not a crash.
 */
export const outboxQuery = z.object({
  state: z.string().trim().refine((s) => s === '' || (OUTBOX_STATES as readonly string[]).includes(s), 'State: choose one from the list.')
    .transform((s) => (s ? s as OutboxState : undefined)),
  stage: z.string().trim().max(60, 'Stage: choose one from the list.')
    .refine((s) => s === '' || /^[a-z][a-z0-9-]*$/.test(s), 'Stage: choose one from the list.')
    .transform((s) => s || undefined),
  person: z.string().trim().max(200, 'Person: at most 200 characters.').transform((s) => s || undefined),
  page: z.string().trim().refine((s) => s === '' || /^[1-9]\d{0,8}$/.test(s), 'Page: a whole number from 1.')
    .transform((s) => (s ? Number(s) : 1)),
});

export type OutboxQuery = z.output<typeof outboxQuery>;

export const OUTBOX_ADMIN_REQUESTS = {
  'GET /admin/outbox': outboxQuery,
  'POST /admin/outbox/:id/retry': NO_FIELDS,
} satisfies RequestSchemas;
