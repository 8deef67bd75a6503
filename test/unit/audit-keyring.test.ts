import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditKeyId, decodeAuditKey } from '../../server/audit/keyring';
import { ConfigError, loadConfig } from '../../server/config';

describe('audit key configuration', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-key-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  test('AUDIT_KEY is read as hex or base64 (the same key either way) and then no key file is written', () => {
    const key = crypto.randomBytes(32);
    const fromHex = loadConfig({ DATA_DIR: dir, AUDIT_KEY: key.toString('hex') }).auditKeys.current;
    const fromBase64 = loadConfig({ DATA_DIR: dir, AUDIT_KEY: key.toString('base64') }).auditKeys.current;
    const fromBase64Url = loadConfig({ DATA_DIR: dir, AUDIT_KEY: key.toString('base64url') }).auditKeys.current;
    expect(fromHex.secret.equals(key)).toBe(true);
    expect(fromBase64.id).toBe(fromHex.id);
    expect(fromBase64Url.id).toBe(fromHex.id);
    expect(fromHex.id).toBe(crypto.createHash('sha256').update(key).digest('hex').slice(0, 16));
    expect(fs.existsSync(path.join(dir, 'audit-key'))).toBe(false);
  });

  test('without AUDIT_KEY one key is made once, kept 0600 in DATA_DIR/audit-key, and reused', () => {
    const first = loadConfig({ DATA_DIR: dir }).auditKeys.current;
    expect(fs.statSync(path.join(dir, 'audit-key')).mode & 0o777).toBe(0o600);
    expect(first.secret.length).toBe(32);
    expect(loadConfig({ DATA_DIR: dir }).auditKeys.current.id).toBe(first.id);
  });

  test('AUDIT_KEYS_OLD adds keys that verify but never seal', () => {
    const [cur, a, b] = [crypto.randomBytes(32), crypto.randomBytes(48), crypto.randomBytes(32)];
    const keys = loadConfig({ DATA_DIR: dir, AUDIT_KEY: cur.toString('hex'), AUDIT_KEYS_OLD: `${a.toString('base64')},${b.toString('hex')}` }).auditKeys;
    expect(keys.current.id).toBe(auditKeyId(cur));
    expect([...keys.byId.keys()].sort()).toEqual([auditKeyId(cur), auditKeyId(a), auditKeyId(b)].sort());
  });

  test.each([
    [{ AUDIT_KEY: 'short' }],
    [{ AUDIT_KEY: 'ab'.repeat(31) }],
    [{ AUDIT_KEY: crypto.randomBytes(31).toString('base64') }],
    [{ AUDIT_KEY: `${crypto.randomBytes(32).toString('base64')}!` }],
    [{ AUDIT_KEYS_OLD: `${crypto.randomBytes(32).toString('hex')},short` }],
  ])('a key shorter than 32 bytes or not hex/base64 stops start-up with a message that does not echo it: %o', (env) => {
    const value = Object.values(env)[0]!;
    let message = '';
    try {
      loadConfig({ DATA_DIR: dir, ...env });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/AUDIT_KEY(S_OLD)?: .*at least 32 bytes/);
    expect(message).not.toContain(value);
  });

  test('a damaged key file is refused, never replaced', () => {
    fs.writeFileSync(path.join(dir, 'audit-key'), 'not a key\n');
    expect(() => loadConfig({ DATA_DIR: dir })).toThrow(/audit-key is not a valid audit key/);
    expect(fs.readFileSync(path.join(dir, 'audit-key'), 'utf8')).toBe('not a key\n');
  });

  test('decodeAuditKey prefers hex for text made only of hex digits', () => {
    expect(decodeAuditKey('0f'.repeat(32))).toEqual(Buffer.alloc(32, 0x0f));
    expect(decodeAuditKey(` ${'0f'.repeat(32)}\n`)).toEqual(Buffer.alloc(32, 0x0f));
  });
});
