import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message as the SMTP peer received it: the envelope and the message parsed back with mailparser. */
export interface Received {
  envelopeFrom: string;
  envelopeTo: string[];
  mail: ParsedMail;
}

/** What the peer answers; each may be changed between sends. */
export interface PeerAnswers {
  /** Replies to RCPT TO by address (lower-case): e.g. 550 refuses that one recipient for good. */
  rcpt: Map<string, { code: number; text: string }>;
  /** Replies to the next DATA commands, one each, then "250 OK". */
  data: { code: number; text: string }[];
  /** Runs once, after the next message has arrived and before the server answers "250 OK" to it. */
  beforeOk?: (() => Promise<void>) | undefined;
}

export interface SmtpPeer {
  url: string;
  port: number;
  received: Received[];
  answers: PeerAnswers;
  /** Resolves once `n` messages in all have arrived. */
  waitFor(n: number, ms?: number): Promise<Received[]>;
  close(): Promise<void>;
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

/** A real SMTP server (smtp-server) on a free local port, no TLS and no password, keeping what it receives. */
export async function startSmtpPeer(): Promise<SmtpPeer> {
  const received: Received[] = [];
  const answers: PeerAnswers = { rcpt: new Map(), data: [] };
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    // Plain text on loopback: STARTTLS would need a certificate the sender trusts.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const a = answers.rcpt.get(address.address.toLowerCase());
      cb(a ? smtpError(a.code, a.text) : null);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const a = answers.data.shift();
        if (a) { cb(smtpError(a.code, a.text)); return; }
        simpleParser(Buffer.concat(chunks)).then(async (mail) => {
          received.push({
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            mail,
          });
          for (const w of waiters.splice(0)) w();
          const hook = answers.beforeOk;
          answers.beforeOk = undefined;
          return hook?.();
        }).then(() => cb(null), (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
      });
    },
  });
  // A sender killed mid-conversation (the crash tests SIGKILL one) resets its connections; smtp-server
  // reports that as an 'error' event, which with no listener would be thrown and fail the test file.
  server.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') throw e;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    answers,
    async waitFor(n, ms = 10_000) {
      const until = Date.now() + ms;
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`Expected ${n} messages, got ${received.length}.`);
        await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 50); });
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
