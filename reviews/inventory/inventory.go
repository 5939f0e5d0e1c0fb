package inventory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/vendormap"
)

// AdobeUsers is the part of *adobe.Client the adapter reads.
type AdobeUsers interface {
	UsersPage(ctx context.Context, group string, page int) (*adobe.UserPage, error)
}

var _ AdobeUsers = (*adobe.Client)(nil)

// maxPages stops a walk over a server that never says "last page"
// (20 million members at 2000 a page).
const maxPages = 10000

// Adobe reads profile members page by page: ceil(members/2000) reads a
// profile, the fewest UMAPI paging allows (2000 users a page,
// umapi-doc:docs/en/api/getUsersByGroup.md). The client counts each read
// against Adobe's 25 user reads a minute per client in Redis
// (umapi-doc:docs/en/api/partials/throttling.md). When Adobe answers
// 429 with a Retry-After, the same page is read again after the wait,
// up to MaxWait in all; earlier pages are never re-read.
type Adobe struct {
	Client AdobeUsers
	// Resolver maps a configured profile name to the group Adobe lists,
	// with the matching rule check and the workers use; share the
	// process's one. Nil reads the name as configured.
	Resolver *vendormap.Resolver
	// MaxWait bounds the total Retry-After waiting of one profile walk
	// (default 1 h: Adobe's Retry-After runs to tens of minutes,
	// user-sync.py#867).
	MaxWait time.Duration
	// Sleep waits; nil means a ctx-aware timer (tests shorten it).
	Sleep func(ctx context.Context, d time.Duration) error
}

var _ reviews.Adobe = (*Adobe)(nil)

// ProfileMembers implements reviews.Adobe.
func (a *Adobe) ProfileMembers(ctx context.Context, profile string, fn func(reviews.Member) error) error {
	if strings.TrimSpace(profile) == "" {
		return fmt.Errorf("inventory: empty profile name")
	}
	if a.Resolver != nil {
		names, err := a.Resolver.ProfileNames(ctx, []string{profile})
		if err != nil {
			return fmt.Errorf("inventory: profile %q: %w", profile, err)
		}
		profile = names[0]
	}
	maxWait := a.MaxWait
	if maxWait <= 0 {
		maxWait = time.Hour
	}
	sleep := a.Sleep
	if sleep == nil {
		sleep = failure.Sleep
	}
	var waited time.Duration
	for page := 0; page < maxPages; page++ {
		p, err := a.Client.UsersPage(ctx, profile, page)
		var fe *failure.Error
		if errors.As(err, &fe) && fe.Reason == failure.ReasonRateLimited && fe.RetryAfter > 0 && waited+fe.RetryAfter <= maxWait {
			waited += fe.RetryAfter
			if err := sleep(ctx, fe.RetryAfter); err != nil {
				return err
			}
			page-- // read the same page again
			continue
		}
		if err != nil {
			return fmt.Errorf("inventory: members of %q page %d: %w", profile, page, err)
		}
		// Past the end the users endpoints repeat the last page (getUsersWithPage.md).
		if p.Info.Current >= 0 && p.Info.Current < page {
			return nil
		}
		for _, u := range p.Users {
			if err := fn(reviews.Member{Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}); err != nil {
				return err
			}
		}
		if p.LastPage || len(p.Users) == 0 || (p.Info.Count >= 0 && page >= p.Info.Count-1) {
			return nil
		}
	}
	return nil
}

// MarketoDirectory is the part of *marketo.Client the adapter reads.
type MarketoDirectory interface {
	ListUsers(ctx context.Context) ([]marketo.User, error)
	GetUser(ctx context.Context, userID string) (*marketo.User, error)
}

var _ MarketoDirectory = (*marketo.Client)(nil)

// DefaultAdminRoles names the Marketo roles that make a user a Marketo
// admin. The API shows no permissions (mkto-dev:help/rest-api/user-management.md),
// so admin roles are recognised by name; "Admin" is the system role in
// Marketo's samples. UNCONFIRMED for customised subscriptions: set
// Marketo.AdminRoles.
var DefaultAdminRoles = []string{"Admin"}

