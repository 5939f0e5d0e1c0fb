package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// TestIdentityLifecycle: an identity is written once; a replica that
// finds another one (the ledger vanished) records the loss once, other
// replicas see it recorded, a replica started afterwards takes the new
// one as it is, and an admin's acknowledgement is recorded once.
func TestIdentityLifecycle(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	ctx := context.Background()

	if _, err := st.LedgerIdentity(ctx); !errors.Is(err, store.ErrNoIdentity) {
		t.Fatalf("identity of an empty ledger: %v, want ErrNoIdentity", err)
	}
	first, outcome, err := st.EnsureIdentity(ctx, "", "r1", t0)
	if err != nil || outcome != store.IdentityCreated || len(first.ID) != 12 || first.Adopted || !first.CreatedAt.Equal(t0) {
		t.Fatalf("first start: %+v %s %v", first, outcome, err)
	}
	again, outcome, _ := st.EnsureIdentity(ctx, "", "r2", t0.Add(time.Minute))
	if outcome != store.IdentitySame || again.ID != first.ID {
		t.Fatalf("second replica: %+v %s", again, outcome)
	}
	if _, outcome, _ := st.EnsureIdentity(ctx, first.ID, "r1", t0); outcome != store.IdentitySame {
		t.Fatalf("known identity: %s", outcome)
	}

	redistest.Purge(rdb, prefix) // Redis comes back empty
	lost, outcome, err := st.EnsureIdentity(ctx, first.ID, "r1", t0.Add(time.Hour))
	if err != nil || outcome != store.IdentityLost || lost.ID == first.ID || lost.LostFrom != first.ID ||
		lost.LostSeenBy != "r1" || !lost.LostAt.Equal(t0.Add(time.Hour)) || !lost.Unacknowledged() {
		t.Fatalf("after the loss: %+v %s %v", lost, outcome, err)
	}
	if seen, outcome, _ := st.EnsureIdentity(ctx, first.ID, "r2", t0.Add(2*time.Hour)); outcome != store.IdentityReplaced ||
		seen.ID != lost.ID || !seen.LostAt.Equal(lost.LostAt) {
		t.Fatalf("second replica after the loss: %+v %s", seen, outcome)
	}
	if seen, outcome, _ := st.EnsureIdentity(ctx, "", "r3", t0); outcome != store.IdentitySame || !seen.Unacknowledged() {
		t.Fatalf("replica started after the loss: %+v %s", seen, outcome)
	}

	acked, now, err := st.AckIdentity(ctx, "ops@example.com", t0.Add(3*time.Hour))
	if err != nil || !now || acked.Unacknowledged() || acked.AckedBy != "ops@example.com" {
		t.Fatalf("ack: %+v %v %v", acked, now, err)
	}
	if _, now, _ := st.AckIdentity(ctx, "someone else", t0); now {
		t.Fatal("a second ack was recorded")
	}
	read, err := st.LedgerIdentity(ctx)
	if err != nil || read != acked {
		t.Fatalf("read back %+v, %v; want %+v", read, err, acked)
	}
}

// TestIdentityAdoptedAndReplacedAtStart: an identity written over a
// ledger that holds requests says so; a replica started on an emptied
// Redis writes a clean one, and a running replica that knew the old one
// still records the loss on it.
func TestIdentityAdoptedAndReplacedAtStart(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	ctx := context.Background()
	svc := approvals.NewService(policy([]string{"a1@example.com"}, 1), st, approvals.ClockFunc(func() time.Time { return t0 }))
	submit(t, svc, "alice@example.com") // a ledger from before identities

	old, outcome, err := st.EnsureIdentity(ctx, "", "r1", t0)
	if err != nil || outcome != store.IdentityAdopted || !old.Adopted {
		t.Fatalf("upgrade: %+v %s %v", old, outcome, err)
	}
	redistest.Purge(rdb, prefix)
	fresh, outcome, _ := st.EnsureIdentity(ctx, "", "new-replica", t0)
	if outcome != store.IdentityCreated || fresh.Adopted || fresh.Unacknowledged() {
		t.Fatalf("replica started on the empty Redis: %+v %s", fresh, outcome)
	}
	seen, outcome, _ := st.EnsureIdentity(ctx, old.ID, "r1", t0.Add(time.Minute))
	if outcome != store.IdentityLost || seen.ID != fresh.ID || seen.LostFrom != old.ID {
		t.Fatalf("running replica: %+v %s", seen, outcome)
	}
	if _, _, err := store.New(rdb, prefix+"other:").AckIdentity(ctx, "x", t0); !errors.Is(err, store.ErrNoIdentity) {
		t.Fatalf("ack without an identity: %v", err)
	}
}

