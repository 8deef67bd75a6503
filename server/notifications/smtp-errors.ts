/** What nodemailer attaches to its errors (its NodemailerError), read defensively: anything may be missing. */
export interface SmtpFailure {
  code?: string | undefined;
  responseCode?: number | undefined;
  response?: string | undefined;
  command?: string | undefined;
  recipient?: string | undefined;
  rejectedErrors?: SmtpFailure[] | undefined;
  message?: string | undefined;
}

export function asSmtpFailure(e: unknown): SmtpFailure {
  return typeof e === 'object' && e !== null ? e as SmtpFailure : { message: String(e) };
}

/**
 * RFC 5321: 5yz is a permanent refusal, 4yz a temporary one. 503 (bad sequence of commands) is about the
 * session, not the message, so it is retried like a 4yz. No reply code at all (a timeout, a refused
 * connection, a rejected password, a certificate that does not verify) is retried too: those are fixed
 * on the network or in SMTP_URL, and the message should go once they are.
 */
export function isPermanent(f: SmtpFailure): boolean {
  return f.responseCode !== undefined && f.responseCode >= 500 && f.responseCode < 600 && f.responseCode !== 503;
}

/** The server's own reply, one line, short: it goes to the admin page, never a password or message body. */
function reply(f: SmtpFailure): string {
  const text = (f.response ?? '').replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** A failure in words for the admin outbox page ("the last SMTP error in words"). */
export function describeFailure(f: SmtpFailure): string {
  const who = f.recipient ? `${f.recipient}: ` : '';
  if (f.responseCode !== undefined) {
    const kind = isPermanent(f) ? 'refused it for good' : 'asked to try again later';
    return `${who}the mail server ${kind} (${reply(f) || f.responseCode}).`;
  }
  switch (f.code) {
    case 'ETIMEDOUT': return `${who}the mail server did not answer in time.`;
    case 'EAUTH': return 'The mail server did not accept the user name and password in SMTP_URL.';
    case 'ETLS': return 'The mail server\'s TLS connection could not be set up or its certificate did not verify.';
    case 'EDNS': return 'The mail server\'s host name in SMTP_URL could not be looked up.';
    case 'ECONNECTION':
    case 'ESOCKET': return `Could not reach the mail server (${f.message ?? f.code}).`;
    default: return `${who}sending failed: ${f.message ?? 'unknown error'}.`;
  }
}
