import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createLogger } from '../../server/http/logging';
import { OutboxSender, type SenderOptions } from '../../server/notifications/sender';
import { buildTestApp, type TestApp } from './app';
import { createPerson, GOOD_PASSWORD } from './factories';
import { newAgent, signIn, type Agent } from './http';
import { startSmtpPeer, type SmtpPeer } from './smtp-peer';

/** A test app that sends its e-mail to a real SMTP server in this process, with an admin signed in when asked. */
export interface MailApp {
  peer: SmtpPeer;
  t: TestApp;
  /** The admin's browser-like agent (only with `admin`); `signInAdmin` makes a new one. */
  admin: Agent;
  signInAdmin(): Promise<Agent>;
  /** An outbox sender on this app (or another on the same database), stopped after the test. */
  sender(options?: SenderOptions, app?: TestApp): OutboxSender;
  /** A sender in a process of its own (test/helpers/outbox-sender.cjs) on this app's database, sending as at `at` in batches of `batch`. */
  senderProcess(at: Date, batch: number): ChildProcess;
}

export const MAIL_FROM = 'training@riverside.example';

/**
 * Registers the hooks every e-mail test file needs: before all, an SMTP peer and an app sending to it
 * (and an admin, when `admin` names one); before each, the peer's inbox and scripted answers emptied;
 * after each, the senders made with `sender()` stopped; after all, everything closed.
 */
export function useMailApp(o: { admin?: string } = {}): MailApp {
  const senders: OutboxSender[] = [];
  const mail = {
    signInAdmin: async () => {
      const agent = newAgent(mail.t.app);
      await signIn(agent, o.admin!, GOOD_PASSWORD);
      mail.admin = agent;
      return agent;
    },
    sender: (options: SenderOptions = {}, app?: TestApp) => {
      const on = app ?? mail.t;
      const s = new OutboxSender(on.db, on.uow, on.clock, on.config.mail, 'Riverside General', createLogger('silent'), { timeoutMs: 3000, ...options });
      senders.push(s);
      return s;
    },
    senderProcess: (at: Date, batch: number) => fork(path.join(__dirname, 'outbox-sender.cjs'),
      [mail.t.config.databaseUrl ?? mail.t.config.databasePath, mail.peer.url, MAIL_FROM, at.toISOString(), String(batch)], { execArgv: [], stdio: 'pipe' }),
  } as MailApp;
  beforeAll(async () => {
    mail.peer = await startSmtpPeer();
    mail.t = await buildTestApp({ SMTP_URL: mail.peer.url, MAIL_FROM });
    if (o.admin) {
      await createPerson(mail.t.db, mail.t.clock, { email: o.admin, role: 'admin' });
      await mail.signInAdmin();
    }
  });
  beforeEach(() => {
    mail.peer.received.length = 0;
    mail.peer.answers.beforeOk = undefined;
    mail.peer.answers.rcpt.clear();
    mail.peer.answers.data.length = 0;
  });
  afterEach(async () => { await Promise.all(senders.splice(0).map((s) => s.stop())); });
  afterAll(async () => {
    await mail.t.close();
    await mail.peer.close();
  });
  return mail;
}
