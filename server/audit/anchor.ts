import fs from 'node:fs';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { DB } from '../db/schema';
import { auditStore } from './store';

/** The newest event's id and hash, recorded outside the database so deleting later events shows. */
export interface Anchor {
  id: number;
  hash: string;
  keyId: string | null;
  at: string;
}

// One self-describing line, found anywhere in a line when read back, so a syslog or journald export
// (which adds its own prefix) can be passed to audit:verify as it is.
const LINE = /privacy-rounds audit anchor id=(\d+) hash=([0-9a-f]{64}) key=([0-9a-f]{16}|none) at=(\S+)/;

export function anchorLine(a: Anchor): string {
  return `privacy-rounds audit anchor id=${a.id} hash=${a.hash} key=${a.keyId ?? 'none'} at=${a.at}`;
}

export function parseAnchors(text: string): Anchor[] {
  const anchors: Anchor[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) anchors.push({ id: Number(m[1]), hash: m[2]!, keyId: m[3] === 'none' ? null : m[3]!, at: m[4]! });
  }
  return anchors;
}

/** The anchor for the log as it is now; undefined when it is empty. */
export async function currentAnchor(db: Kysely<DB>, clock: Clock): Promise<Anchor | undefined> {
  const last = await auditStore(db).last();
  return last && { id: last.id, hash: last.hash, keyId: last.key_id, at: clock.now().toISOString() };
}

/**
 * Appends one line with O_APPEND (never rewriting what is there), creating the file owner-only, and
 * waits until it is on disk. The file is only as write-once as its location: see the README.
 */
export function appendAnchor(file: string, anchor: Anchor): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
  try {
    fs.writeSync(fd, `${anchorLine(anchor)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
