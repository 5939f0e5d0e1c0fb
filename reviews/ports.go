package reviews

import (
	"context"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

// Member is an Admin Console member of a product profile.
type Member struct {
	Email     string
	FirstName string
	LastName  string
	// Inherited says the person holds the profile only through user
	// groups (HolderLister); Via names those groups, when known.
	Inherited bool
	Via       []string
}

// Adobe reads Admin Console product profile members. The inventory
// package adapts the UMAPI client: one paged read per 2000 members
// (umapi-doc:docs/en/api/getUsersByGroup.md), counted against Adobe's
// 25 user reads a minute in Redis.
type Adobe interface {
	// ProfileMembers calls fn for every direct member of the profile.
	// A profile Adobe does not know is an error.
	ProfileMembers(ctx context.Context, profile string, fn func(Member) error) error
}

// MarketoUser is a Marketo user with their role assignments.
type MarketoUser struct {
	Email string
	Roles []RoleAssignment
	// Admin says the user holds a Marketo admin role (and so Dynamic
	// Chat admin implicitly).
	Admin bool
	// LastLogin is zero when Marketo does not say.
	LastLogin time.Time
}

// RoleAssignment is one Marketo role in one workspace.
type RoleAssignment struct {
	RoleID        int
	RoleName      string
	WorkspaceID   int
	WorkspaceName string
}

// Marketo lists Marketo users with their roles. A campaign reads it once,
// whatever the number of packages (Marketo answers roles one user at a
// time: mkto-dev:help/rest-api/user-management.md).
type Marketo interface {
	Users(ctx context.Context) ([]MarketoUser, error)
	// PackageRole resolves the package's Marketo role and workspace to
	// ids with the matching rule check and the workers use (vendormap);
	// holders are then compared by id. An error (no such role, an id and
	// a name that disagree) leaves the package out of the comparison.
	PackageRole(ctx context.Context, pkg *approvals.Package) (RoleAssignment, error)
}

// Access is the part of the approvals Service reviews use.
// *approvals.Service satisfies it.
type Access interface {
	Policy() *approvals.Policy
	IsAdmin(a approvals.Actor) bool
	// RevokeWith submits a system-approved remove of a live grant, with
	// the reason the system gives; errors wrap approvals.ErrNoGrant when
	// the ledger has none.
	RevokeWith(ctx context.Context, email, pkg string, who approvals.Actor, why approvals.Sentence) (*approvals.Request, error)
	// Submit records a request (a system requester is approved at once).
	Submit(ctx context.Context, in approvals.SubmitInput) (*approvals.Request, error)
	// Adopt records access granted outside chataccess as a grant.
	Adopt(ctx context.Context, email, pkg string, who approvals.Actor, until time.Time, note string) (*approvals.Grant, error)
}

var _ Access = (*approvals.Service)(nil)

// Store keeps campaigns, items and decisions in Redis. *store.Store
// satisfies it (store/reviews.go).
type Store interface {
	// Grants returns the ledger's live grants of a package.
	Grants(ctx context.Context, pkg string) ([]approvals.Grant, error)
	// Claim marks name as done once across replicas: true for the first
	// caller until ttl ends.
	Claim(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// TryLock takes a named lease.
	TryLock(ctx context.Context, name, holder string, ttl time.Duration) (unlock func(), ok bool, err error)

	// NextReviewID allocates "R-<n>".
	NextReviewID(ctx context.Context) (string, error)
	// CreateReview stores a new campaign and its items.
	CreateReview(ctx context.Context, c *Campaign, items []Item) error
	// Review returns a campaign or an error wrapping ErrNotFound.
	Review(ctx context.Context, id string) (*Campaign, error)
	// UpdateReview writes c if the stored version is c.Version-1, else
	// returns an error wrapping ErrConflict.
	UpdateReview(ctx context.Context, c *Campaign) error
	// ReviewItems returns every item with its decision and fix.
	ReviewItems(ctx context.Context, id string) ([]Item, error)
	// ReviewItem returns one item (ErrNotFound when absent).
	ReviewItem(ctx context.Context, id string, index int) (*Item, error)
	// PutReviewItems rewrites items (reassignment on escalation).
	PutReviewItems(ctx context.Context, id string, items []Item) error
	// Decide records d for the item once, only while the campaign is
	// open: it returns *DecidedError (ErrAlreadyDone) with the earlier
	// decision, or ErrClosed, and writes nothing then.
	Decide(ctx context.Context, id string, index int, d Decision) error
	// SetDecisionOutcome records the remove request (or why there is
	// none: failure's English text, message id and arguments) of a
	// revoke decision.
	SetDecisionOutcome(ctx context.Context, id string, index int, requestID string, failure approvals.Sentence) error
	// RecordFix records an admin's drift fix once (*FixedError after).
	RecordFix(ctx context.Context, id string, index int, f Fix) error
	// OpenReviews lists the ids of open campaigns.
	OpenReviews(ctx context.Context) ([]string, error)
}

// Notifier delivers review messages. reviewchat implements it over the
// chat Sender.
type Notifier interface {
	// Resolve returns the people an audience names, with platform ids
	// and verified emails; groups are expanded at send time.
	Resolve(ctx context.Context, a approvals.Audience) ([]approvals.Actor, error)
	// SendReview sends each assignee their review pages (and refreshes
	// them when sent before), and the drift report to the admins.
	SendReview(ctx context.Context, c *Campaign, items []Item) error
	// Remind reminds reviewers who have undecided items; pending counts
	// them by Campaign.Reviewers index.
	Remind(ctx context.Context, c *Campaign, pending map[int]int) error
	// Closed posts the summary card to the admins.
	Closed(ctx context.Context, c *Campaign, s Summary) error
}
