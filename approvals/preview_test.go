package approvals_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

type fakeInspector struct {
	preview *approvals.Preview
	err     error
	calls   int
}

func (f *fakeInspector) Inspect(context.Context, *approvals.Request, *approvals.Package) (*approvals.Preview, error) {
	f.calls++
	return f.preview, f.err
}

func TestSeatsOnTheRequest(t *testing.T) {
	f := newFixture(t)
	in := &fakeInspector{preview: &approvals.Preview{
		Seats:   []approvals.SeatCount{{Profile: "Live Agent", Used: 50, Quota: 50}},
		Marketo: []approvals.MarketoPresence{{Instance: "default", EngageProfile: "Marketo Engage"}},
	}}
	f.svc.WithInspector(in, 0)
	r := f.submit(t, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Email: "amy@example.com"},
		Package: "agent", Justification: "new hire", Requester: lead})
	if r.Preview == nil || len(r.Preview.Over()) != 1 || r.Preview.At.IsZero() {
		t.Fatalf("preview %+v", r.Preview)
	}
	stored, err := f.st.Get(context.Background(), r.ID)
	if err != nil || stored.Preview == nil || stored.Preview.Marketo[0].EngageProfile != "Marketo Engage" {
		t.Fatalf("stored %+v %v", stored, err)
	}
	// A removal is not inspected.
	if _, err := f.svc.Submit(context.Background(), approvals.SubmitInput{Kind: approvals.KindRemove, Target: approvals.Target{Email: "old@example.com"},
		Package: "viewer", Justification: "left", Requester: lead}); err != nil || in.calls != 1 {
		t.Fatalf("removal: %v, %d inspections", err, in.calls)
	}
}

// TestSeatsRefuse: with seats: refuse an add over a full profile is
// refused with a sentence naming the profile, and nothing is stored.
func TestSeatsRefuse(t *testing.T) {
	f := newFixture(t)
	f.svc.Policy().Packages["agent"].Seats = approvals.SeatsRefuse
	f.svc.WithInspector(&fakeInspector{preview: &approvals.Preview{Seats: []approvals.SeatCount{{Profile: "Live Agent", Used: 50, Quota: 50}}}}, 0)
	before, _ := f.st.Records(context.Background())
	_, err := f.svc.Submit(context.Background(), approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Email: "amy@example.com"},
		Package: "agent", Justification: "new hire", Requester: lead})
	var se *approvals.SeatsError
	if !errors.Is(err, approvals.ErrNoSeats) || !errors.As(err, &se) || !strings.Contains(se.Human(), `"Live Agent" has 50 of 50 seats used`) {
		t.Fatalf("err %v", err)
	}
	after, _ := f.st.Records(context.Background())
	if len(after) != len(before) {
		t.Fatalf("a refused add changed the ledger: %d records, had %d", len(after), len(before))
	}
	// Someone who already holds the profile takes no seat.
	f.svc.WithInspector(&fakeInspector{preview: &approvals.Preview{Seats: []approvals.SeatCount{{Profile: "Live Agent", Used: 50, Quota: 50, Holds: true}}}}, 0)
	f.submit(t, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Email: "amy@example.com"},
		Package: "agent", Justification: "new hire", Requester: lead})
}

// TestInspectorFailureIsANote: vendors that cannot be asked do not stop
// a request; the card says what was not checked.
func TestInspectorFailureIsANote(t *testing.T) {
	f := newFixture(t)
	f.svc.WithInspector(&fakeInspector{err: errors.New("adobe: unavailable")}, 0)
	r := f.submit(t, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Email: "amy@example.com"},
		Package: "agent", Justification: "new hire", Requester: lead})
	if r.Preview == nil || len(r.Preview.Notes) != 1 || !strings.Contains(r.Preview.Notes[0], "adobe: unavailable") {
		t.Fatalf("preview %+v", r.Preview)
	}
}

func TestSeatCountOver(t *testing.T) {
	for _, tc := range []struct {
		s    approvals.SeatCount
		over bool
	}{
		{approvals.SeatCount{Used: 48, Quota: 50}, false},
		{approvals.SeatCount{Used: 49, Quota: 50}, false},
		{approvals.SeatCount{Used: 50, Quota: 50}, true},
		{approvals.SeatCount{Used: 50, Quota: 50, Holds: true}, false},
		{approvals.SeatCount{Used: 500}, false},
		{approvals.SeatCount{Used: 49, Quota: 50, Takes: 1}, false},
		{approvals.SeatCount{Used: 1, Quota: 2, Takes: 2}, true},
		{approvals.SeatCount{Used: 1, Quota: 3, Takes: 2}, false},
		{approvals.SeatCount{Used: 2, Quota: 2, Holds: true}, false},
	} {
		if tc.s.Over() != tc.over {
			t.Errorf("%+v: over %v", tc.s, !tc.over)
		}
	}
}

// stuckInspector answers only when released, ignoring its context, as a
// lookup queued behind another caller's scan does.
type stuckInspector struct{ release chan struct{} }

func (s stuckInspector) Inspect(context.Context, *approvals.Request, *approvals.Package) (*approvals.Preview, error) {
	<-s.release
	return &approvals.Preview{}, nil
}

// TestSlowInspectorLeavesTimeToAnswer: a slash command has about 2.5 s;
// an inspector that does not answer within half of what is left becomes
// a note, and the request is stored well within the command's deadline.
func TestSlowInspectorLeavesTimeToAnswer(t *testing.T) {
	f := newFixture(t)
	stuck := stuckInspector{release: make(chan struct{})}
	defer close(stuck.release)
	f.svc.WithInspector(stuck, 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	start := time.Now()
	r, err := f.svc.Submit(ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Email: "amy@example.com"},
		Package: "agent", Justification: "new hire", Requester: lead, Origin: approvals.PlatformSlack})
	if err != nil {
		t.Fatalf("submit with a stuck inspector: %v", err)
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Fatalf("submit took %s of the command's 2.5 s", took)
	}
	if r.Preview == nil || len(r.Preview.Notes) != 1 || !strings.Contains(r.Preview.Notes[0], "no answer within") {
		t.Fatalf("preview %+v", r.Preview)
	}
}
