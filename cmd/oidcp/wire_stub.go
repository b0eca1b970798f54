//go:build noprovider

package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/metrics"
	"github.com/oidcp/oidcp/storage"
)

// buildHandler without the provider: the build tag noprovider lets the
// operator commands build and be tested while the provider package does
// not compile. serve refuses to start.
func buildHandler(context.Context, Config, storage.Storage, *keys.Manager, *metrics.Metrics, *slog.Logger, func() time.Time) (http.Handler, bool, error) {
	return nil, false, errors.New("serve: built with the noprovider tag; the provider is not included")
}
