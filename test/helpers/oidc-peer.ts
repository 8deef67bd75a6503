import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/** A person at the test provider: `sub` is the login typed on its sign-in page; the rest are their claims. */
export interface PeerAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  employee_id?: string;
}

export interface OidcPeer {
  issuer: string;
  port: number;
  clientId: string;
  clientSecret: string;
  /** The key the provider signs ID tokens with now (the first of its keys). */
  signingKid: string;
  stop(): Promise<void>;
}

export interface PeerOptions {
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  accounts: PeerAccount[];
  /** Private JWKs; the first signs. Default: one new RS256 key. */
  keys?: JWK[];
  /** Listen here (a restart with rotated keys keeps the issuer); default a free port. */
  port?: number;
}

export const PEER_CLIENT = { id: 'privacy-rounds-test', secret: 'a-test-client-secret-that-is-long-enough-0123456789' };

/** A private RS256 (or ES256) signing key as the provider takes it, with its kid. */
export async function signingKey(kid: string, alg: 'RS256' | 'ES256' | 'PS256' = 'RS256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
}

/**
 * oidc-provider (the OpenID Foundation-certified provider from npm) in this process on 127.0.0.1, with
 * one confidential client (PKCE required) and the accounts given. Its development sign-in pages take
 * any password for a known login; consent is granted without a page, as a hospital's Entra or Okta
 * tenant does for an admin-consented application.
 */
export async function startOidcPeer(options: PeerOptions): Promise<OidcPeer> {
  const keys = options.keys ?? [await signingKey('peer-key-1')];
  const accounts = new Map(options.accounts.map((a) => [a.sub, a]));
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const configuration: Configuration = {
    clients: [{
      client_id: PEER_CLIENT.id, client_secret: PEER_CLIENT.secret, redirect_uris: options.redirectUris,
      post_logout_redirect_uris: options.postLogoutRedirectUris ?? [], response_types: ['code'], grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: keys as Configuration['jwks'] extends { keys: infer K } | undefined ? K : never },
    cookies: { keys: ['peer-cookie-key-0123456789abcdef'] },
    pkce: { required: () => true },
    // ID tokens live an hour (oidc-sign-in.test.ts moves the app's clock past that); the rest as short as a test needs.
    ttl: { IdToken: 3600, AccessToken: 600, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600 },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name', 'employee_id'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ ...account }) };
    },
    loadExistingGrant: async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      const clientId = ctx.oidc.client?.clientId;
      if (!accountId || !clientId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ accountId, clientId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  };
  // Its start-up warnings (development sign-in pages, in-memory storage) are what a test provider is for: not printed.
  const warn = console.warn;
  console.warn = () => undefined;
  let provider: Provider;
  try {
    provider = new Provider(issuer, configuration);
  } finally {
    console.warn = warn;
  }
  server.on('request', provider.callback());
  return {
    issuer, port, clientId: PEER_CLIENT.id, clientSecret: PEER_CLIENT.secret, signingKid: String(keys[0]!.kid),
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A browser's cookie jar for one host, enough for oidc-provider's interaction cookies. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Plays the browser at the provider: opens the authorization URL, signs in as `login` on the provider's
 * own sign-in page, and follows its redirects until one leaves for `redirectUri`; returns that address
 * (our callback with code and state). Throws with the provider's page when it stops anywhere else.
 */
export async function signInAtPeer(authorizationUrl: string, login: string, redirectUri: string): Promise<URL> {
  const jar = new Jar();
  let url = new URL(authorizationUrl);
  let body: string | undefined;
  for (let hop = 0; hop < 12; hop += 1) {
    if (url.href.startsWith(redirectUri)) return url;
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET', redirect: 'manual', body,
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    jar.take(res);
    body = undefined;
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url);
      continue;
    }
    const page = await res.text();
    const action = /<form[^>]*action="([^"]+)"[^>]*>\s*<input type="hidden" name="prompt" value="login"/.exec(page)?.[1];
    if (res.status !== 200 || !action) throw new Error(`the provider stopped at ${url.href} (${res.status}): ${page.slice(0, 500)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url);
    body = new URLSearchParams({ prompt: 'login', login, password: 'any password' }).toString();
  }
  throw new Error('the provider redirected too many times');
}
