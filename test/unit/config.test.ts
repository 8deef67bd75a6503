import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/config';
import { describeDatabase } from '../../server/db/open';

describe('config', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-cfg-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  test('defaults give a working embedded set-up: port 3000, a database under the data folder, a kept secret', () => {
    const c = loadConfig({ DATA_DIR: dir });
    expect(c.port).toBe(3000);
    expect(c.databasePath).toBe(path.join(dir, 'privacy-rounds.sqlite'));
    expect(c.baseUrl).toBe('http://localhost:3000');
    expect(c.secureCookies).toBe(false);
    expect(c.sessionIdleMs).toBe(30 * 60_000);
    expect(c.sessionAbsoluteMs).toBe(12 * 3_600_000);
    expect(Object.isFrozen(c)).toBe(true);
    const file = path.join(dir, 'session-secret');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(c.sessionSecret.length).toBeGreaterThanOrEqual(32);
    // The same secret on the next start, so sessions survive a restart.
    expect(loadConfig({ DATA_DIR: dir }).sessionSecret).toBe(c.sessionSecret);
  });

  test('a given SESSION_SECRET is used and no file is written', () => {
    const c = loadConfig({ DATA_DIR: dir, SESSION_SECRET: 's'.repeat(40) });
    expect(c.sessionSecret).toBe('s'.repeat(40));
    expect(fs.existsSync(path.join(dir, 'session-secret'))).toBe(false);
  });

  test.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ TIME_ZONE: 'Mars/Olympus' }, 'TIME_ZONE'],
    [{ BASE_URL: 'ftp://example.org' }, 'BASE_URL'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ SESSION_IDLE_MINUTES: '0' }, 'SESSION_IDLE_MINUTES'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ ADMIN_EMAIL: 'ops@x.org' }, 'ADMIN_PASSWORD'],
    [{ ADMIN_EMAIL: 'not an email', ADMIN_PASSWORD: 'x' }, 'ADMIN_EMAIL'],
    [{ QUIZ_COOLDOWN_HOURS: '0' }, 'QUIZ_COOLDOWN_HOURS'],
    [{ LESSON_MIN_WPM: 'fast' }, 'LESSON_MIN_WPM'],
    [{ LESSON_MIN_WPM: '-1' }, 'LESSON_MIN_WPM'],
  ])('invalid %o stops start-up naming %s', (env, name) => {
    expect(() => loadConfig({ DATA_DIR: dir, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dir, ...env })).toThrow(new RegExp(`\\b${name}\\b`));
  });

  test('quiz attempts come in sets of 3 with a 24-hour cool-down and lessons are timed at 250 words per minute unless set otherwise', () => {
    const c = loadConfig({ DATA_DIR: dir, SESSION_SECRET: 's'.repeat(40) });
    expect([c.quizMaxAttempts, c.quizCooldownMs, c.lessonMinWpm]).toEqual([3, 24 * 3_600_000, 250]);
    const set = loadConfig({ DATA_DIR: dir, SESSION_SECRET: 's'.repeat(40), QUIZ_MAX_ATTEMPTS: '0', QUIZ_COOLDOWN_HOURS: '2', LESSON_MIN_WPM: 'OFF' });
    expect([set.quizMaxAttempts, set.quizCooldownMs, set.lessonMinWpm]).toEqual([0, 2 * 3_600_000, 0]);
    expect(loadConfig({ DATA_DIR: dir, SESSION_SECRET: 's'.repeat(40), LESSON_MIN_WPM: '300' }).lessonMinWpm).toBe(300);
  });

  test('NOTIFICATIONS_EVERY_MS: 5 minutes by default, any whole number of milliseconds from one second to one day, else a message naming it', () => {
    expect(loadConfig({ DATA_DIR: dir, SESSION_SECRET: 's'.repeat(40) }).notificationsEveryMs).toBe(300_000);
    expect(loadConfig({ DATA_DIR: dir, SESSION_SECRET: 's'.repeat(40), NOTIFICATIONS_EVERY_MS: '1000' }).notificationsEveryMs).toBe(1000);
    expect(loadConfig({ DATA_DIR: dir, SESSION_SECRET: 's'.repeat(40), NOTIFICATIONS_EVERY_MS: ' 60000 ' }).notificationsEveryMs).toBe(60_000);
    for (const [value, words] of [['999', 'at least 1000'], ['0', 'at least 1000'], ['86400001', 'at most 86400000'], ['5m', 'whole number of milliseconds'], ['-5', 'whole number of milliseconds'], ['1.5e3', 'whole number of milliseconds']] as const) {
      expect(() => loadConfig({ DATA_DIR: dir, SESSION_SECRET: 's'.repeat(40), NOTIFICATIONS_EVERY_MS: value })).toThrow(new RegExp(`NOTIFICATIONS_EVERY_MS: must be .*${words}`));
    }
  });

  test('https BASE_URL turns on Secure cookies; a trailing slash is dropped', () => {
    const c = loadConfig({ DATA_DIR: dir, BASE_URL: 'https://training.riverside.example/' });
    expect(c.secureCookies).toBe(true);
    expect(c.baseUrl).toBe('https://training.riverside.example');
  });

  test('e-mail: nothing is sent without SMTP_URL, MAIL_FROM is required with it, and only smtp:// or smtps:// is taken', () => {
    const none = loadConfig({ DATA_DIR: dir, BASE_URL: 'https://training.riverside.example' });
    expect(none.mail).toEqual({ from: 'privacy-rounds@training.riverside.example', domain: 'training.riverside.example' });
    const set = loadConfig({ DATA_DIR: dir, SMTP_URL: 'smtps://u:p@mail.riverside.example:465', MAIL_FROM: 'Training@Riverside.example', SMTP_BOUNCE_PORT: '2525' });
    expect(set.mail).toEqual({ smtpUrl: 'smtps://u:p@mail.riverside.example:465', from: 'Training@Riverside.example', domain: 'riverside.example', bouncePort: 2525 });
    expect(() => loadConfig({ DATA_DIR: dir, SMTP_URL: 'smtp://mail.riverside.example' })).toThrow(/MAIL_FROM: must be set with SMTP_URL/);
    expect(() => loadConfig({ DATA_DIR: dir, SMTP_URL: 'http://mail.riverside.example', MAIL_FROM: 'a@b.example' })).toThrow(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ address/);
    expect(() => loadConfig({ DATA_DIR: dir, SMTP_URL: 'smtp://x', MAIL_FROM: 'not an address' })).toThrow(/MAIL_FROM: must be an e-mail address/);
    expect(() => loadConfig({ DATA_DIR: dir, SMTP_BOUNCE_PORT: '70000' })).toThrow(/SMTP_BOUNCE_PORT/);
  });

  test('DATABASE_URL: a postgres:// address selects PostgreSQL; anything else is refused naming the variable; the log line hides the password', () => {
    expect(loadConfig({ DATA_DIR: dir }).databaseUrl).toBeUndefined();
    const pg = loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgres://app:s3cret@db.riverside.example:5432/privacy_rounds' });
    expect(pg.databaseUrl).toBe('postgres://app:s3cret@db.riverside.example:5432/privacy_rounds');
    expect(describeDatabase(pg)).toBe('postgres://db.riverside.example:5432/privacy_rounds');
    expect(describeDatabase(loadConfig({ DATA_DIR: dir }))).toBe(path.join(dir, 'privacy-rounds.sqlite'));
    expect(loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgresql://db/pr' }).databaseUrl).toBe('postgresql://db/pr');
    for (const bad of ['mysql://db/pr', 'db.riverside.example', 'postgres://', 'postgres://db/pr with space']) {
      expect(() => loadConfig({ DATA_DIR: dir, DATABASE_URL: bad })).toThrow(/DATABASE_URL: must be a PostgreSQL address such as postgres:\/\//);
    }
  });
});

