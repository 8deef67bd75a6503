import type { CompletionSource } from '../db/schema';
import { sentenceFor, type Assignment, type Audience, type CyclePolicy, type ReasonFacts } from './status';

/** What it takes to say how a completion came about. */
export interface SourceFacts {
  /** A CompletionSource as stored; null where a report row has no completion yet (an unknown word says nothing). */
  source: CompletionSource | string | null;
  score?: number | null;
  /** In person: the trainer. Import: the system the record came from. */
  details?: { trainer?: string; source?: string };
  /** The e-mail address of the admin who recorded it (in person or import); "admin" when unknown. */
  recorder?: string;
}

/**
 * Where the words go:
 * - `how`: a person's page for a manager or admin ("Quiz 92%", "In person (Aisha Rahman)", "Imported (Old LMS)");
 * - `result`: the learner's own transcript, in its score column ("92%", "In person", "—");
 * - `recorded-by`: the report's CSV export ("self (quiz)", "admin@… (in person)", "admin@… (import)");
 * - `evidence`: the evidence pack keeps the stored word ("quiz", "in-person", "import"), the one an
 *   auditor finds in the database;
 * - `certificate`: the certificate's sentence ("Quiz score 92%", "Recorded by an administrator for an
 *   in-person session"). Certificates may not import training at run time (training imports
 *   certificates), so they get it through Training.sourceInWords.
 */
export type SourceStyle = 'how' | 'result' | 'recorded-by' | 'evidence' | 'certificate';

/** The one place a completion's source becomes words. */
export function sourceInWords(c: SourceFacts, style: SourceStyle): string {
  const recorder = c.recorder ?? 'admin';
  switch (style) {
    case 'how':
      return c.source === 'quiz' ? `Quiz ${c.score}%` : c.source === 'in-person' ? `In person (${c.details?.trainer || ''})`
        : c.source === 'import' ? `Imported (${c.details?.source || ''})` : '';
    case 'result':
      return c.score !== null && c.score !== undefined ? `${c.score}%` : c.source === 'in-person' ? 'In person' : '—';
    case 'recorded-by':
      return c.source === 'quiz' ? 'self (quiz)' : c.source === 'in-person' ? `${recorder} (in person)` : c.source === 'import' ? `${recorder} (import)` : '';
    case 'evidence':
      return c.source ?? '';
    case 'certificate':
      return c.source === 'in-person' ? 'Recorded by an administrator for an in-person session'
        : c.source === 'import' ? 'Imported from an earlier training record' : `Quiz score ${c.score ?? '—'}%`;
  }
}

/** Why an assignment is due when it is, said to `audience`: the learner ("your") or their manager or an admin ("their"). */
export function reasonFor(policy: CyclePolicy, assignment: Assignment, hasHireDate: boolean, audience: Audience): string {
  const fallback: ReasonFacts = assignment.kind === 'annual' && assignment.last
    ? { kind: 'annual', dueOn: assignment.dueOn, lastCompletedOn: assignment.last.completedOn, completed: assignment.status === 'completed' }
    : { kind: 'onboarding', dueOn: assignment.dueOn, hasHireDate };
  return sentenceFor(policy, assignment, fallback, audience);
}
