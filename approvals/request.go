package approvals

import "time"

// Kind says whether a request adds or removes access.
type Kind string

// Request kinds.
const (
	KindAdd    Kind = "add"
	KindRemove Kind = "remove"
)

// Actor is a person (or the system) acting on a request. Platform
// adapters fill it from verified platform data: the email comes from the
// platform's profile, never from what the user typed.
type Actor struct {
	// ID is the platform user id (Slack "U123"), empty for the system.
	ID string `json:"id,omitempty"`
	// Email is the verified email address, lower-cased.
	Email string `json:"email,omitempty"`
	// Name is a display name for cards and the audit trail.
	Name string `json:"name,omitempty"`
	// Platform is where the actor acts from.
	Platform Platform `json:"platform,omitempty"`
	// Groups are the platform user groups the actor belongs to, resolved
	// by the adapter at the time of the action. Not persisted.
	Groups []string `json:"-"`
}

// System is the actor for automatic actions: expiry, auto-approval,
// reviews, reconciliation.
var System = Actor{ID: "system", Name: "chataccess", Platform: PlatformSystem}

// IsSystem reports whether the actor is the system.
func (a Actor) IsSystem() bool { return a.Platform == PlatformSystem }

// Same reports whether two actors are the same person: same platform id
// on the same platform, or the same email.
func (a Actor) Same(b Actor) bool {
	if a.ID != "" && a.ID == b.ID && a.Platform == b.Platform {
		return true
	}
	return a.Email != "" && a.Email == b.Email
}

// Label is how the actor is named to people and in the audit trail.
func (a Actor) Label() string {
	switch {
	case a.Email != "":
		return a.Email
	case a.Name != "":
		return a.Name
	}
	return a.ID
}

// Target is the user whose access changes.
type Target struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	// PlatformID is the chat user id when the target was picked in chat.
	PlatformID string `json:"platform_id,omitempty"`
	// Platform is the platform PlatformID belongs to.
	Platform Platform `json:"platform,omitempty"`
	// Group is the Admin Console user group when the target is a group
	// (then Email is GroupKey(Group)); see group.go.
	Group string `json:"group,omitempty"`
}

// Verdict is an approver's answer.
type Verdict string

// Verdicts.
const (
	Approve Verdict = "approve"
	Deny    Verdict = "deny"
)

// Decision is one approver's approve or deny.
type Decision struct {
	Approver Actor   `json:"approver"`
	Verdict  Verdict `json:"verdict"`
	Comment  string  `json:"comment,omitempty"`
	// CommentKey and CommentArgs are the message id and arguments of a
	// comment the system wrote (the rule that auto-approved a request),
	// so readers see it in their language; empty for people's comments
	// and in records written before.
	CommentKey  string            `json:"comment_key,omitempty"`
	CommentArgs map[string]string `json:"comment_args,omitempty"`
	At          time.Time         `json:"at"`
}

// StepStatus is the state of one execution step.
type StepStatus string

// Step statuses.
const (
	StepPending StepStatus = "pending"
	StepRunning StepStatus = "running"
	StepWaiting StepStatus = "waiting"
	StepDone    StepStatus = "done"
	StepSkipped StepStatus = "skipped"
	StepFailed  StepStatus = "failed"
	StepUndone  StepStatus = "undone"
)

// Step records the progress of one provisioning step, e.g. "adobe" or
// "marketo", so people can see where a request stands and workers can
// resume after a crash.
type Step struct {
	Name   string     `json:"name"`
	Status StepStatus `json:"status"`
	Detail string     `json:"detail,omitempty"`
	// DetailKey and DetailArgs are Detail's message id and arguments, so
	// readers see it in their language; empty in records written before.
	DetailKey  string            `json:"detail_key,omitempty"`
	DetailArgs map[string]string `json:"detail_args,omitempty"`
	// NextCheck is when a waiting step is looked at again.
	NextCheck time.Time `json:"next_check,omitzero"`
	At        time.Time `json:"at"`
	Attempts  int       `json:"attempts,omitempty"`
}

