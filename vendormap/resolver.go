package vendormap

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/marketo"
)

// DefaultInstance names today's single Marketo instance; "" names it too.
const DefaultInstance = "default"

// InstanceKey is the key of a Marketo instance name: trimmed, lower
// case, with "" meaning DefaultInstance.
func InstanceKey(name string) string {
	if k := NameKey(name); k != "" {
		return k
	}
	return DefaultInstance
}

// InstanceOf names the Marketo instance of a package's first
// subscription (approvals.Package.MarketoSubscriptions): the one its
// role lives in when it is on one subscription. A package on several
// has one role per subscription; resolve each with Marketo(sub.Instance,
// sub.Role, sub.Workspace).
func InstanceOf(pkg *approvals.Package) string {
	if pkg == nil {
		return DefaultInstance
	}
	return InstanceKey(pkg.MarketoSubscriptions()[0].Instance)
}

// Defaults of Config.
const (
	// DefaultTTL is how long a listing answers lookups that find what
	// they look for. A lookup that does not is answered by a new read
	// whatever the age, so the TTL only bounds how long a renamed or
	// deleted object is still used before the vendor contradicts it.
	DefaultTTL = 10 * time.Minute
	// DefaultMaxItems bounds each kept listing; a longer one answers the
	// lookups waiting for it and is not kept.
	DefaultMaxItems = 10000
)

// Groups is the part of *adobe.Client the resolver reads: every group
// of the organization, page by page (400 a page, 5 reads a minute per
// client: umapi-doc:docs/en/api/group.md).
type Groups interface {
	EachGroup(ctx context.Context, fn func(adobe.Group) error) error
}

// Lists is the part of *marketo.Client the resolver reads for one
// instance: roles.json and workspaces.json, one call each.
type Lists interface {
	ListRoles(ctx context.Context) ([]marketo.Role, error)
	ListWorkspaces(ctx context.Context) ([]marketo.Workspace, error)
}

var (
	_ Groups = (*adobe.Client)(nil)
	_ Lists  = (*marketo.Client)(nil)
)

// Config is what New needs.
type Config struct {
	// Adobe lists the organization's groups; nil makes profile lookups
	// fail.
	Adobe Groups
	// Marketo lists roles and workspaces by instance name; "" and
	// "default" are the same instance.
	Marketo map[string]Lists
	// TTL and MaxItems bound every kept listing (DefaultTTL,
	// DefaultMaxItems when zero).
	TTL      time.Duration
	MaxItems int
	// Now tells the time for the TTL; nil means time.Now.
	Now func() time.Time
}

// Resolver resolves packages to vendor objects with the one matching
// rule, keeping listings under the refresh rule of the package doc. It is
// safe for concurrent use; share one per process.
type Resolver struct {
	groups  *listing[adobe.Group]
	marketo map[string]*instance
}

// instance is one Marketo instance's listings.
type instance struct {
	roles      *listing[marketo.Role]
	workspaces *listing[marketo.Workspace]
}

