import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Client, types, type ClientConfig } from 'pg';
import type { Server } from './harness';

/*
 * A server's database read directly, on either engine, as the end-to-end tests check what a real
 * process left behind (after a SIGKILL, say): read-only on SQLite's file, a plain connection on
 * PostgreSQL. Questions are written once with `?` for each parameter; numbers come back as numbers on
 * both (PostgreSQL's count(*) is a bigint, which pg returns as a string).
 */
export interface DatabaseReader {
  engine: 'sqlite' | 'postgres';
  all<T extends Record<string, unknown>>(question: string, ...params: unknown[]): Promise<T[]>;
  /** SQLite: PRAGMA integrity_check over the whole file ('ok' when sound). Undefined on PostgreSQL. */
  integrity(): string | undefined;
  close(): Promise<void>;
}

/** bigint (count(*)) as a number, as the app's own pool reads it (server/db/postgres.ts); the rest as pg does. */
const INT8 = 20;
const parsers: ClientConfig['types'] = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? (value: string) => Number(value)
    : format === 'binary' ? types.getTypeParser(oid, 'binary') : types.getTypeParser(oid, 'text'))) as NonNullable<ClientConfig['types']>['getTypeParser'],
};

export async function readDatabase(server: Pick<Server, 'dataDir' | 'databaseUrl'>): Promise<DatabaseReader> {
  if (server.databaseUrl) {
    const client = new Client({ connectionString: server.databaseUrl, types: parsers });
    await client.connect();
    return {
      engine: 'postgres',
      all: async <T extends Record<string, unknown>>(question: string, ...params: unknown[]) => {
        let n = 0;
        return (await client.query<T>(question.replace(/\?/g, () => `$${(n += 1)}`), params)).rows;
      },
      integrity: () => undefined,
      close: () => client.end(),
    };
  }
  const db = new SQLite(path.join(server.dataDir, 'privacy-rounds.sqlite'), { readonly: true, fileMustExist: true });
  return {
    engine: 'sqlite',
    all: async <T extends Record<string, unknown>>(question: string, ...params: unknown[]) => db.prepare(question).all(...params) as T[],
    integrity: () => db.pragma('integrity_check', { simple: true }) as string,
    close: async () => { db.close(); },
  };
}