// Marketo lists every Marketo user with their roles and last login: one
// allusers.json scan (200 a page) plus one user.json read per user, as
// Marketo gives roles and last login only per user. The client paces
// the calls within Marketo's shared 100 calls / 20 s (at half, as Adobe
// advises: mkto-dev:help/rest-api/marketo-integration-best-practices.md).
type Marketo struct {
	Client MarketoDirectory
	// AdminRoles are role names (the vendormap rule: case and spacing
	// aside) that mark Marketo admins; nil means DefaultAdminRoles.
	AdminRoles []string
	// Resolver resolves packages' roles and workspaces; share the
	// process's one. Nil makes one over Client on first use when Client
	// also lists roles and workspaces (*marketo.Client does).
	Resolver *vendormap.Resolver
	// Instance names the Marketo instance Client reads ("" is the
	// default one); roles are resolved on it.
	Instance string

	once sync.Mutex // guards the lazy Resolver
}

var (
	_ reviews.Marketo           = (*Marketo)(nil)
	_ reviews.SubscriptionRoler = (*Marketo)(nil)
)

// Users implements reviews.Marketo.
func (m *Marketo) Users(ctx context.Context) ([]reviews.MarketoUser, error) {
	list, err := m.Client.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("inventory: marketo users: %w", err)
	}
	admin := m.AdminRoles
	if admin == nil {
		admin = DefaultAdminRoles
	}
	out := make([]reviews.MarketoUser, 0, len(list))
	for _, u := range list {
		full, err := m.Client.GetUser(ctx, u.UserID)
		if failure.ReasonOf(err) == failure.ReasonNotFound {
			continue // invited, not accepted yet
		}
		if err != nil {
			return nil, fmt.Errorf("inventory: marketo user %s: %w", u.UserID, err)
		}
		mu := reviews.MarketoUser{Email: strings.ToLower(full.EmailAddress), LastLogin: full.LastLoginAt}
		if mu.Email == "" {
			mu.Email = strings.ToLower(full.UserID)
		}
		for _, r := range full.Roles {
			mu.Roles = append(mu.Roles, reviews.RoleAssignment{RoleID: r.RoleID, RoleName: r.RoleName, WorkspaceID: r.WorkspaceID, WorkspaceName: r.WorkspaceName})
			for _, a := range admin {
				if vendormap.SameName(r.RoleName, a) {
					mu.Admin = true
				}
			}
		}
		out = append(out, mu)
	}
	return out, nil
}

// PackageRole implements reviews.Marketo: the package's role and
// workspace on its instance, resolved with the vendormap rule (a role
// created since the last listing is found; one that does not exist is
// a *vendormap.MatchError).
func (m *Marketo) PackageRole(ctx context.Context, pkg *approvals.Package) (reviews.RoleAssignment, error) {
	res, err := m.resolver()
	if err != nil {
		return reviews.RoleAssignment{}, err
	}
	a, err := res.Marketo(ctx, vendormap.InstanceOf(pkg), pkg.MarketoRole, pkg.MarketoWorkspace)
	if err != nil {
		return reviews.RoleAssignment{}, err
	}
	return reviews.RoleAssignment{RoleID: a.Role.ID, RoleName: a.Role.Name, WorkspaceID: a.Workspace.ID, WorkspaceName: a.Workspace.Name}, nil
}

// SubscriptionRole implements reviews.SubscriptionRoler: one
// subscription's role and workspace on this instance, by the vendormap
// rule.
func (m *Marketo) SubscriptionRole(ctx context.Context, sub approvals.Subscription) (reviews.RoleAssignment, error) {
	res, err := m.resolver()
	if err != nil {
		return reviews.RoleAssignment{}, err
	}
	a, err := res.Marketo(ctx, sub.Instance, sub.Role, sub.Workspace)
	if err != nil {
		return reviews.RoleAssignment{}, err
	}
	return reviews.RoleAssignment{RoleID: a.Role.ID, RoleName: a.Role.Name, WorkspaceID: a.Workspace.ID, WorkspaceName: a.Workspace.Name}, nil
}

func (m *Marketo) resolver() (*vendormap.Resolver, error) {
	m.once.Lock()
	defer m.once.Unlock()
	if m.Resolver == nil {
		lists, ok := m.Client.(vendormap.Lists)
		if !ok {
			return nil, fmt.Errorf("inventory: no resolver for Marketo roles and workspaces")
		}
		m.Resolver = vendormap.New(vendormap.Config{Marketo: map[string]vendormap.Lists{vendormap.InstanceKey(m.Instance): lists}})
	}
	return m.Resolver, nil
}
