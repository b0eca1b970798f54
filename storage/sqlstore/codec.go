package sqlstore

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// tm turns a time into a bind value: NULL for the zero time (which the
// contract uses for "not set"), otherwise the dialect's encoding.
func (s *Store) tm(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.EncodeTime(t)
}

// tmPtr is tm for optional times.
func (s *Store) tmPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.tm(*t)
}

// timeCol scans a timestamp column of either encoding into a UTC time;
// NULL becomes the zero time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	case time.Time:
		*c.t = v.UTC()
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into a time", src)
	}
	return nil
}

func (c timeCol) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("sqlstore: parse time %q: %w", v, err)
	}
	*c.t = t.UTC()
	return nil
}

// timePtrCol scans a nullable timestamp into a *time.Time.
type timePtrCol struct{ p **time.Time }

func (c timePtrCol) Scan(src any) error {
	if src == nil {
		*c.p = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*c.p = &t
	return nil
}

// jsonCol stores a value as JSON text (lists of strings, client
// metadata). Marshalling nil gives "null", which unmarshals back to nil, so
// nil and empty lists both round-trip exactly.
type jsonCol struct{ v any }

func (c jsonCol) Value() (driver.Value, error) {
	b, err := json.Marshal(c.v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func (c jsonCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		return json.Unmarshal([]byte(v), c.v)
	case []byte:
		return json.Unmarshal(v, c.v)
	default:
		return fmt.Errorf("sqlstore: cannot scan %T as JSON", src)
	}
}

// blob turns an empty byte slice into NULL, so that empty and nil both
// read back as nil on every engine.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// writePlaceholderRows writes the VALUES list of a multi-row INSERT of
// rows rows with cols columns each: ($1, $2), ($3, $4), …
func writePlaceholderRows(b *strings.Builder, rows, cols int) {
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		writePlaceholderRow(b, i*cols+1, cols)
	}
}

// writePlaceholderRow writes one row of cols placeholders numbered from
// first: ($first, …, $first+cols-1).
func writePlaceholderRow(b *strings.Builder, first, cols int) {
	b.WriteByte('(')
	for c := range cols {
		if c > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(first + c))
	}
	b.WriteByte(')')
}
