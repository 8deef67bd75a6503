import fs from 'node:fs';

/** Memory of a process from /proc, in MB: peak resident (VmHWM), and the current private (anonymous) and file-backed parts. */
export function memoryMb(pid: number): { peak: number; anon: number; file: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 'NaN') / 1024;
  return { peak: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/** Starts a new peak-RSS measurement for a process (Linux: writing 5 to clear_refs resets VmHWM). */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
