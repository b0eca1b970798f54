package provider

import (
	"context"
	"encoding/binary"
	"errors"
	"net/url"
	"reflect"
	"time"

	"github.com/ory/fosite"
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

// compactRequest encodes the stored form of r (storedRequestOf), whose
// ID the sealed frame carries, in the compact form; ok is false when it
// holds more than that form carries: anything but the fields written
// below, in the request or in its session (both compared with ones
// rebuilt from those fields), or a time the form would not keep exactly.
func compactRequest(r fosite.Requester) (b []byte, ok bool) {
	sr := storedRequestOf(r)
	sess, isOurs := sr.Session.(*Session)
	if !isOurs || sess.Claims == nil || sess.Headers == nil || sr.ClientID == "" || !exactNano(sr.RequestedAt) {
		return nil, false
	}
	carried := storedRequest{
		ID: sr.ID, RequestedAt: sr.RequestedAt, ClientID: sr.ClientID,
		RequestedScope: sr.RequestedScope, GrantedScope: sr.GrantedScope,
		RequestedAudience: sr.RequestedAudience, GrantedAudience: sr.GrantedAudience,
		Form: sr.Form, Lang: sr.Lang, Session: sess,
	}
	if !reflect.DeepEqual(carried, sr) || !reflect.DeepEqual(compactSession(sess), sess) {
		return nil, false
	}
	for _, t := range sess.ExpiresAt {
		if !exactNano(t) {
			return nil, false
		}
	}
	b = binary.AppendVarint(b, sr.RequestedAt.UnixNano())
	b = appendString(b, sr.ClientID)
	for _, l := range [][]string{sr.RequestedScope, sr.GrantedScope, sr.RequestedAudience, sr.GrantedAudience} {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, s := range l {
			b = appendString(b, s)
		}
	}
	b = appendString(b, sr.Form.Encode())
	b = appendString(b, sr.Lang)
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
// request ID id, as unmarshalRequest does from JSON (requestFrom): its
// client loaded, its session decoded into sess (reset first; a fresh one
// when nil).
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
	sr := storedRequest{
		ID: id, RequestedAt: time.Unix(0, requestedAt).UTC(), ClientID: clientID,
		RequestedScope: lists[0], GrantedScope: lists[1], RequestedAudience: lists[2], GrantedAudience: lists[3],
		Lang: lang,
	}
	if len(values) > 0 {
		sr.Form = values
	}
	return s.requestFrom(ctx, sr, ours)
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
