package accountapi

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/representation"
)

// eventParams are the query parameters of GET events.
var eventParams = []string{"since", "until", "client_id", "who", "cursor", "limit"}

// maxParamLen bounds a free-text parameter (a client_id is at most 128
// characters, a cursor an opaque handful of bytes).
const maxParamLen = 512

// parseEventQuery reads the filters of GET events. since and until are
// an RFC 3339 time or a calendar date (YYYY-MM-DD) in Europe/Oslo: since
// a date means from its start, until a date means through its end, so
// since=2026-01-05&until=2026-01-05 is that whole day. An unknown,
// repeated or unreadable parameter is an error naming it, never ignored.
func parseEventQuery(v url.Values) (account.EventQuery, error) {
	var q account.EventQuery
	for _, k := range slices.Sorted(maps.Keys(v)) {
		vs := v[k]
		if !slices.Contains(eventParams, k) {
			return q, fmt.Errorf("unknown query parameter %q; events takes %s", k, strings.Join(eventParams, ", "))
		}
		if len(vs) > 1 {
			return q, fmt.Errorf("query parameter %s given %d times; give it once", k, len(vs))
		}
		if len(vs[0]) > maxParamLen {
			return q, fmt.Errorf("query parameter %s is longer than %d characters", k, maxParamLen)
		}
	}
	var err error
	if s := v.Get("since"); s != "" {
		if q.Since, err = parseInstant(s, false); err != nil {
			return q, fmt.Errorf("since: %w", err)
		}
	}
	if s := v.Get("until"); s != "" {
		if q.Until, err = parseInstant(s, true); err != nil {
			return q, fmt.Errorf("until: %w", err)
		}
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		return q, fmt.Errorf("since (%s) must be before until (%s)", v.Get("since"), v.Get("until"))
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > account.MaxPageSize {
			return q, fmt.Errorf("limit %q must be a whole number from 1 to %d (default %d)", s, account.MaxPageSize, account.DefaultPageSize)
		}
		q.Limit = n
	}
	q.ClientID, q.Who, q.Cursor = v.Get("client_id"), v.Get("who"), v.Get("cursor")
	return q, nil
}

// parseInstant reads an RFC 3339 time or a date in Europe/Oslo; a date
// taken as an end (until) is the start of the day after, as until is
// exclusive.
func parseInstant(s string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, representation.Oslo)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-01-05T08:00:00+01:00) nor a date (2026-01-05)", s)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}
