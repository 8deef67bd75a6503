import fs from 'node:fs/promises';
import type { Clock } from '../clock';
import { fail } from '../errors';
import { parseIdpMetadata, type IdpMetadata } from './saml-metadata';

const MAX_METADATA_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

async function readSource(source: string): Promise<string> {
  if (!/^https?:\/\//i.test(source)) {
    const stat = await fs.stat(source).catch(() => fail('invalid', `The SAML metadata file ${source} cannot be read.`));
    if (stat.size > MAX_METADATA_BYTES) fail('invalid', `The SAML metadata file ${source} is larger than 1 MB.`);
    return fs.readFile(source, 'utf8');
  }
  const res = await fetch(source, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' })
    .catch(() => fail('invalid', `The SAML metadata address ${source} did not answer.`));
  if (!res.ok) fail('invalid', `The SAML metadata address ${source} answered ${res.status}.`);
  const text = await res.text();
  if (Buffer.byteLength(text) > MAX_METADATA_BYTES) fail('invalid', `The SAML metadata at ${source} is larger than 1 MB.`);
  return text;
}

/**
 * The IdP's metadata (file or address), read once, kept, and read again when older than the refresh
 * interval, so a certificate the IdP adds for a rollover is picked up without a restart. A failed refresh
 * keeps the last good copy (an outage of the metadata address must not stop sign-in).
 */
export class SamlMetadataSource {
  private cached: { metadata: IdpMetadata; readAt: number } | undefined;
  private loading: Promise<IdpMetadata> | undefined;

  constructor(private readonly source: string, private readonly clock: Clock, private readonly refreshMs: number) {}

  /** Reads the metadata now (start-up, or an administrator's refresh); throws a RuleError if it is unusable. */
  async refresh(): Promise<IdpMetadata> {
    this.loading ??= (async () => {
      try {
        const metadata = parseIdpMetadata(await readSource(this.source));
        this.cached = { metadata, readAt: this.clock.now().getTime() };
        return metadata;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  async current(): Promise<IdpMetadata> {
    const kept = this.cached;
    if (!kept) return this.refresh();
    if (this.clock.now().getTime() - kept.readAt >= this.refreshMs) {
      try {
        return await this.refresh();
      } catch {
        return kept.metadata;
      }
    }
    return kept.metadata;
  }
}
