package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
)

// index returns the key of an approvals.Index.
func (k keys) index(ix approvals.Index) string {
	switch ix.Kind {
	case approvals.IndexByState:
		return k.byState(approvals.State(ix.Key))
	case approvals.IndexPendingByPackage:
		return k.pendingByPackage(ix.Key)
	case approvals.IndexByRequester:
		return k.byRequester(actorKey(ix.Actor))
	case approvals.IndexByTarget:
		return k.byTarget(ix.Key)
	case approvals.IndexByApprover:
		return k.byApprover(actorKey(ix.Actor))
	}
	return k.all()
}

// List returns up to limit requests of an index, newest first.
func (s *Store) List(ctx context.Context, ix approvals.Index, limit int) ([]*approvals.Request, error) {
	if limit <= 0 {
		limit = 100
	}
	ids, err := s.rdb.ZRevRange(ctx, s.k.index(ix), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	return s.getMany(ctx, ids)
}

// Count returns how many requests an index holds.
func (s *Store) Count(ctx context.Context, ix approvals.Index) (int64, error) {
	return s.rdb.ZCard(ctx, s.k.index(ix)).Result()
}

func (s *Store) getMany(ctx context.Context, ids []string) ([]*approvals.Request, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.StringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGet(ctx, s.k.request(id), "d")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("store: get many: %w", err)
	}
	out := make([]*approvals.Request, 0, len(ids))
	for i, c := range cmds {
		data, err := c.Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: get %s: %w", ids[i], err)
		}
		r, err := decodeRequest(ids[i], data)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Grants returns the live grants of a package, oldest first.
func (s *Store) Grants(ctx context.Context, pkg string) ([]approvals.Grant, error) {
	emails, err := s.rdb.ZRange(ctx, s.k.grantsByPackage(pkg), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: grants of %s: %w", pkg, err)
	}
	keys := make([]string, len(emails))
	for i, e := range emails {
		keys[i] = s.k.grant(e, pkg)
	}
	return s.grants(ctx, keys)
}

// GrantsOf returns the live grants a user holds.
func (s *Store) GrantsOf(ctx context.Context, email string) ([]approvals.Grant, error) {
	pkgs, err := s.rdb.ZRange(ctx, s.k.grantsByUser(email), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: grants of %s: %w", email, err)
	}
	keys := make([]string, len(pkgs))
	for i, p := range pkgs {
		keys[i] = s.k.grant(email, p)
	}
	return s.grants(ctx, keys)
}

// ExpiringBefore returns time-bound grants that end before t, soonest
// first, at most limit.
func (s *Store) ExpiringBefore(ctx context.Context, t time.Time, limit int) ([]approvals.Grant, error) {
	members, err := s.rdb.ZRangeByScore(ctx, s.k.grantsByExpiry(), &redis.ZRangeBy{
		Min: "-inf", Max: ms(t.UnixMilli()), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("store: expiring grants: %w", err)
	}
	keys := make([]string, len(members))
	for i, m := range members {
		keys[i] = s.k.grant(splitExpiryMember(m))
	}
	return s.grants(ctx, keys)
}

func (s *Store) grants(ctx context.Context, keys []string) ([]approvals.Grant, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("store: read grants: %w", err)
	}
	out := make([]approvals.Grant, 0, len(vals))
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		var g approvals.Grant
		if err := json.Unmarshal([]byte(str), &g); err != nil {
			return nil, fmt.Errorf("store: decode grant: %w", err)
		}
		out = append(out, g)
	}
	return out, nil
}
