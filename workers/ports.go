package workers

import (
	"context"
	"errors"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

// AdminConsole is what the saga needs from Adobe's User Management API.
// Every call is idempotent: adding a member who is already in a profile,
// or removing one who is not, succeeds.
type AdminConsole interface {
	// AddToProfiles makes sure the user exists in the organization
	// (created with the identity type, ignoreIfAlreadyExists) and is a
	// member of every profile. ref travels as the UMAPI requestID.
	AddToProfiles(ctx context.Context, u NewUser, profiles []string, ref string, testOnly bool) error
	// RemoveFromProfiles takes the user out of every profile.
	RemoveFromProfiles(ctx context.Context, email string, profiles []string, ref string, testOnly bool) error
	// Missing returns which of profiles Adobe does not (yet) list the
	// user in, from a read that started after since (when the add was
	// made), so a stale answer never confirms a change.
	Missing(ctx context.Context, email string, profiles []string, since time.Time) ([]string, error)
	// DynamicChatProfiles lists every Dynamic Chat product profile of the
	// organization, for removals that must cover all of them.
	DynamicChatProfiles(ctx context.Context) ([]string, error)
}

// NewUser is a user the Admin Console may have to create.
type NewUser struct {
	Email     string
	FirstName string
	LastName  string
	Identity  approvals.Identity
}

// Marketo is what the saga needs from Marketo's user management API.
type Marketo interface {
	// FindUser returns the Marketo user id for the email, or an error
	// wrapping ErrUserNotFound when Marketo does not know the user yet.
	FindUser(ctx context.Context, email string) (string, error)
	// AddRole assigns the role in the workspace; already assigned is a
	// success.
	AddRole(ctx context.Context, userID string, role, workspace approvals.MarketoRef) error
	// RemoveRole removes the role in the workspace; not assigned is a
	// success.
	RemoveRole(ctx context.Context, userID string, role, workspace approvals.MarketoRef) error
}

// RoleEnsurer is the optional part of a Marketo port that assigns a
// role and says whether the user lacked it (MarketoUsers implements it).
type RoleEnsurer interface {
	EnsureRole(ctx context.Context, userID string, role, workspace approvals.MarketoRef) (changed bool, err error)
}

// ErrUserNotFound says Marketo does not know the user (yet).
var ErrUserNotFound = errors.New("user not found in Marketo")

// Alerter tells the admins about something that needs a person.
type Alerter interface {
	AlertAdmins(ctx context.Context, text string) error
}

// SentenceAlerter is the optional part of an Alerter that says a
// sentence with its message id and arguments in each admin channel's
// language (commands.Handler implements it).
type SentenceAlerter interface {
	AlertAdminsSentence(ctx context.Context, s approvals.Sentence) error
}

// ExpiryNotifier warns the holder and the requester that a grant ends
// soon, with a way to ask for an extension.
type ExpiryNotifier interface {
	WarnExpiry(ctx context.Context, g approvals.Grant) error
}

// Outbox is the durable stream of domain events the dispatcher reads
// in a consumer group (the store's Outbox satisfies it).
type Outbox interface {
	// Read returns up to count events for consumer, waiting up to block.
	Read(ctx context.Context, consumer string, count int, block time.Duration) ([]approvals.OutboxRecord, error)
	// Ack marks events handled.
	Ack(ctx context.Context, ids ...string) error
	// Nack records why handling event id failed this time; the event is
	// handed out again, and becomes a dead letter with this reason once
	// its deliveries run out.
	Nack(ctx context.Context, id, reason string) error
}

// Ledger is what the workers read from the store.
type Ledger interface {
	Get(ctx context.Context, id string) (*approvals.Request, error)
	List(ctx context.Context, ix approvals.Index, limit int) ([]*approvals.Request, error)
	Grant(ctx context.Context, email, pkg string) (*approvals.Grant, error)
	ExpiringBefore(ctx context.Context, t time.Time, limit int) ([]approvals.Grant, error)
	TryLock(ctx context.Context, name, holder string, ttl time.Duration) (func(), bool, error)
}
