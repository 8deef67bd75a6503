import { Writable } from 'node:stream';

/** Reads the entries of a ZIP whose entries are stored (not deflated), as the certificate ZIP is. */
export function storedZipEntries(zip: Buffer): { name: string; data: Buffer }[] {
  const entries: { name: string; data: Buffer }[] = [];
  // The central directory is authoritative (local headers may defer sizes to a data descriptor).
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a ZIP file');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i += 1) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (method !== 0) throw new Error(`entry ${name} is compressed`);
    const localName = zip.readUInt16LE(local + 26);
    const localExtra = zip.readUInt16LE(local + 28);
    const start = local + 30 + localName + localExtra;
    entries.push({ name, data: zip.subarray(start, start + size) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** A writable that keeps what an export writes, and whether the export ended it. */
export function sink() {
  const chunks: Buffer[] = [];
  let finished = false;
  const out = new Writable({ write(c: Buffer, _e, done) { chunks.push(c); done(); } });
  out.on('finish', () => { finished = true; });
  return { out, bytes: () => Buffer.concat(chunks), finished: () => finished };
}
