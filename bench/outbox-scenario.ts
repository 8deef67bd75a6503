import { execFileSync } from 'node:child_process';
import path from 'node:path';

// `npm run bench`'s outbox scenario (issue 17): bench/outbox.ts in a process of its own, so the peak
// memory it reports is the app's alone (its SMTP server is a child process of that one).

export interface OutboxResult {
  messages: number;
  queueSeconds: number;
  sendSeconds: number;
  sentPerSecond: number;
  sent: number;
  received: number;
  distinctMessageIds: number;
  peakRssMiB: number;
  rssBeforeMiB: number;
  dbSynchronous: string;
}

export function measureOutbox(messages: number): OutboxResult {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'outbox.js'), String(messages)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!) as OutboxResult;
}

/** The result as rows of the bench table. */
export function outboxRows(r: OutboxResult): { what: string; value: string }[] {
  const n = r.messages.toLocaleString('en-US');
  return [
    { what: `11. outbox: queue ${n} reminders (slices of 1,000 per unit of work)`, value: `${r.queueSeconds.toFixed(2)} s` },
    { what: `11. outbox: send ${n} reminders to a local SMTP server`, value: `${r.sendSeconds.toFixed(1)} s = ${r.sentPerSecond} messages/s (${r.received.toLocaleString('en-US')} received, ${r.distinctMessageIds.toLocaleString('en-US')} distinct Message-IDs)` },
    { what: '11. outbox: peak resident memory of the app process', value: `${r.peakRssMiB} MiB (${r.rssBeforeMiB} MiB before queueing; DB synchronous=${r.dbSynchronous})` },
  ];
}
