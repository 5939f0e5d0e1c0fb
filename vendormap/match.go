package vendormap

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/marketo"
)

// DefaultWorkspace is the workspace of a package that names none:
// Marketo's initial workspace, where a user added through the Admin
// Console gets "Standard User"
// (mkto-docs:…/marketo-with-adobe-identity/add-or-remove-a-user.md).
const DefaultWorkspace = "Default"

// AllZonesID is the system workspace "AllZones", which workspaces.json
// does not list (id 0 in the user management samples).
const AllZonesID = 0

// NameKey is the form in which every name is compared: surrounding
// white space trimmed, every inner run of white space made one space,
// lower case. " DC  Agent" and "dc agent" have the same key.
func NameKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// SameName reports whether a and b are the same name under NameKey.
func SameName(a, b string) bool { return NameKey(a) == NameKey(b) }

// MatchProfile finds the configured product profile among the groups of
// the organization (GET /groups pages): the one group whose name is the
// same under NameKey, of type PRODUCT_PROFILE, whose productName contains
// p.Product (same rule; an empty Product accepts any product). Errors are
// *MatchError: ErrNotFound, ErrWrongKind (a user group, or a profile of
// another product, has the name), ErrAmbiguous.
func MatchProfile(groups []adobe.Group, p approvals.ProductProfile) (adobe.Group, error) {
	ref := strconv.Quote(strings.TrimSpace(p.Name))
	if NameKey(p.Name) == "" {
		return adobe.Group{}, &MatchError{Kind: KindProfile, Ref: ref, Problem: ProblemUnset, Detail: "the package names an empty product profile",
			DetailKey: "vendormap.detail.unset_profile"}
	}
	var fit []adobe.Group
	var other []string
	var otherSay []map[string]string
	for _, g := range groups {
		if !SameName(g.GroupName, p.Name) {
			continue
		}
		switch {
		case g.Type != adobe.GroupTypeProductProfile:
			other = append(other, fmt.Sprintf("a %s, not a product profile", g.Type))
			otherSay = append(otherSay, map[string]string{"OtherKey": "vendormap.detail.not_profile", "Other.Type": g.Type})
		case p.Product != "" && !strings.Contains(NameKey(g.ProductName), NameKey(p.Product)):
			other = append(other, fmt.Sprintf("a profile of %q, not of %q", g.ProductName, p.Product))
			otherSay = append(otherSay, map[string]string{"OtherKey": "vendormap.detail.other_product",
				"Other.Product": strconv.Quote(g.ProductName), "Other.Want": strconv.Quote(p.Product)})
		default:
			fit = append(fit, g)
		}
	}
	switch {
	case len(fit) == 1:
		return fit[0], nil
	case len(fit) > 1:
		return adobe.Group{}, &MatchError{Kind: KindProfile, Ref: ref, Problem: ProblemAmbiguous,
			Detail:    fmt.Sprintf("%d product profiles are named %s", len(fit), ref),
			DetailKey: "vendormap.detail.ambiguous_profile", DetailArgs: map[string]string{"Count": strconv.Itoa(len(fit)), "Name": ref}}
	case len(other) > 0:
		args := map[string]string{"Other": strings.Join(other, "; ")}
		if len(other) == 1 {
			maps.Copy(args, otherSay[0])
		}
		return adobe.Group{}, &MatchError{Kind: KindProfile, Ref: ref, Problem: ProblemWrongKind,
			Detail: "the group of this name is " + strings.Join(other, "; "), DetailKey: "vendormap.detail.wrong_kind", DetailArgs: args}
	}
	product := "product"
	if p.Product != "" {
		product = p.Product + " product"
	}
	return adobe.Group{}, &MatchError{Kind: KindProfile, Ref: ref, Problem: ProblemNotFound,
		Detail: fmt.Sprintf("no %s profile of this name in the Admin Console", product)}
}

// object is a role or workspace as the rule sees it.
type object struct {
	id   int
	name string
}

// MatchRole finds the configured role among roles.json: by id when the
// policy gives one (and then a configured name must be the same under
// NameKey), else by name. Errors are *MatchError: ErrUnset, ErrNotFound,
// ErrMismatch, ErrAmbiguous.
func MatchRole(roles []marketo.Role, ref approvals.MarketoRef) (marketo.Role, error) {
	objs := make([]object, len(roles))
	for i, r := range roles {
		objs[i] = object{r.ID, r.Name}
	}
	i, err := match(KindRole, objs, ref)
	if err != nil {
		return marketo.Role{}, err
	}
	return roles[i], nil
}

