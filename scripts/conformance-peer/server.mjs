// Conformance peer: panva's OpenID Certified oidc-provider, configured
// with the static clients in client.json, so the oidcp conformance suite
// can be validated against an OP known to pass the OIDF plans.
//
// Env: PEER_PORT (9443), PEER_TLS_CERT, PEER_TLS_KEY (HTTPS when set).
import { readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.PEER_PORT || 9443);
const tls = process.env.PEER_TLS_CERT && process.env.PEER_TLS_KEY;
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
const cfg = JSON.parse(readFileSync(new URL('./client.json', import.meta.url)));

async function signingKey(alg, kid) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, use: 'sig', alg };
}

const base = {
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [cfg.redirect_uri, cfg.redirect_uri_2],
  post_logout_redirect_uris: [cfg.post_logout_redirect_uri],
  backchannel_logout_uri: cfg.backchannel.uri,
  backchannel_logout_session_required: true,
};
const clients = [
  { ...base, client_id: cfg.client_id, client_secret: cfg.client_secret, token_endpoint_auth_method: 'client_secret_basic' },
  { ...base, client_id: cfg.post_client.client_id, client_secret: cfg.post_client.client_secret,
    redirect_uris: [cfg.post_client.redirect_uri], token_endpoint_auth_method: 'client_secret_post' },
  { ...base, client_id: cfg.strict_client.client_id, client_secret: cfg.strict_client.client_secret,
    redirect_uris: [cfg.strict_client.redirect_uri], token_endpoint_auth_method: 'client_secret_basic' },
];

const profile = {
  name: 'Kari Nordmann', given_name: 'Kari', family_name: 'Nordmann', nickname: 'kari',
  preferred_username: 'kari', birthdate: '1985-04-12', locale: 'nb-NO', zoneinfo: 'Europe/Oslo',
  updated_at: 1700000000, gender: 'female', website: 'https://example.test/kari',
};

const configuration = {
  clients,
  jwks: { keys: [await signingKey('RS256', 'rs256-1'), await signingKey('ES256', 'es256-1')] },
  cookies: { keys: ['conformance-peer-cookie-key-not-secret'], long: { sameSite: 'none' } },
  enableHttpPostMethods: true,
  scopes: ['openid', 'offline_access', 'profile', 'email', 'address', 'phone'],
  claims: {
    acr: null, auth_time: null, sid: null, openid: ['sub'],
    profile: Object.keys(profile),
    email: ['email', 'email_verified'],
    address: ['address'],
    phone: ['phone_number', 'phone_number_verified'],
  },
  acrValues: ['urn:mace:incommon:iap:silver', 'urn:mace:incommon:iap:bronze'],
  responseTypes: ['code'],
  pkce: { required: (_ctx, client) => client.clientId === cfg.strict_client.client_id },
  rotateRefreshToken: true,
  // The suite's back-channel receiver listens on 127.0.0.1, which
  // oidc-provider's SSRF guard refuses; this peer only ever talks to the
  // suite on loopback, so drop the guarded dispatcher.
  fetch: (url, options) => {
    delete options.dispatcher;
    return globalThis.fetch(url, options);
  },
  features: {
    devInteractions: { enabled: true },
    claimsParameter: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
    requestObjects: { enabled: true, requireSignedRequestObject: false },
    pushedAuthorizationRequests: { enabled: true },
    // RFC 9449, for the suite's oidcp-dpop module.
    dPoP: { enabled: true },
  },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, ...profile,
          email: `${id}@example.test`, email_verified: true,
          address: { formatted: 'Storgata 1, 0155 Oslo', street_address: 'Storgata 1', postal_code: '0155', locality: 'Oslo', country: 'NO' },
          phone_number: '+4712345678', phone_number_verified: false,
        };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (_ctx, err) => console.error('server_error', err));
provider.on('backchannel.error', (_ctx, err, client) => console.error('backchannel.error', client.clientId, err));
provider.on('backchannel.success', (_ctx, client) => console.log('backchannel.success', client.clientId));
const handler = provider.callback();
const server = tls
  ? https.createServer({ cert: readFileSync(process.env.PEER_TLS_CERT), key: readFileSync(process.env.PEER_TLS_KEY) }, handler)
  : http.createServer(handler);
server.listen(port, '127.0.0.1', () => console.log(`conformance peer listening, issuer ${issuer}`));

// A second issuer in the FAPI 2.0 Security Profile (PEER_FAPI_PORT, 9446)
// for the suite's oidcp-fapi2 module: PAR required, private_key_jwt only,
// the FAPI client's tokens DPoP-bound, PS256/ES256.
const fapiPort = Number(process.env.PEER_FAPI_PORT || 9446);
const fapiIssuer = `${tls ? 'https' : 'http'}://127.0.0.1:${fapiPort}`;
const { d: _d, ...fapiPublic } = JSON.parse(cfg.fapi_client.private_jwk);
const fapiProvider = new Provider(fapiIssuer, {
  ...configuration,
  clients: [{
    client_id: cfg.fapi_client.client_id,
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [fapiPublic] },
    redirect_uris: [cfg.fapi_client.redirect_uri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: 'PS256',
    dpop_bound_access_tokens: true,
  }],
  jwks: { keys: [await signingKey('PS256', 'ps256-fapi'), await signingKey('ES256', 'es256-fapi')] },
  clientAuthMethods: ['private_key_jwt'],
  enabledJWA: {
    clientAuthSigningAlgValues: ['ES256', 'PS256'],
    idTokenSigningAlgValues: ['PS256', 'ES256'],
    dPoPSigningAlgValues: ['ES256', 'PS256', 'EdDSA'],
  },
  pkce: undefined,
  features: {
    devInteractions: { enabled: true },
    fapi: { enabled: true, profile: '2.0' },
    dPoP: { enabled: true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
  },
});
fapiProvider.on('server_error', (_ctx, err) => console.error('fapi server_error', err));
const fapiHandler = fapiProvider.callback();
const fapiServer = tls
  ? https.createServer({ cert: readFileSync(process.env.PEER_TLS_CERT), key: readFileSync(process.env.PEER_TLS_KEY) }, fapiHandler)
  : http.createServer(fapiHandler);
fapiServer.listen(fapiPort, '127.0.0.1', () => console.log(`FAPI 2.0 peer listening, issuer ${fapiIssuer}`));
