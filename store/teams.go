package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// SaveTeamsDoc keeps one document of the Teams adapter's memory
// (conversation references, people, dialogs, current cards) under
// (kind, key) for ttl; 0 keeps it. The documents are opaque here.
func (s *Store) SaveTeamsDoc(ctx context.Context, kind, key string, doc []byte, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, s.k.teamsDoc(kind, key), doc, ttl).Err(); err != nil {
		return fmt.Errorf("store: save teams %s: %w", kind, err)
	}
	return nil
}

// TeamsDoc returns a document saved by SaveTeamsDoc, or nil and no
// error when there is none.
func (s *Store) TeamsDoc(ctx context.Context, kind, key string) ([]byte, error) {
	doc, err := s.rdb.Get(ctx, s.k.teamsDoc(kind, key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: read teams %s: %w", kind, err)
	}
	return doc, nil
}
