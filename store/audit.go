package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
)

// AlgHMAC marks an entry chained with HMAC-SHA256 under the audit key.
// Entries without an alg field are the original unkeyed chain: SHA-256
// over the same fields, which anyone who can write to Redis can
// recompute.
const AlgHMAC = "hmac-sha256"

// AuditEntry is one link of the hash-chained audit trail.
type AuditEntry struct {
	// StreamID is the Redis stream id; not part of the hash.
	StreamID  string `json:"stream_id"`
	At        string `json:"at"`
	Actor     string `json:"actor"`
	Action    string `json:"action"`
	RequestID string `json:"request_id"`
	Details   string `json:"details"`
	Prev      string `json:"prev"`
	// Hash is the SHA-256 of an unkeyed entry, or the HMAC-SHA256 of a
	// keyed one (Alg AlgHMAC).
	Hash string `json:"hash"`
	// Alg is empty for an unkeyed entry, AlgHMAC for a keyed one.
	Alg string `json:"alg,omitempty"`
	// KeyID names the key a keyed entry was written with (AuditKey.ID).
	KeyID string `json:"kid,omitempty"`
}

type auditEntry = AuditEntry

// Keyed reports whether the entry is chained with the audit key.
func (e AuditEntry) Keyed() bool { return e.Alg != "" }

func (e AuditEntry) fields() []string {
	f := []string{
		"at", e.At, "actor", e.Actor, "action", e.Action, "request_id", e.RequestID,
		"details", e.Details, "prev", e.Prev, "hash", e.Hash,
	}
	if e.Keyed() {
		f = append(f, "alg", e.Alg, "kid", e.KeyID)
	}
	return f
}

// Sum computes the entry's unkeyed hash: SHA-256 over the previous hash
// and the entry's fields, each length-prefixed so no two entries encode
// alike.
func (e AuditEntry) Sum() string {
	h := sha256.New()
	writeParts(h, e.Prev, e.At, e.Actor, e.Action, e.RequestID, e.Details)
	return hex.EncodeToString(h.Sum(nil))
}

