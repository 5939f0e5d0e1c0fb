package approvals

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A user group as the target: the Admin Console gives a product profile
// to a user group, and everyone in it holds the profile
// (umapi-doc:docs/en/api/usergroupActionCommands.md). A request for a
// group names it in Target.Group; its Target.Email is GroupKey(group),
// so the ledger keys its grant, its open requests and its index entries
// like a person's, and no email can collide with it (emails have no
// "group:" prefix).

// groupPrefix starts every group target's key.
const groupPrefix = "group:"

// GroupKey is the ledger key of a user group target: "group:" and the
// name trimmed, each run of spaces one space, lower case.
func GroupKey(name string) string {
	return groupPrefix + strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// IsGroupKey says whether a ledger key names a user group.
func IsGroupKey(key string) bool { return strings.HasPrefix(key, groupPrefix) }

// IsGroup says whether the target is a user group.
func (t Target) IsGroup() bool { return t.Group != "" }

// Label is how the target is named to people: the email, or the group.
func (t Target) Label() string {
	if t.IsGroup() {
		return "user group " + t.Group
	}
	return t.Email
}

// ErrGroupTarget says a user group cannot be the target of the request.
var ErrGroupTarget = fmt.Errorf("user group target refused")

// GroupTargetError says which group and why.
type GroupTargetError struct {
	Group   string
	Package string
	// Why is the sentence for people.
	Why string
	// Key and Args are Why's message id and arguments (see Sentence);
	// Key is "" when Why has none and readers see it in English.
	Key  string
	Args map[string]string
}

func (e *GroupTargetError) Error() string { return e.Why }

// Human is the sentence for people.
func (e *GroupTargetError) Human() string { return e.Why }

// Is makes errors.Is(err, ErrGroupTarget) true.
func (e *GroupTargetError) Is(target error) bool { return target == ErrGroupTarget }

// isAdminGroup says whether a name is an Admin Console admin group's
// (_org_admin, _admin_…, _product_admin_…, _developer_…): never a user
// group (umapi-doc:docs/en/api/ActionsCmds.md, group.md).
func isAdminGroup(name string) bool {
	k := strings.ToLower(strings.TrimSpace(name))
	switch k {
	case "_org_admin", "_support_admin", "_deployment_admin", "_compartment_admin", "_compartment_viewer":
		return true
	}
	return strings.HasPrefix(k, "_admin_") || strings.HasPrefix(k, "_product_admin_") || strings.HasPrefix(k, "_developer_")
}

// groupTarget checks a group target against the package and returns it
// with its ledger key. Errors are *GroupTargetError.
func groupTarget(pkg *Package, t Target) (Target, error) {
	name := strings.Join(strings.Fields(t.Group), " ")
	// Each refusal keeps its message id, so the requester reads it in
	// their language.
	args := map[string]string{"Group": fmt.Sprintf("%q", name), "Package": pkg.Name}
	refuse := func(key, format string, a ...any) (Target, error) {
		return Target{}, &GroupTargetError{Group: name, Package: pkg.Name, Why: fmt.Sprintf(format, a...), Key: key, Args: args}
	}
	switch {
	case name == "":
		return refuse("grouptarget.unnamed", "Name the user group.")
	case len(name) > 255:
		return refuse("grouptarget.too_long", "A user group name has at most 255 characters.")
	case HasInvisible(name):
		r, _ := InvisibleRune(name)
		ge := &GroupTargetError{Group: name, Package: pkg.Name, Key: "targetgroup.invisible",
			Args: map[string]string{"Name": strconv.Quote(name), "Char": fmt.Sprintf("%U", r)},
			Why:  fmt.Sprintf("The user group name %s contains an invisible character (%U) that approvers could not see. Type the name again without it.", strconv.Quote(name), r)}
		return Target{}, ge
	case isAdminGroup(name):
		return refuse("grouptarget.admin_group", "%q is an Admin Console admin group, not a user group; name a user group.", name)
	case !pkg.AllowGroupTargets:
		return refuse("grouptarget.people_only", "Package %s is granted to people only, not to user groups (allow_group_targets is off).", pkg.Name)
	case len(pkg.GroupTargets) > 0 && !slices.ContainsFunc(pkg.GroupTargets, func(g string) bool { return GroupKey(g) == GroupKey(name) }):
		args["Allowed"] = quoteNames(pkg.GroupTargets)
		return refuse("grouptarget.not_allowed", "Package %s may be granted to user groups %s only, not to %q.", pkg.Name, quoteNames(pkg.GroupTargets), name)
	}
	return Target{Group: name, Email: GroupKey(name)}, nil
}

// InvisibleRune returns the first character of s that people cannot
// see and that would make one name look like another: a control or
// format character (Unicode Cc, Cf: zero-width spaces and joiners, bidi
// controls, the byte order mark), a Hangul filler, or a byte that is
// not UTF-8 (utf8.RuneError). Spaces are not among them.
func InvisibleRune(s string) (rune, bool) {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return r, true
			}
		case unicode.IsSpace(r):
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r),
			r == '\u115f', r == '\u1160', r == '\u3164', r == '\uffa0':
			return r, true
		}
	}
	return 0, false
}

// HasInvisible says whether s holds a character InvisibleRune reports.
func HasInvisible(s string) bool {
	_, ok := InvisibleRune(s)
	return ok
}

func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// target validates a request's target: a user group (groupTarget), or a
// person by email with their names cleaned.
func (s *Service) target(pkg *Package, t Target) (Target, error) {
	if t.IsGroup() || IsGroupKey(strings.TrimSpace(t.Email)) {
		if !t.IsGroup() {
			t.Group = strings.TrimPrefix(strings.TrimSpace(t.Email), groupPrefix)
		}
		return groupTarget(pkg, t)
	}
	email, err := ParseEmail(t.Email)
	if err != nil {
		return Target{}, err
	}
	return Target{Email: email, FirstName: CleanName(t.FirstName), LastName: CleanName(t.LastName), PlatformID: t.PlatformID,
		Platform: t.Platform}, nil
}
