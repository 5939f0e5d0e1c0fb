package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Identity is the ledger's identity: a random id written once, when a
// replica first finds no identity in Redis. Every replica remembers the
// identity it saw and compares it with Redis now and then. A ledger that
// vanished under a running replica (Redis restarted without
// persistence, a fail-over to an empty replica) comes back without it,
// or with another one, and is told apart from the ledger the replica
// knew: request ids start again at DC-1001 there, so nothing that named
// a request of the old ledger (a button in an old card) may act on the
// new one.
type Identity struct {
	// ID is 12 hex digits.
	ID        string
	CreatedAt time.Time
	// Adopted says the identity was written over a ledger that already
	// held requests: the first start of a release that has identities.
	// Buttons drawn before carry no identity and still name this
	// ledger's requests.
	Adopted bool
	// LostFrom is the identity a running replica knew when it found this
	// ledger in its place; empty when nothing was lost. LostAt is when,
	// LostSeenBy the replica that saw it.
	LostFrom   string
	LostAt     time.Time
	LostSeenBy string
	// AckedAt and AckedBy record the admin who acknowledged the loss
	// (`chataccess admin ack-ledger`); until then new requests wait.
	AckedAt time.Time
	AckedBy string
}

// Unacknowledged reports whether the ledger replaced a lost one and no
// admin has acknowledged that yet.
func (i Identity) Unacknowledged() bool { return i.LostFrom != "" && i.AckedAt.IsZero() }

// IdentityOutcome says what EnsureIdentity found.
type IdentityOutcome string

// What EnsureIdentity found.
const (
	// IdentitySame: the identity the caller knew (or, at start, one
	// written before).
	IdentitySame IdentityOutcome = "same"
	// IdentityCreated: there was none and the ledger was empty; this
	// call wrote one (a first start, or a ledger lost while no replica
	// ran, which nothing in Redis can tell apart).
	IdentityCreated IdentityOutcome = "created"
	// IdentityAdopted: there was none but the ledger held requests; this
	// call wrote one over them (an upgrade).
	IdentityAdopted IdentityOutcome = "adopted"
	// IdentityLost: the identity the caller knew is gone; this call
	// recorded the loss (once per loss, whichever replica sees it first).
	IdentityLost IdentityOutcome = "lost"
	// IdentityReplaced: the identity the caller knew is gone and
	// another replica recorded the loss already.
	IdentityReplaced IdentityOutcome = "replaced"
)

// ErrNoIdentity says the ledger has no identity yet.
var ErrNoIdentity = errors.New("the ledger has no identity yet (no chataccess serve has run against this Redis and prefix)")

// identityScript writes the ledger's identity when it is missing and
// records a loss when it is not the one the caller knew.
//
// KEYS[1] identity hash, KEYS[2] request id counter, KEYS[3] index of
// every request, KEYS[4] audit stream (any of them: the ledger holds
// data). ARGV[1] the identity the caller knew ("" at start), ARGV[2] a
// fresh id, ARGV[3] now (ms), ARGV[4] the caller's replica name.
//
// Returns the IdentityOutcome followed by the hash's fields and values.
var identityScript = redis.NewScript(`
local outcome
if redis.call('EXISTS', KEYS[1]) == 0 then
  local held = redis.call('EXISTS', KEYS[2], KEYS[3], KEYS[4]) > 0
  redis.call('HSET', KEYS[1], 'id', ARGV[2], 'created', ARGV[3])
  if ARGV[1] ~= '' then
    redis.call('HSET', KEYS[1], 'lost_from', ARGV[1], 'lost_at', ARGV[3], 'lost_seen_by', ARGV[4])
    outcome = 'lost'
  elseif held then
    redis.call('HSET', KEYS[1], 'adopted', '1')
    outcome = 'adopted'
  else
    outcome = 'created'
  end
else
  local id = redis.call('HGET', KEYS[1], 'id')
  if ARGV[1] == '' or ARGV[1] == id then
    outcome = 'same'
  elseif redis.call('HEXISTS', KEYS[1], 'lost_from') == 0 then
    redis.call('HSET', KEYS[1], 'lost_from', ARGV[1], 'lost_at', ARGV[3], 'lost_seen_by', ARGV[4])
    outcome = 'lost'
  else
    outcome = 'replaced'
  end
end
local out = redis.call('HGETALL', KEYS[1])
table.insert(out, 1, outcome)
return out
`)

