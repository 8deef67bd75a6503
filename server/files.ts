import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// The data folder holds e-mail addresses, password hashes and training records: only the account the
// server runs as may read it. Modes are set with chmod after creating, never left to the umask (an
// operator's 0o000 or 0o022 would otherwise decide), and a file is first created empty with the right
// mode so no one can open it in the moment between creating and tightening.

const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

const ours = (st: fs.Stats) => typeof process.getuid !== 'function' || st.uid === process.getuid();

/**
 * Creates the folder (and missing parents) 0700; an existing folder of ours is tightened to 0700. Returns
 * a warning when the folder belongs to another account and others can enter it (it cannot be changed).
 */
export function ensurePrivateDir(dir: string): string | undefined {
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  const st = fs.statSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder.`);
  if ((st.mode & 0o777) === PRIVATE_DIR) return undefined;
  if (ours(st)) {
    fs.chmodSync(dir, PRIVATE_DIR);
    return undefined;
  }
  return (st.mode & 0o077) ? `${dir} belongs to another account and other users can open it; make it mode 700.` : undefined;
}

/** Tightens an existing file of ours to 0600; a missing file is fine (SQLite may not have made it yet). */
export function makePrivate(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if ((st.mode & 0o777) !== PRIVATE_FILE && ours(st)) fs.chmodSync(file, PRIVATE_FILE);
}

/** Creates an empty 0600 file that must not exist yet (throws EEXIST otherwise). */
export function createPrivateFile(file: string): void {
  const fd = fs.openSync(file, 'wx', PRIVATE_FILE);
  try {
    fs.fchmodSync(fd, PRIVATE_FILE);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Puts `content` in a new 0600 file unless the file is there already, and returns what the file holds.
 * The content is written to a file of its own first and then linked into place, so another process
 * starting at the same moment never sees the file empty or half written: whichever link comes second
 * fails with EEXIST and reads the first one's content instead.
 */
export function writeOnce(file: string, content: string): string {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  createPrivateFile(tmp);
  try {
    fs.writeFileSync(tmp, content);
    try {
      fs.linkSync(tmp, file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
      // A file system without hard links (some network shares and bind mounts): created exclusively
      // instead, as before; two processes starting on it at the same moment are not covered there.
      createPrivateFile(file);
      fs.writeFileSync(file, content);
    }
    return content;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return fs.readFileSync(file, 'utf8');
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Creates the file 0600 when missing, else tightens it: the mode is right before anyone writes to it. */
export function ensurePrivateFile(file: string): void {
  try {
    createPrivateFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    makePrivate(file);
  }
}

/** Why a file someone else could have swapped must not be trusted, or undefined when it is safe. */
export function writableByOthers(file: string): string | undefined {
  const resolved = path.resolve(file);
  for (const [what, target] of [['file', resolved], ['folder', path.dirname(resolved)]] as const) {
    const mode = fs.statSync(target).mode & 0o7777;
    if (mode & 0o022) {
      return `the ${what} ${target} can be written by other users (mode ${mode.toString(8).padStart(4, '0')})`;
    }
  }
  return undefined;
}
