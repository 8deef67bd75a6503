import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { Logger } from 'pino';
import { SMTPServer } from 'smtp-server';
import type { Clock } from '../clock';
import type { MailConfig } from '../config';
import type { UnitOfWork } from '../db/unit-of-work';
import { isHardBounce, readDsn } from './dsn';
import { messageIdOfBounceAddress } from './sender';
import { outboxStore } from './store';

/** DSNs are a few kilobytes; anything far larger is not one. */
const MAX_MESSAGE_BYTES = 512 * 1024;

export interface BounceListener {
  port: number;
  close(): Promise<void>;
}

/**
 * The optional inbound SMTP listener (SMTP_BOUNCE_PORT). It takes mail only for the per-message return
 * addresses (VERP) the sender puts on each message, so a bounce names the message it belongs to, and it
 * believes a bounce only about that message's own recipients: mail to this port cannot mark any other
 * address. The organisation's mail server forwards the bounce domain (or the +b- addresses) here.
 */
export async function startBounceListener(opts: {
  port: number; host: string; mail: MailConfig; uow: UnitOfWork; clock: Clock; log: Logger;
}): Promise<BounceListener> {
  const { mail, uow, clock, log } = opts;
  const server = new SMTPServer({
    // Mail servers relay bounces in plain SMTP to this internal port; no sign-in is asked of them.
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MESSAGE_BYTES,
    // Bounces trickle in; a flood of connections is not a mail server relaying them.
    maxClients: 20,
    logger: false,
    banner: 'Privacy Rounds bounce listener',
    onRcptTo(address, _session, cb) {
      if (messageIdOfBounceAddress(mail, address.address)) { cb(); return; }
      cb(Object.assign(new Error('5.1.1 No such recipient here'), { responseCode: 550 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
          cb(Object.assign(new Error('5.3.4 Message too big for a bounce'), { responseCode: 552 }));
          return;
        }
        const raw = Buffer.concat(chunks);
        const ids = session.envelope.rcptTo.map((r) => messageIdOfBounceAddress(mail, r.address)).filter((x) => x !== undefined);
        record(raw, ids).then(() => cb(), (e: unknown) => {
          log.error({ err: e }, 'bounce listener: could not record a bounce');
          cb(Object.assign(new Error('4.3.0 Try again later'), { responseCode: 451 }));
        });
      });
    },
  });

  async function record(raw: Buffer, messageIds: string[]): Promise<void> {
    const parsed = await simpleParser(raw);
    const type = parsed.headers.get('content-type');
    const contentType = typeof type === 'object' && type !== null && 'value' in type
      ? type as { value: string; params: Record<string, string> } : { value: String(type ?? ''), params: {} };
    const report = readDsn(raw.toString('latin1'), contentType);
    // Not a delivery report (an auto-reply, a stray message): accepted and dropped, never answered.
    if (!report) return;
    const hard = report.filter(isHardBounce);
    if (hard.length === 0) return;
    const at = clock.now().toISOString();
    await uow(async (trx) => {
      const store = outboxStore(trx);
      for (const id of messageIds) {
        const row = await store.byMessageId(id);
        if (!row) continue;
        const ours = [row.to_address, ...JSON.parse(row.cc_addresses) as string[]];
        const words: string[] = [];
        let toBounced = false;
        for (const r of hard) {
          const address = ours.find((a) => a.toLowerCase() === r.address.toLowerCase());
          if (!address) continue;
          const reason = `${address}: a bounce message said it could not be delivered (${r.status}${r.diagnostic ? `, ${r.diagnostic.slice(0, 200)}` : ''}).`;
          await store.markUndeliverable(address, at, reason, 'dsn');
          words.push(reason);
          if (address === row.to_address) toBounced = true;
        }
        if (words.length) await store.bounced(row.id, words.join(' '), toBounced);
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  log.info({ port }, 'bounce listener is taking delivery status notifications');
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
