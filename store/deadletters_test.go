package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/redistest"
)

func addEvent(t *testing.T, s *Store, rec string) string {
	t.Helper()
	id, err := s.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: s.k.events(), Values: []any{"rec", rec}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestOutboxDeadLetters: an event that keeps failing is handed out a
// bounded number of times (counted from XPENDING), then acknowledged
// and kept as a dead letter with the last error; its alert is handed
// out once; a replay reaches only its own group.
func TestOutboxDeadLetters(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := New(rdb, prefix)
	ctx := context.Background()
	box, err := s.Outbox(ctx, "notify", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	box.WithMaxDeliveries(3)
	other, err := s.Outbox(ctx, "workers", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := json.Marshal(approvals.Record{RequestID: "DC-1001", Event: approvals.EventSubmit, To: approvals.StatePending})
	id := addEvent(t, s, string(rec))

	for want := int64(1); want <= 3; want++ {
		got, err := box.Read(ctx, "c", 10, -1)
		if err != nil || len(got) != 1 || got[0].ID != id || got[0].Deliveries != want || got[0].Record.RequestID != "DC-1001" {
			t.Fatalf("delivery %d: %+v %v", want, got, err)
		}
		if err := box.Nack(ctx, id, "conversations.open: user_disabled"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got, err := box.Read(ctx, "c", 10, -1); err != nil || len(got) != 0 {
		t.Fatalf("after the cap: %+v %v", got, err)
	}
	if n, _ := rdb.XPending(ctx, s.k.events(), "notify").Result(); n.Count != 0 {
		t.Fatalf("dead letter still pending: %+v", n)
	}
	dls, err := s.DeadLetters(ctx, 10)
	if err != nil || len(dls) != 1 {
		t.Fatalf("dead letters %+v %v", dls, err)
	}
	d := dls[0]
	if d.ID != "notify/"+id || d.Group != "notify" || d.Event.Deliveries != 3 || d.Event.Record.RequestID != "DC-1001" ||
		d.LastError != "conversations.open: user_disabled" || d.At.IsZero() {
		t.Fatalf("dead letter %+v", d)
	}

	// The alert goes to one caller once; a failed attempt can be retried.
	alerts, err := s.ClaimDeadLetterAlerts(ctx, time.Now(), 10)
	if err != nil || len(alerts) != 1 || alerts[0].AlertTries != 1 {
		t.Fatalf("alerts %+v %v", alerts, err)
	}
	if again, _ := s.ClaimDeadLetterAlerts(ctx, time.Now(), 10); len(again) != 0 {
		t.Fatalf("alert handed out twice: %+v", again)
	}
	if err := s.RetryDeadLetterAlert(ctx, d.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if early, _ := s.ClaimDeadLetterAlerts(ctx, time.Now(), 10); len(early) != 0 {
		t.Fatalf("alert handed out before it was due: %+v", early)
	}
	if late, _ := s.ClaimDeadLetterAlerts(ctx, time.Now().Add(2*time.Hour), 10); len(late) != 1 || late[0].AlertTries != 2 {
		t.Fatalf("retried alert %+v", late)
	}

	// The other group read the original entry independently.
	if got, _ := other.Read(ctx, "w", 10, -1); len(got) != 1 {
		t.Fatalf("other group: %+v", got)
	} else if err := other.Ack(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}

	// A replay reaches notify again, fresh; workers skips it.
	newID, err := s.ReplayDeadLetter(ctx, d.ID)
	if err != nil || newID == "" {
		t.Fatalf("replay: %q %v", newID, err)
	}
	got, err := box.Read(ctx, "c", 10, -1)
	if err != nil || len(got) != 1 || got[0].ID != newID || got[0].Deliveries != 1 || got[0].Record.RequestID != "DC-1001" {
		t.Fatalf("replayed: %+v %v", got, err)
	}
	if err := box.Ack(ctx, newID); err != nil {
		t.Fatal(err)
	}
	if got, _ := other.Read(ctx, "w", 10, -1); len(got) != 0 {
		t.Fatalf("replay reached another group: %+v", got)
	}
	if n, _ := rdb.XPending(ctx, s.k.events(), "workers").Result(); n.Count != 0 {
		t.Fatalf("skipped replay left pending in the other group: %+v", n)
	}
	if _, err := s.ReplayDeadLetter(ctx, d.ID); !errors.Is(err, ErrNoDeadLetter) {
		t.Fatalf("second replay: %v", err)
	}
	if dls, _ := s.DeadLetters(ctx, 10); len(dls) != 0 {
		t.Fatalf("replayed dead letter still listed: %+v", dls)
	}

	// An entry that cannot be decoded is dead at once.
	bad := addEvent(t, s, "{not json")
	if got, err := box.Read(ctx, "c", 10, -1); err != nil || len(got) != 0 {
		t.Fatalf("undecodable entry delivered: %+v %v", got, err)
	}
	dls, _ = s.DeadLetters(ctx, 10)
	if len(dls) != 1 || dls[0].ID != "notify/"+bad || dls[0].LastError == "" {
		t.Fatalf("undecodable entry not dead-lettered: %+v", dls)
	}
}
