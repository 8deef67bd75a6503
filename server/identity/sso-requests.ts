// The name the SSO design gave the login-request service (s19-oidc and s19-saml import it from here).
// The code lives in sso-login-state.ts: the layer check reads any `*-requests.ts` as a routes file's
// request schemas (web layer, no database), so the service itself cannot carry this name.
export { localReturnTo, SSO_REQUEST_LIFE_MS, SsoRequests } from './sso-login-state';
export type { BeginOptions, SsoProtocol, TakenSsoRequest } from './sso-login-state';
