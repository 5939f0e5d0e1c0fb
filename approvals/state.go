package approvals

import "fmt"

// State is where a request is in its lifecycle.
type State string

// Request states (design §3).
const (
	StatePending   State = "pending_approval"
	StateApproved  State = "approved"
	StateDenied    State = "denied"
	StateCancelled State = "cancelled"
	StateExpired   State = "expired"
	StateExecuting State = "executing"
	StateCompleted State = "completed"
	StateFailed    State = "failed"
	StateRevoked   State = "revoked"
)

// States lists every state, in lifecycle order.
var States = []State{
	StatePending, StateApproved, StateDenied, StateCancelled, StateExpired,
	StateExecuting, StateCompleted, StateFailed, StateRevoked,
}

// Open reports whether the request can still change without an admin:
// it is waiting for decisions or for execution.
func (s State) Open() bool {
	return s == StatePending || s == StateApproved || s == StateExecuting
}

// Terminal reports whether no event other than an admin retry (failed)
// or a revoke (completed) can move the request on.
func (s State) Terminal() bool {
	switch s {
	case StateDenied, StateCancelled, StateExpired, StateCompleted, StateFailed, StateRevoked:
		return true
	}
	return false
}

// Event is something that happens to a request.
type Event string

// Events. EventVote is an approval that does not yet reach the required
// count; EventApprove is the one that does.
const (
	EventSubmit   Event = "submitted"
	EventVote     Event = "approval_recorded"
	EventApprove  Event = "approved"
	EventDeny     Event = "denied"
	EventCancel   Event = "cancelled"
	EventExpire   Event = "expired"
	EventStart    Event = "execution_started"
	EventProgress Event = "progress"
	EventComplete Event = "completed"
	EventFail     Event = "failed"
	EventRetry    Event = "retried"
	EventRevoke   Event = "revoked"
	EventRemind   Event = "reminded"
	// EventAdopt records a grant adopted into the ledger; it belongs to
	// no request, so it is not in the transition table.
	EventAdopt Event = "adopted"
	// EventGroupJoin and EventGroupLeave record a member who joined or
	// left a user group that holds a grant, and what the group pass did
	// to their Marketo role; EventGroupSnapshot records the first member
	// snapshot of a group grant; EventGroupRestore a member who had lost
	// the Marketo role and got it back. They belong to no request.
	EventGroupJoin     Event = "group_member_joined"
	EventGroupLeave    Event = "group_member_left"
	EventGroupSnapshot Event = "group_members_snapshot"
	EventGroupRestore  Event = "group_member_role_restored"
)

// Events lists every event.
var Events = []Event{
	EventSubmit, EventVote, EventApprove, EventDeny, EventCancel, EventExpire,
	EventStart, EventProgress, EventComplete, EventFail, EventRetry, EventRevoke, EventRemind,
}

// stateNew is the pseudo-state of a request that does not exist yet.
const stateNew State = ""

// transitions is the one table of allowed moves. A (state, event) pair
// that is missing is refused with an *InvalidTransitionError.
var transitions = map[State]map[Event]State{
	stateNew: {
		EventSubmit:  StatePending,
		EventApprove: StateApproved, // auto-approved or system request
	},
	StatePending: {
		EventVote:    StatePending,
		EventApprove: StateApproved,
		EventDeny:    StateDenied,
		EventCancel:  StateCancelled,
		EventExpire:  StateExpired,
		EventRemind:  StatePending,
	},
	StateApproved: {
		EventStart: StateExecuting,
		EventFail:  StateFailed,
	},
	StateExecuting: {
		EventStart:    StateExecuting, // resumed after a crash or reschedule
		EventProgress: StateExecuting,
		EventComplete: StateCompleted,
		EventFail:     StateFailed,
	},
	StateFailed: {
		EventRetry: StateApproved,
	},
	StateCompleted: {
		EventRevoke: StateRevoked,
	},
}

// Next returns the state an event moves a request in state from to, or
// an *InvalidTransitionError.
func Next(from State, ev Event) (State, error) {
	if to, ok := transitions[from][ev]; ok {
		return to, nil
	}
	return from, &InvalidTransitionError{From: from, Event: ev}
}

// InvalidTransitionError is returned for an event the table does not
// allow in the current state.
type InvalidTransitionError struct {
	From  State
	Event Event
}

func (e *InvalidTransitionError) Error() string {
	from := e.From
	if from == stateNew {
		from = "new"
	}
	return fmt.Sprintf("request is %s: cannot apply %s", from, e.Event)
}

// Is makes errors.Is(err, ErrInvalidTransition) true.
func (e *InvalidTransitionError) Is(target error) bool { return target == ErrInvalidTransition }
