package conformance

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Browser is a minimal user agent: a cookie jar, redirect following, and
// capture of the OP's response to a redirect URI (query, fragment or
// form_post) without fetching it. One Browser is one user's browser; a
// module that needs an existing login session reuses it.
type Browser struct {
	// HTTP must have a cookie jar and must not follow redirects.
	HTTP *http.Client
	// stopAt are URIs (compared without query) at which navigation ends.
	stopAt []string
	// LoginForms counts submitted forms that had a password field; a
	// module uses it to see whether the user was asked to log in again.
	LoginForms int
	// FormsSubmitted counts every submitted form.
	FormsSubmitted int
	// LastResponseMode is how the last callback arrived: query, fragment
	// or form_post.
	LastResponseMode string
	// Trace lists the URLs visited (without query), for the module's log.
	Trace []string
}

// Page is an HTML (or other) page the browser stopped on.
type Page struct {
	URL         *url.URL
	Status      int
	ContentType string
	Body        string
}

// PageError is returned by a login driver that stopped on a page it could
// not get past, such as an OP's error page.
type PageError struct {
	Page *Page
}

func (e *PageError) Error() string {
	p := e.Page
	title := pageTitle(p.Body)
	text := oneLine(pageText(p.Body), 240)
	return fmt.Sprintf("stopped on page %s (HTTP %d, %q): %s", stripQuery(p.URL), p.Status, title, text)
}

// StopAt sets the redirect URIs at which navigation ends.
func (b *Browser) StopAt(uris ...string) { b.stopAt = uris }

func (b *Browser) isStop(u *url.URL) bool {
	for _, s := range b.stopAt {
		su, err := url.Parse(s)
		if err != nil {
			continue
		}
		if strings.EqualFold(su.Scheme, u.Scheme) && strings.EqualFold(su.Host, u.Host) && su.Path == u.Path {
			return true
		}
	}
	return false
}

// outcome is where navigation ended: a callback to a redirect URI, or a
// page.
type outcome struct {
	Callback *url.URL
	Page     *Page
}

const maxHops = 25

// Navigate sends req and follows redirects until it reaches a stop URI or a
// page that is not a redirect. A form_post response page whose form posts
// to a stop URI is turned into a callback URL carrying the form fields in
// its query.
func (b *Browser) Navigate(ctx context.Context, req *http.Request) (*outcome, error) {
	req = req.WithContext(ctx)
	for range maxHops {
		if b.isStop(req.URL) {
			b.LastResponseMode = "query"
			if req.URL.Fragment != "" {
				b.LastResponseMode = "fragment"
			}
			return &outcome{Callback: req.URL}, nil
		}
		b.Trace = append(b.Trace, req.Method+" "+stripQuery(req.URL))
		resp, err := b.HTTP.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 2<<20))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
			next, err := req.URL.Parse(loc)
			if err != nil {
				return nil, fmt.Errorf("bad Location %q: %w", loc, err)
			}
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, next.String(), nil)
			if err != nil {
				return nil, err
			}
			// url.Parse keeps the fragment in URL.Fragment; NewRequest drops
			// nothing, but keep it explicit for fragment responses.
			req.URL.Fragment = next.Fragment
			continue
		}
		ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		page := &Page{URL: req.URL, Status: resp.StatusCode, ContentType: ct, Body: string(body)}
		if ct == "text/html" {
			for _, f := range parseForms(page.Body, req.URL) {
				au, err := url.Parse(f.Action)
				if err == nil && f.Method == "POST" && b.isStop(au) {
					cb := *au
					cb.RawQuery = f.values(nil).Encode()
					b.LastResponseMode = "form_post"
					return &outcome{Callback: &cb}, nil
				}
			}
		}
		return &outcome{Page: page}, nil
	}
	return nil, fmt.Errorf("more than %d redirects", maxHops)
}

func stripQuery(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment = "", ""
	return c.String()
}