// New returns a Resolver over cfg's clients.
func New(cfg Config) *Resolver {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.MaxItems <= 0 {
		cfg.MaxItems = DefaultMaxItems
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Resolver{marketo: map[string]*instance{}}
	if cfg.Adobe != nil {
		a := cfg.Adobe
		r.groups = newListing(cfg, func(ctx context.Context) ([]adobe.Group, error) {
			var gs []adobe.Group
			err := a.EachGroup(ctx, func(g adobe.Group) error {
				gs = append(gs, g)
				return nil
			})
			return gs, err
		})
	}
	for name, m := range cfg.Marketo {
		if m == nil {
			continue
		}
		r.marketo[InstanceKey(name)] = &instance{
			roles:      newListing(cfg, m.ListRoles),
			workspaces: newListing(cfg, m.ListWorkspaces),
		}
	}
	return r
}

func newListing[T any](cfg Config, read func(context.Context) ([]T, error)) *listing[T] {
	return &listing[T]{read: read, now: cfg.Now, ttl: cfg.TTL, maxItems: cfg.MaxItems}
}

// Assignment is a package's Marketo side, resolved.
type Assignment struct {
	// Instance is the instance key (DefaultInstance today).
	Instance  string
	Role      marketo.Role
	Workspace marketo.Workspace
}

// Target is everything a package maps to.
type Target struct {
	// Profiles are the Admin Console groups, in the package's order.
	Profiles []adobe.Group
	// Marketo is nil when the package names no Marketo role.
	Marketo *Assignment
}

// HasRole reports whether a package names a Marketo role at all.
func HasRole(pkg *approvals.Package) bool {
	return pkg.MarketoRole.ID != 0 || NameKey(pkg.MarketoRole.Name) != ""
}

// Package resolves all of pkg: its profiles, and its Marketo instance,
// role and workspace when it names a role. Errors are the first
// *MatchError, or the vendor's error when a listing cannot be read.
func (r *Resolver) Package(ctx context.Context, pkg *approvals.Package) (*Target, error) {
	gs, err := r.Profiles(ctx, pkg.Profiles)
	if err != nil {
		return nil, err
	}
	t := &Target{Profiles: gs}
	if HasRole(pkg) {
		a, err := r.Marketo(ctx, InstanceOf(pkg), pkg.MarketoRole, pkg.MarketoWorkspace)
		if err != nil {
			return nil, err
		}
		t.Marketo = &a
	}
	return t, nil
}

// Profiles resolves product profiles to the organization's groups, in
// order. Errors: *MatchError for the first profile that does not
// resolve (from a listing read after the call began), or the listing's
// read error.
func (r *Resolver) Profiles(ctx context.Context, want []approvals.ProductProfile) ([]adobe.Group, error) {
	if r.groups == nil {
		return nil, fmt.Errorf("vendormap: no Admin Console client to resolve profiles with")
	}
	return lookup(ctx, r.groups, func(gs []adobe.Group) ([]adobe.Group, error) {
		out := make([]adobe.Group, 0, len(want))
		for _, p := range want {
			g, err := MatchProfile(gs, p)
			if err != nil {
				return nil, err
			}
			out = append(out, g)
		}
		return out, nil
	})
}

// ProfileNames resolves profile names (of any product) to the names
// Adobe gives them, in order; errors as Profiles'.
func (r *Resolver) ProfileNames(ctx context.Context, names []string) ([]string, error) {
	want := make([]approvals.ProductProfile, len(names))
	for i, n := range names {
		want[i] = approvals.ProductProfile{Name: n}
	}
	gs, err := r.Profiles(ctx, want)
	if err != nil {
		return nil, err
	}
	return groupNames(gs), nil
}

// AllProfiles lists every product profile of product (productName
// contains it under NameKey) from a listing read after the call began:
// a removal from "all profiles" must not miss one created a minute ago.
func (r *Resolver) AllProfiles(ctx context.Context, product string) ([]string, error) {
	if r.groups == nil {
		return nil, fmt.Errorf("vendormap: no Admin Console client to list profiles with")
	}
	return fresh(ctx, r.groups, func(gs []adobe.Group) ([]string, error) {
		var out []string
		for _, g := range gs {
			if g.Type == adobe.GroupTypeProductProfile && strings.Contains(NameKey(g.ProductName), NameKey(product)) {
				out = append(out, g.GroupName)
			}
		}
		return out, nil
	})
}

// Marketo resolves a role and workspace on a Marketo instance ("" is the
// default one). Errors: *MatchError (from listings read after the call
// began), or a listing's read error.
func (r *Resolver) Marketo(ctx context.Context, instanceName string, role, ws approvals.MarketoRef) (Assignment, error) {
	key := InstanceKey(instanceName)
	in, ok := r.marketo[key]
	if !ok {
		return Assignment{}, &MatchError{Kind: KindInstance, Ref: fmt.Sprintf("%q", key), Problem: ProblemNotFound,
			Detail:    fmt.Sprintf("no Marketo instance named %q is configured (known: %s)", key, strings.Join(r.instances(), ", ")),
			DetailKey: "vendormap.no_instance", DetailArgs: map[string]string{"Instance": strconv.Quote(key), "Known": strings.Join(r.instances(), ", ")}}
	}
	w, err := lookup(ctx, in.workspaces, func(l []marketo.Workspace) (marketo.Workspace, error) { return MatchWorkspace(l, ws) })
	if err != nil {
		return Assignment{}, err
	}
	ro, err := lookup(ctx, in.roles, func(l []marketo.Role) (marketo.Role, error) {
		ro, err := MatchRole(l, role)
		if err == nil {
			err = CheckAssignment(ro, w)
		}
		return ro, err
	})
	if err != nil {
		return Assignment{}, err
	}
	return Assignment{Instance: key, Role: ro, Workspace: w}, nil
}

// ForgetMarketo drops the kept listings of an instance.
func (r *Resolver) ForgetMarketo(instanceName string) {
	if in, ok := r.marketo[InstanceKey(instanceName)]; ok {
		in.roles.drop()
		in.workspaces.drop()
	}
}

// ForgetProfiles drops the kept group listing.
func (r *Resolver) ForgetProfiles() {
	if r.groups != nil {
		r.groups.drop()
	}
}

func (r *Resolver) instances() []string {
	names := make([]string, 0, len(r.marketo))
	for n := range r.marketo {
		names = append(names, fmt.Sprintf("%q", n))
	}
	slices.Sort(names)
	return names
}

func groupNames(gs []adobe.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.GroupName
	}
	return out
}

// UserGroups returns the organization's user groups by NameKey, from the
// kept group listing (read when none is kept): their memberCount tells
// which groups hold a profile (reviews/inventory).
func (r *Resolver) UserGroups(ctx context.Context) (map[string]adobe.Group, error) {
	if r.groups == nil {
		return nil, fmt.Errorf("vendormap: no Admin Console client to list user groups with")
	}
	return lookup(ctx, r.groups, func(gs []adobe.Group) (map[string]adobe.Group, error) {
		out := map[string]adobe.Group{}
		for _, g := range gs {
			if g.Type == adobe.GroupTypeUserGroup {
				out[NameKey(g.GroupName)] = g
			}
		}
		return out, nil
	})
}
