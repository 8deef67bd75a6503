import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import { readCsv, type RowError } from '../csv';
import { bulkWrite } from '../db/bulk-write';
import type { DB } from '../db/schema';
import { Pacer } from '../pacer';
import type { UnitOfWork } from '../db/unit-of-work';
import { USER_FIELD_NAMES, userFields, type UserFields } from './fields';
import { cycleProblems, databaseCycles, duplicateProblems, orderProblems } from './import-checks';
import { RuleError } from '../errors';
import { issuePasswordLink, saveUser, type Invite } from './service';
import { userStore } from './store';

export const IMPORT_COLUMNS = USER_FIELD_NAMES;
/** The columns a file must have (README "Importing people"); the others may be left out entirely. */
export const IMPORT_REQUIRED = ['email', 'name'] as const;
export const IMPORT_OPTIONAL = IMPORT_COLUMNS.filter((c) => !(IMPORT_REQUIRED as readonly string[]).includes(c));
/**
 * Rows per file. An import is one transaction (all rows or none) and every other database request waits
 * for it to commit, so the cap bounds that wait; a larger workforce is imported in several files (by
 * department, say). Files are also limited to UPLOAD_MAX_BYTES.
 */
export const IMPORT_MAX_ROWS = 25_000;
export type { RowError };

export interface ParsedRow {
  line: number;
  fields: UserFields;
}

/** A checked file: the rows that passed the field checks, every problem found, and who is in it. */
export interface ParsedFile {
  rows: ParsedRow[];
  errors: RowError[];
  /** E-mail addresses (lower case) of rows with a problem: their people will not exist after the check. */
  failed: Set<string>;
}

export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  links: { name: string; email: string; token: string }[];
}

/**
 * Parses and checks the whole file, a slice at a time: field checks on every row and the checks across
 * rows (duplicates, reporting cycles) together. Any error means nothing will be imported.
 */
export async function parseUserCsv(text: string): Promise<ParsedFile> {
  const pacer = new Pacer();
  const csv = await readCsv(text, IMPORT_REQUIRED, IMPORT_OPTIONAL, IMPORT_MAX_ROWS, pacer);
  const rows: ParsedRow[] = [];
  const pace = () => pacer.pace();
  const errors = [...csv.errors, ...await duplicateProblems(csv.rows, pace), ...await cycleProblems(csv.rows, pace)];
  const failed = new Set<string>();
  for (const { line, values } of csv.rows) {
    await pacer.pace();
    const parsed = userFields.safeParse(values);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ line, column: String(issue.path[0] ?? ''), reason: issue.message });
      failed.add((values.email ?? '').trim().toLowerCase());
      continue;
    }
    rows.push({ line, fields: parsed.data });
  }
  return { rows, errors: orderProblems(errors), failed };
}

/** Orders rows so that managers named in the file are saved before the people who report to them. */
function managersFirst(rows: ParsedRow[]): ParsedRow[] {
  const byEmail = new Map(rows.map((r) => [r.fields.email.toLowerCase(), r]));
  const out: ParsedRow[] = [];
  const state = new Map<ParsedRow, 'visiting' | 'done'>();
  const visit = (r: ParsedRow) => {
    if (state.get(r)) return; // done, or a reporting cycle: saveUser then reports the missing manager
    state.set(r, 'visiting');
    const m = r.fields.manager_email ? byEmail.get(r.fields.manager_email.toLowerCase()) : undefined;
    if (m) visit(m);
    state.set(r, 'done');
    out.push(r);
  };
  rows.forEach(visit);
  return out;
}

/**
 * The person a row updates: by employee ID; else by email, but only when that person has no employee ID
 * yet (or the row gives none). An email that belongs to someone with another employee ID is a conflict
 * that saveUser reports, rather than silently renumbering that person.
 */
async function matchExisting(users: ReturnType<typeof userStore>, fields: UserFields) {
  const byId = fields.employee_id ? await users.byEmployeeId(fields.employee_id) : undefined;
  if (byId) return byId;
  const byEmail = await users.byEmail(fields.email);
  return byEmail && (!fields.employee_id || !byEmail.employee_id) ? byEmail : undefined;
}

