package reviews

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

// IDPrefix starts every campaign id ("R-12").
const IDPrefix = "R-"

// ParseID accepts a campaign id as people type it ("R-12", "r-12",
// " R-12 ") and returns its canonical form.
func ParseID(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	n, ok := strings.CutPrefix(s, IDPrefix)
	if !ok || n == "" || len(n) > 12 {
		return "", fmt.Errorf("%w: %q", ErrInvalidID, truncate(s, 20))
	}
	v, err := strconv.ParseUint(n, 10, 63)
	if err != nil || v == 0 || strconv.FormatUint(v, 10) != n {
		return "", fmt.Errorf("%w: %q", ErrInvalidID, truncate(s, 20))
	}
	return IDPrefix + n, nil
}

// NoResponse is what happens to items nobody decided by the deadline.
type NoResponse string

// No-response outcomes.
const (
	NoResponseKeep     NoResponse = "keep"
	NoResponseRevoke   NoResponse = "revoke"
	NoResponseEscalate NoResponse = "escalate"
)

// Schedule is one review campaign schedule, as the composition root
// translates it from the config's reviews section.
type Schedule struct {
	Name string
	// Packages under review; empty means every package of the policy.
	Packages []string
	// Spec is a robfig/cron standard spec (5 fields or a descriptor).
	Spec string
	// Location is the time zone of Spec; nil means UTC.
	Location *time.Location
	// Reviewers decide every item; empty means each package's approvers.
	Reviewers approvals.Audience
	// Deadline is how long reviewers have; zero means DefaultDeadline.
	Deadline time.Duration
	// ReminderInterval between reminders; zero means none.
	ReminderInterval time.Duration
	OnNoResponse     NoResponse
}

// DefaultDeadline is the deadline of a campaign whose schedule names none
// (the config's default is the same 14 days).
const DefaultDeadline = 14 * 24 * time.Hour

// Status is the state of a campaign.
type Status string

// Campaign states: open until the deadline is processed, then closed.
const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// Campaign is one certification of every current holder of some
// packages. Items are stored beside it.
type Campaign struct {
	ID       string   `json:"id"`
	Schedule string   `json:"schedule,omitempty"` // "" for a manual start
	Packages []string `json:"packages"`
	// Slot is the cron slot that started a scheduled campaign.
	Slot      time.Time       `json:"slot,omitzero"`
	StartedBy approvals.Actor `json:"started_by"`
	CreatedAt time.Time       `json:"created_at"`
	// RoundStart and Deadline bound the current round; escalation starts
	// a second round with the admins.
	RoundStart       time.Time     `json:"round_start"`
	Deadline         time.Time     `json:"deadline"`
	DeadlineAfter    time.Duration `json:"deadline_after"`
	ReminderInterval time.Duration `json:"reminder_interval,omitempty"`
	OnNoResponse     NoResponse    `json:"on_no_response"`
	Escalated        bool          `json:"escalated,omitempty"`
	Status           Status        `json:"status"`
	ClosedAt         time.Time     `json:"closed_at,omitzero"`
	// Version increments on every stored change (compare-and-swap).
	Version int64 `json:"version"`
	// Reviewers are the people items are assigned to; Item.Assignees
	// index this list. Admins are appended when items escalate.
	Reviewers []approvals.Actor `json:"reviewers"`
	// Items counts the items.
	Items int `json:"items"`
	// MarketoAdmins hold Dynamic Chat admin implicitly (Marketo admins);
	// listed for admins, never revoked by a review.
	MarketoAdmins []string `json:"marketo_admins,omitempty"`
	// Notes are problems met while taking the snapshot (a source that
	// could not be read), shown on the admin report.
	Notes []string `json:"notes,omitempty"`
	// NoteSentences are the same notes with their message ids, so each
	// reader gets them in their language (absent on older campaigns).
	NoteSentences []approvals.Sentence `json:"note_sentences,omitempty"`
}

