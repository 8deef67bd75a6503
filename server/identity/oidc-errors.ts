/**
 * Why an OpenID Connect sign-in was refused: a short reason for the audit log and clear words for the
 * person, who usually can do nothing but start again or call the help desk. Never the provider's raw
 * error text on the page (it may echo tokens); the reason code says enough for IT.
 */
export type OidcRefusalReason =
  | 'not-configured' | 'missing-state' | 'state-not-from-this-browser' | 'unknown-or-used-state' | 'provider-error'
  | 'provider-unreachable' | 'code-refused' | 'wrong-issuer' | 'wrong-audience' | 'expired' | 'not-yet-valid'
  | 'nonce-mismatch' | 'algorithm-not-allowed' | 'signing-key-unknown' | 'bad-signature' | 'tenant-not-allowed'
  | 'userinfo-mismatch' | 'invalid-token';

export interface OidcRefusal {
  reason: OidcRefusalReason;
  /** 400: the request itself is unusable (no or unknown state); 403: the provider's answer was refused; 503: the provider could not be reached. */
  status: 400 | 403 | 503;
  message: string;
}

const START_AGAIN = 'Go back to the sign-in page and choose the sign-in button again.';
const TELL_IT = 'If it happens again, tell your IT help desk the time and the words "OpenID Connect".';

const WORDS: Record<OidcRefusalReason, { status: OidcRefusal['status']; message: string }> = {
  'not-configured': { status: 403, message: 'Single sign-on is not set up correctly on this server. Tell your IT help desk.' },
  'missing-state': { status: 400, message: `This sign-in link is incomplete. ${START_AGAIN}` },
  'state-not-from-this-browser': { status: 400, message: `This sign-in was not started in this browser, so it was not accepted. ${START_AGAIN}` },
  'unknown-or-used-state': { status: 400, message: `This sign-in has already been used or has expired (they last 10 minutes). ${START_AGAIN}` },
  'provider-error': { status: 403, message: `Your organisation's sign-in service did not sign you in. ${START_AGAIN} ${TELL_IT}` },
  'provider-unreachable': { status: 503, message: `Your organisation's sign-in service could not be reached just now. Try again in a minute. ${TELL_IT}` },
  'code-refused': { status: 403, message: `Your organisation's sign-in service refused to finish this sign-in (it may already have been used). ${START_AGAIN}` },
  'wrong-issuer': { status: 403, message: `The sign-in answer came from a service this server does not trust. ${START_AGAIN} ${TELL_IT}` },
  'wrong-audience': { status: 403, message: `The sign-in answer was meant for another application. ${START_AGAIN} ${TELL_IT}` },
  expired: { status: 403, message: `The sign-in answer had expired. Check that this computer's clock is right, then ${START_AGAIN.toLowerCase()}` },
  'not-yet-valid': { status: 403, message: `The sign-in answer is not valid yet (a clock is wrong). ${TELL_IT}` },
  'nonce-mismatch': { status: 403, message: `The sign-in answer does not belong to the sign-in this browser started. ${START_AGAIN}` },
  'algorithm-not-allowed': { status: 403, message: `The sign-in answer was not signed in a way this server accepts. ${TELL_IT}` },
  'signing-key-unknown': { status: 403, message: `The sign-in answer was signed with a key your organisation's sign-in service does not publish. ${TELL_IT}` },
  'bad-signature': { status: 403, message: `The sign-in answer's signature is not valid. ${TELL_IT}` },
  'tenant-not-allowed': { status: 403, message: 'Your account belongs to an organisation this server does not accept. Sign in with your hospital account.' },
  'userinfo-mismatch': { status: 403, message: `Your organisation's sign-in service gave answers about two different people. ${TELL_IT}` },
  'invalid-token': { status: 403, message: `The sign-in answer could not be checked. ${START_AGAIN} ${TELL_IT}` },
};

export function oidcRefusal(reason: OidcRefusalReason): OidcRefusal {
  return { reason, ...WORDS[reason] };
}

/** Thrown by the OIDC client and service with the refusal to show; the routes render it. */
export class OidcRefused extends Error {
  constructor(readonly refusal: OidcRefusal, readonly detail?: string) {
    super(`OIDC sign-in refused: ${refusal.reason}`);
  }
}

interface Described { code?: unknown; message?: unknown; claim?: unknown; error?: unknown; cause?: unknown; name?: unknown }

/** The error and its causes, outermost first (openid-client wraps oauth4webapi's errors, which carry the claim). */
function chain(err: unknown): Described[] {
  const out: Described[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && typeof e === 'object' && e !== null; i += 1) {
    out.push(e as Described);
    e = (e as Described).cause;
  }
  return out;
}

/**
 * Maps what openid-client threw while finishing a sign-in to a reason. Anything not recognised is
 * `invalid-token`: refused all the same, never let through.
 */
export function classifyOidcError(err: unknown): OidcRefusalReason {
  if (err instanceof OidcRefused) return err.refusal.reason;
  const links = chain(err);
  const codes = links.map((l) => String(l.code ?? ''));
  const messages = links.map((l) => String(l.message ?? '')).join(' | ');
  const claim = links.map((l) => l.claim).find((c) => typeof c === 'string');
  if (codes.includes('OAUTH_AUTHORIZATION_RESPONSE_ERROR')) return 'provider-error';
  if (codes.includes('OAUTH_RESPONSE_BODY_ERROR')) return 'code-refused';
  if (codes.includes('OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') && links.some((l) => (l as { attribute?: unknown }).attribute === 'iss')) return 'wrong-issuer';
  if (codes.includes('OAUTH_JWT_CLAIM_COMPARISON_FAILED')) {
    if (claim === 'iss') return 'wrong-issuer';
    if (claim === 'aud' || claim === 'azp') return 'wrong-audience';
    if (claim === 'nonce') return 'nonce-mismatch';
    return 'invalid-token';
  }
  if (codes.includes('OAUTH_JWT_TIMESTAMP_CHECK_FAILED')) return claim === 'nbf' ? 'not-yet-valid' : 'expired';
  if (codes.includes('OAUTH_KEY_SELECTION_FAILED')) return 'signing-key-unknown';
  if (/"alg"|JWS algorithm|alg" identifier/.test(messages)) return 'algorithm-not-allowed';
  if (/signature verification failed/.test(messages)) return 'bad-signature';
  if (links.some((l) => l.name === 'TimeoutError' || l.name === 'AbortError') || /fetch failed|ECONNREFUSED|ENOTFOUND|timed out/.test(messages)) {
    return 'provider-unreachable';
  }
  if (codes.some((c) => c === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || c === 'OAUTH_RESPONSE_IS_NOT_JSON')) return 'provider-unreachable';
  return 'invalid-token';
}

/** A short, token-free description of the error for the audit details (codes and claim names only). */
export function errorSummary(err: unknown): string {
  const links = chain(err);
  const codes = [...new Set(links.map((l) => l.code).filter((c): c is string => typeof c === 'string'))];
  const claim = links.map((l) => l.claim).find((c) => typeof c === 'string');
  const oauthError = links.map((l) => l.error).find((c) => typeof c === 'string');
  return [codes.join(','), claim ? `claim ${claim}` : '', oauthError ? `error ${oauthError}` : ''].filter(Boolean).join('; ').slice(0, 200);
}
