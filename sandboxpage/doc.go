// Package sandboxpage serves the sandbox tenant's start page at
// {issuer}/: what the sandbox is, its endpoints, how a vendor registers a
// tool and logs test persons in without a browser, and the synthetic
// population with every representation case and a headless login that
// tries it. Bokmål (default), nynorsk and English, chosen by ?lang= or
// Accept-Language (uilang), styled like the citizen pages.
//
// It renders only; the endpoints it describes are other packages'
// (provider, registration, idportenmock, population/page).
package sandboxpage
