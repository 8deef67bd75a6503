import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli } from '../../server/cli';
import type { Database } from '../../server/db/database';
import { openDatabaseOf } from './open-test-db';
import { useFreshDatabaseInEnv } from './test-db';

/** The operator CLI as a test runs it: a fresh data folder per test and what the command printed. */
export interface CliUnderTest {
  /** This test's data folder (DATA_DIR). */
  dir: string;
  /** Lines printed with console.log and console.error, in order. */
  out: string[];
  err: string[];
  /** Runs one command as `npm run cli -- …args` would; rejects as the real command would exit 1. */
  run: (...args: string[]) => Promise<unknown>;
  /** Opens the database the CLI wrote (its SQLite file, or its PostgreSQL database under TEST_DB=postgres); close it after. */
  openDatabase: () => Database;
}

/**
 * Registers beforeEach/afterEach that point the CLI at a fresh data folder (and, under TEST_DB=postgres, a fresh database) through the environment, as
 * the real command reads it, and capture what it prints; the environment is put back after each test.
 */
export function useCli(prefix: string, env: Record<string, string> = {}): CliUnderTest {
  const saved = { ...process.env };
  const cli: CliUnderTest = {
    dir: '',
    out: [],
    err: [],
    run: (...args) => buildCli().parseAsync(['node', 'cli', ...args]),
    openDatabase: () => openDatabaseOf(cli.dir),
  };
  let dropDatabase: () => Promise<void> = async () => undefined;
  beforeEach(async () => {
    cli.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dropDatabase = await useFreshDatabaseInEnv();
    Object.assign(process.env, {
      DATA_DIR: cli.dir,
      SESSION_SECRET: 'cli-test-secret-long-enough-to-pass-the-check',
      BASE_URL: 'https://training.riverside.example',
      ...env,
    });
    cli.out = [];
    cli.err = [];
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { cli.out.push(a.join(' ')); });
    jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { cli.err.push(a.join(' ')); });
  });
  afterEach(async () => {
    await dropDatabase();
    jest.restoreAllMocks();
    process.env = { ...saved };
    fs.rmSync(cli.dir, { recursive: true, force: true });
  });
  return cli;
}
