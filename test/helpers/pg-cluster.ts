import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../server/paths';

/*
 * A throwaway PostgreSQL cluster for the tests: Debian's initdb and pg_ctl (installed by
 * scripts/ensure-postgres.sh) in a temporary folder, listening on a free loopback port only, stopped
 * and removed afterwards. Nothing is shared with any other run or with a system PostgreSQL service.
 */

export interface PgCluster {
  /** postgres://…/postgres of the cluster's superuser; tests create their own databases through it. */
  url: string;
  dir: string;
  stop(): void;
}

/** initdb and pg_ctl of the newest PostgreSQL that Debian installed (they are not on PATH there). */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => path.join(root, v, 'bin')).find((dir) => fs.existsSync(path.join(dir, 'initdb')));
  if (!found) throw new Error(`No PostgreSQL under ${root}: run scripts/ensure-postgres.sh (Debian's postgresql).`);
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * PostgreSQL refuses to run as root; CI and the development machines are root. There the cluster
 * runs as the `postgres` account that Debian's package creates, and its folder is given to it.
 */
function asServerUser(bin: string, args: string[], dir: string): void {
  const root = process.getuid?.() === 0;
  if (root) {
    execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: 'pipe' });
  } else {
    execFileSync(bin, args, { stdio: 'pipe' });
  }
}

export interface PgClusterOptions {
  /**
   * Keep PostgreSQL's durability on (fsync, synchronous_commit, full_page_writes), as a production
   * server runs: npm run bench compares it with SQLite at synchronous=FULL. Off for the tests.
   */
  durable?: boolean;
}

export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  execFileSync('bash', [path.join(projectRoot, 'scripts', 'ensure-postgres.sh')], { stdio: 'inherit' });
  const bin = postgresBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-pg-'));
  const data = path.join(dir, 'data');
  const port = await freePort();
  // C collation: text sorts and compares byte by byte, as SQLite's default does.
  asServerUser(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], dir);
  // Loopback only, the socket in the cluster's own folder; durability off (a test cluster is thrown away),
  // which keeps CREATE DATABASE and every commit cheap on a shared 2-core machine.
  const settings = [
    `-p ${port}`, "-c listen_addresses='127.0.0.1'", `-c unix_socket_directories='${dir}'`,
    ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']), '-c max_connections=300',
  ].join(' ');
  asServerUser(path.join(bin, 'pg_ctl'), ['-D', data, '-o', settings, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start'], dir);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        asServerUser(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], dir);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
