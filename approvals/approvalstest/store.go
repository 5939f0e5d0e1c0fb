package approvalstest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

// Store is an in-memory approvals.Store. It keeps the Redis store's
// rules so tests of the domain see the outcomes production sees:
//
//   - NextID counts up from DC-1001;
//   - Commit compares every written request's stored version with its
//     Prev (ErrConflict), refuses a create while another request holds
//     the open slot of the same target and package
//     (*DuplicateRequestError), and writes all of a Change or none of it;
//   - a request's version must be Prev's plus one and its decisions can
//     only be appended;
//   - requests, grants and records are stored as JSON, so a value read
//     back is a copy and loses what JSON drops (Actor.Groups).
//
// The zero value is not usable; call NewStore. It is safe for concurrent
// use.
type Store struct {
	mu       sync.Mutex
	seq      int64
	requests map[string]storedRequest
	// open maps target and package to the open request that blocks a
	// new one; like the Redis key it is claimed on create and released
	// when its holder closes.
	open    map[approvals.GrantKey]string
	grants  map[approvals.GrantKey][]byte
	records [][]byte
}

type storedRequest struct {
	version int64
	data    []byte
}

var _ approvals.Store = (*Store)(nil)

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{
		requests: map[string]storedRequest{},
		open:     map[approvals.GrantKey]string{},
		grants:   map[approvals.GrantKey][]byte{},
	}
}

// idBase makes the first request id DC-1001, as in the Redis store.
const idBase = 1000

// NextID allocates the next request id.
func (s *Store) NextID(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return approvals.IDPrefix + strconv.FormatInt(idBase+s.seq, 10), nil
}

// Get returns a copy of the request or an error wrapping
// approvals.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*approvals.Request, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	sr, ok := s.requests[id]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s", approvals.ErrNotFound, id)
	}
	var r approvals.Request
	if err := json.Unmarshal(sr.data, &r); err != nil {
		return nil, fmt.Errorf("approvalstest: decode %s: %w", id, err)
	}
	return &r, nil
}

// Grant returns a copy of the live grant or an error wrapping
// approvals.ErrNoGrant.
func (s *Store) Grant(ctx context.Context, email, pkg string) (*approvals.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	data, ok := s.grants[approvals.GrantKey{Email: email, Package: pkg}]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s has no %s grant", approvals.ErrNoGrant, email, pkg)
	}
	var g approvals.Grant
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("approvalstest: decode grant %s/%s: %w", email, pkg, err)
	}
	return &g, nil
}

// Commit writes a change atomically; see approvals.Store for outcomes.
func (s *Store) Commit(ctx context.Context, c approvals.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := plan(c)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Every check before any write, as the Redis script does.
	for _, w := range p.requests {
		if cur := s.requests[w.id].version; cur != w.prevVersion {
			return fmt.Errorf("%w: %s is at version %d, not %d", approvals.ErrConflict, w.id, cur, w.prevVersion)
		}
	}
	for _, w := range p.requests {
		if !w.create {
			continue
		}
		if cur, ok := s.open[w.slot]; ok && cur != w.id {
			return &approvals.DuplicateRequestError{ID: cur}
		}
	}
	for _, w := range p.requests {
		s.requests[w.id] = storedRequest{version: w.version, data: w.data}
		switch {
		case w.create && w.open:
			s.open[w.slot] = w.id
		case !w.open && s.open[w.slot] == w.id:
			delete(s.open, w.slot)
		}
	}
	for k, data := range p.putGrants {
		s.grants[k] = data
	}
	for _, k := range p.deleteGrants {
		delete(s.grants, k)
	}
	s.records = append(s.records, p.records...)
	return nil
}

// planned is a Change checked and encoded outside the lock.
type planned struct {
	requests     []plannedWrite
	putGrants    map[approvals.GrantKey][]byte
	deleteGrants []approvals.GrantKey
	records      [][]byte
}

type plannedWrite struct {
	id          string
	prevVersion int64
	version     int64
	data        []byte
	create      bool
	open        bool
	slot        approvals.GrantKey
}

func plan(c approvals.Change) (*planned, error) {
	p := &planned{putGrants: map[approvals.GrantKey][]byte{}}
	for _, w := range c.Requests {
		pw, err := planWrite(w)
		if err != nil {
			return nil, err
		}
		p.requests = append(p.requests, pw)
	}
	for _, g := range c.PutGrants {
		data, err := json.Marshal(g)
		if err != nil {
			return nil, fmt.Errorf("approvalstest: encode grant: %w", err)
		}
		p.putGrants[approvals.GrantKey{Email: g.Email, Package: g.Package}] = data
	}
	p.deleteGrants = append(p.deleteGrants, c.DeleteGrants...)
	for _, r := range c.Records {
		data, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("approvalstest: encode record: %w", err)
		}
		p.records = append(p.records, data)
	}
	return p, nil
}

func planWrite(w approvals.Write) (plannedWrite, error) {
	n := w.Next
	if n == nil || n.ID == "" {
		return plannedWrite{}, fmt.Errorf("approvalstest: commit: request without id")
	}
	var prevVersion int64
	var before []approvals.Decision
	if w.Prev != nil {
		prevVersion = w.Prev.Version
		before = w.Prev.Decisions
	}
	if n.Version != prevVersion+1 {
		return plannedWrite{}, fmt.Errorf("approvalstest: commit %s: version %d does not follow %d", n.ID, n.Version, prevVersion)
	}
	if len(n.Decisions) < len(before) || !slices.EqualFunc(n.Decisions[:len(before)], before, sameDecision) {
		return plannedWrite{}, fmt.Errorf("approvalstest: commit %s: decisions can only be appended", n.ID)
	}
	data, err := json.Marshal(n)
	if err != nil {
		return plannedWrite{}, fmt.Errorf("approvalstest: encode %s: %w", n.ID, err)
	}
	return plannedWrite{
		id: n.ID, prevVersion: prevVersion, version: n.Version, data: data,
		create: w.Prev == nil, open: n.State.Open(),
		slot: approvals.GrantKey{Email: n.Target.Email, Package: n.Package},
	}, nil
}

func sameDecision(a, b approvals.Decision) bool {
	return a.Verdict == b.Verdict && a.At.Equal(b.At) && a.Approver.Same(b.Approver)
}

// Records returns every committed record, oldest first: the durable copy
// the Redis store keeps in its outbox and audit trail.
func (s *Store) Records(ctx context.Context) ([]approvals.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	raw := slices.Clone(s.records)
	s.mu.Unlock()
	out := make([]approvals.Record, 0, len(raw))
	for _, data := range raw {
		var r approvals.Record
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("approvalstest: decode record: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// ExpiringBefore returns time-bound grants that end at or before t,
// soonest first, at most limit (all when limit <= 0). Like the Redis
// store it compares whole milliseconds.
func (s *Store) ExpiringBefore(ctx context.Context, t time.Time, limit int) ([]approvals.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	raw := make([][]byte, 0, len(s.grants))
	for _, data := range s.grants {
		raw = append(raw, data)
	}
	s.mu.Unlock()
	var out []approvals.Grant
	for _, data := range raw {
		var g approvals.Grant
		if err := json.Unmarshal(data, &g); err != nil {
			return nil, fmt.Errorf("approvalstest: decode grant: %w", err)
		}
		if !g.Permanent() && g.Until.UnixMilli() <= t.UnixMilli() {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ai, bi := a.Until.UnixMilli(), b.Until.UnixMilli(); ai != bi {
			return ai < bi
		}
		return a.Email+"\x1f"+a.Package < b.Email+"\x1f"+b.Package
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
