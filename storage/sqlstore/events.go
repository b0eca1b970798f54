package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/oidcp/oidcp/storage"
)

const eventCols = `id, tenant, occurred_at, kind, actor, subject, client_id, session_id, grant_id, detail`

// AppendEvent appends an event and returns its id. Ids increase, so they
// order the log and serve as the keyset for pagination. With the
// background writer running (StartEventWriter) and no transaction in ctx,
// it queues the event and returns id 0.
func (s *Store) AppendEvent(ctx context.Context, e storage.Event) (int64, error) {
	if w := s.events.Load(); w != nil && s.txFrom(ctx) == nil {
		if ok, err := w.enqueue(ctx, e); ok {
			return 0, err
		}
	}
	var id int64
	err := s.queryRow(ctx, `INSERT INTO events (tenant, occurred_at, kind, actor, subject, client_id, session_id, grant_id, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		e.Tenant, s.tm(e.Time), e.Kind, e.Actor, e.Subject, e.ClientID, e.SessionID, e.GrantID, blobText(e.Detail)).Scan(&id)
	return id, s.wrap("append event", err)
}

// blobText stores a JSON document as text, NULL when empty.
func blobText(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// ListEvents returns the events f selects, newest (highest id) first.
// Since is inclusive and Until exclusive; AfterID continues a previous
// page (ids below it); Limit 0 means no limit.
func (s *Store) ListEvents(ctx context.Context, f storage.EventFilter) ([]storage.Event, error) {
	// Read this node's own events: wait for those queued before now.
	if s.txFrom(ctx) == nil {
		if err := s.FlushEvents(ctx); err != nil {
			return nil, s.wrap("list events: write the queued events", err)
		}
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Tenant != "" {
		where = append(where, "tenant = "+arg(f.Tenant))
	}
	if f.Person != "" {
		p := arg(f.Person)
		where = append(where, "(actor = "+p+" OR subject = "+p+")")
	}
	if len(f.Kinds) > 0 {
		ph := make([]string, len(f.Kinds))
		for i, k := range f.Kinds {
			ph[i] = arg(k)
		}
		where = append(where, "kind IN ("+strings.Join(ph, ", ")+")")
	}
	if f.ClientID != "" {
		where = append(where, "client_id = "+arg(f.ClientID))
	}
	if !f.Since.IsZero() {
		where = append(where, "occurred_at >= "+arg(s.tm(f.Since)))
	}
	if !f.Until.IsZero() {
		where = append(where, "occurred_at < "+arg(s.tm(f.Until)))
	}
	if f.AfterID > 0 {
		where = append(where, "id < "+arg(f.AfterID))
	}
	q := `SELECT ` + eventCols + ` FROM events`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + arg(f.Limit)
	}
	out, err := queryAll(ctx, s, scanEvent, q, args...)
	return out, s.wrap("list events", err)
}

func scanEvent(sc interface{ Scan(...any) error }) (storage.Event, error) {
	var e storage.Event
	var detail []byte
	if err := sc.Scan(&e.ID, &e.Tenant, timeCol{&e.Time}, &e.Kind, &e.Actor, &e.Subject, &e.ClientID,
		&e.SessionID, &e.GrantID, &detail); err != nil {
		return storage.Event{}, err
	}
	if len(detail) > 0 {
		e.Detail = json.RawMessage(detail)
	}
	return e, nil
}
