package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

var (
	auditKey  = store.NewAuditKey([]byte("0123456789abcdef0123456789abcdef-audit"))
	otherKey  = store.NewAuditKey([]byte("fedcba9876543210fedcba9876543210-other"))
	auditTime = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
)

// auditLedger is one Redis prefix with helpers to write audit entries
// through the service, with or without a key, and to rewrite the stream
// as an attacker with Redis access would.
type auditLedger struct {
	t      *testing.T
	rdb    redis.UniversalClient
	prefix string
	n      int
}

func newAuditLedger(t *testing.T) *auditLedger {
	rdb, prefix := redistest.Client(t)
	return &auditLedger{t: t, rdb: rdb, prefix: prefix}
}

func (l *auditLedger) store(opts ...store.Option) *store.Store {
	return store.New(l.rdb, l.prefix, opts...)
}

func (l *auditLedger) streamKey() string { return l.prefix + "{ledger}:audit" }
func (l *auditLedger) headKey() string   { return l.prefix + "{ledger}:audit:head" }

// write submits and approves n requests through a service over st: two
// audit entries each.
func (l *auditLedger) write(st *store.Store, n int) {
	l.t.Helper()
	pol := &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true},
		Admins:     approvals.Audience{Emails: []string{"root@example.com"}},
		Packages: map[string]*approvals.Package{"agent": {
			Name: "agent", Approvers: approvals.Audience{Emails: []string{"a1@example.com"}},
			MinApprovals: 1, AllowPermanent: true, ApprovalTimeout: time.Hour,
		}},
	}
	svc := approvals.NewService(pol, st, approvals.ClockFunc(func() time.Time { return auditTime }))
	ctx := context.Background()
	for range n {
		l.n++
		r, err := svc.Submit(ctx, approvals.SubmitInput{
			Kind: approvals.KindAdd, Package: "agent", Target: approvals.Target{Email: fmt.Sprintf("u%d@example.com", l.n)},
			Justification: "covering EMEA", Requester: approvals.Actor{ID: "ULEAD", Email: "lead@example.com", Platform: "slack"}, Permanent: true,
		})
		if err != nil {
			l.t.Fatalf("submit: %v", err)
		}
		if _, err := svc.Approve(ctx, r.ID, approvals.Actor{ID: "UA1", Email: "a1@example.com", Platform: "slack"}, ""); err != nil {
			l.t.Fatalf("approve: %v", err)
		}
	}
}

func (l *auditLedger) entries() []store.AuditEntry {
	l.t.Helper()
	var out []store.AuditEntry
	if err := l.store().AuditEntries(context.Background(), func(e store.AuditEntry) error { out = append(out, e); return nil }); err != nil {
		l.t.Fatal(err)
	}
	return out
}

// rewrite replaces the stream with es under their original stream ids
// and points the head key at the last one, as someone with write access
// to Redis (and without the audit key) can.
func (l *auditLedger) rewrite(es []store.AuditEntry) {
	l.t.Helper()
	ctx := context.Background()
	l.rdb.Del(ctx, l.streamKey(), l.headKey())
	for _, e := range es {
		vals := []any{"at", e.At, "actor", e.Actor, "action", e.Action, "request_id", e.RequestID, "details", e.Details, "prev", e.Prev, "hash", e.Hash}
		if e.Alg != "" {
			vals = append(vals, "alg", e.Alg, "kid", e.KeyID)
		}
		if err := l.rdb.XAdd(ctx, &redis.XAddArgs{Stream: l.streamKey(), ID: e.StreamID, Values: vals}).Err(); err != nil {
			l.t.Fatal(err)
		}
	}
	if len(es) > 0 {
		l.rdb.Set(ctx, l.headKey(), es[len(es)-1].Hash, 0)
	}
}

// rechainUnkeyed turns es[from:] into unkeyed entries with recomputed
// SHA-256 hashes linked to es[from-1].
func rechainUnkeyed(es []store.AuditEntry, from int) []store.AuditEntry {
	out := append([]store.AuditEntry(nil), es...)
	prev := ""
	if from > 0 {
		prev = out[from-1].Hash
	}
	for i := from; i < len(out); i++ {
		out[i].Prev, out[i].Alg, out[i].KeyID = prev, "", ""
		out[i].Hash = out[i].Sum()
		prev = out[i].Hash
	}
	return out
}

