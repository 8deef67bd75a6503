/**
 * Delivery status notifications (RFC 3464): a multipart/report; report-type=delivery-status message
 * whose message/delivery-status part holds one block of fields about the message, then one block per
 * recipient. mailparser folds that part into the text body, so it is read here from the raw message.
 */

export interface DsnRecipient {
  /** The address the report is about (Final-Recipient, else Original-Recipient). */
  address: string;
  /** failed | delayed | delivered | relayed | expanded */
  action: string;
  /** The enhanced status code, such as 5.1.1. */
  status: string;
  /** The remote server's own words, if given. */
  diagnostic: string;
}

/** Header-like fields of one block, names lower-cased, folded lines joined. */
function fields(block: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | undefined;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      out.set(last, `${out.get(last)} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    last = m[1]!.toLowerCase();
    out.set(last, m[2]!.trim());
  }
  return out;
}

/** "rfc822; Ana@Example.org" → "Ana@Example.org". */
const addressOf = (v: string | undefined) => (v ?? '').replace(/^[^;]*;\s*/, '').replace(/^<|>$/g, '').trim();

const blocks = (text: string) => text.split(/\r?\n[ \t]*\r?\n/).map((b) => b.trim()).filter((b) => b !== '');

/**
 * The recipients a DSN reports on, or undefined when the message is not a DSN (an out-of-office reply,
 * spam to the bounce address). `boundary` is the multipart/report's own, from its Content-Type.
 */
export function readDsn(raw: string, contentType: { value: string; params: Record<string, string> }): DsnRecipient[] | undefined {
  if (contentType.value.toLowerCase() !== 'multipart/report' || (contentType.params['report-type'] ?? '').toLowerCase() !== 'delivery-status') return undefined;
  const boundary = contentType.params.boundary;
  if (!boundary) return undefined;
  for (const part of raw.split(`--${boundary}`).slice(1)) {
    const split = /\r?\n\r?\n/.exec(part);
    if (!split) continue;
    const head = fields(part.slice(0, split.index));
    if (!(head.get('content-type') ?? '').toLowerCase().startsWith('message/delivery-status')) continue;
    const [, ...perRecipient] = blocks(part.slice(split.index + split[0].length));
    return perRecipient.map(fields).map((f) => ({
      address: addressOf(f.get('final-recipient') ?? f.get('original-recipient')),
      action: (f.get('action') ?? '').toLowerCase(),
      status: f.get('status') ?? '',
      diagnostic: addressOf(f.get('diagnostic-code')),
    })).filter((r) => r.address !== '');
  }
  return undefined;
}

/** A permanent failure: the action says failed and the status is a 5.x.x (4.x.x reports are delays). */
export const isHardBounce = (r: DsnRecipient) => r.action === 'failed' && /^5\./.test(r.status);
