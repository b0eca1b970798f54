package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"regexp"
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
// request: method, path, status, duration and id. It never logs the query
// string, headers or body: they carry codes, tokens, client secrets and
// login hints with fødselsnummer.
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
		log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("path", logPath(r.URL.Path)),
			slog.Int("status", rec.status()),
			slog.Int64("bytes", rec.n),
			slog.Duration("duration", time.Since(start)),
		)
	})
}

// logPath is the path as it may be logged: long paths cut, anything that
// looks like a fødselsnummer masked.
func logPath(p string) string {
	if len(p) > 256 {
		p = p[:256] + "…"
	}
	return elevenDigits.ReplaceAllString(p, "***********")
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	code int
	n    int64
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
