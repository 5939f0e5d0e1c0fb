package approvals

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Policy is the validated access policy the Service enforces: which
// packages exist, who may request them, who decides, and the limits on
// durations. It is built once at start from the config file and never
// changes while the process runs.
type Policy struct {
	// Packages by name. Requests always name a package, never a raw
	// Admin Console profile or Marketo role.
	Packages map[string]*Package
	// Requesters may submit requests. An empty audience with Everyone
	// set lets every workspace member request.
	Requesters Audience
	// Admins may cancel or retry any request and start reviews.
	Admins Audience
	// MaxJustification bounds the justification length in runes.
	MaxJustification int
}

// DefaultMaxJustification is used when the policy does not set one.
const DefaultMaxJustification = 500

// DefaultApprovalTimeout is how long a request waits for decisions when
// its package does not say.
const DefaultApprovalTimeout = 72 * time.Hour

// Package returns the named package or ErrUnknownPackage.
func (p *Policy) Package(name string) (*Package, error) {
	pkg, ok := p.Packages[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, &UnknownPackageError{Name: name, Known: p.PackageNames()}
	}
	return pkg, nil
}

// PackageNames lists the package names in sorted order.
func (p *Policy) PackageNames() []string {
	names := make([]string, 0, len(p.Packages))
	for n := range p.Packages {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Package is a named bundle of access: one or more Admin Console product
// profiles plus one Marketo role in one workspace.
type Package struct {
	Name        string
	Description string
	// Profiles are the Admin Console product profiles, by name. Several
	// subscriptions mean several profiles.
	Profiles []ProductProfile
	// MarketoRole is the role carrying "Access Dynamic Chat" that the bot
	// assigns. The bot never edits role permissions.
	MarketoRole      MarketoRef
	MarketoWorkspace MarketoRef
	// Subscriptions are the Marketo subscriptions the package reaches
	// when the policy names them (profiles[].subscription); empty means
	// one, on DefaultInstance. Read them with MarketoSubscriptions.
	Subscriptions []Subscription

	Approvers    Audience
	MinApprovals int
	// AllowSelfApproval lets a requester approve their own request. Off
	// by default (four-eyes).
	AllowSelfApproval bool
	AutoApprove       AutoApprove

	// DefaultDuration applies when a request names none. Zero means
	// permanent.
	DefaultDuration time.Duration
	// MaxDuration caps requested durations. Zero means no cap.
	MaxDuration time.Duration
	// AllowPermanent says whether a request may have no end. When false
	// every grant of this package is time-bound.
	AllowPermanent bool

	ApprovalTimeout  time.Duration
	ReminderInterval time.Duration

	// Identity is the Adobe identity type used when the user must be
	// created in the Admin Console.
	Identity Identity

	// ApprovalChannels get the approval card, one per platform at most
	// (Slack C…/G…). DMApprovers also sends a copy to every approver.
	ApprovalChannels []PlatformID
	DMApprovers      bool

	// DryRun makes every change a UMAPI testOnly call and skips Marketo
	// writes.
	DryRun bool
	// OnPartialFailure says what happens when a later provisioning step
	// fails for good after an earlier one succeeded.
	OnPartialFailure Compensation
	// RemoveFromAllProfiles makes removals take the user out of every
	// Dynamic Chat profile, not only this package's.
	RemoveFromAllProfiles bool
	// Seats says what an add over a profile's licence quota does: warn
	// the approvers (default) or refuse it.
	Seats SeatRule
	// AllowGroupTargets lets a request name an Admin Console user group
	// as the target; GroupTargets, when set, are the only groups allowed.
	AllowGroupTargets bool
	GroupTargets      []string
}

// ProductProfile names an Admin Console product profile.
type ProductProfile struct {
	Name string
	// Product is the product name shown in the Admin Console, e.g.
	// "Dynamic Chat". Informational; used by checks and cards.
	Product string
	// Subscription names the Marketo instance of the profile's
	// subscription; "" is DefaultInstance.
	Subscription string
}

// MarketoRef points at a Marketo role or workspace by id, name or both.
type MarketoRef struct {
	ID   int
	Name string
}

// String renders the reference for people: the name, else "#id".
func (r MarketoRef) String() string {
	switch {
	case r.Name != "" && r.ID != 0:
		return r.Name + " (#" + strconv.Itoa(r.ID) + ")"
	case r.Name != "":
		return r.Name
	case r.ID != 0:
		return "#" + strconv.Itoa(r.ID)
	}
	return ""
}

// IdentityType is an Adobe identity type.
type IdentityType string

// Adobe identity types (UMAPI createAdobeID, createEnterpriseID, createFederatedID).
const (
	AdobeID      IdentityType = "adobeID"
	EnterpriseID IdentityType = "enterpriseID"
	FederatedID  IdentityType = "federatedID"
)

// Identity says how a missing user is created in the Admin Console.
type Identity struct {
	Type IdentityType
	// Country is the ISO-3166 code required for federated IDs.
	Country string
}

// Compensation is what the saga does when a later step fails for good.
type Compensation string

// Compensation choices.
const (
	CompensateRollback Compensation = "rollback"
	CompensateAlert    Compensation = "alert"
)

// AutoApprove lists when a request needs no human decision.
type AutoApprove struct {
	// Removals auto-approves every remove request of the package.
	Removals bool
	// Requesters whose add requests are approved without a decision.
	Requesters Audience
}
