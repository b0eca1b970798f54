package sessionstore

import (
	"bytes"
	"encoding/gob"
	"runtime"
	"testing"
	"time"
)

// hugeMapCount is a stored Values blob whose map claims 4,201,802,094
// entries in 222 bytes (found by FuzzDecodeValues; also in its corpus).
// gob sizes a map from that count before reading any entry.
const hugeMapCount = "/\x7f\x03\x01\x01\benvelope\x01\xff\x80\x00\x01\x02\x01\x06Values\x01\xff\x82\x00\x01\bUpstream\x01\xff\x84\x00\x00\x00-\xff\x81\x04\x01\x01\x1dmap[itterface {}]intekface {}\x01\xff\x82\x00\x01\x10\x01\x10\x00\x005\xff\x83\x03\x01\x01\bupstream\x01\xff\x84\x00\x01\x03\x01\x03SID\x01\f\x00\x01\aIDToren\x01\f\x00\x01\x06Locale\x01\f\x00\x00\x00I\xff\x80\x01\xfa\x00\x00\xfaring\f\x03\x00\x01n\x01string\f\x02\x00\x00\x06string\f\x02\x00\x00\x06snring\f\x03\x00\x01x\x01\x01\x05sid-1\x01\aeyJ.x.y\x01\x02nb\x00\x00"

// TestDecodeValuesBoundsMemory: a small blob cannot make the decoder
// allocate more than a little memory or run for long, whatever count it
// claims.
func TestDecodeValuesBoundsMemory(t *testing.T) {
	done := make(chan uint64, 1)
	go func() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, _ = decodeValues([]byte(hugeMapCount))
		runtime.ReadMemStats(&after)
		done <- after.TotalAlloc - before.TotalAlloc
	}()
	select {
	case alloc := <-done:
		if alloc > 16<<20 {
			t.Fatalf("decoding a %d-byte blob allocated %d MiB", len(hugeMapCount), alloc>>20)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("decoding a %d-byte blob did not finish in 10 s", len(hugeMapCount))
	}
}

// TestDecodeValuesEarlierForm: a session stored when Values were a gob
// map keeps its upstream fields (and so its upstream logout); only the
// values are dropped.
func TestDecodeValuesEarlierForm(t *testing.T) {
	type earlier struct {
		Values   map[interface{}]interface{}
		Upstream upstream
	}
	up := upstream{SID: "sid-1", IDToken: "eyJ.x.y", Locale: "nn"}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(earlier{Values: map[interface{}]interface{}{"choice": "self"}, Upstream: up}); err != nil {
		t.Fatal(err)
	}
	vals, got, err := decodeValues(buf.Bytes())
	if err != nil || got != up || len(vals) != 0 {
		t.Fatalf("decodeValues(earlier form) = %v, %+v, %v; want no values, %+v", vals, got, err, up)
	}
}

// TestDecodeValuesUnhashableKey: a blob whose key cannot be a map key is
// an error, not a panic.
func TestDecodeValuesUnhashableKey(t *testing.T) {
	var buf bytes.Buffer
	type pairList struct {
		Pairs []struct{ Key, Value interface{} }
	}
	in := pairList{Pairs: []struct{ Key, Value interface{} }{{Key: []byte("k"), Value: "v"}}}
	if err := gob.NewEncoder(&buf).Encode(in); err != nil {
		t.Fatal(err)
	}
	if _, _, err := decodeValues(buf.Bytes()); err == nil {
		t.Fatal("a []byte key decoded without error")
	}
}
