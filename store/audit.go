package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
)

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
	Hash      string `json:"hash"`
}

type auditEntry = AuditEntry

func (e AuditEntry) fields() []string {
	return []string{
		"at", e.At, "actor", e.Actor, "action", e.Action, "request_id", e.RequestID,
		"details", e.Details, "prev", e.Prev, "hash", e.Hash,
	}
}

// Sum computes the entry's hash: SHA-256 over the previous hash and the
// entry's fields, each length-prefixed so no two entries encode alike.
func (e AuditEntry) Sum() string {
	h := sha256.New()
	for _, f := range []string{e.Prev, e.At, e.Actor, e.Action, e.RequestID, e.Details} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// auditDetails is what an entry's details field holds.
type auditDetails struct {
	From    approvals.State `json:"from,omitempty"`
	To      approvals.State `json:"to,omitempty"`
	Package string          `json:"package,omitempty"`
	Target  string          `json:"target,omitempty"`
	Detail  string          `json:"detail,omitempty"`
}

// chain links records to head and returns the entries and the new head.
func chain(head string, recs []approvals.Record) ([]AuditEntry, string) {
	out := make([]AuditEntry, 0, len(recs))
	for _, r := range recs {
		d, _ := json.Marshal(auditDetails{From: r.From, To: r.To, Package: r.Package, Target: r.Target, Detail: r.Detail})
		e := AuditEntry{
			At: r.At.UTC().Format(time.RFC3339Nano), Actor: r.Actor.Label(), Action: string(r.Event),
			RequestID: r.RequestID, Details: string(d), Prev: head,
		}
		e.Hash = e.Sum()
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
	}
}

// VerifyResult is the outcome of recomputing the audit chain.
type VerifyResult struct {
	Entries int
	// BadEntry is the stream id of the first entry that does not verify,
	// empty when the chain is intact.
	BadEntry string
	// Problem says what is wrong with BadEntry (or with the head).
	Problem string
}

// OK reports whether the chain verified.
func (v VerifyResult) OK() bool { return v.Problem == "" }

var errStop = errors.New("stop")

// VerifyAudit recomputes the hash chain from the first entry and checks
// that the newest hash matches the stored head, so an edited, removed,
// inserted or truncated entry is found. It names the first bad entry.
func (s *Store) VerifyAudit(ctx context.Context) (VerifyResult, error) {
	var res VerifyResult
	prev := ""
	err := s.AuditEntries(ctx, func(e AuditEntry) error {
		res.Entries++
		switch {
		case e.Prev != prev:
			res.BadEntry, res.Problem = e.StreamID, fmt.Sprintf("entry %d does not link to the entry before it (an entry was removed, inserted or edited)", res.Entries)
		case e.Sum() != e.Hash:
			res.BadEntry, res.Problem = e.StreamID, fmt.Sprintf("entry %d was altered: its hash does not match its content", res.Entries)
		default:
			prev = e.Hash
			return nil
		}
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return res, err
	}
	if res.Problem != "" {
		return res, nil
	}
	head, err := s.rdb.Get(ctx, s.k.auditHead()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return res, fmt.Errorf("store: read audit head: %w", err)
	}
	if head != prev {
		res.Problem = "the newest entries are missing: the chain ends before the recorded head"
	}
	return res, nil
}
