import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { neutralise } from '../reports/csv-export';
import { POLICY_VERSION_HEADER } from '../reports/evidence-policies';
import type { PolicyEvidence } from './records';

/** One policy's versions with their exact text, as the admin downloads them (a spreadsheet-safe CSV). */
export async function writeVersionsCsv(versions: PolicyEvidence['versions'], out: Writable): Promise<void> {
  const csv = stringify({ record_delimiter: '\r\n' });
  csv.pipe(out);
  out.write('\uFEFF');
  // The same columns as the evidence pack's policy versions.
  csv.write([...POLICY_VERSION_HEADER]);
  for (const v of versions) csv.write([v.slug, v.label, v.title, v.kind, v.note, v.publishedAt, v.supersededAt, v.textHash, v.text].map(neutralise));
  await new Promise<void>((resolve) => { csv.end(() => resolve()); });
}
