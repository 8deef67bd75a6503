import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { compose } from '../server/compose';
import { loadConfig } from '../server/config';
import { migrateToLatest } from '../server/db/migrate';
import { createLogger } from '../server/http/logging';
import { enqueue, type NewMessage } from '../server/notifications/outbox';

// Issue 17: time and peak memory to queue and send reminders through the outbox to a local SMTP
// server. The SMTP server runs in a child process of its own (this file with --peer), so the numbers
// are the app's alone. Usage: node dist/bench/outbox.js [messages=10000]. Prints one JSON line.
// `npm run bench` runs it at 10,000 (BENCH_OUTBOX_MESSAGES); `BENCH_ONLY=outbox npm run bench` runs only it.

const SLICE = 1000;

/** The peer: accepts everything and counts each Message-ID it receives; answers "count" over IPC. */
function runPeer(): void {
  const seen = new Map<string, number>();
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, _session, cb) {
      let head = '';
      stream.on('data', (c: Buffer) => { if (head.length < 4096) head += c.toString('latin1'); });
      stream.on('end', () => {
        const id = /^Message-ID:\s*(\S+)/im.exec(head)?.[1] ?? 'none';
        seen.set(id, (seen.get(id) ?? 0) + 1);
        cb();
      });
    },
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', (m) => {
    if (m !== 'count') return;
    process.send?.({ messages: [...seen.values()].reduce((a, b) => a + b, 0), distinct: seen.size });
    server.close(() => process.exit(0));
  });
}

function message(i: number): NewMessage {
  return {
    key: `due-soon:${i}:course:hipaa-social-media:annual-2027:14`, userId: null, to: `person${i}@riverside.example`, stage: 'due-soon',
    subject: 'Your HIPAA refresher is due in 14 days',
    text: `Hello Person ${i},\n\nYour HIPAA and social media refresher is due on 15 March 2027: your last certificate expires then.\n`,
    html: `<p>Hello Person ${i},</p><p>Your HIPAA and social media refresher is due on 15 March 2027: your last certificate expires then.</p>`,
  };
}

async function runBench(count: number): Promise<void> {
  const peer = fork(__filename, ['--peer'], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve) => peer.once('message', (m) => resolve((m as { port: number }).port)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-bench-outbox-'));
  try {
    const config = loadConfig({
      DATA_DIR: dir, LOG_LEVEL: 'silent', SESSION_SECRET: 'bench-secret-that-is-long-enough-for-the-check', AUDIT_KEY: 'b1'.repeat(32),
      SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'training@riverside.example', ORG_NAME: 'Riverside General',
    });
    const services = compose(config, { log: createLogger('silent') });
    await migrateToLatest(services.db);
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    for (let from = 0; from < count; from += SLICE) {
      const slice = Array.from({ length: Math.min(SLICE, count - from) }, (_, i) => message(from + i));
      await services.uow((trx) => enqueue(trx, slice, services.clock.now()));
    }
    const queuedMs = performance.now() - t0;
    const t1 = performance.now();
    const report = await services.outboxSender.runOnce();
    const sentMs = performance.now() - t1;
    await services.close();
    peer.send('count');
    const got = await new Promise<{ messages: number; distinct: number }>((resolve) => peer.once('message', (m) => resolve(m as { messages: number; distinct: number })));
    console.log(JSON.stringify({
      messages: count, queueSeconds: +(queuedMs / 1000).toFixed(2), sendSeconds: +(sentMs / 1000).toFixed(2),
      sentPerSecond: Math.round(report.sent / (sentMs / 1000)), sent: report.sent, received: got.messages, distinctMessageIds: got.distinct,
      // Peak resident memory of this (the app's) process, from the kernel's high-water mark.
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), rssBeforeMiB: Math.round(rssBefore / 2 ** 20),
      dbSynchronous: config.dbSynchronous,
    }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Only when run as a program (bench/outbox-scenario.ts and bench/invitations.ts start it as one).
if (require.main === module) {
  if (process.argv[2] === '--peer') runPeer();
  else void runBench(Number(process.argv[2] ?? '10000'));
}
