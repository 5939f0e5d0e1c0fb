package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/vendormap"
)

// User groups and Marketo Engage profiles in `chataccess check`: every
// user group a package names in group_targets must be a user group of
// the organization, one the bot may change (not shared read-only from
// another organization); every Marketo Engage profile the policy names
// (a package's, a profile's, an instance's) must be a product profile.

// maxGroupProbes caps the testOnly action calls one check makes to ask
// Adobe whether a user group is read-only: action calls are limited to
// 10 a minute per client (umapi-doc:docs/en/api/partials/throttling.md),
// and check uses no shared limiter.
const maxGroupProbes = 5

// groupItem is the ITEM of a user group row.
func groupItem(name string) string { return "user group " + strconv.Quote(name) }

// engageItem is the ITEM of a Marketo Engage profile row.
func engageItem(name string) string { return "engage profile " + strconv.Quote(name) }

// engageRef is a Marketo Engage profile the policy names, and where.
type engageRef struct {
	pkg, name, where string
}

// engageProfiles lists the Marketo Engage profiles of the policy: each
// package's (package level or per profile, per subscription), then each
// instance's (marketo.engage_profile, marketo.instances.<name>.engage_profile),
// each once per package.
func (c *checker) engageProfiles(pol *approvals.Policy) []engageRef {
	var out []engageRef
	seen := map[string]bool{}
	add := func(pkg, name, where string) {
		if k := pkg + "\x00" + vendormap.NameKey(name); name != "" && !seen[k] {
			seen[k] = true
			out = append(out, engageRef{pkg, name, where})
		}
	}
	for _, name := range pol.PackageNames() {
		for _, s := range pol.Packages[name].MarketoSubscriptions() {
			add(name, s.EngageProfile, "subscription "+approvals.InstanceKey(s.Instance))
		}
	}
	add(allPackages, c.engage, "instance "+approvals.DefaultInstance)
	for _, in := range c.instances {
		add(allPackages, in.EngageProfile, "instance "+in.Name)
	}
	return out
}

// skipGroups adds a SKIP row for every group target and Marketo Engage
// profile.
func (c *checker) skipGroups(pol *approvals.Policy, why string) {
	for _, name := range pol.PackageNames() {
		for _, g := range pol.Packages[name].GroupTargets {
			c.add(name, systemAdobe, groupItem(g), statusSkip, why)
		}
	}
	for _, e := range c.engageProfiles(pol) {
		c.add(e.pkg, systemAdobe, engageItem(e.name), statusSkip, why)
	}
}

// checkGroups adds the rows of the group targets and the Marketo Engage
// profiles, from the group listing checkAdobe read, plus one testOnly
// action call per distinct user group (at most maxGroupProbes).
func (c *checker) checkGroups(ctx context.Context, cl *adobe.Client, groups []adobe.Group, pol *approvals.Policy) {
	probed := map[string][2]string{} // NameKey → status, detail
	for _, name := range pol.PackageNames() {
		pkg := pol.Packages[name]
		for _, g := range pkg.GroupTargets {
			k := vendormap.NameKey(g)
			res, ok := probed[k]
			if !ok {
				status, detail := c.groupStatus(ctx, cl, groups, pkg, g, len(probed) < maxGroupProbes)
				res = [2]string{status, detail}
				probed[k] = res
			}
			c.add(name, systemAdobe, groupItem(g), res[0], res[1])
		}
	}
	for _, e := range c.engageProfiles(pol) {
		// Any product: Marketo Engage profiles belong to the Marketo
		// Engage product, which the policy does not name.
		status, detail := statusFail, ""
		if g, err := vendormap.MatchProfile(groups, approvals.ProductProfile{Name: e.name}); err != nil {
			detail = matchDetail(err)
		} else {
			status, detail = seats(g)
		}
		c.add(e.pkg, systemAdobe, engageItem(e.name), status, e.where+": "+detail)
	}
}

// groupStatus finds a group target in the listing and, when probe is
// set, asks Adobe with a testOnly add of the package's profiles whether
// the bot may change it (a user group shared from another organization
// is read-only: error.usergroup.readonly.*).
func (c *checker) groupStatus(ctx context.Context, cl *adobe.Client, groups []adobe.Group, pkg *approvals.Package, name string, probe bool) (status, detail string) {
	var found *adobe.Group
	var other []string
	for i, g := range groups {
		switch {
		case !vendormap.SameName(g.GroupName, name):
		case g.Type == adobe.GroupTypeUserGroup:
			found = &groups[i]
		case g.Type == adobe.GroupTypeProductProfile:
			other = append(other, "a product profile")
		default:
			other = append(other, "a "+g.Type)
		}
	}
	switch {
	case found == nil && len(other) > 0:
		return statusFail, "the group of this name is " + strings.Join(other, "; ") + ", not a user group"
	case found == nil:
		return statusFail, "no user group of this name in the Admin Console"
	case adobe.IsAdminGroupName(found.GroupName):
		return statusFail, "an admin group, not a user group"
	}
	members := "user group, " + memberCount(found.MemberCount)
	var profiles []string
	for _, p := range pkg.Profiles {
		if g, err := vendormap.MatchProfile(groups, profileOf(p)); err == nil {
			profiles = append(profiles, g.GroupName)
		}
	}
	switch {
	case len(profiles) == 0:
		return statusOK, members + "; whether it is read-only is not checked (none of the package's profiles exists)"
	case !probe:
		return statusOK, members + fmt.Sprintf("; whether it is read-only is not checked (check asks Adobe about %d groups a run)", maxGroupProbes)
	}
	_, err := cl.ChangeUserGroup(ctx, adobe.GroupChange{Group: found.GroupName, AddProfiles: profiles}, true)
	var ae *failure.Error
	switch {
	case err == nil:
		return statusOK, members + "; Adobe accepts giving it the package's profiles (testOnly)"
	case errors.As(err, &ae) && (strings.HasPrefix(ae.Code, "error.usergroup.") || ae.Reason == failure.ReasonInvalid):
		return statusFail, adobeDetail(err)
	}
	return statusWarn, members + "; whether it is read-only could not be asked: " + adobeDetail(err)
}

// profileOf is p with an unset product read as Dynamic Chat, as in the
// policy file.
func profileOf(p approvals.ProductProfile) approvals.ProductProfile {
	if p.Product == "" {
		p.Product = adobe.DefaultProductName
	}
	return p
}
