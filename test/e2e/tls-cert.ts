import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A self-signed certificate for 127.0.0.1 (openssl, one day) in `dir`, for HAProxy to terminate TLS with:
 * `pem` is the certificate and key in one file (mode 600), as HAProxy's `crt` takes them; `ca` is the
 * certificate the test's clients trust.
 */
export function selfSignedLoopbackPem(dir: string): { pem: string; ca: string } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore', timeout: 30_000 });
  const ca = fs.readFileSync(cert, 'utf8');
  const pem = path.join(dir, 'training.pem');
  fs.writeFileSync(pem, ca + fs.readFileSync(key, 'utf8'), { mode: 0o600 });
  return { pem, ca };
}
