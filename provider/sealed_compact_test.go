package provider

import (
	"encoding/base64"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/token/jwt"
	"golang.org/x/text/language"
)

// compactHarness is a tenant's store with a registered machine client, and
// a client_credentials request as the token endpoint builds one.
func compactHarness(t *testing.T) (*fositeStore, func() *fosite.Request) {
	t.Helper()
	h := newHarnessOn(t, openSQLite(t), nil)
	h.client("machine", machineClient)
	fs := h.p.tenants["main"].fstore
	c, err := fs.GetClient(t.Context(), "machine")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC() // as fosite sets a request's times
	return fs, func() *fosite.Request {
		sess := NewSession("main")
		sess.Claims.Issuer, sess.Claims.Subject, sess.Subject = "https://oidcp.example/main", "machine", "machine"
		sess.SetExpiresAt(fosite.AccessToken, now.Add(10*time.Minute))
		r := fosite.NewRequest()
		r.ID, r.RequestedAt, r.Client, r.Session = "sealed-1796074872-977c4210", now, c, sess
		r.Form = url.Values{"grant_type": {"client_credentials"}}
		return r
	}
}

// sameAsJSON checks that the compact form of r decodes to exactly what
// its JSON form decodes to, as the stored form sees it.
func sameAsJSON(t *testing.T, fs *fositeStore, r fosite.Requester, what string) {
	t.Helper()
	b, ok := compactRequest(r)
	if !ok {
		t.Fatalf("%s: not compacted", what)
	}
	// Into a session that held something else: it is reset, as a fresh
	// one would be.
	into := NewSession("other")
	into.PID, into.Claims.Extra["left"] = "01818000010", "over"
	got, err := fs.uncompactRequest(t.Context(), r.GetID(), b, into)
	if err != nil {
		t.Fatalf("%s: uncompact: %v", what, err)
	}
	data, err := marshalRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fs.unmarshalRequest(t.Context(), data, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := marshalRequest(got)
	w, _ := marshalRequest(want)
	if string(g) != string(w) {
		t.Fatalf("%s: the compact form decodes to\n%s\nthe JSON form to\n%s", what, g, w)
	}
	if !reflect.DeepEqual(got.Session, want.Session) {
		t.Fatalf("%s: the sessions differ beyond their JSON:\n%#v\n%#v", what, got.Session, want.Session)
	}
}

// TestCompactSealedRequest: a client_credentials request in the compact
// form decodes to what its JSON decodes to, with scopes, audience, form
// values, a language and a DPoP binding; and a real token uses it.
func TestCompactSealedRequest(t *testing.T) {
	fs, mk := compactHarness(t)
	sameAsJSON(t, fs, mk(), "a plain request")
	r := mk()
	r.RequestedScope, r.GrantedScope = fosite.Arguments{"openid", "journal.read"}, fosite.Arguments{"journal.read"}
	r.RequestedAudience, r.GrantedAudience = fosite.Arguments{"https://api.example"}, fosite.Arguments{"https://api.example"}
	r.Form = url.Values{"grant_type": {"client_credentials"}, "scope": {"openid journal.read"}, "resource": {"https://a", "https://b"}}
	r.Lang = language.Norwegian
	r.Session.(*Session).CnfJKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
	r.Session.(*Session).Username = "someone"
	sameAsJSON(t, fs, r, "a request with everything the form carries")

	h := newHarnessOn(t, openSQLite(t), nil)
	h.client("machine", machineClient)
	tok := h.ccToken("machine")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, accessTokenPrefix))
	if err != nil || raw[0] != sealedVersionCompact {
		t.Fatalf("a client_credentials token is not in the compact form (version %v, %v)", raw[0], err)
	}
	if len(tok) > 400 { // 969 characters as JSON
		t.Fatalf("a compact token is %d characters", len(tok))
	}
	// Read in the other form, it does not open: the version is
	// authenticated.
	raw[0] = sealedVersion
	if got := h.introspect("machine", accessTokenPrefix+base64.RawURLEncoding.EncodeToString(raw)); got["active"] != false {
		t.Fatalf("a compact token relabelled as JSON: %v", got)
	}
}

