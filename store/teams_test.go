package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// TestTeamsDocs: a saved document reads back, a missing one is nil
// without an error, a new save replaces the old, and the TTL applies.
func TestTeamsDocs(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := store.New(rdb, prefix)
	ctx := context.Background()
	if doc, err := s.TeamsDoc(ctx, "conv", "19:x@thread.tacv2"); doc != nil || err != nil {
		t.Fatalf("missing doc: %q %v", doc, err)
	}
	for _, v := range []string{`{"a":1}`, `{"a":2}`} {
		if err := s.SaveTeamsDoc(ctx, "conv", "19:x@thread.tacv2", []byte(v), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := s.TeamsDoc(ctx, "conv", "19:x@thread.tacv2")
	if err != nil || string(doc) != `{"a":2}` {
		t.Fatalf("doc %q %v", doc, err)
	}
	keys, _ := rdb.Keys(ctx, prefix+"*teams:conv:*").Result()
	if len(keys) != 1 {
		t.Fatalf("keys %v", keys)
	}
	if ttl := rdb.TTL(ctx, keys[0]).Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("ttl %s", ttl)
	}
}
