import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli } from '../../server/cli';

/** The operator CLI as a test runs it: a fresh data folder per test and what the command printed. */
export interface CliUnderTest {
  /** This test's data folder (DATA_DIR). */
  dir: string;
  /** Lines printed with console.log and console.error, in order. */
  out: string[];
  err: string[];
  /** Runs one command as `npm run cli -- …args` would; rejects as the real command would exit 1. */
  run: (...args: string[]) => Promise<unknown>;
  /** The SQLite file the CLI wrote. */
  databaseFile: () => string;
}

/**
 * Registers beforeEach/afterEach that point the CLI at a fresh data folder through the environment, as
 * the real command reads it, and capture what it prints; the environment is put back after each test.
 */
export function useCli(prefix: string, env: Record<string, string> = {}): CliUnderTest {
  const saved = { ...process.env };
  const cli: CliUnderTest = {
    dir: '',
    out: [],
    err: [],
    run: (...args) => buildCli().parseAsync(['node', 'cli', ...args]),
    databaseFile: () => path.join(cli.dir, 'privacy-rounds.sqlite'),
  };
  beforeEach(() => {
    cli.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
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
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
    fs.rmSync(cli.dir, { recursive: true, force: true });
  });
  return cli;
}
