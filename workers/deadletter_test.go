package workers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/workers"
)

// TestDispatcherDeadLettersWithReason: an approved event the dispatcher
// cannot handle (its request vanished from the ledger) is not handed out
// for ever: after the outbox's delivery cap it becomes a dead letter that
// says why, for the admins' alert and `chataccess admin dead-letters`.
func TestDispatcherDeadLettersWithReason(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx := context.Background()
	id := r.approved(approvals.KindAdd, "lost@example.com", "agent", 0)
	if err := r.rdb.Del(ctx, r.prefix+"{ledger}:req:"+id).Err(); err != nil {
		t.Fatal(err)
	}
	box, err := r.st.Outbox(ctx, "workers-dl", 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	d := workers.NewDispatcher(r.st, box.WithMaxDeliveries(3), r.queue, approvals.ClockFunc(time.Now), 0, "c1")
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, _ = d.Once(ctx, -1)
		dls, err := r.st.DeadLetters(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, dl := range dls {
			if dl.Group == "workers-dl" && dl.Event.Record.RequestID == id {
				if !strings.Contains(dl.LastError, id) || !strings.Contains(strings.ToLower(dl.LastError), "not found") {
					t.Fatalf("dead letter says %q, want the reason it failed", dl.LastError)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dead letter for %s after 20 s: %+v", id, dls)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
