package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/internal/logging"
)

// durabilityProblem is a Redis setting under which the ledger would be
// lost or cut.
type durabilityProblem struct {
	setting string // e.g. "appendonly"
	text    string
}

// errRedisDurability says serve refused a Redis that would lose data
// (redis.require_persistence).
var errRedisDurability = errors.New("this Redis would lose the ledger")

// checkDurability reads Redis's persistence and eviction settings (on
// every master of a cluster) and logs a warning for each problem, or,
// with require (redis.require_persistence), refuses to start. A server
// that refuses CONFIG (managed services often do) is a warning either
// way: what it runs with cannot be read.
func checkDurability(ctx context.Context, rdb redis.UniversalClient, require bool, log zerolog.Logger) error {
	log = logging.WithComponent(log, "redis")
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	problems, err := durability(ctx, rdb)
	if err != nil {
		log.Warn().Err(err).Msg("cannot read Redis's persistence settings (CONFIG GET refused); " +
			"make sure it runs with appendonly yes and maxmemory-policy noeviction, see the operations guide")
		return nil
	}
	var texts []string
	for _, p := range problems {
		texts = append(texts, p.text)
		if !require {
			log.Warn().Str("redis_setting", p.setting).Msg(p.text)
		}
	}
	if require && len(problems) > 0 {
		return fmt.Errorf("%w, and redis.require_persistence is set: %s", errRedisDurability, strings.Join(texts, "; "))
	}
	return nil
}

// durability returns the problems of one server, or of every master of
// a cluster (each once).
func durability(ctx context.Context, rdb redis.UniversalClient) ([]durabilityProblem, error) {
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		return serverDurability(ctx, rdb)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var all []durabilityProblem
	err := cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		ps, err := serverDurability(ctx, node)
		mu.Lock()
		defer mu.Unlock()
		for _, p := range ps {
			if !seen[p.text] {
				seen[p.text] = true
				all = append(all, p)
			}
		}
		return err
	})
	return all, err
}

// configReader is the one command durability needs.
type configReader interface {
	ConfigGet(ctx context.Context, parameter string) *redis.MapStringStringCmd
}

// serverDurability reads appendonly, save and maxmemory-policy.
func serverDurability(ctx context.Context, c configReader) ([]durabilityProblem, error) {
	get := func(name string) (string, error) {
		m, err := c.ConfigGet(ctx, name).Result()
		if err != nil {
			return "", fmt.Errorf("CONFIG GET %s: %w", name, err)
		}
		return m[name], nil
	}
	aof, err := get("appendonly")
	if err != nil {
		return nil, err
	}
	save, err := get("save")
	if err != nil {
		return nil, err
	}
	policy, err := get("maxmemory-policy")
	if err != nil {
		return nil, err
	}
	var ps []durabilityProblem
	switch {
	case aof != "yes" && strings.TrimSpace(save) == "":
		ps = append(ps, durabilityProblem{"appendonly", "Redis runs without persistence (appendonly no, no save points): " +
			"a restart empties it and every request, grant and audit entry is lost; set appendonly yes"})
	case aof != "yes":
		ps = append(ps, durabilityProblem{"appendonly", fmt.Sprintf("Redis keeps only RDB snapshots (appendonly no, save %q): "+
			"a crash loses what was written since the last one; set appendonly yes", save)})
	}
	if policy != "noeviction" {
		ps = append(ps, durabilityProblem{"maxmemory-policy", fmt.Sprintf("Redis's maxmemory-policy is %s: when memory runs out it may "+
			"evict requests, grants or audit entries; set maxmemory-policy noeviction", policy)})
	}
	return ps, nil
}