// alerts records admin alerts.
type alerts struct {
	mu   sync.Mutex
	msgs []string
}

func (a *alerts) AlertAdmins(_ context.Context, text string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.msgs = append(a.msgs, text)
	return nil
}

func (a *alerts) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.msgs...)
}

// TestLedgerWatch: two replicas' watches on one ledger. After the ledger
// vanished, the admins are told once, both refuse new requests and are
// not ready, buttons of the old ledger are not owned; after the
// acknowledgement both take requests again.
func TestLedgerWatch(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	posted := &alerts{}
	a := store.New(rdb, prefix).NewLedgerWatch(store.LedgerWatchConfig{Holder: "a", Poster: posted})
	b := store.New(rdb, prefix).NewLedgerWatch(store.LedgerWatchConfig{Holder: "b", Poster: posted})
	for _, w := range []*store.LedgerWatch{a, b} {
		if err := w.Ready(ctx); err != nil {
			t.Fatalf("ready at start: %v", err)
		}
	}
	old := a.Tag()
	if old == "" || b.Tag() != old || !a.Owns(ctx, old) || a.Owns(ctx, "") || a.Owns(ctx, "0123456789ab") {
		t.Fatalf("tags at start: %q %q", old, b.Tag())
	}

	redistest.Purge(rdb, prefix)
	if err := a.Accepting(ctx); !errors.Is(err, store.ErrLedgerLost) {
		t.Fatalf("accepting after the loss: %v", err)
	}
	if err := b.Ready(ctx); !errors.Is(err, store.ErrLedgerLost) || !strings.Contains(err.Error(), "admin ack-ledger") {
		t.Fatalf("b ready after the loss: %v", err)
	}
	if a.Owns(ctx, old) || b.Owns(ctx, old) || !b.Owns(ctx, b.Tag()) || b.Tag() == old {
		t.Fatalf("old buttons still owned, or the new tag is not: old %q, new %q", old, b.Tag())
	}
	for deadline := time.Now().Add(2 * time.Second); len(posted.all()) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // the alert goes out apart from the check
	}
	if got := posted.all(); len(got) != 1 || !strings.Contains(got[0], "ack-ledger") || !strings.Contains(got[0], old) {
		t.Fatalf("alerts: %q", got)
	}

	if _, _, err := store.New(rdb, prefix).AckIdentity(ctx, "ops", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*store.LedgerWatch{a, b} {
		if err := w.Accepting(ctx); err != nil {
			t.Fatalf("accepting after the ack: %v", err)
		}
		if err := w.Ready(ctx); err != nil {
			t.Fatalf("ready after the ack: %v", err)
		}
	}
	if len(posted.all()) != 1 {
		t.Fatalf("alerts after the ack: %q", posted.all())
	}
}

