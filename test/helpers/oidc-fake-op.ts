import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/**
 * A deliberately small OpenID provider for the NEGATIVE tests only: oidc-provider cannot be made to
 * issue a token for another audience or issuer, an expired one, one with `alg: none` or one signed by
 * a key it does not publish, so this one crafts them with jose. It speaks the real protocol otherwise
 * (discovery, authorization redirect, token endpoint with client authentication and a real PKCE check,
 * JWKS), so the app is exercised exactly as with a real provider. The success path and replays are
 * tested against oidc-provider (oidc-peer.ts), not this.
 */
export interface Mischief {
  aud?: string | string[];
  iss?: string;
  /** exp relative to the real time now, in seconds (negative: already expired). */
  expIn?: number;
  nonce?: string;
  alg?: 'none' | 'HS256';
  /** Sign with a key that the JWKS does not contain (its own kid). */
  unpublishedKey?: boolean;
  /** Sign with a key that is not published but claims the published key's kid. */
  impostorKey?: boolean;
  /** Sign with the second key (published only once `publishSecondKey` is called). */
  secondKey?: boolean;
  claims?: Record<string, unknown>;
}

interface Key { kid: string; privateKey: CryptoKey; publicJwk: JWK }

async function makeKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

export interface FakeOp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** What the next token endpoint answer gets wrong. */
  mischief: Mischief;
  /** Adds the second key to the JWKS, as a provider does when it rotates. */
  publishSecondKey(): void;
  /** Token requests answered, to tell a refusal before the exchange from one after it. */
  tokenRequests: number;
  stop(): Promise<void>;
}

export interface FakeOpOptions {
  /** The origin its discovery document names for its endpoints (a stand-in for another host, reached through a custom fetch). */
  publicOrigin?: string;
  /** The issuer its discovery document names (Entra's multi-tenant template, for one). */
  discoveryIssuer?: string;
}

export async function startFakeOp(clientId: string, clientSecret: string, options: FakeOpOptions = {}): Promise<FakeOp> {
  const [first, second, stranger] = await Promise.all([makeKey('fake-1'), makeKey('fake-2'), makeKey('fake-stranger')]);
  const impostor = { ...stranger, kid: 'fake-1' };
  const published = [first.publicJwk];
  const codes = new Map<string, { nonce: string; challenge: string; redirectUri: string }>();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const op: FakeOp = {
    issuer, clientId, clientSecret, mischief: {}, tokenRequests: 0,
    publishSecondKey: () => { published.unshift(second.publicJwk); },
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };

  const idToken = async (nonce: string): Promise<string> => {
    const m = op.mischief;
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: m.iss ?? issuer, aud: m.aud ?? clientId, sub: 'fake-subject-1', nonce: m.nonce ?? nonce, iat: now - 5,
      exp: now + (m.expIn ?? 300), email: 'fake.person@riverside.example', email_verified: true, ...m.claims,
    };
    if (m.alg === 'none') return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    if (m.alg === 'HS256') {
      const head = b64({ alg: 'HS256', typ: 'JWT', kid: 'fake-1' });
      // HMAC under the client secret: what a provider does for HS256, and what a public client must never accept.
      const sig = crypto.createHmac('sha256', clientSecret).update(`${head}.${b64(claims)}`).digest('base64url');
      return `${head}.${b64(claims)}.${sig}`;
    }
    const key = m.unpublishedKey ? stranger : m.impostorKey ? impostor : m.secondKey ? second : first;
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  };

  // RFC 6749 2.3.1: each part form-urlencoded, then Base64 (clients differ on which characters they escape).
  const basicMatches = (header: string | undefined): boolean => {
    if (!header?.startsWith('Basic ')) return false;
    const [id = '', secret = ''] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    const decode = (v: string) => decodeURIComponent(v.replace(/\+/g, ' '));
    return decode(id) === clientId && decode(secret) === clientSecret;
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname.endsWith('/.well-known/openid-configuration')) {
      const at = options.publicOrigin ?? issuer;
      return json(res, 200, {
        issuer: options.discoveryIssuer ?? issuer, authorization_endpoint: `${at}/authorize`, token_endpoint: `${at}/token`, jwks_uri: `${at}/jwks`,
        response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'], token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (url.pathname === '/jwks') return json(res, 200, { keys: published });
    if (url.pathname === '/authorize') {
      const p = url.searchParams;
      const code = crypto.randomBytes(24).toString('base64url');
      codes.set(code, { nonce: p.get('nonce') ?? '', challenge: p.get('code_challenge') ?? '', redirectUri: p.get('redirect_uri') ?? '' });
      const back = new URL(p.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (d: Buffer) => { body += d.toString(); });
      req.on('end', () => {
        op.tokenRequests += 1;
        const form = new URLSearchParams(body);
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
        if (!basicMatches(req.headers.authorization)) return json(res, 401, { error: 'invalid_client' });
        if (!grant || grant.challenge !== challenge || grant.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant' });
        idToken(grant.nonce).then((id_token) => json(res, 200, { access_token: 'fake-access-token', token_type: 'Bearer', expires_in: 300, id_token }))
          .catch(() => json(res, 500, { error: 'server_error' }));
      });
      return undefined;
    }
    res.writeHead(404);
    res.end();
  });
  return op;
}
