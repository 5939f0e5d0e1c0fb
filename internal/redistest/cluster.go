package redistest

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClusterURL is the Redis Cluster the tests use (REDIS_CLUSTER_URL,
// redis-cluster://h1:p1,h2:p2,… as scripts/redis-cluster.sh prints it),
// or "" when none is configured.
func ClusterURL() string { return os.Getenv("REDIS_CLUSTER_URL") }

// Cluster returns a client for the test Redis Cluster and a fresh key
// prefix, like Client. Without REDIS_CLUSTER_URL the test skips, except
// in CI (CI=true), where the cluster is part of the suite and its absence
// fails the test.
func Cluster(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	raw := ClusterURL()
	if raw == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("redistest: REDIS_CLUSTER_URL is not set in CI; make test starts one with scripts/redis-cluster.sh")
		}
		tb.Skip("no Redis Cluster: run scripts/redis-cluster.sh and set REDIS_CLUSTER_URL")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "redis-cluster" || u.Host == "" {
		tb.Fatalf("redistest: REDIS_CLUSTER_URL must be redis-cluster://host:port,host:port,…")
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(u.Host, ","), PoolSize: 64})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		tb.Fatalf("redistest: no Redis Cluster at %s: %v", u.Host, err)
	}
	prefix := "test:" + Token() + ":"
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = rdb.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			Purge(node, prefix)
			return nil
		})
		_ = rdb.Close()
	})
	return rdb, prefix
}