// TestLedgerWatchRedisDown: a watch that cannot read Redis does not
// refuse requests (the request fails on its own) and is not ready.
func TestLedgerWatchRedisDown(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	w := store.New(rdb, prefix).NewLedgerWatch(store.LedgerWatchConfig{})
	if _, err := w.Check(ctx); err != nil {
		t.Fatal(err)
	}
	tag := w.Tag()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := w.Accepting(cancelled); err != nil {
		t.Errorf("accepting without Redis: %v", err)
	}
	if err := w.Ready(cancelled); err == nil {
		t.Error("ready without Redis")
	}
	if !w.Owns(cancelled, tag) {
		t.Error("the tag seen last is not owned without Redis")
	}
}

// TestOutboxRecreatesItsGroup: Redis comes back empty under a running
// reader; the next request's event is still read (the consumer group is
// created again) and the missing groups are reported meanwhile.
func TestOutboxRecreatesItsGroup(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	ctx := context.Background()
	box, err := st.Outbox(ctx, "workers", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if missing, err := st.MissingOutboxGroups(ctx, "workers", "notify"); err != nil || strings.Join(missing, ",") != "notify" {
		t.Fatalf("missing groups: %v, %v", missing, err)
	}
	redistest.Purge(rdb, prefix)
	if missing, err := st.MissingOutboxGroups(ctx, "workers"); err != nil || len(missing) != 1 {
		t.Fatalf("missing groups after the loss: %v, %v", missing, err)
	}
	if recs, err := box.Read(ctx, "c1", 10, 10*time.Millisecond); err != nil || len(recs) != 0 {
		t.Fatalf("read of the empty outbox: %v, %v", recs, err)
	}
	blocked := make(chan error, 1)
	go func() {
		_, err := box.Read(ctx, "c1", 10, time.Second)
		blocked <- err
	}()
	time.Sleep(200 * time.Millisecond)
	redistest.Purge(rdb, prefix) // the stream vanishes under a blocked read
	if err := <-blocked; err != nil {
		t.Fatalf("blocked read when the stream vanished: %v", err)
	}
	svc := approvals.NewService(policy([]string{"a1@example.com"}, 1), st, approvals.ClockFunc(func() time.Time { return t0 }))
	redistest.Purge(rdb, prefix) // again, and a request comes before the next read
	r := submit(t, svc, "alice@example.com")
	recs, err := box.Read(ctx, "c1", 10, 10*time.Millisecond)
	if err != nil || len(recs) != 1 || recs[0].Record.RequestID != r.ID {
		t.Fatalf("read after the loss: %+v, %v", recs, err)
	}
	if missing, _ := st.MissingOutboxGroups(ctx, "workers"); len(missing) != 0 {
		t.Fatalf("still missing: %v", missing)
	}
}

// TestLedgerLostAlertInTheChannelsLanguage: the lost-ledger alert goes
// to a poster that takes sentences (serve's) with its message id, so a
// French admin channel reads it in French, with the lost ledger named.
func TestLedgerLostAlertInTheChannelsLanguage(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	post := &sentencePosted{}
	w := store.New(rdb, prefix).NewLedgerWatch(store.LedgerWatchConfig{Holder: "a", Poster: post})
	if err := w.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	old := w.Tag()
	redistest.Purge(rdb, prefix)
	if err := w.Ready(ctx); !errors.Is(err, store.ErrLedgerLost) {
		t.Fatalf("ready after the loss: %v", err)
	}
	var said []approvals.Sentence
	for deadline := time.Now().Add(2 * time.Second); len(said) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // the alert goes out apart from the check
		post.mu.Lock()
		said = append([]approvals.Sentence(nil), post.sentences...)
		post.mu.Unlock()
	}
	if len(said) != 1 || said[0].Key != "alert.ledger_lost" {
		t.Fatalf("sentences %+v", said)
	}
	fr := i18n.MustLoad().Lang("fr").Sentence(said[0].Key, said[0].Args, said[0].Text).String()
	if !strings.Contains(fr, "le registre a disparu de Redis") || !strings.Contains(fr, old) || !strings.Contains(fr, "ack-ledger") {
		t.Fatalf("French alert: %q", fr)
	}
}
