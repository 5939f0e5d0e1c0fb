package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/store"
)

func newReview(t *testing.T) (*store.Store, *reviews.Campaign, context.Context, func(string) []string) {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	ctx := context.Background()
	id, err := st.NextReviewID(ctx)
	if err != nil || id != "R-1" {
		t.Fatalf("id %q %v", id, err)
	}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	c := &reviews.Campaign{ID: id, Packages: []string{"agent"}, CreatedAt: now, Deadline: now.Add(time.Hour), Status: reviews.StatusOpen, Version: 1, Items: 3}
	items := []reviews.Item{{Index: 1, Package: "agent", Email: "a@x.io"}, {Index: 2, Package: "agent", Email: "b@x.io"}, {Index: 3, Package: "agent", Email: "c@x.io", Findings: []reviews.FindingKind{reviews.OutsideBot}}}
	if err := st.CreateReview(ctx, c, items); err != nil {
		t.Fatal(err)
	}
	keys := func(pattern string) []string {
		ks, err := rdb.Keys(ctx, prefix+pattern).Result()
		if err != nil {
			t.Fatal(err)
		}
		return ks
	}
	return st, c, ctx, keys
}

func TestReviewKeysCarryLedgerTag(t *testing.T) {
	st, c, ctx, keys := newReview(t)
	_ = st.Decide(ctx, c.ID, 1, reviews.Decision{Verdict: reviews.Keep, By: approvals.System})
	_ = st.SetReviewMessage(ctx, c.ID, reviews.PostedMessage{View: "r0", Channel: "D1", ID: "1.0"})
	all := keys("*")
	if len(all) < 6 {
		t.Fatalf("keys %v", all)
	}
	for _, k := range all {
		if !strings.Contains(k, "{ledger}:") {
			t.Errorf("key %s lacks the {ledger} hash tag", k)
		}
	}
}

func TestReviewDecideOnce(t *testing.T) {
	st, c, ctx, _ := newReview(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	var losers []*reviews.DecidedError
	for i := range 10 {
		wg.Go(func() {
			d := reviews.Decision{Verdict: reviews.Keep, By: approvals.Actor{ID: "U" + string(rune('A'+i)), Email: "r@x.io"}, At: time.Now()}
			err := st.Decide(ctx, c.ID, 2, d)
			mu.Lock()
			defer mu.Unlock()
			var de *reviews.DecidedError
			switch {
			case err == nil:
				wins++
			case errors.As(err, &de):
				losers = append(losers, de)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || len(losers) != 9 {
		t.Fatalf("wins %d losers %d", wins, len(losers))
	}
	it, err := st.ReviewItem(ctx, c.ID, 2)
	if err != nil || it.Decision == nil || losers[0].Decision.By.ID != it.Decision.By.ID || !errors.Is(losers[0], reviews.ErrAlreadyDone) {
		t.Fatalf("stored %+v, loser saw %+v", it, losers[0])
	}
	if err := st.SetDecisionOutcome(ctx, c.ID, 2, "DC-1042", approvals.Sentence{}); err != nil {
		t.Fatal(err)
	}
	items, err := st.ReviewItems(ctx, c.ID)
	if err != nil || len(items) != 3 || items[1].Decision.RequestID != "DC-1042" || items[0].Index != 1 || items[0].Decision != nil {
		t.Fatalf("items %+v", items)
	}
	if err := st.Decide(ctx, c.ID, 9, reviews.Decision{Verdict: reviews.Keep}); !errors.Is(err, reviews.ErrNotFound) {
		t.Fatalf("missing item: %v", err)
	}
	if err := st.Decide(ctx, "R-99", 1, reviews.Decision{Verdict: reviews.Keep}); !errors.Is(err, reviews.ErrNotFound) {
		t.Fatalf("missing review: %v", err)
	}
}

func TestReviewCloseRefusesDecisions(t *testing.T) {
	st, c, ctx, _ := newReview(t)
	open, _ := st.OpenReviews(ctx)
	if len(open) != 1 {
		t.Fatalf("open %v", open)
	}
	next := *c
	next.Status, next.Version = reviews.StatusClosed, 2
	if err := st.UpdateReview(ctx, &next); err != nil {
		t.Fatal(err)
	}
	stale := *c
	stale.Version = 2
	if err := st.UpdateReview(ctx, &stale); !errors.Is(err, reviews.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	if err := st.Decide(ctx, c.ID, 1, reviews.Decision{Verdict: reviews.Revoke}); !errors.Is(err, reviews.ErrClosed) {
		t.Fatalf("decide on closed: %v", err)
	}
	if open, _ := st.OpenReviews(ctx); len(open) != 0 {
		t.Fatalf("still open %v", open)
	}
	got, err := st.Review(ctx, c.ID)
	if err != nil || got.Open() || got.Version != 2 {
		t.Fatalf("review %+v %v", got, err)
	}
}

func TestReviewFixOnce(t *testing.T) {
	st, c, ctx, _ := newReview(t)
	f := reviews.Fix{Action: reviews.FixAdopt, By: approvals.Actor{Email: "root@x.io"}}
	if err := st.RecordFix(ctx, c.ID, 3, f); err != nil {
		t.Fatal(err)
	}
	var fe *reviews.FixedError
	if err := st.RecordFix(ctx, c.ID, 3, reviews.Fix{Action: reviews.FixRemove}); !errors.As(err, &fe) || fe.Fix.Action != reviews.FixAdopt {
		t.Fatalf("second fix: %v", err)
	}
}

func TestReviewMessages(t *testing.T) {
	st, c, ctx, _ := newReview(t)
	for _, m := range []reviews.PostedMessage{{View: "r1", Channel: "D1", ID: "1"}, {View: "drift", Channel: "C1", ID: "2"}, {View: "r1", Channel: "D1", ID: "1", Page: 3}} {
		if err := st.SetReviewMessage(ctx, c.ID, m); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := st.ReviewMessages(ctx, c.ID)
	if err != nil || len(ms) != 2 || ms[0].View != "drift" || ms[1].Page != 3 {
		t.Fatalf("messages %+v %v", ms, err)
	}
}
