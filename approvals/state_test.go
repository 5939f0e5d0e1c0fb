package approvals

import (
	"errors"
	"testing"
)

// TestTransitionTable checks every (state, event) pair against a table
// written out independently of the one in state.go.
func TestTransitionTable(t *testing.T) {
	allowed := map[State]map[Event]State{
		stateNew:       {EventSubmit: StatePending, EventApprove: StateApproved},
		StatePending:   {EventVote: StatePending, EventApprove: StateApproved, EventDeny: StateDenied, EventCancel: StateCancelled, EventExpire: StateExpired, EventRemind: StatePending},
		StateApproved:  {EventStart: StateExecuting, EventFail: StateFailed},
		StateExecuting: {EventStart: StateExecuting, EventProgress: StateExecuting, EventComplete: StateCompleted, EventFail: StateFailed},
		StateFailed:    {EventRetry: StateApproved},
		StateCompleted: {EventRevoke: StateRevoked},
	}
	pairs := 0
	for _, from := range append([]State{stateNew}, States...) {
		for _, ev := range Events {
			pairs++
			want, ok := allowed[from][ev]
			got, err := Next(from, ev)
			if ok {
				if err != nil || got != want {
					t.Errorf("Next(%q, %s) = %q, %v; want %q", from, ev, got, err, want)
				}
				continue
			}
			var ite *InvalidTransitionError
			if !errors.As(err, &ite) || !errors.Is(err, ErrInvalidTransition) {
				t.Errorf("Next(%q, %s) = %q, %v; want InvalidTransitionError", from, ev, got, err)
			}
			if got != from {
				t.Errorf("Next(%q, %s) moved to %q on error", from, ev, got)
			}
		}
	}
	if want := (len(States) + 1) * len(Events); pairs != want {
		t.Fatalf("checked %d pairs, want %d", pairs, want)
	}
}

func TestTerminalStatesOnlyLeaveByRetryOrRevoke(t *testing.T) {
	for _, s := range States {
		if !s.Terminal() {
			continue
		}
		for _, ev := range Events {
			if _, err := Next(s, ev); err == nil && ev != EventRetry && ev != EventRevoke {
				t.Errorf("terminal state %s accepts %s", s, ev)
			}
		}
	}
}
