package store

import (
	"strings"

	"github.com/chataccess/chataccess/approvals"
)

// DefaultPrefix starts every key. The "v1" is the schema version: a
// change to key layout or value encoding bumps it.
const DefaultPrefix = "chataccess:v1:"

// keys builds every key name the ledger uses.
type keys struct {
	p string // prefix + hash tag, e.g. "chataccess:v1:{ledger}:"
}

func newKeys(prefix string) keys {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return keys{p: prefix + "{ledger}:"}
}

// seq is the counter behind request ids.
func (k keys) seq() string { return k.p + "seq" }

// request is a hash {v: version, d: JSON}.
func (k keys) request(id string) string { return k.p + "req:" + id }

// open maps target+package to the open request that blocks another.
func (k keys) open(email, pkg string) string { return k.p + "open:" + email + ":" + pkg }

// Indexes are sorted sets of request ids scored by creation time (ms).
func (k keys) byState(s approvals.State) string   { return k.p + "idx:state:" + string(s) }
func (k keys) pendingByPackage(pkg string) string { return k.p + "idx:pending:" + pkg }
func (k keys) byRequester(actor string) string    { return k.p + "idx:requester:" + actor }
func (k keys) byTarget(email string) string       { return k.p + "idx:target:" + email }
func (k keys) byApprover(actor string) string     { return k.p + "idx:approver:" + actor }
func (k keys) all() string                        { return k.p + "idx:all" }

// grant is the JSON of one live grant.
func (k keys) grant(email, pkg string) string { return k.p + "grant:" + email + ":" + pkg }

// grantsByPackage is a sorted set of emails scored by grant time (ms).
func (k keys) grantsByPackage(pkg string) string { return k.p + "idx:grants:" + pkg }

// grantsByUser is a sorted set of packages a user holds.
func (k keys) grantsByUser(email string) string { return k.p + "idx:grants-of:" + email }

// grantsByExpiry is a sorted set of "email\x1fpackage" scored by the end
// of time-bound grants (ms).
func (k keys) grantsByExpiry() string { return k.p + "idx:grants-expiry" }

// events is the outbox stream of domain events.
func (k keys) events() string { return k.p + "events" }

// audit is the hash-chained audit stream; it is never trimmed.
func (k keys) audit() string { return k.p + "audit" }

// auditHead holds the hash of the newest audit entry.
func (k keys) auditHead() string { return k.p + "audit:head" }

// actorKey names an actor in index keys: the email when known, else
// platform/id.
func actorKey(a approvals.Actor) string {
	if a.Email != "" {
		return strings.ToLower(a.Email)
	}
	return a.Platform + "/" + a.ID
}

func expiryMember(email, pkg string) string { return email + "\x1f" + pkg }

func splitExpiryMember(m string) (email, pkg string) {
	email, pkg, _ = strings.Cut(m, "\x1f")
	return email, pkg
}
