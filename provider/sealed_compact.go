package provider

import (
	"context"
	"encoding/binary"
	"errors"
	"net/url"
	"reflect"
	"time"

	"github.com/ory/fosite"
	"golang.org/x/text/language"
)

// The compact form of a sealed token's request (body version
// sealedVersionCompact). The JSON a stored token's row holds spells out
// fosite's whole session, mostly empty ID token claims, so a sealed token
// carrying it was about a kilobyte, and decoding it was a fifth of an
// introspection's CPU. A client_credentials request holds little: its
// times, client, scopes, audience, form and language, and a session with
// an issuer, a subject, an expiry, a tenant and perhaps a DPoP binding.
// compactRequest writes those in binary, and only when the session holds
// nothing else (compared field by field with one rebuilt from them), so
// nothing can be dropped: anything more is sealed as JSON, as before.

// sealedVersionCompact is the first byte of a body whose request is in
// the compact form.
const sealedVersionCompact = 2

// compactRequest encodes r, whose ID the sealed frame carries, in the
// compact form; ok is false when r holds more than that form carries.
func compactRequest(r fosite.Requester) (b []byte, ok bool) {
	if _, isAuthorize := r.(fosite.AuthorizeRequester); isAuthorize {
		return nil, false
	}
	sess, isOurs := r.GetSession().(*Session)
	if !isOurs || sess.Claims == nil || sess.Headers == nil || !reflect.DeepEqual(compactSession(sess), sess) {
		return nil, false
	}
	c := r.GetClient()
	if c == nil || !exactNano(r.GetRequestedAt()) {
		return nil, false
	}
	for _, t := range sess.ExpiresAt {
		if !exactNano(t) {
			return nil, false
		}
	}
	b = binary.AppendVarint(b, r.GetRequestedAt().UnixNano())
	b = appendString(b, c.GetID())
	for _, l := range [][]string{r.GetRequestedScopes(), r.GetGrantedScopes(), r.GetRequestedAudience(), r.GetGrantedAudience()} {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, s := range l {
			b = appendString(b, s)
		}
	}
	b = appendString(b, r.GetRequestForm().Encode())
	lang := ""
	if l, ok := r.(interface{ GetLang() language.Tag }); ok {
		lang = l.GetLang().String()
	}
	b = appendString(b, lang)
	for _, s := range []string{sess.Tenant, sess.Claims.Issuer, sess.Claims.Subject, sess.Subject, sess.Username, sess.CnfJKT} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(sess.ExpiresAt)))
	for k, t := range sess.ExpiresAt {
		b = appendString(b, string(k))
		b = binary.AppendVarint(b, t.UnixNano())
	}
	return b, true
}

// exactNano tells a time the compact form keeps as it is: in UTC and
// within the range of Unix nanoseconds (the zero time is not).
func exactNano(t time.Time) bool {
	return t.Location() == time.UTC && time.Unix(0, t.UnixNano()).Equal(t)
}

// compactSession is the session the compact form rebuilds from sess: a
// fresh one with only the fields it carries (the expiry map shared, so
// that only what the form leaves out can differ).
func compactSession(sess *Session) *Session {
	c := NewSession(sess.Tenant)
	c.Claims.Issuer, c.Claims.Subject = sess.Claims.Issuer, sess.Claims.Subject
	c.Subject, c.Username, c.CnfJKT = sess.Subject, sess.Username, sess.CnfJKT
	c.ExpiresAt = sess.ExpiresAt
	return c
}

// uncompactRequest rebuilds the request of a compact sealed token with
// request ID id, as unmarshalRequest does from JSON: its client loaded,
// its session decoded into sess (reset first; a fresh one when nil).
func (s *fositeStore) uncompactRequest(ctx context.Context, id string, b []byte, sess fosite.Session) (*fosite.AuthorizeRequest, error) {
	if sess == nil {
		sess = NewSession(s.tenant)
	}
	ours, ok := sess.(*Session)
	if !ok {
		return nil, errors.New("sealed token: a compact request needs the provider's session")
	}
	d := compactDecoder{b: b}
	requestedAt := d.varint()
	clientID := d.string()
	var lists [4][]string
	for i := range lists {
		n := d.uvarint()
		if n > uint64(len(d.b)) { // every entry takes a byte at least
			d.fail()
			break
		}
		for range n {
			lists[i] = append(lists[i], d.string())
		}
	}
	form, lang := d.string(), d.string()
	var f [6]string
	for i := range f {
		f[i] = d.string()
	}
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		n = 0
	}
	exp := make(map[fosite.TokenType]time.Time, n)
	for range n {
		k := d.string()
		exp[fosite.TokenType(k)] = time.Unix(0, d.varint()).UTC()
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, errors.New("sealed token: bad compact request")
	}
	values, err := url.ParseQuery(form)
	if err != nil {
		return nil, errors.New("sealed token: bad compact request form")
	}

	*ours = *NewSession(f[0])
	ours.Claims.Issuer, ours.Claims.Subject = f[1], f[2]
	ours.Subject, ours.Username, ours.CnfJKT = f[3], f[4], f[5]
	ours.ExpiresAt = exp

	client, err := s.GetClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	ar := fosite.NewAuthorizeRequest()
	ar.ID = id
	ar.RequestedAt = time.Unix(0, requestedAt).UTC()
	ar.Client = client
	ar.RequestedScope, ar.GrantedScope = lists[0], lists[1]
	ar.RequestedAudience, ar.GrantedAudience = lists[2], lists[3]
	if len(values) > 0 {
		ar.Form = values
	}
	ar.Session = ours
	if lang != "" {
		if tag, err := language.Parse(lang); err == nil {
			ar.Lang = tag
		}
	}
	return ar, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// compactDecoder reads the compact form; the first error sticks and
// every later read returns zero.
type compactDecoder struct {
	b   []byte
	err error
}

func (d *compactDecoder) fail() { d.err, d.b = errors.New("truncated"), nil }

// took moves past a varint of k bytes, or fails when none was read.
func (d *compactDecoder) took(k int) bool {
	if k <= 0 {
		d.fail()
		return false
	}
	d.b = d.b[k:]
	return true
}

func (d *compactDecoder) uvarint() uint64 {
	if v, k := binary.Uvarint(d.b); d.took(k) {
		return v
	}
	return 0
}

func (d *compactDecoder) varint() int64 {
	if v, k := binary.Varint(d.b); d.took(k) {
		return v
	}
	return 0
}

func (d *compactDecoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
