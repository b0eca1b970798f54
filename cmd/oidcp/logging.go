package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// newLogger builds the process logger from log_level and log_format.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated already
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// requestIDHeader carries the request id in and out, so a log line can be
// matched with a proxy's and a client's report.
const requestIDHeader = "X-Request-Id"

// validRequestID accepts an incoming id only if it is short and plain, so
// a caller cannot inject log content through it.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// elevenDigits matches a possible fødselsnummer in a path; it is masked
// before logging.
var elevenDigits = regexp.MustCompile(`\d{11}`)

type requestIDKey struct{}

// RequestID returns the request id the middleware put in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestLog assigns or propagates X-Request-Id and logs one line per
// request: method, path, status, duration_ms and id, and for a failed
// request its OAuth error code (oauth_error). It never logs the query
// string, headers or body: they carry codes, tokens, client secrets and
// login hints with fødselsnummer; of a response it reads only the error
// code (oauthError).
func requestLog(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(requestIDHeader)
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set(requestIDHeader, id)
		rec := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
		level := slog.LevelInfo
		if rec.status() >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("path", logPath(r.URL.Path)),
			slog.Int("status", rec.status()),
			slog.Int64("bytes", rec.n),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		}
		if code := rec.oauthError(); code != "" {
			attrs = append(attrs, slog.String("oauth_error", code))
		}
		log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// logPath is the path as it may be logged: anything that looks like a
// fødselsnummer masked, then long paths cut (cut first, a number across
// the cut would keep its first digits).
func logPath(p string) string {
	p = elevenDigits.ReplaceAllString(p, "***********")
	if len(p) > 256 {
		p = p[:256] + "…"
	}
	return p
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter records the status and size of a response, and its first
// bytes, where an error response states its OAuth error code.
type statusWriter struct {
	http.ResponseWriter
	code int
	n    int64
	head []byte
}

// sniffLen bounds how much of a response body is kept for oauthError.
// An error page states its code after the layout's inline stylesheet
// (web/style.css, some 3 KB), so the bound leaves room for it to grow.
const sniffLen = 8192

var (
	// errorCode is an OAuth error code (RFC 6749 §5.2: %x20-21 / %x23-5B /
	// %x5D-7E); only plain lowercase codes are logged.
	errorCode = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
	// Where responses state the code: a JSON error body (RFC 6749 §5.2),
	// a WWW-Authenticate challenge (RFC 6750 §3), a form_post page's
	// hidden field, and oidcp's HTML error pages.
	jsonError   = regexp.MustCompile(`"error"\s*:\s*"([^"]{1,64})"`)
	headerError = regexp.MustCompile(`error="([^"]{1,64})"`)
	formError   = regexp.MustCompile(`<input type="hidden" name="error" value="([^"]{1,64})">`)
	pageError   = regexp.MustCompile(`data-oauth-error="([^"]{1,64})"`)
)

// oauthError returns the OAuth error code the response carries, or "":
// in an error redirect's Location (RFC 6749 §4.1.2.1), in the body of an
// error or a page, or in a Bearer challenge.
func (s *statusWriter) oauthError() string {
	h := s.Header()
	var found []string
	if loc := h.Get("Location"); loc != "" && s.status() >= 300 && s.status() < 400 {
		if u, err := url.Parse(loc); err == nil {
			found = append(found, u.Query().Get("error"))
		}
	}
	if m := headerError.FindStringSubmatch(h.Get("WWW-Authenticate")); m != nil {
		found = append(found, m[1])
	}
	ct := h.Get("Content-Type")
	for _, re := range []*regexp.Regexp{jsonError, formError, pageError} {
		if re == jsonError && (s.status() < 400 || !strings.Contains(ct, "json")) || re != jsonError && !strings.Contains(ct, "html") {
			continue
		}
		if m := re.FindSubmatch(s.head); m != nil {
			found = append(found, string(m[1]))
		}
	}
	for _, code := range found {
		if errorCode.MatchString(code) {
			return code
		}
	}
	return ""
}

func (s *statusWriter) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	// Only what oauthError reads: an error's JSON body, or an HTML page
	// (form_post, error page). Tokens and key sets are not copied.
	if room := sniffLen - len(s.head); room > 0 && (s.code >= 400 || strings.Contains(s.Header().Get("Content-Type"), "html")) {
		s.head = append(s.head, b[:min(room, len(b))]...)
	}
	n, err := s.ResponseWriter.Write(b)
	s.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}
