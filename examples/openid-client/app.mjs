// A minimal web tool that logs a person in with oidcp through
// openid-client v6 and shows the ID token's claims.
//
//   npm install && CLIENT_SECRET=… node app.mjs   # then open http://127.0.0.1:9000/login
//
// Settings come from the environment: ISSUER (default the sandbox of
// `make run`), CLIENT_ID (my-app), CLIENT_SECRET and REDIRECT_URI
// (http://127.0.0.1:9000/callback; the tool listens on its host and
// port). For scripts, /login passes login_hint and testid_acting_for on to
// oidcp (README, steps 4 and 5).
import * as client from 'openid-client'
import http from 'node:http'

const issuer = new URL(process.env.ISSUER ?? 'http://127.0.0.1:8080/sandbox')
const clientId = process.env.CLIENT_ID ?? 'my-app'
const redirect = new URL(process.env.REDIRECT_URI ?? 'http://127.0.0.1:9000/callback')

// openid-client v6 refuses plain http unless told: allowInsecureRequests is
// for this local sandbox only, never for an https issuer. v6 sends the
// secret with client_secret_post by default, which a client registered
// without --auth-method accepts; for one pinned to client_secret_basic
// pass client.ClientSecretBasic(secret) as the fourth argument.
const config = await client.discovery(issuer, clientId, process.env.CLIENT_SECRET, undefined, {
  execute: issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
})

const flows = new Map() // state -> { verifier, nonce }

http.createServer(async (req, res) => {
  const url = new URL(req.url, redirect)
  try {
    if (url.pathname === '/login') {
      const verifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const nonce = client.randomNonce()
      flows.set(state, { verifier, nonce })
      const params = {
        redirect_uri: redirect.href,
        scope: 'openid profile pid',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      }
      for (const k of ['login_hint', 'testid_acting_for', 'ui_locales']) {
        if (url.searchParams.get(k)) params[k] = url.searchParams.get(k)
      }
      res.writeHead(302, { Location: client.buildAuthorizationUrl(config, params).href }).end()
      return
    }
    if (url.pathname === redirect.pathname) {
      if (url.searchParams.get('error')) {
        res.writeHead(403).end(`login failed: ${url.searchParams.get('error')}: ${url.searchParams.get('error_description')}`)
        return
      }
      const state = url.searchParams.get('state')
      const flow = flows.get(state)
      flows.delete(state)
      if (!flow) {
        res.writeHead(400).end('unknown state')
        return
      }
      const tokens = await client.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: flow.verifier,
        expectedState: state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      })
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(tokens.claims()))
      return
    }
    res.writeHead(404).end()
  } catch (err) {
    res.writeHead(502).end(`error: ${err.message}${err.cause ? ' (' + JSON.stringify(err.cause) + ')' : ''}`)
  }
}).listen(Number(redirect.port || 80), redirect.hostname, () => {
  console.log(`open ${new URL('/login', redirect).href}`)
})
