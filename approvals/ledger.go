package approvals

import "time"

// Index names one list of requests the ledger keeps. Build it with the
// functions below; the store maps each to its own key.
type Index struct {
	Kind IndexKind
	// Key is the state, package or target email the list is for.
	Key string
	// Actor is the requester or approver the list is for.
	Actor Actor
}

// IndexKind says which list an Index names.
type IndexKind string

// Index kinds.
const (
	IndexAll              IndexKind = "all"
	IndexByState          IndexKind = "state"
	IndexPendingByPackage IndexKind = "pending"
	IndexByRequester      IndexKind = "requester"
	IndexByTarget         IndexKind = "target"
	IndexByApprover       IndexKind = "approver"
)

// ByState lists requests in a state.
func ByState(st State) Index { return Index{Kind: IndexByState, Key: string(st)} }

// PendingByPackage lists pending requests of a package.
func PendingByPackage(pkg string) Index { return Index{Kind: IndexPendingByPackage, Key: pkg} }

// ByRequester lists requests an actor submitted.
func ByRequester(a Actor) Index { return Index{Kind: IndexByRequester, Actor: a} }

// ByTarget lists requests for a target email.
func ByTarget(email string) Index { return Index{Kind: IndexByTarget, Key: email} }

// ByApprover lists requests an approver decided, newest decision first.
func ByApprover(a Actor) Index { return Index{Kind: IndexByApprover, Actor: a} }

// AllRequests lists every request.
func AllRequests() Index { return Index{Kind: IndexAll} }

// OutboxRecord is one domain event read from the durable outbox that the
// store writes with every change.
type OutboxRecord struct {
	// ID is the outbox entry id; acknowledge it once handled.
	ID     string
	Record Record
	// Deliveries counts how often the entry was handed out, this time
	// included (1 on first delivery).
	Deliveries int64
}

// DeadLetter is an outbox event that one consumer group stopped handing
// out after too many deliveries. It was acknowledged, so it no longer
// blocks anything; it waits for a person (`chataccess admin
// dead-letters`, `chataccess admin replay <id>`).
type DeadLetter struct {
	// ID names it for replay: "<group>/<outbox entry id>".
	ID    string
	Group string
	// Event is the event as it was last delivered.
	Event OutboxRecord
	// LastError is the group's last error handling it, when it said.
	LastError string
	At        time.Time
	// AlertTries counts the admin alerts attempted for it.
	AlertTries int
}

// MessageRef records one chat message about a request or review (the
// approval card in a channel, a copy in an approver's DM, the requester's
// DM) so every copy can be updated in place when the request changes.
type MessageRef struct {
	Platform Platform `json:"platform"`
	Channel  string   `json:"channel"`
	ID       string   `json:"id"`
	// Kind says what the message is: "card", "requester", "review", ...
	Kind string `json:"kind"`
	// User is the person the copy was sent to, for DMs.
	User string `json:"user,omitempty"`
}