// Open reports whether items can still be decided.
func (c *Campaign) Open() bool { return c.Status == StatusOpen }

// Verdict is a reviewer's answer.
type Verdict string

// Verdicts.
const (
	Keep   Verdict = "keep"
	Revoke Verdict = "revoke"
)

// Decision is the one recorded answer for an item.
type Decision struct {
	Verdict Verdict         `json:"verdict"`
	By      approvals.Actor `json:"by"`
	At      time.Time       `json:"at"`
	// Auto is set when the deadline decided (on_no_response).
	Auto bool `json:"auto,omitempty"`
	// RequestID is the remove request a revoke submitted.
	RequestID string `json:"request_id,omitempty"`
	// Failure says why the remove request could not be submitted, in
	// English (logs, exports, and the readers of decisions recorded
	// before FailureKey).
	Failure string `json:"failure,omitempty"`
	// FailureKey and FailureArgs are Failure's message id and arguments,
	// so each reviewer reads it in their language.
	FailureKey  string            `json:"failure_key,omitempty"`
	FailureArgs map[string]string `json:"failure_args,omitempty"`
}

// FixAction is what an admin did about drift.
type FixAction string

// Drift fixes.
const (
	FixAdopt  FixAction = "adopt"
	FixRemove FixAction = "remove"
)

// Fix records an admin's answer to a drift finding of an item.
type Fix struct {
	Action    FixAction       `json:"action"`
	By        approvals.Actor `json:"by"`
	At        time.Time       `json:"at"`
	RequestID string          `json:"request_id,omitempty"`
}

// Item is one holder of one package under review, with the evidence the
// reviewer sees.
type Item struct {
	// Index numbers the items of a campaign from 1.
	Index   int    `json:"i"`
	Package string `json:"pkg"`
	Email   string `json:"email"`
	Name    string `json:"name,omitempty"`
	// Profiles are the package's Admin Console profiles the user is a
	// direct member of; empty when not in the Admin Console.
	Profiles []string `json:"profiles,omitempty"`
	// Via names the user groups through which the user holds a profile
	// of the package; Inherited says that is the only way they hold it
	// (no direct membership).
	Via       []string `json:"via,omitempty"`
	Inherited bool     `json:"inherited,omitempty"`
	// InMarketo says the user holds the package's Marketo role.
	InMarketo    bool      `json:"mkto,omitempty"`
	MarketoAdmin bool      `json:"mkto_admin,omitempty"`
	LastLogin    time.Time `json:"last_login,omitzero"`
	// Grant is the ledger's grant, nil when there is none.
	Grant    *approvals.Grant `json:"grant,omitempty"`
	Findings []FindingKind    `json:"drift,omitempty"`
	// Assignees index Campaign.Reviewers; empty means the admins.
	Assignees []int `json:"to,omitempty"`

	// Decision and Fix are stored apart (decided once, by CAS) and
	// filled in when items are read.
	Decision *Decision `json:"-"`
	Fix      *Fix      `json:"-"`
}

// InAdobe says the user is in one of the package's profiles.
func (it *Item) InAdobe() bool { return len(it.Profiles) > 0 }

// Has reports whether the item carries a drift finding.
func (it *Item) Has(k FindingKind) bool { return slices.Contains(it.Findings, k) }

// Decided reports whether the item has its decision.
func (it *Item) Decided() bool { return it.Decision != nil }

// AssignedTo reports whether reviewer index r may decide the item.
func (it *Item) AssignedTo(r int) bool { return slices.Contains(it.Assignees, r) }

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// PostedMessage is a chat message showing one view of a campaign: a
// reviewer's pages ("r<index>"), the drift report ("drift") or the
// summary ("summary"), with the page it shows. The chat adapter owns
// Platform, Channel and ID.
type PostedMessage struct {
	View     string             `json:"view"`
	Platform approvals.Platform `json:"platform"`
	Channel  string             `json:"channel"`
	ID       string             `json:"id"`
	Page     int                `json:"page"`
}