func verify(t *testing.T, st *store.Store, cps ...store.Checkpoint) store.VerifyResult {
	t.Helper()
	res, err := st.VerifyAudit(context.Background(), cps...)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return res
}

func checkpoint(t *testing.T, st *store.Store) store.Checkpoint {
	t.Helper()
	cp, err := st.AuditCheckpoint(context.Background(), auditTime)
	if err != nil || cp.Count == 0 {
		t.Fatalf("checkpoint = %+v, %v", cp, err)
	}
	return cp
}

func TestKeyedChainVerifies(t *testing.T) {
	l := newAuditLedger(t)
	st := l.store(store.WithAuditKey(auditKey))
	l.write(st, 3)
	for i, e := range l.entries() {
		if e.Alg != store.AlgHMAC || e.KeyID != auditKey.ID() {
			t.Fatalf("entry %d: alg %q kid %q; want keyed with %s", i+1, e.Alg, e.KeyID, auditKey.ID())
		}
		if e.Hash == e.Sum() {
			t.Fatalf("entry %d: a keyed entry's hash is its plain SHA-256", i+1)
		}
	}
	res := verify(t, st, checkpoint(t, st))
	if !res.OK() || res.Entries != 6 || res.Keyed != 6 || res.Unkeyed != 0 {
		t.Fatalf("verify = %+v; want 6 keyed entries, intact", res)
	}
	if got := fmt.Sprint(auditKey); strings.Contains(got, "0123456789") {
		t.Fatalf("the key prints as %q", got)
	}
}

// TestMixedChainVerifies: a chain written without a key, then with one
// (the key configured later), verifies; without the key only the
// unkeyed part can be checked, and verify says the rest needs the key.
func TestMixedChainVerifies(t *testing.T) {
	l := newAuditLedger(t)
	l.write(l.store(), 2)
	old := verify(t, l.store())
	if !old.OK() || old.Unkeyed != 4 || old.Keyed != 0 {
		t.Fatalf("old chain: %+v", old)
	}
	keyed := l.store(store.WithAuditKey(auditKey))
	l.write(keyed, 3)
	res := verify(t, keyed)
	if !res.OK() || res.Entries != 10 || res.Unkeyed != 4 || res.Keyed != 6 || res.FirstKeyed != l.entries()[4].StreamID {
		t.Fatalf("mixed chain: %+v", res)
	}
	noKey := verify(t, l.store())
	if noKey.OK() || !noKey.NeedsKey || noKey.Entries != 4 || !strings.Contains(noKey.Problem, "AUDIT_KEY") {
		t.Fatalf("mixed chain without the key: %+v", noKey)
	}
}

// TestWrongKeyNamesFirstEntry: verifying with another key fails at the
// first keyed entry and names both key ids.
func TestWrongKeyNamesFirstEntry(t *testing.T) {
	l := newAuditLedger(t)
	l.write(l.store(), 1)
	l.write(l.store(store.WithAuditKey(auditKey)), 2)
	es := l.entries()
	res := verify(t, l.store(store.WithAuditKey(otherKey)))
	if res.OK() || res.BadEntry != es[2].StreamID {
		t.Fatalf("verify with the wrong key = %+v; want bad entry %s (entry 3)", res, es[2].StreamID)
	}
	for _, want := range []string{"entry 3", auditKey.ID(), otherKey.ID()} {
		if !strings.Contains(res.Problem, want) {
			t.Errorf("problem %q does not name %q", res.Problem, want)
		}
	}
}