// Request is one add or remove of one package for one target user.
type Request struct {
	ID            string        `json:"id"`
	Kind          Kind          `json:"kind"`
	Target        Target        `json:"target"`
	Package       string        `json:"package"`
	Justification string        `json:"justification"`
	Duration      time.Duration `json:"duration,omitempty"`
	Requester     Actor         `json:"requester"`
	Origin        Platform      `json:"origin,omitempty"`
	State         State         `json:"state"`
	// Version increments on every stored change; the store compares it
	// before writing (compare-and-swap).
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Deadline is when a pending request expires without decisions.
	Deadline  time.Time  `json:"deadline"`
	Decisions []Decision `json:"decisions,omitempty"`
	Steps     []Step     `json:"steps,omitempty"`
	// Failure is a sentence a person understands, set in state failed.
	Failure string `json:"failure,omitempty"`
	// FailureKey and FailureArgs are Failure's message id and arguments
	// (see Sentence); empty in records written before.
	FailureKey  string            `json:"failure_key,omitempty"`
	FailureArgs map[string]string `json:"failure_args,omitempty"`
	// Executions counts how often execution started (retries included).
	Executions int  `json:"executions,omitempty"`
	DryRun     bool `json:"dry_run,omitempty"`
	// Reason explains system requests: "expired", "review R-12",
	// "revoked by admin".
	Reason string `json:"reason,omitempty"`
	// ReasonKey and ReasonArgs are Reason's message id and arguments when
	// the system wrote it (expiry, review revoke), so readers see it, and
	// the Justification it stands for, in their language; empty when a
	// person wrote the reason and in records written before.
	ReasonKey  string            `json:"reason_key,omitempty"`
	ReasonArgs map[string]string `json:"reason_args,omitempty"`
	// Revokes names the add request whose grant a remove ends.
	Revokes string `json:"revokes,omitempty"`
	// GrantedAt and GrantedUntil are set when an add completes; the
	// duration clock starts at GrantedAt.
	GrantedAt    time.Time `json:"granted_at,omitzero"`
	GrantedUntil time.Time `json:"granted_until,omitzero"`
	// StartedAt is when the current execution began (set on approved →
	// executing; a retry starts a new execution).
	StartedAt time.Time `json:"started_at,omitzero"`
	// RemindedAt is when approvers were last reminded.
	RemindedAt time.Time `json:"reminded_at,omitzero"`
	// Preview is what the vendors said about an add when it was made
	// (seats, presence in Marketo); nil when nobody asked.
	Preview *Preview `json:"preview,omitempty"`
}

// Approvals counts the approve decisions.
func (r *Request) Approvals() int {
	n := 0
	for _, d := range r.Decisions {
		if d.Verdict == Approve {
			n++
		}
	}
	return n
}

// DecidedBy reports whether the actor already decided this request.
func (r *Request) DecidedBy(a Actor) bool {
	for _, d := range r.Decisions {
		if d.Approver.Same(a) {
			return true
		}
	}
	return false
}

// Step returns the named step record, or nil.
func (r *Request) Step(name string) *Step {
	for i := range r.Steps {
		if r.Steps[i].Name == name {
			return &r.Steps[i]
		}
	}
	return nil
}

// SystemReason is the sentence the system wrote as r's reason, and
// whether there is one. A system request's Justification is its Reason,
// so readers show this sentence in place of both.
func (r *Request) SystemReason() (Sentence, bool) {
	if r.ReasonKey == "" || !r.Requester.IsSystem() {
		return Sentence{}, false
	}
	return Say(r.Reason, r.ReasonKey, r.ReasonArgs), true
}

// Clone returns a deep copy, so a failed compare-and-swap leaves the
// caller's value untouched.
func (r *Request) Clone() *Request {
	c := *r
	c.Decisions = append([]Decision(nil), r.Decisions...)
	c.Steps = append([]Step(nil), r.Steps...)
	c.Requester.Groups = nil
	return &c
}

// Grant is the live result of a completed add: who holds which package
// since when, until when, and on whose word.
type Grant struct {
	Email         string    `json:"email"`
	Package       string    `json:"package"`
	RequestID     string    `json:"request_id"`
	Since         time.Time `json:"since"`
	Until         time.Time `json:"until,omitzero"`
	ApprovedBy    []string  `json:"approved_by,omitempty"`
	Requester     string    `json:"requester,omitempty"`
	Justification string    `json:"justification,omitempty"`
	// Adopted is set when an admin adopted access granted outside the
	// bot into the ledger.
	Adopted bool `json:"adopted,omitempty"`
}

// Permanent reports whether the grant has no end.
func (g Grant) Permanent() bool { return g.Until.IsZero() }