/**
 * Upserts every row by employee ID (else email) in one transaction: all rows or none. Rows are saved
 * managers first, so a manager may appear anywhere in the file. New people get a set-password link.
 * When the file already has problems the good rows are still saved, to find what only the database
 * knows (an e-mail that belongs to someone else, an unknown manager), and then all is rolled back:
 * every problem of the file is reported in one answer.
 * The work is done a slice at a time (see Pacer), so the server keeps answering meanwhile.
 */
/** Manager links read per query while checking for reporting cycles through the database. */
const LINK_BATCH = 2_000;

/** Invitations queued per statement batch of an import, with a pause for other requests between batches. */
const INVITE_SLICE = 500;

export async function importUsers(
  db: Kysely<DB>, uow: UnitOfWork, clock: Clock, actor: Actor, file: ParsedFile, source: string, invite?: Invite,
): Promise<{ ok: true; summary: ImportSummary } | { ok: false; errors: RowError[] }> {
  // A row with a problem already found (a duplicate, a cycle) is not saved: saving it would only report
  // the same problem again in the database's words. Nor is its e-mail checked as someone's manager.
  const flagged = new Set(file.errors.map((e) => e.line));
  const rows = file.rows.filter((r) => !flagged.has(r.line));
  const unsaved = new Set([...file.failed, ...file.rows.filter((r) => flagged.has(r.line)).map((r) => r.fields.email.toLowerCase())]);
  // A file whose header is unusable, or whose every row has a problem, has nothing left to check.
  if (file.errors.length && rows.length === 0) return { ok: false, errors: file.errors };
  try {
    const summary = await bulkWrite(db, () => uow(async (trx) => {
      const users = userStore(trx);
      const s: ImportSummary = { created: 0, updated: 0, unchanged: 0, links: [] };
      // The rows' own problems come first; the database checks below add theirs in the same pass.
      const errors: RowError[] = [...file.errors];
      const pacer = new Pacer();
      const savedLines = new Map<number, number>();
      const created: { id: number; name: string; email: string }[] = [];
      for (const row of managersFirst(rows)) {
        await pacer.pace();
        const manager = row.fields.manager_email?.toLowerCase();
        const f = manager && unsaved.has(manager) ? { ...row.fields, manager_email: null } : row.fields;
        const existing = await matchExisting(users, f);
        try {
          const { user, change } = await saveUser(trx, clock, actor, existing, f);
          savedLines.set(user.id, row.line);
          if (change === 'created') {
            created.push({ id: user.id, name: user.name, email: user.email });
            s.links.push({ name: user.name, email: user.email, token: await issuePasswordLink(trx, clock, actor, user.id, { newPerson: true }) });
          }
          s[change] += 1;
        } catch (e) {
          if (!(e instanceof RuleError)) throw e;
          for (const [column, reason] of Object.entries(e.problems ?? { form: e.message })) errors.push({ line: row.line, column, reason });
        }
      }
      // A cycle through people the file does not name (A in the file reports to B, B already reports to A).
      // Read and walked a slice at a time like the rows: 20,000 people at once held the event loop.
      const links: { id: number; email: string; manager_id: number | null }[] = [];
      for (let batch = await users.managerLinksAfter(0, LINK_BATCH); batch.length > 0; batch = await users.managerLinksAfter(batch[batch.length - 1]!.id, LINK_BATCH)) {
        links.push(...batch);
        await pacer.pace();
      }
      errors.push(...await databaseCycles(links, savedLines, () => pacer.pace()));
      if (errors.length) throw new ImportRejected(orderProblems(errors));
      // In this unit of work, inside bulkWrite: the people and their invitations commit together, and the
      // checkpoint after the commit takes the invitations' pages out of the WAL with the people's.
      for (let i = 0; invite && i < created.length; i += INVITE_SLICE) {
        await invite(trx, created.slice(i, i + INVITE_SLICE));
        await pacer.pace();
      }
      await appendAudit(trx, clock, actor, {
        action: 'users.imported', subjectType: 'import',
        details: { source, rows: rows.length, created: s.created, updated: s.updated, unchanged: s.unchanged },
      });
      return s;
    }));
    return { ok: true, summary };
  } catch (e) {
    if (e instanceof ImportRejected) return { ok: false, errors: e.errors };
    throw e;
  }
}

class ImportRejected extends Error {
  constructor(readonly errors: RowError[]) {
    super('import rejected');
  }
}