// writeParts writes each part length-prefixed ("<len>:<bytes>").
func writeParts(h hash.Hash, parts ...string) {
	for _, f := range parts {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
}

// AuditKey keys the audit chain (AUDIT_KEY). The zero value is no key:
// new entries are chained with SHA-256 only. The key never goes to
// Redis; entries carry only its ID.
type AuditKey struct {
	key []byte
	id  string
}

// NewAuditKey wraps the key's bytes; empty means no key.
func NewAuditKey(secret []byte) AuditKey {
	if len(secret) == 0 {
		return AuditKey{}
	}
	k := AuditKey{key: append([]byte(nil), secret...)}
	k.id = k.sum("chataccess-audit-key-id")[:16]
	return k
}

// IsSet reports whether there is a key.
func (k AuditKey) IsSet() bool { return len(k.key) > 0 }

// ID names the key without revealing it: the first 16 hex digits of an
// HMAC of a fixed text under the key. Entries and checkpoints carry it,
// so a wrong key is told apart from an altered entry.
func (k AuditKey) ID() string { return k.id }

// String never prints the key.
func (k AuditKey) String() string {
	if !k.IsSet() {
		return "no audit key"
	}
	return "audit key " + k.id
}

// sum is the hex HMAC-SHA256 of the length-prefixed parts.
func (k AuditKey) sum(parts ...string) string {
	h := hmac.New(sha256.New, k.key)
	writeParts(h, parts...)
	return hex.EncodeToString(h.Sum(nil))
}

// mac is a keyed entry's hash. The algorithm and key id are inside it,
// so neither can be changed on its own.
func (k AuditKey) mac(e AuditEntry) string {
	return k.sum(AlgHMAC, e.KeyID, e.Prev, e.At, e.Actor, e.Action, e.RequestID, e.Details)
}

// WithAuditKey makes the store chain new audit entries with HMAC-SHA256
// under k and verify keyed entries with it.
func WithAuditKey(k AuditKey) Option { return func(s *Store) { s.audit = k } }

// Option configures a Store.
type Option func(*Store)

// auditDetails is what an entry's details field holds.
type auditDetails struct {
	From    approvals.State `json:"from,omitempty"`
	To      approvals.State `json:"to,omitempty"`
	Package string          `json:"package,omitempty"`
	Target  string          `json:"target,omitempty"`
	Detail  string          `json:"detail,omitempty"`
}

// chain links records to head and returns the entries and the new head:
// keyed entries when k is set, unkeyed ones otherwise.
func (k AuditKey) chain(head string, recs []approvals.Record) ([]AuditEntry, string) {
	out := make([]AuditEntry, 0, len(recs))
	for _, r := range recs {
		d, _ := json.Marshal(auditDetails{From: r.From, To: r.To, Package: r.Package, Target: r.Target, Detail: r.Detail})
		e := AuditEntry{
			At: r.At.UTC().Format(time.RFC3339Nano), Actor: r.Actor.Label(), Action: string(r.Event),
			RequestID: r.RequestID, Details: string(d), Prev: head,
		}
		if k.IsSet() {
			e.Alg, e.KeyID = AlgHMAC, k.id
			e.Hash = k.mac(e)
		} else {
			e.Hash = e.Sum()
		}
		head = e.Hash
		out = append(out, e)
	}
	return out, head
}

// AuditEntries calls fn for every audit entry, oldest first, reading in
// pages of 1000.
func (s *Store) AuditEntries(ctx context.Context, fn func(AuditEntry) error) error {
	start := "-"
	for {
		msgs, err := s.rdb.XRangeN(ctx, s.k.audit(), start, "+", 1000).Result()
		if err != nil {
			return fmt.Errorf("store: read audit: %w", err)
		}
		for _, m := range msgs {
			if err := fn(entryOf(m)); err != nil {
				return err
			}
		}
		if len(msgs) < 1000 {
			return nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

func entryOf(m redis.XMessage) AuditEntry {
	get := func(k string) string { v, _ := m.Values[k].(string); return v }
	return AuditEntry{
		StreamID: m.ID, At: get("at"), Actor: get("actor"), Action: get("action"),
		RequestID: get("request_id"), Details: get("details"), Prev: get("prev"), Hash: get("hash"),
		Alg: get("alg"), KeyID: get("kid"),
	}
}

// VerifyResult is the outcome of recomputing the audit chain.
type VerifyResult struct {
	Entries int
	// Unkeyed and Keyed count the entries checked of each kind; an old
	// chain is all unkeyed, a chain that got its key later is unkeyed
	// then keyed.
	Unkeyed, Keyed int
	// FirstKeyed is the stream id of the first keyed entry.
	FirstKeyed string
	// Head is the hash of the newest entry checked.
	Head string
	// Checkpoints are the checkpoints the chain was checked against.
	Checkpoints []Checkpoint
	// BadEntry is the stream id of the first entry that does not verify,
	// empty when the chain is intact or the problem is not one entry.
	BadEntry string
	// Problem says what is wrong with BadEntry (or with the head, or
	// against a checkpoint).
	Problem string
	// NeedsKey is set when keyed entries were found and the store has no
	// key: nothing from the first keyed entry on could be checked.
	NeedsKey bool
}

// OK reports whether the chain verified.
func (v VerifyResult) OK() bool { return v.Problem == "" }

var errStop = errors.New("stop")

// verifier walks the chain once, oldest first.
type verifier struct {
	key    AuditKey
	res    VerifyResult
	prev   string
	marks  map[int64][]Checkpoint // checkpoints by the count they saw
	latest int64                  // the largest count a checkpoint saw
}

// fail records the first bad entry and stops the walk.
func (v *verifier) fail(e AuditEntry, format string, args ...any) error {
	v.res.BadEntry = e.StreamID
	v.res.Problem = fmt.Sprintf(format, args...)
	return errStop
}

func (v *verifier) entry(e AuditEntry) error {
	v.res.Entries++
	n := v.res.Entries
	switch {
	case e.Prev != v.prev:
		return v.fail(e, "entry %d does not link to the entry before it (an entry was removed, inserted or edited)", n)
	case e.Keyed() && e.Alg != AlgHMAC:
		return v.fail(e, "entry %d names an unknown algorithm %q", n, e.Alg)
	case e.Keyed() && !v.key.IsSet():
		v.res.Entries--
		v.res.NeedsKey = true
		v.res.Problem = fmt.Sprintf("entries from %d on (stream id %s) are keyed (HMAC-SHA256) and no audit key was given: set AUDIT_KEY or AUDIT_KEY_FILE to the key the bot runs with", n, e.StreamID)
		return errStop
	case e.Keyed() && e.KeyID != v.key.ID():
		return v.fail(e, "entry %d was written with audit key %s, but AUDIT_KEY is key %s: either AUDIT_KEY is not the key the bot writes with, or the entry was rewritten", n, e.KeyID, v.key.ID())
	case e.Keyed() && !hmac.Equal([]byte(v.key.mac(e)), []byte(e.Hash)):
		return v.fail(e, "entry %d was altered: its HMAC does not match its content", n)
	case !e.Keyed() && v.res.Keyed > 0:
		return v.fail(e, "entry %d has an unkeyed SHA-256 hash after %d keyed entries: it was rewritten without the key (or written by a replica without AUDIT_KEY)", n, v.res.Keyed)
	case !e.Keyed() && int64(n) > v.latest && v.latest > 0:
		return v.fail(e, "entry %d is unkeyed but comes after a checkpoint made with the key (entry %d): it was rewritten without the key (or written by a replica without AUDIT_KEY)", n, v.latest)
	case !e.Keyed() && e.Sum() != e.Hash:
		return v.fail(e, "entry %d was altered: its hash does not match its content", n)
	}
	if e.Keyed() {
		if v.res.Keyed == 0 {
			v.res.FirstKeyed = e.StreamID
		}
		v.res.Keyed++
	} else {
		v.res.Unkeyed++
	}
	v.prev = e.Hash
	for _, c := range v.marks[int64(n)] {
		if c.Head != e.Hash {
			return v.fail(e, "entry %d does not match the checkpoint of %s (%d entries): the trail up to it was rewritten", n, c.At.Format(time.RFC3339), c.Count)
		}
	}
	return nil
}

// VerifyAudit recomputes the chain from the first entry and checks that
// the newest hash matches the stored head, so an edited, removed,
// inserted or truncated entry is found; it names the first bad entry.
// Unkeyed (SHA-256) entries are checked by their hash, keyed ones by
// their HMAC under the store's key; an unkeyed entry after a keyed one
// is a rewrite. Each checkpoint must be authentic (its MAC under the
// key) and the chain must still hold the head it saw at its count,
// which finds a truncated tail or a wiped trail that a rewritten head
// key would hide.
func (s *Store) VerifyAudit(ctx context.Context, checkpoints ...Checkpoint) (VerifyResult, error) {
	v := &verifier{key: s.audit, marks: map[int64][]Checkpoint{}}
	for _, c := range checkpoints {
		if problem := s.audit.checkCheckpoint(c); problem != "" {
			v.res.Problem = problem
			return v.res, nil
		}
		v.marks[c.Count] = append(v.marks[c.Count], c)
		v.latest = max(v.latest, c.Count)
	}
	v.res.Checkpoints = checkpoints
	err := s.AuditEntries(ctx, v.entry)
	if err != nil && !errors.Is(err, errStop) {
		return v.res, err
	}
	res := v.res
	res.Head = v.prev
	if res.Problem != "" {
		return res, nil
	}
	if int64(res.Entries) < v.latest {
		c := newest(checkpoints)
		if res.Entries == 0 {
			res.Problem = fmt.Sprintf("the audit trail is empty, but the checkpoint of %s saw %d entries: the trail was wiped (or this is not the Redis and prefix the checkpoint came from)", c.At.Format(time.RFC3339), c.Count)
		} else {
			res.Problem = fmt.Sprintf("the audit trail has %d entries, but the checkpoint of %s saw %d: the newest entries were removed", res.Entries, c.At.Format(time.RFC3339), c.Count)
		}
		return res, nil
	}
	head, err := s.rdb.Get(ctx, s.k.auditHead()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return res, fmt.Errorf("store: read audit head: %w", err)
	}
	if head != v.prev {
		res.Problem = "the newest entries are missing: the chain ends before the recorded head"
	}
	return res, nil
}

func newest(cs []Checkpoint) Checkpoint {
	var out Checkpoint
	for _, c := range cs {
		if c.Count > out.Count {
			out = c
		}
	}
	return out
}
