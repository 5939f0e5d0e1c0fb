package approvals

import (
	"context"
	"time"
)

// Clock tells the time. Production uses the wall clock; tests use a
// clock they move by hand.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// Store is the ledger the Service writes through. Every change goes
// through Commit, which applies all of a Change or none of it.
type Store interface {
	// NextID allocates a new human-friendly request id such as "DC-1042".
	NextID(ctx context.Context) (string, error)
	// Get returns the request or an error wrapping ErrNotFound.
	Get(ctx context.Context, id string) (*Request, error)
	// Grant returns the live grant of pkg for email, or an error
	// wrapping ErrNoGrant.
	Grant(ctx context.Context, email, pkg string) (*Grant, error)
	// Commit writes a Change atomically. Outcomes:
	//   - nil: every request, grant and record was written.
	//   - an error wrapping ErrConflict: some request's stored version
	//     differs from Write.Prev's; nothing was written. Reload and retry.
	//   - *DuplicateRequestError: a create hit an open request for the
	//     same target and package; nothing was written.
	//   - an error for a malformed Change (a request without id, a
	//     version other than Prev's plus one, decisions that rewrite
	//     earlier ones); nothing was written.
	//   - any other error: Redis failed; nothing or everything was
	//     written (Redis scripts are atomic), so reload before retrying.
	Commit(ctx context.Context, c Change) error
}

// Change is one atomic write to the ledger.
type Change struct {
	Requests     []Write
	PutGrants    []Grant
	DeleteGrants []GrantKey
	// Records are the domain events of this change; the store appends
	// each to the event outbox and the hash-chained audit trail.
	Records []Record
}

// Write is one request written by a Change. Prev is the request as it
// was read (nil when creating); the store compares versions and uses
// Prev to update its indexes.
type Write struct {
	Prev *Request
	Next *Request
}

// GrantKey names a grant.
type GrantKey struct {
	Email   string
	Package string
}

// Record is one domain event: what happened to which request, who did
// it, and what changed. It is both the outbox entry and the audit entry.
type Record struct {
	RequestID string    `json:"request_id"`
	Event     Event     `json:"event"`
	Actor     Actor     `json:"actor"`
	At        time.Time `json:"at"`
	From      State     `json:"from,omitempty"`
	To        State     `json:"to,omitempty"`
	Package   string    `json:"package,omitempty"`
	Target    string    `json:"target,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	// DetailKey and DetailArgs are Detail's message id and arguments
	// when the system wrote it (why access ended), so readers see it in
	// their language; empty otherwise and in records written before.
	DetailKey  string            `json:"detail_key,omitempty"`
	DetailArgs map[string]string `json:"detail_args,omitempty"`
}