// TestRewritesWithoutTheKeyAreFound: the attacks a SHA-256 chain could
// not see. Each rewrite keeps the original stream ids and points the
// head key at the new end.
func TestRewritesWithoutTheKeyAreFound(t *testing.T) {
	setup := func(t *testing.T) (*auditLedger, *store.Store, []store.AuditEntry) {
		l := newAuditLedger(t)
		st := l.store(store.WithAuditKey(auditKey))
		l.write(st, 4)
		return l, st, l.entries()
	}
	t.Run("one entry rewritten with a recomputed unkeyed hash", func(t *testing.T) {
		l, st, es := setup(t)
		forged := append([]store.AuditEntry(nil), es...)
		forged[3].Actor = "mallory@example.com"
		l.rewrite(rechainUnkeyed(forged, 3))
		res := verify(t, st)
		if res.OK() || res.BadEntry != es[3].StreamID || !strings.Contains(res.Problem, "unkeyed") {
			t.Fatalf("verify = %+v; want entry 4 (%s) named as an unkeyed rewrite", res, es[3].StreamID)
		}
	})
	t.Run("one entry edited, its MAC kept", func(t *testing.T) {
		l, st, es := setup(t)
		forged := append([]store.AuditEntry(nil), es...)
		forged[5].Actor = "mallory@example.com"
		l.rewrite(forged)
		res := verify(t, st)
		if res.OK() || res.BadEntry != es[5].StreamID || !strings.Contains(res.Problem, "altered") {
			t.Fatalf("verify = %+v; want entry 6 named as altered", res)
		}
	})
	t.Run("one entry re-signed with another key", func(t *testing.T) {
		l, st, es := setup(t)
		forged := append([]store.AuditEntry(nil), es...)
		forged[2].Actor = "mallory@example.com"
		l.rewrite(rechainWith(otherKey, forged, 2))
		res := verify(t, st)
		if res.OK() || res.BadEntry != es[2].StreamID {
			t.Fatalf("verify = %+v; want entry 3 named", res)
		}
	})
	t.Run("whole chain recomputed unkeyed, found by a checkpoint", func(t *testing.T) {
		l, st, es := setup(t)
		cp := checkpoint(t, st)
		forged := append([]store.AuditEntry(nil), es...)
		forged[1].Actor = "mallory@example.com"
		l.rewrite(rechainUnkeyed(forged, 0))
		if res := verify(t, st); !res.OK() || res.Keyed != 0 {
			t.Fatalf("without a checkpoint an all-unkeyed chain verifies as an old one: %+v", res)
		}
		res := verify(t, st, cp)
		if res.OK() || res.BadEntry != es[7].StreamID || !strings.Contains(res.Problem, "checkpoint") {
			t.Fatalf("verify with the checkpoint = %+v; want entry 8 named against the checkpoint", res)
		}
	})
	t.Run("unkeyed entries appended after a checkpoint", func(t *testing.T) {
		l := newAuditLedger(t)
		l.write(l.store(), 1)
		keyed := l.store(store.WithAuditKey(auditKey))
		cp := checkpoint(t, keyed) // the key is set, no keyed entry yet
		l.write(l.store(), 1)
		res := verify(t, keyed, cp)
		if res.OK() || res.BadEntry != l.entries()[2].StreamID {
			t.Fatalf("verify = %+v; want entry 3 named as unkeyed after a keyed checkpoint", res)
		}
	})
}

func rechainWith(k store.AuditKey, es []store.AuditEntry, from int) []store.AuditEntry {
	// An attacker with another key: a keyed store over a scratch prefix
	// cannot be reused here, so sign through the exported test hook.
	return store.RechainForTest(k, es, from)
}

// TestTruncationAndWipe: removing the newest entries and rewriting the
// head key to match, or deleting the whole trail, passes a plain verify
// and fails against a checkpoint.
func TestTruncationAndWipe(t *testing.T) {
	t.Run("truncated", func(t *testing.T) {
		l := newAuditLedger(t)
		st := l.store(store.WithAuditKey(auditKey))
		l.write(st, 3)
		cp := checkpoint(t, st)
		es := l.entries()
		l.rewrite(es[:4])
		if res := verify(t, st); !res.OK() {
			t.Fatalf("a cut with the head key rewritten verifies without a checkpoint: %+v", res)
		}
		res := verify(t, st, cp)
		if res.OK() || !strings.Contains(res.Problem, "has 4 entries") || !strings.Contains(res.Problem, "saw 6") {
			t.Fatalf("verify = %+v; want the truncation named", res)
		}
	})
	t.Run("wiped", func(t *testing.T) {
		l := newAuditLedger(t)
		st := l.store(store.WithAuditKey(auditKey))
		l.write(st, 2)
		cp := checkpoint(t, st)
		l.rewrite(nil)
		if res := verify(t, st); !res.OK() || res.Entries != 0 {
			t.Fatalf("an empty trail verifies without a checkpoint: %+v", res)
		}
		res := verify(t, st, cp)
		if res.OK() || !strings.Contains(res.Problem, "wiped") {
			t.Fatalf("verify = %+v; want the wipe named", res)
		}
	})
	t.Run("a later checkpoint still matches", func(t *testing.T) {
		l := newAuditLedger(t)
		st := l.store(store.WithAuditKey(auditKey))
		l.write(st, 1)
		first := checkpoint(t, st)
		l.write(st, 2)
		second := checkpoint(t, st)
		res := verify(t, st, first, second)
		if !res.OK() || len(res.Checkpoints) != 2 {
			t.Fatalf("verify = %+v", res)
		}
	})
}

