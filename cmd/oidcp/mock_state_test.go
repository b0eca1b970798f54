package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/storage/storetest"
)

// TestSharedMockStateIsStable: every node (and every restart) on one
// database gets the mock's same signing key and salt; another KEK cannot
// open them.
func TestSharedMockStateIsStable(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	kek := bytes.Repeat([]byte{7}, 32)
	a, err := sharedMockState(ctx, st, keys.New(st, kek, keys.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := sharedMockState(ctx, st, keys.New(st, kek, keys.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if a.Key.N.Cmp(b.Key.N) != 0 || !bytes.Equal(a.Salt, b.Salt) || a.Store == nil {
		t.Fatal("two nodes on one database got different mock keys or salts")
	}
	if _, err := sharedMockState(ctx, st, keys.New(st, bytes.Repeat([]byte{8}, 32), keys.Options{})); err == nil {
		t.Fatal("another KEK opened the mock's key")
	}
}