// MatchWorkspace finds the configured workspace among workspaces.json
// plus AllZones (id 0, never listed). A reference with neither id nor
// name means DefaultWorkspace. Errors as MatchRole's.
func MatchWorkspace(list []marketo.Workspace, ref approvals.MarketoRef) (marketo.Workspace, error) {
	if ref.ID == 0 && NameKey(ref.Name) == "" {
		ref.Name = DefaultWorkspace
	}
	all := list
	if !slices.ContainsFunc(list, func(w marketo.Workspace) bool { return w.ID == AllZonesID }) {
		all = append([]marketo.Workspace{{ID: AllZonesID, Name: marketo.AllZonesName, Status: "active"}}, list...)
	}
	objs := make([]object, len(all))
	for i, w := range all {
		objs[i] = object{w.ID, w.Name}
	}
	i, err := match(KindWorkspace, objs, ref)
	if err != nil {
		return marketo.Workspace{}, err
	}
	return all[i], nil
}

// CheckAssignment says whether Marketo can assign role in ws: a role
// marked onlyAllZones fits only AllZones (ErrAllZonesOnly).
func CheckAssignment(role marketo.Role, ws marketo.Workspace) error {
	if role.OnlyAllZones && ws.ID != AllZonesID {
		return &MatchError{Kind: KindRole, Ref: refString(role.ID, role.Name), Problem: ProblemAllZonesOnly,
			Detail:     fmt.Sprintf("role id %d can only be assigned in %s, but the package's workspace is %s", role.ID, marketo.AllZonesName, ws.Name),
			DetailKey:  "vendormap.detail.all_zones_only",
			DetailArgs: map[string]string{"ID": strconv.Itoa(role.ID), "AllZones": marketo.AllZonesName, "Workspace": ws.Name}}
	}
	return nil
}

// match applies the rule to one listing and returns the index found.
func match(kind Kind, objs []object, ref approvals.MarketoRef) (int, error) {
	name := strings.TrimSpace(ref.Name)
	fail := func(p Problem, keys [2]string, say map[string]string, format string, args ...any) (int, error) {
		key := ""
		switch kind {
		case KindRole:
			key = keys[0]
		case KindWorkspace:
			key = keys[1]
		}
		return -1, &MatchError{Kind: kind, Ref: refString(ref.ID, name), Problem: p, Detail: fmt.Sprintf(format, args...), DetailKey: key, DetailArgs: say}
	}
	id := strconv.Itoa(ref.ID)
	if ref.ID != 0 {
		i := slices.IndexFunc(objs, func(o object) bool { return o.id == ref.ID })
		switch {
		case i < 0:
			return fail(ProblemNotFound, [2]string{"vendormap.detail.no_id.role", "vendormap.detail.no_id.workspace"}, map[string]string{"ID": id}, "no Marketo %s has id %d", kind, ref.ID)
		case name != "" && !SameName(objs[i].name, name):
			return fail(ProblemMismatch, [2]string{"vendormap.detail.mismatch.role", "vendormap.detail.mismatch.workspace"}, map[string]string{"ID": id, "Name": strconv.Quote(objs[i].name), "Want": strconv.Quote(name)},
				"%s id %d is named %q, not %q", kind, ref.ID, objs[i].name, name)
		}
		return i, nil
	}
	if NameKey(name) == "" {
		return fail(ProblemUnset, [2]string{"vendormap.detail.unset.role", "vendormap.detail.unset.workspace"}, nil, "the package names no Marketo %s", kind)
	}
	var found []int
	for i, o := range objs {
		if SameName(o.name, name) {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return fail(ProblemNotFound, [2]string{}, nil, "no Marketo %s is named %q (known: %s)", kind, name, knownNames(objs))
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for j, i := range found {
		ids[j] = strconv.Itoa(objs[i].id)
	}
	return fail(ProblemAmbiguous, [2]string{"vendormap.detail.ambiguous.role", "vendormap.detail.ambiguous.workspace"}, map[string]string{"Count": strconv.Itoa(len(found)), "Name": strconv.Quote(name), "IDs": strings.Join(ids, ", ")},
		"%d %ss are named %q (ids %s); set its id in the policy", len(found), kind, name, strings.Join(ids, ", "))
}

// knownNames lists up to eight names, to help spot a typo.
func knownNames(objs []object) string {
	const most = 8
	var names []string
	for _, o := range objs[:min(len(objs), most)] {
		names = append(names, strconv.Quote(o.name))
	}
	if len(objs) > most {
		names = append(names, fmt.Sprintf("and %d more", len(objs)-most))
	}
	return cmp.Or(strings.Join(names, ", "), "none")
}