// TestCompactSealedRefusesWhatItCannotCarry sets each field of the
// session (and of its ID token claims and headers) in turn: either the
// compact form refuses the request, which is then sealed as JSON, or it
// decodes to exactly what the JSON does. A field fosite adds later is
// covered the same way.
func TestCompactSealedRefusesWhatItCannotCarry(t *testing.T) {
	fs, mk := compactHarness(t)
	sample := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	set := func(v reflect.Value) bool {
		switch v.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int64:
			v.SetInt(7)
		case reflect.Slice:
			if v.Type().Elem().Kind() != reflect.String {
				return false
			}
			s := reflect.MakeSlice(v.Type(), 1, 1)
			s.Index(0).SetString("x")
			v.Set(s)
		case reflect.Map:
			m := reflect.MakeMap(v.Type())
			k := reflect.New(v.Type().Key()).Elem()
			k.SetString("refresh_token")
			e := reflect.ValueOf(any("y"))
			if v.Type().Elem() == reflect.TypeFor[time.Time]() {
				e = reflect.ValueOf(sample)
			}
			m.SetMapIndex(k, e)
			v.Set(m)
		case reflect.Struct:
			if v.Type() != reflect.TypeFor[time.Time]() {
				return false
			}
			v.Set(reflect.ValueOf(sample))
		default:
			return false
		}
		return true
	}
	tried, refused := 0, 0
	each := func(name string, target func(r *fosite.Request) reflect.Value) {
		n := target(mk()).NumField()
		for i := range n {
			r := mk()
			v := target(r)
			f := v.Type().Field(i)
			if !f.IsExported() || f.Anonymous || !set(v.Field(i)) {
				continue
			}
			tried++
			if _, ok := compactRequest(r); !ok {
				refused++
				continue
			}
			sameAsJSON(t, fs, r, name+"."+f.Name)
		}
	}
	each("Session", func(r *fosite.Request) reflect.Value { return reflect.ValueOf(r.Session.(*Session)).Elem() })
	each("DefaultSession", func(r *fosite.Request) reflect.Value {
		return reflect.ValueOf(&r.Session.(*Session).DefaultSession).Elem()
	})
	each("IDTokenClaims", func(r *fosite.Request) reflect.Value { return reflect.ValueOf(r.Session.(*Session).Claims).Elem() })
	each("Headers", func(r *fosite.Request) reflect.Value { return reflect.ValueOf(r.Session.(*Session).Headers).Elem() })
	t.Logf("set %d fields, %d refused", tried, refused)
	if tried < 25 || refused < 15 {
		t.Fatalf("set %d fields, %d refused: the walk missed the session's fields", tried, refused)
	}

	// Times it would not keep exactly: not in UTC, or out of the range
	// of Unix nanoseconds.
	for name, tm := range map[string]time.Time{
		"a local time":  time.Date(2026, 11, 30, 12, 0, 0, 0, time.FixedZone("CET", 3600)),
		"the zero time": {},
		"year 2300":     time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		r := mk()
		r.Session.(*Session).SetExpiresAt(fosite.AccessToken, tm)
		if _, ok := compactRequest(r); ok {
			t.Fatalf("%s as the expiry was compacted", name)
		}
		r = mk()
		r.RequestedAt = tm
		if _, ok := compactRequest(r); ok {
			t.Fatalf("%s as requested_at was compacted", name)
		}
	}

	// A session the form cannot carry is sealed as JSON, and still opens.
	r := mk()
	r.Session.(*Session).GrantID = "grant-1"
	r.Session.(*Session).Claims = &jwt.IDTokenClaims{Extra: map[string]any{"x": 1}}
	c := r.Client.(*fositeClient).c
	tok, _, err := fs.sealer.issue(c, r)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := fs.sealer.open(strings.TrimPrefix(tok, accessTokenPrefix))
	if err != nil || rec.Compact {
		t.Fatalf("a session with more than the compact form carries: compact=%v, %v", rec.Compact, err)
	}
}
