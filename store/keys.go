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

// identity is the ledger's identity, a hash (see Identity): created
// once, read by every replica, so a ledger that vanished and came back
// empty is told apart from the one a replica knew.
func (k keys) identity() string { return k.p + "identity" }

// events is the outbox stream of domain events.
func (k keys) events() string { return k.p + "events" }

// audit is the hash-chained audit stream; it is never trimmed.
func (k keys) audit() string { return k.p + "audit" }

// auditHead holds the hash of the newest audit entry.
func (k keys) auditHead() string { return k.p + "audit:head" }

// auditCheckpoint holds the newest audit checkpoint's text, so replicas
// skip a checkpoint when the chain has not moved (it proves nothing).
func (k keys) auditCheckpoint() string { return k.p + "audit:checkpoint" }

// actorKey names an actor in index keys: the email when known, else
// platform/id.
func actorKey(a approvals.Actor) string {
	if a.Email != "" {
		return strings.ToLower(a.Email)
	}
	return string(a.Platform) + "/" + a.ID
}

func expiryMember(email, pkg string) string { return email + "\x1f" + pkg }

func splitExpiryMember(m string) (email, pkg string) {
	email, pkg, _ = strings.Cut(m, "\x1f")
	return email, pkg
}

// Keys of message refs, locks, claims and access reviews.

// Review keys. Like every ledger key they carry the {ledger} hash tag
// (through k.p), so one Lua script may touch a campaign and its items.
//
//	review:seq               counter behind "R-<n>"
//	review:<id>              hash {v: version, s: status, d: campaign JSON}
//	review:<id>:items        hash item index → item JSON (snapshot and assignees)
//	review:<id>:decisions    hash item index → decision JSON, written once
//	review:<id>:outcomes     hash item index → {request_id, failure} of a revoke
//	review:<id>:fixes        hash item index → drift fix JSON, written once
//	review:<id>:messages     hash view → posted message JSON (chat refs)
//	idx:reviews              sorted set of ids by creation time (ms)
//	idx:reviews-open         sorted set of open ids by creation time (ms)
func (k keys) reviewSeq() string                { return k.p + "review:seq" }
func (k keys) review(id string) string          { return k.p + "review:" + id }
func (k keys) reviewItems(id string) string     { return k.p + "review:" + id + ":items" }
func (k keys) reviewDecisions(id string) string { return k.p + "review:" + id + ":decisions" }
func (k keys) reviewOutcomes(id string) string  { return k.p + "review:" + id + ":outcomes" }
func (k keys) reviewFixes(id string) string     { return k.p + "review:" + id + ":fixes" }
func (k keys) reviewMessages(id string) string  { return k.p + "review:" + id + ":messages" }
func (k keys) reviewsAll() string               { return k.p + "idx:reviews" }
func (k keys) reviewsOpen() string              { return k.p + "idx:reviews-open" }

// messageRefs is a hash of "platform|channel|id" to the ref's JSON.
func (k keys) messageRefs(owner string) string { return k.p + "msgs:" + owner }

// lock is a named lease.
func (k keys) lock(name string) string { return k.p + "lock:" + name }

// groupMembers is the member snapshot of a user group's grant: a sorted
// set of member emails scored by when the group pass saw them join,
// plus the empty member once the first snapshot is taken.
func (k keys) groupMembers(group, pkg string) string {
	return k.p + "group-members:" + group + ":" + pkg
}

// claim marks a one-time slot (e.g. a cron run) as taken.
func (k keys) claim(name string) string { return k.p + "claim:" + name }

// teamsDoc is one document of the Teams adapter's memory: kind is
// conv, user, email, dlg, card or home (bot/teamsbot memory.go).
func (k keys) teamsDoc(kind, key string) string { return k.p + "teams:" + kind + ":" + key }

// Dead letters: outbox events a consumer group stopped retrying.
//
//	deadletters              hash "<group>/<entry id>" → dead letter JSON
//	idx:deadletters          sorted set of dead letter ids by time (ms)
//	deadletters:alerts       sorted set of dead letter ids whose admin alert is due, by due time (ms)
//	events:errors:<group>    hash outbox entry id → the group's last error handling it
func (k keys) deadLetters() string             { return k.p + "deadletters" }
func (k keys) deadLettersByTime() string       { return k.p + "idx:deadletters" }
func (k keys) deadLetterAlerts() string        { return k.p + "deadletters:alerts" }
func (k keys) eventErrors(group string) string { return k.p + "events:errors:" + group }

// Rendered content: what a chat message or App Home shows now.
//
//	rendered:<key>           hash of the content the message or Home last showed
//	rendered:<key>:lease     token of the one update of it in flight
func (k keys) rendered(key string) string      { return k.p + "rendered:" + key }
func (k keys) renderedLease(key string) string { return k.p + "rendered:" + key + ":lease" }
