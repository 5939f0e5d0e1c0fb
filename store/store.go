package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
)

// Store is the Redis implementation of approvals.Store plus the queries
// the chat front end, the workers and the reviews need.
type Store struct {
	rdb redis.UniversalClient
	k   keys

	mu   sync.Mutex
	head string // last audit head this process saw; a hint, Lua checks it

	audit AuditKey // keys new audit entries; zero: unkeyed (SHA-256)
}

var _ approvals.Store = (*Store)(nil)

// New returns a store whose keys start with prefix (DefaultPrefix when
// empty).
func New(rdb redis.UniversalClient, prefix string, opts ...Option) *Store {
	s := &Store{rdb: rdb, k: newKeys(prefix)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// idBase makes the first request id DC-1001 rather than DC-1.
const idBase = 1000

// NextID allocates the next request id.
func (s *Store) NextID(ctx context.Context) (string, error) {
	n, err := s.rdb.Incr(ctx, s.k.seq()).Result()
	if err != nil {
		return "", fmt.Errorf("store: next id: %w", err)
	}
	return approvals.IDPrefix + strconv.FormatInt(idBase+n, 10), nil
}

// Get returns one request.
func (s *Store) Get(ctx context.Context, id string) (*approvals.Request, error) {
	data, err := s.rdb.HGet(ctx, s.k.request(id), "d").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: %s", approvals.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get %s: %w", id, err)
	}
	return decodeRequest(id, data)
}

func decodeRequest(id string, data []byte) (*approvals.Request, error) {
	var r approvals.Request
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("store: decode %s: %w", id, err)
	}
	return &r, nil
}

// Grant returns the live grant of pkg for email.
func (s *Store) Grant(ctx context.Context, email, pkg string) (*approvals.Grant, error) {
	data, err := s.rdb.Get(ctx, s.k.grant(email, pkg)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: %s has no %s grant", approvals.ErrNoGrant, email, pkg)
	}
	if err != nil {
		return nil, fmt.Errorf("store: grant %s/%s: %w", email, pkg, err)
	}
	var g approvals.Grant
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("store: decode grant %s/%s: %w", email, pkg, err)
	}
	return &g, nil
}

// maxHeadRetries bounds how often Commit re-chains its audit entries
// because another writer appended first. Each retry means another commit
// succeeded, so progress is guaranteed; the cap guards against a broken
// server.
const maxHeadRetries = 1000

// Commit writes a change atomically; see approvals.Store for outcomes.
func (s *Store) Commit(ctx context.Context, c approvals.Change) error {
	plan, err := s.plan(c)
	if err != nil {
		return err
	}
	return s.commitPlan(ctx, plan, c.Records)
}

// commitPlan runs a planned change, re-chaining its audit records while
// another writer moves the head first.
func (s *Store) commitPlan(ctx context.Context, plan *plan, records []approvals.Record) error {
	s.mu.Lock()
	head := s.head
	s.mu.Unlock()
	for range maxHeadRetries {
		entries, newHead := s.audit.chain(head, records)
		args, err := plan.args(head, newHead, entries)
		if err != nil {
			return err
		}
		res, err := commitScript.Run(ctx, s.rdb, plan.keys, args).StringSlice()
		if err != nil {
			return fmt.Errorf("store: commit: %w", err)
		}
		switch res[0] {
		case "ok":
			s.mu.Lock()
			s.head = newHead
			s.mu.Unlock()
			return nil
		case "head":
			head = res[1]
			continue
		case "conflict":
			return fmt.Errorf("%w: %s", approvals.ErrConflict, res[1])
		case "duplicate":
			return &approvals.DuplicateRequestError{ID: res[1]}
		default:
			return fmt.Errorf("store: commit: unexpected reply %q", res)
		}
	}
	return fmt.Errorf("store: commit: audit head kept moving")
}
