package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// TestClaimAll: names claimed together win exactly where Claim would,
// on one Redis and on a cluster (where the names' keys fall on several
// nodes): a name claimed before loses, of two equal names in one call
// only the first wins, and a name claimed by ClaimAll is lost to Claim.
func TestClaimAll(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client func(testing.TB) (redis.UniversalClient, string)
	}{{"redis", redistest.Client}, {"cluster", redistest.Cluster}} {
		t.Run(tc.name, func(t *testing.T) {
			rdb, prefix := tc.client(t)
			st := store.New(rdb, prefix)
			ctx := context.Background()
			if ok, err := st.Claim(ctx, "teams:activity:2", "t", time.Hour); err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			var names []string
			for i := range 40 {
				names = append(names, fmt.Sprintf("teams:activity:%d", i))
			}
			names = append(names, "teams:activity:7")
			won, err := st.ClaimAll(ctx, names, "t", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]bool, len(names))
			for i := range 40 {
				want[i] = i != 2
			}
			if !slices.Equal(won, want) {
				t.Fatalf("won %v, want %v", won, want)
			}
			if ok, err := st.Claim(ctx, "teams:activity:39", "t", time.Hour); err != nil || ok {
				t.Fatalf("claim after ClaimAll: %v %v", ok, err)
			}
			for _, k := range claimKeys(t, rdb, prefix) {
				if ttl, err := rdb.TTL(ctx, k).Result(); err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
					t.Fatalf("%s: ttl %v, %v", k, ttl, err)
				}
			}
			if won, err := st.ClaimAll(ctx, nil, "t", time.Hour); err != nil || len(won) != 0 {
				t.Fatalf("no names: %v %v", won, err)
			}
		})
	}
}

// claimKeys lists the keys under prefix, on every node of a cluster; it
// fails the test unless there are 40 (one per distinct name).
func claimKeys(t *testing.T, rdb redis.UniversalClient, prefix string) []string {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	var keys []string
	add := func(ctx context.Context, c *redis.Client) error { // concurrent per master
		k, err := c.Keys(ctx, prefix+"*").Result()
		mu.Lock()
		defer mu.Unlock()
		keys = append(keys, k...)
		return err
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, add)
	} else {
		err = add(ctx, rdb.(*redis.Client))
	}
	if err != nil || len(keys) != 40 {
		t.Fatalf("keys %v, %v", keys, err)
	}
	return keys
}