// ackScript records an admin's acknowledgement of a lost ledger.
//
// KEYS[1] identity hash. ARGV[1] now (ms), ARGV[2] who.
//
// Returns {"none"} without an identity, else "nothing" (no loss),
// "already" (acknowledged before) or "acked", followed by the hash's
// fields and values.
var ackScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'none'} end
local outcome = 'acked'
if redis.call('HEXISTS', KEYS[1], 'lost_from') == 0 then
  outcome = 'nothing'
elseif redis.call('HEXISTS', KEYS[1], 'acked_at') == 1 then
  outcome = 'already'
else
  redis.call('HSET', KEYS[1], 'acked_at', ARGV[1], 'acked_by', ARGV[2])
end
local out = redis.call('HGETALL', KEYS[1])
table.insert(out, 1, outcome)
return out
`)

// EnsureIdentity compares the ledger's identity with known, the one the
// caller saw last ("" when it has seen none). A missing identity is
// written; one that is not known is recorded as a loss unless another
// replica did so. It returns the identity now in Redis.
func (s *Store) EnsureIdentity(ctx context.Context, known, replica string, now time.Time) (Identity, IdentityOutcome, error) {
	id, err := newIdentityID()
	if err != nil {
		return Identity{}, "", err
	}
	keys := []string{s.k.identity(), s.k.seq(), s.k.all(), s.k.audit()}
	res, err := identityScript.Run(ctx, s.rdb, keys, known, id, now.UnixMilli(), replica).StringSlice()
	if err != nil {
		return Identity{}, "", fmt.Errorf("store: ledger identity: %w", err)
	}
	return parseIdentity(res[1:]), IdentityOutcome(res[0]), nil
}

// LedgerIdentity reads the ledger's identity: ErrNoIdentity when there
// is none.
func (s *Store) LedgerIdentity(ctx context.Context) (Identity, error) {
	m, err := s.rdb.HGetAll(ctx, s.k.identity()).Result()
	if err != nil {
		return Identity{}, fmt.Errorf("store: ledger identity: %w", err)
	}
	if len(m) == 0 {
		return Identity{}, ErrNoIdentity
	}
	flat := make([]string, 0, 2*len(m))
	for k, v := range m {
		flat = append(flat, k, v)
	}
	return parseIdentity(flat), nil
}

// AckIdentity records that an admin (by) knows the ledger was lost, so
// new requests are taken again. It reports whether this call recorded
// it: false when nothing was lost or it was acknowledged before.
func (s *Store) AckIdentity(ctx context.Context, by string, now time.Time) (Identity, bool, error) {
	res, err := ackScript.Run(ctx, s.rdb, []string{s.k.identity()}, now.UnixMilli(), by).StringSlice()
	if err != nil {
		return Identity{}, false, fmt.Errorf("store: acknowledge ledger: %w", err)
	}
	if res[0] == "none" {
		return Identity{}, false, ErrNoIdentity
	}
	return parseIdentity(res[1:]), res[0] == "acked", nil
}

func parseIdentity(flat []string) Identity {
	var i Identity
	for n := 0; n+1 < len(flat); n += 2 {
		v := flat[n+1]
		switch flat[n] {
		case "id":
			i.ID = v
		case "created":
			i.CreatedAt = msTime(v)
		case "adopted":
			i.Adopted = v == "1"
		case "lost_from":
			i.LostFrom = v
		case "lost_at":
			i.LostAt = msTime(v)
		case "lost_seen_by":
			i.LostSeenBy = v
		case "acked_at":
			i.AckedAt = msTime(v)
		case "acked_by":
			i.AckedBy = v
		}
	}
	return i
}

func msTime(v string) time.Time {
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// newIdentityID is 12 random hex digits.
func newIdentityID() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("store: ledger identity: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
