package registry

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oidcp/oidcp/oautherr"
)

// MaxImportBytes bounds an import request body. Larger registers are
// imported with `oidcp persons import FILE`, which has no such limit.
const MaxImportBytes = 16 << 20

// MinAdminTokenLen is the shortest admin token accepted (checked where
// the configuration is validated).
const MinAdminTokenLen = 32

// ImportPath is where the admin listener serves the import.
const ImportPath = "/registry/import"

// HandlerConfig configures ImportHandler.
type HandlerConfig struct {
	Store Store
	// Token is the bearer token the operator sends; empty disables the
	// endpoint (it answers 404 saying so).
	Token string
	Now   func() time.Time
	// Registries are the registries some tenant reads. A request naming
	// another one (a typo, or a registry no tenant is configured for yet)
	// is refused rather than imported where nobody looks. nil accepts any
	// valid name.
	Registries []string
	// Log receives one line per import with counts, never record contents.
	Log *slog.Logger
}

// errorBody is the JSON of every error response, shaped like an OAuth
// error (RFC 6749 §5.2) with the record errors added.
type errorBody struct {
	Error       string        `json:"error"`
	Description string        `json:"error_description"`
	Errors      []RecordError `json:"errors,omitempty"`
}

// ImportHandler serves POST ImportPath: the body is a Document, imported
// into the registry ?registry= names (default Main); the answer is 200
// with the Result, 422 with every record error (nothing imported), 400
// for a body that is not a Document or an unknown registry, 401 without
// the right bearer token, 404 when no token is configured. With
// ?dry_run=true it checks and counts but imports nothing.
func ImportHandler(cfg HandlerConfig) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	want := sha256.Sum256([]byte(cfg.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cfg.Token == "" {
			writeJSON(w, http.StatusNotFound, errorBody{Error: "not_found",
				Description: "the registry import API is disabled: set admin_token (OIDCP_ADMIN_TOKEN, at least 32 characters) to enable it"})
			return
		}
		// Hashing first makes the comparison constant-time whatever the
		// lengths (subtle.ConstantTimeCompare returns early on unequal
		// lengths).
		got, ok := oautherr.BearerToken(r)
		if gotSum := sha256.Sum256([]byte(got)); !ok || subtle.ConstantTimeCompare(gotSum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="oidcp-admin"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{Error: "invalid_token",
				Description: "send the admin token as Authorization: Bearer <admin_token>"})
			return
		}
		name := r.URL.Query().Get("registry")
		if name == "" {
			name = Main
		}
		if err := CheckName(name); err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid_request", Description: err.Error()})
			return
		}
		if cfg.Registries != nil && !slices.Contains(cfg.Registries, name) {
			writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid_request",
				Description: fmt.Sprintf("no tenant reads the registry %q; the configured tenants read %s (name one with ?registry=, or set tenants[].registry)", name, quoteList(cfg.Registries))})
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeJSON(w, http.StatusUnsupportedMediaType, errorBody{Error: "invalid_request",
				Description: "the body must be an import document with Content-Type: application/json"})
			return
		}
		doc, err := Decode(http.MaxBytesReader(w, r.Body, MaxImportBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{Error: "invalid_request",
					Description: fmt.Sprintf("the body is over %d MiB; import large registers with `oidcp persons import FILE`", MaxImportBytes>>20)})
				return
			}
			writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid_request", Description: err.Error()})
			return
		}
		run, what := Import, "registry imported"
		if r.URL.Query().Get("dry_run") == "true" {
			run, what = DryRun, "registry import checked (dry run)"
		}
		res, err := run(r.Context(), cfg.Store, name, doc, cfg.Now())
		var verr *ValidationError
		switch {
		case errors.As(err, &verr):
			cfg.Log.Info("registry import rejected", "problems", len(verr.Errors))
			writeJSON(w, http.StatusUnprocessableEntity, errorBody{Error: "invalid_records",
				Description: fmt.Sprintf("%d problem(s) in the document; nothing was imported", len(verr.Errors)), Errors: verr.Errors})
		case err != nil:
			cfg.Log.Error("registry import failed", "err", err)
			writeJSON(w, http.StatusInternalServerError, errorBody{Error: "server_error", Description: "the import failed; nothing was imported"})
		default:
			cfg.Log.Info(what, "registry", name, "persons", res.Persons, "relations", res.Relations)
			writeJSON(w, http.StatusOK, res)
		}
	})
}

// quoteList is names quoted and joined with commas.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}
