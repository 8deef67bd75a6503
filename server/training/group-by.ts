/** Items by a numeric key, in their order. */
export function groupBy<T>(items: readonly T[], key: (t: T) => number): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it); else m.set(k, [it]);
  }
  return m;
}