// TestCheckpointAuthenticity: a checkpoint whose count was edited, or
// one checked with another key, is refused before the chain is read.
func TestCheckpointAuthenticity(t *testing.T) {
	l := newAuditLedger(t)
	st := l.store(store.WithAuditKey(auditKey))
	l.write(st, 2)
	cp := checkpoint(t, st)

	edited := cp
	edited.Count = 2
	if res := verify(t, st, edited); res.OK() || !strings.Contains(res.Problem, "not authentic") {
		t.Fatalf("edited checkpoint: %+v", res)
	}
	if res := verify(t, l.store(store.WithAuditKey(otherKey)), cp); res.OK() || !strings.Contains(res.Problem, auditKey.ID()) {
		t.Fatalf("checkpoint under another key: %+v", res)
	}
	if res := verify(t, l.store(), cp); res.OK() || !strings.Contains(res.Problem, "AUDIT_KEY") {
		t.Fatalf("checkpoint without a key: %+v", res)
	}
	if _, err := l.store().AuditCheckpoint(context.Background(), auditTime); err != store.ErrNoAuditKey {
		t.Fatalf("checkpoint without a key: %v", err)
	}
}

func TestParseCheckpoints(t *testing.T) {
	cp := store.Checkpoint{Count: 42, Head: strings.Repeat("ab", 32), At: auditTime, KeyID: strings.Repeat("c", 16), MAC: strings.Repeat("d", 64)}
	line := cp.String()
	tests := []struct {
		name, text string
		want       int
		wantErr    string
	}{
		{"the line", line, 1, ""},
		{"a JSON log line", `{"level":"info","component":"audit","checkpoint":"` + line + `","message":"audit checkpoint"}`, 1, ""},
		{"a chat message", "*chataccess alert:* audit checkpoint, 42 entries. Keep it.\n" + line + "\n", 1, ""},
		{"a file of them", line + "\n" + line + "\r\n", 2, ""},
		{"nothing", "hello", 0, "no checkpoint"},
		{"cut short", line[:len(line)-5], 0, "cut short"},
		{"a bad time", strings.Replace(line, "T09:00:00Z", "T29:00:00Z", 1), 0, "not a time"},
		{"count zero", strings.Replace(line, "count=42", "count=0", 1), 0, "positive"},
		{"upper-case hex", strings.Replace(line, "head=abab", "head=ABAB", 1), 0, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := store.ParseCheckpoints(tt.text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != tt.want {
				t.Fatalf("got %d, %v; want %d", len(got), err, tt.want)
			}
			if got[0] != cp {
				t.Fatalf("parsed %+v; want %+v", got[0], cp)
			}
		})
	}
}

func FuzzParseCheckpoints(f *testing.F) {
	cp := store.Checkpoint{Count: 7, Head: strings.Repeat("0", 64), At: auditTime, KeyID: strings.Repeat("1", 16), MAC: strings.Repeat("2", 64)}
	f.Add(cp.String())
	f.Add(`{"checkpoint":"` + cp.String() + `"}`)
	f.Add(store.CheckpointTag + " v1 count=")
	f.Fuzz(func(t *testing.T, text string) {
		cps, err := store.ParseCheckpoints(text)
		if err != nil {
			return
		}
		for _, c := range cps {
			// What parses prints back to a line that parses the same.
			again, err := store.ParseCheckpoints(c.String())
			if err != nil || len(again) != 1 || again[0] != c {
				t.Fatalf("%q parsed to %+v, which prints as %q and parses to %+v, %v", text, c, c.String(), again, err)
			}
		}
	})
}
