package logging

import (
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Field names (style habit 10). Use these, never ad-hoc spellings.
const (
	RequestID = "request_id"
	Requester = "requester"
	Approver  = "approver"
	Package   = "package"
	Platform  = "platform"
	TaskID    = "task_id"
	// Attempt counts the runs of one piece of work: a queued task, the
	// start of a scheduled review.
	Attempt = "attempt"
	// Component names the part of chataccess a logger belongs to
	// (workers, commands, slackbot, adobe, reviews, redis, …). A logger
	// carries one: see WithComponent.
	Component = "component"
	// Subcomponent names a part that runs inside a component and logs
	// through its logger: the saga inside the workers, the notifier
	// inside commands. See WithSubcomponent.
	Subcomponent = "subcomponent"
	// Vendor names the outside service a line is about when a vendor
	// client logs through its caller's logger (which has a component).
	Vendor = "vendor"
)

// Recurring field names beyond the fixed set.
const (
	User     = "user"      // a chat user id
	Reviewer = "reviewer"  // a reviewer's email
	ReviewID = "review_id" // an access review campaign, R-…
	Item     = "item"      // an item index within a review
	Schedule = "schedule"  // a review schedule's name
	Step     = "step"      // a provisioning saga step
	// StepAttempt is the saga's count of tries of one step; a line can
	// carry it next to the queue's Attempt.
	StepAttempt = "step_attempt"
	// CallAttempt is a client's count of tries of one outbound API call
	// (Slack, Adobe, Marketo); a line can carry it next to Attempt.
	CallAttempt = "call_attempt"
	Op          = "op"       // a vendor API operation
	Endpoint    = "endpoint" // a chat endpoint (commands, interactions, events)
	Status      = "status"   // an HTTP status code
	Code        = "code"     // a vendor's error code
	Reason      = "reason"   // a failure reason from a classifier
	RetryIn     = "retry_in" // the wait before the next try
	Panic       = "panic"    // a recovered panic value
)

// New returns a logger writing JSON lines to w, or human-readable lines
// when console is true (a terminal). level is one of zerolog's level
// names; an unknown or empty level means info.
func New(w io.Writer, console bool, level string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(strings.ToLower(strings.TrimSpace(level)))
	if err != nil || level == "" {
		lvl = zerolog.InfoLevel
	}
	if console {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	// Every part logs from its own goroutines; serialise the writes.
	return zerolog.New(zerolog.SyncWriter(w)).Level(lvl).With().Timestamp().Logger()
}

// WithComponent returns l with component=name, for one part of the
// process. Call it on the process logger, never on another part's:
// zerolog appends fields and cannot replace one, so a second component
// would put the key in every JSON line twice. A part that runs inside
// another uses WithSubcomponent.
func WithComponent(l zerolog.Logger, name string) zerolog.Logger {
	return l.With().Str(Component, name).Logger()
}

// WithSubcomponent returns l, a component's logger (or the one a
// component put in the context), with subcomponent=name. It is one level
// deep: code that may run under a subcomponent's logger names what it is
// about with another key (Vendor, Op) rather than a third level.
func WithSubcomponent(l zerolog.Logger, name string) zerolog.Logger {
	return l.With().Str(Subcomponent, name).Logger()
}
