package commands

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

// messagesIn returns the fake's messages in a channel, thread replies
// excluded.
func messagesIn(fk *slackfake.Fake, channel string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range fk.Messages() {
		if m.Channel == channel && m.ThreadTS == "" {
			out = append(out, m)
		}
	}
	return out
}

func TestNotifierPostsUpdatesAndIsIdempotent(t *testing.T) {
	f := newFixture(t)
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	if got := f.drain(); got != 1 {
		t.Fatalf("drained %d events, want 1", got)
	}
	// Channel card, DMs to UANN, UBEN and UCAROL (group SAPPR), not to
	// ULEAD (the requester), plus the requester's own copy.
	if n := len(messagesIn(f.fake, approvalChannel)); n != 1 {
		t.Fatalf("%d channel cards", n)
	}
	for _, dm := range []string{"DUANN", "DUBEN", "DUCAROL", "DULEAD"} {
		if n := len(messagesIn(f.fake, dm)); n != 1 {
			t.Fatalf("%s has %d messages", dm, n)
		}
	}
	refs, err := f.st.MessageRefs(f.ctx, r.ID)
	if err != nil || len(refs) != 5 {
		t.Fatalf("refs %v %v", refs, err)
	}
	// Re-handling the same event posts nothing new.
	posts := len(f.fake.Calls("chat.postMessage"))
	if err := f.n.Handle(f.ctx, approvals.OutboxRecord{ID: "0-1", Record: approvals.Record{RequestID: r.ID, Event: approvals.EventSubmit, To: approvals.StatePending}}); err != nil {
		t.Fatal(err)
	}
	if got := len(f.fake.Calls("chat.postMessage")); got != posts {
		t.Fatalf("re-handling posted %d messages", got-posts)
	}

	// First approval: every copy redrawn, a thread reply, requester DM'd.
	if rep := f.click("UANN", ActionApprove, r.ID); rep.Ephemeral != nil {
		t.Fatalf("approve: %s", text(rep.Ephemeral))
	}
	f.clock.Add(time.Minute)
	if rep := f.click("UCAROL", ActionApprove, r.ID); rep.Ephemeral != nil {
		t.Fatalf("approve: %s", text(rep.Ephemeral))
	}
	f.drain()
	card := messagesIn(f.fake, approvalChannel)[0]
	if !strings.Contains(card.Blocks, "2 of 2") || strings.Contains(card.Blocks, ActionApprove) || card.Edits < 2 {
		t.Fatalf("channel card not updated: edits=%d %s", card.Edits, card.Blocks)
	}
	for _, dm := range []string{"DUANN", "DUBEN", "DUCAROL", "DULEAD"} {
		m := messagesIn(f.fake, dm)[0]
		if !strings.Contains(m.Blocks, "Approved. The change will be applied shortly.") {
			t.Fatalf("%s copy not updated: %s", dm, m.Blocks)
		}
	}
	replies := f.fake.Replies(approvalChannel, card.TS)
	if len(replies) != 2 || !strings.Contains(replies[0].Text, "Approved by <@UANN> at <!date^1795510800^{time}|09:00 UTC> (1 of 2)") ||
		!strings.Contains(replies[1].Text, "Approved by <@UCAROL> at <!date^1795510860^{time}|09:01 UTC> (2 of 2)") {
		t.Fatalf("thread replies %+v", replies)
	}
	dms := messagesIn(f.fake, "DULEAD")
	if len(dms) != 3 || !strings.Contains(dms[2].Text, "was approved by <@UCAROL>") {
		t.Fatalf("requester DMs %+v", dms)
	}
	if home := f.fake.Home("ULEAD"); home == nil {
		t.Fatal("requester home not refreshed")
	}

	// Execution progress and failure reach every copy; admins are alerted.
	if _, err := f.svc.StartExecution(f.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Progress(f.ctx, r.ID, approvals.Step{Name: "adobe", Status: approvals.StepDone}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Fail(f.ctx, r.ID, "Marketo refused the role assignment"); err != nil {
		t.Fatal(err)
	}
	f.drain()
	card, _ = f.fake.Message(approvalChannel, card.TS)
	if !strings.Contains(card.Blocks, "Admin Console: done") || !strings.Contains(card.Blocks, ActionRetry) {
		t.Fatalf("failed card %s", card.Blocks)
	}
	if alerts := messagesIn(f.fake, "CADMIN"); len(alerts) != 1 || !strings.Contains(alerts[0].Text, "Marketo refused") {
		t.Fatalf("alerts %+v", alerts)
	}
	// Retry: a non-admin is refused, an admin moves it back to approved.
	if rep := f.click("UANN", ActionRetry, r.ID); !strings.Contains(text(rep.Ephemeral), "Only admins") {
		t.Fatalf("retry by approver: %+v", rep)
	}
	if rep := f.click("UROOT", ActionRetry, r.ID); rep.Ephemeral != nil || rep.Update == nil {
		t.Fatalf("retry by admin: %+v", rep)
	}
	if got, _ := f.st.Get(f.ctx, r.ID); got.State != approvals.StateApproved {
		t.Fatalf("state %s", got.State)
	}
}

func TestNotifierRetriesFailedSlackCalls(t *testing.T) {
	f := newFixture(t)
	f.fake.RateLimitNext("chat.postMessage", 60)
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	if n, err := f.n.Drain(f.ctx); err != nil || n != 0 {
		t.Fatalf("first drain acked %d (%v), want 0: the rate-limited post must be retried", n, err)
	}
	time.Sleep(20 * time.Millisecond) // past the outbox minIdle
	if n := f.drain(); n != 1 {
		t.Fatalf("redelivery acked %d", n)
	}
	if n := len(messagesIn(f.fake, approvalChannel)); n != 1 {
		t.Fatalf("%d channel cards after retry", n)
	}
	for _, dm := range []string{"DUANN", "DUBEN", "DUCAROL", "DULEAD"} {
		if n := len(messagesIn(f.fake, dm)); n != 1 {
			t.Fatalf("%s has %d messages after retry", dm, n)
		}
	}
	_ = r
}

func TestNotifierRunStopsOnCancel(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(f.ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = f.n.Run(ctx) }()
	f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	deadline := time.Now().Add(5 * time.Second)
	for len(messagesIn(f.fake, approvalChannel)) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if len(messagesIn(f.fake, approvalChannel)) != 1 {
		t.Fatal("Run did not post the card")
	}
}

func TestSweeperRemindsOnceAndExpires(t *testing.T) {
	f := newFixture(t)
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	f.drain()
	sw := NewSweeper(f.h, SweeperConfig{})
	sw2 := NewSweeper(f.h, SweeperConfig{})
	if res, err := sw.Sweep(f.ctx, f.clock.Now()); err != nil || res != (SweepResult{}) {
		t.Fatalf("early sweep %+v %v", res, err)
	}
	f.clock.Add(25 * time.Hour)
	var wg sync.WaitGroup
	results := make([]SweepResult, 2)
	for i, s := range []*Sweeper{sw, sw2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Sweep(f.ctx, f.clock.Now())
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	if results[0].Reminded+results[1].Reminded != 1 {
		t.Fatalf("reminders %+v, want exactly one across replicas", results)
	}
	card := messagesIn(f.fake, approvalChannel)[0]
	if rs := f.fake.Replies(approvalChannel, card.TS); len(rs) != 1 || !strings.Contains(rs[0].Text, "Reminder") {
		t.Fatalf("thread %+v", rs)
	}
	if n := len(messagesIn(f.fake, "DUANN")); n != 2 {
		t.Fatalf("UANN has %d DMs, want card + reminder", n)
	}
	f.clock.Add(48 * time.Hour)
	res, err := sw.Sweep(f.ctx, f.clock.Now())
	if err != nil || res.Expired != 1 {
		t.Fatalf("expiry sweep %+v %v", res, err)
	}
	f.drain()
	got, _ := f.st.Get(f.ctx, r.ID)
	if got.State != approvals.StateExpired {
		t.Fatalf("state %s", got.State)
	}
	dms := messagesIn(f.fake, "DULEAD")
	if !strings.Contains(dms[len(dms)-1].Text, "expired") {
		t.Fatalf("requester not told: %+v", dms)
	}
	for _, c := range []string{"DUANN", "DUBEN"} {
		for _, m := range messagesIn(f.fake, c) {
			if strings.Contains(m.Blocks, ActionApprove) {
				t.Fatalf("%s still has buttons on an expired request: %s", c, m.Blocks)
			}
		}
	}
}
