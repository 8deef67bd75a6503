/**
 * SQLite takes at most 32,766 parameters in one statement, so a look-up or change over a long list of
 * ids (a whole department, six years of records) is made in chunks.
 */
const CHUNK = 5000;

export function chunksOf<T>(values: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** Runs a query per chunk and joins the rows; no query at all for an empty list. */
export async function inChunks<T, R>(values: readonly T[], run: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (const chunk of chunksOf(values)) out.push(...await run(chunk));
  return out;
}

/** Runs a change per chunk and adds up the rows it touched. */
export async function changeInChunks<T>(values: readonly T[], run: (chunk: T[]) => Promise<bigint | number>): Promise<number> {
  let n = 0;
  for (const chunk of chunksOf(values)) n += Number(await run(chunk));
  return n;
}
