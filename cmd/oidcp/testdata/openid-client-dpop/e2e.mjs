// End-to-end DPoP (RFC 9449) with openid-client v6 against an oidcp
// tenant, driven by cmd/oidcp/e2e_dpop_test.go: PAR, code, token,
// userinfo and refresh, all in openid-client's DPoP mode; then the bound
// access token replayed without a proof, as Bearer, with another key's
// proof and with a proof already used. Prints one JSON report.
//
// ISSUER, CLIENT_ID, CLIENT_SECRET or CLIENT_JWK, REDIRECT_URI (never
// fetched: the "browser" below stops there) and LOGIN_HINT come from the
// environment.
import * as client from 'openid-client'

const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set`)
  return process.env[k]
}
const issuer = new URL(env('ISSUER'))
const redirect = env('REDIRECT_URI')

// Every request openid-client makes, with its answer's status, so the
// report can show the nonce round trips and the test can replay a proof.
const seen = []
const recordingFetch = async (url, options) => {
  const resp = await fetch(url, options)
  seen.push({ url: String(url), method: options.method, headers: new Headers(options.headers), status: resp.status, nonce: resp.headers.get('dpop-nonce') })
  return resp
}

// The client authenticates with its secret, or, when CLIENT_JWK (a
// private EC P-256 JWK with kid) is set, with private_key_jwt; its ID
// tokens are then ID_TOKEN_ALG (a FAPI 2.0 tenant's PS256).
let metadata = process.env.CLIENT_SECRET
let clientAuth
if (process.env.CLIENT_JWK) {
  const { kty, crv, x, y, d, kid } = JSON.parse(process.env.CLIENT_JWK)
  const key = await crypto.subtle.importKey('jwk', { kty, crv, x, y, d }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
  clientAuth = client.PrivateKeyJwt({ key, kid })
  metadata = { id_token_signed_response_alg: env('ID_TOKEN_ALG') }
}
const config = await client.discovery(issuer, env('CLIENT_ID'), metadata, clientAuth, {
  execute: [client.allowInsecureRequests],
  [client.customFetch]: recordingFetch,
})
config[client.customFetch] = recordingFetch
const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
const report = { dpop_signing_alg_values_supported: config.serverMetadata().dpop_signing_alg_values_supported }
report.id_token_alg = null

const verifier = client.randomPKCECodeVerifier()
const state = client.randomState()
const nonce = client.randomNonce()
const authURL = await client.buildAuthorizationUrlWithPAR(config, {
  redirect_uri: redirect,
  scope: 'openid profile pid offline_access',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state,
  nonce,
  login_hint: env('LOGIN_HINT'),
}, { DPoP })

// A browser that follows redirects (the ID-porten mock logs a test
// person in without a page) until the tool's redirect URI.
async function browse (start) {
  const jar = new Map()
  let url = new URL(start)
  for (let i = 0; i < 20; i++) {
    if (url.href.startsWith(redirect)) return url
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
    const resp = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} })
    for (const c of resp.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const at = pair.indexOf('=')
      jar.set(pair.slice(0, at), pair.slice(at + 1))
    }
    const loc = resp.headers.get('location')
    if (!loc) throw new Error(`login stopped at ${url.pathname}: ${resp.status} ${(await resp.text()).slice(0, 300)}`)
    url = new URL(loc, url)
  }
  throw new Error('too many redirects')
}
const callback = await browse(authURL)

const tokens = await client.authorizationCodeGrant(config, callback, {
  pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
}, undefined, { DPoP })
const sub = tokens.claims().sub
report.id_token_alg = JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url')).alg
report.token_type = tokens.token_type
const userinfo = await client.fetchUserInfo(config, tokens.access_token, sub, { DPoP })
report.userinfo_pid = userinfo.pid

const userinfoURL = config.serverMetadata().userinfo_endpoint
const raw = async (headers) => {
  const resp = await fetch(userinfoURL, { headers })
  return { status: resp.status, www_authenticate: resp.headers.get('www-authenticate') }
}
// The last userinfo request openid-client made, proof and all.
const last = seen.findLast((r) => r.url === userinfoURL && r.status === 200)
report.replay_same_proof = await raw({ authorization: last.headers.get('authorization'), dpop: last.headers.get('dpop') })
report.without_proof = await raw({ authorization: `DPoP ${tokens.access_token}` })
report.as_bearer = await raw({ authorization: `Bearer ${tokens.access_token}` })
try {
  const other = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
  await client.fetchUserInfo(config, tokens.access_token, sub, { DPoP: other })
  report.other_key = { accepted: true }
} catch (err) {
  report.other_key = { accepted: false, status: err.response?.status ?? err.status, code: err.error ?? err.code, message: err.message }
}

const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP })
report.refreshed_token_type = refreshed.token_type
report.refreshed_userinfo_pid = (await client.fetchUserInfo(config, refreshed.access_token, sub, { DPoP })).pid
report.refreshed_as_bearer = await raw({ authorization: `Bearer ${refreshed.access_token}` })

// Server nonces: each endpoint first answered use_dpop_nonce, then
// accepted the retry openid-client made with the nonce.
report.nonce_challenges = seen.filter((r) => (r.status === 400 || r.status === 401) && r.nonce).map((r) => new URL(r.url).pathname)
console.log(JSON.stringify(report))
