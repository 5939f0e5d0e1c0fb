package adobefake

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// User groups, as UMAPI's user-group root manages them
// (umapi-doc:docs/en/api/usergroupActionCommands.md): a group has two
// membership lists, its users and the product profiles it holds, and
// every user in it holds those profiles. A user-group command entry is
// {"usergroup": name, "requestID": …, "do": [{"add"|"remove":
// {"user": [...], "productConfiguration": [...]}}]}.
//
// What the emulator refuses, and so what changes nothing:
//   - a group that does not exist, or is not a user group (a product
//     profile, an admin group such as _org_admin, _admin_…,
//     _product_admin_…): error.usergroup.not_found. Adobe's code for a
//     name of the wrong kind is UNCONFIRMED;
//   - a user group shared from another organization (read-only there):
//     error.usergroup.readonly.add_user_not_allowed /
//     remove_user_not_allowed (documented, partials/badRequest.md), and
//     error.usergroup.readonly.update_not_allowed for a product profile
//     change. Whether Adobe lets the receiving organization change a
//     shared group's profiles is UNCONFIRMED; the emulator is the
//     stricter of the two;
//   - users who do not exist (error.user.nonexistent), profiles that do
//     not exist or are not product profiles (error.group.not_found);
//   - more than 10 names in one list (list_too_long), an empty or
//     missing list (error.usergroup.command.missing.arguments), an
//     unknown key (error.command.add_remove.key.unknown);
//   - adding a profile to a group of more than 200,000 users
//     (error.usergroup.exceeds_maximum_member_count: "you cannot use the
//     add command if the user-group has more than 200,000 users");
//   - createUserGroup, updateUserGroup, deleteUserGroup: not emulated
//     (error.command.step.unknown).
//
// Every step of an entry is checked before any of them runs.

// Limits of the user-group root (usergroupActionCommands.md).
const (
	maxGroupListLen      = 10
	maxGroupMembersToAdd = 200000
)

// Group types the emulator lists (group.md).
const (
	typeProfile      = "PRODUCT_PROFILE"
	typeUserGroup    = "USER_GROUP"
	typeOrgAdmin     = "SYSADMIN_GROUP"
	typeProductAdmin = "PRODUCT_ADMIN_GROUP"
	typeProfileAdmin = "PROFILE_ADMIN_GROUP"
	typeUserAdmin    = "USER_ADMIN_GROUP"
)

// groupStep is one parsed add or remove of a user-group command.
type groupStep struct {
	add      bool
	users    []string
	profiles []string
}

// runGroupCommand validates then runs one user-group entry. Caller holds mu.
func (s *Server) runGroupCommand(i int, entry map[string]json.RawMessage, reqID string, testOnly bool) ([]Change, *cmdError) {
	var name string
	if json.Unmarshal(entry["usergroup"], &name) != nil || name == "" {
		return nil, &cmdError{Index: i, RequestID: reqID, ErrorCode: "error.command.string_expected", Message: "usergroup must be a string"}
	}
	fail := func(j int, code, msg string) *cmdError {
		return &cmdError{Index: i, Step: j, RequestID: reqID, User: name, ErrorCode: code, Message: msg}
	}
	if _, ok := entry["user"]; ok {
		return nil, fail(0, "error.command.illegal_entry", "A command has either a user or a usergroup")
	}
	var raw []json.RawMessage
	if json.Unmarshal(entry["do"], &raw) != nil || raw == nil {
		return nil, fail(0, "error.command.steps.malformed", "The value of do must be a JSON array")
	}
	if len(raw) > s.opts.MaxStepsPerCommand {
		return nil, fail(0, "error.command.add_remove.list_too_long", "Too many steps in a command")
	}
	g := s.groups[strings.ToLower(name)]
	if g == nil || g.typ != typeUserGroup {
		return nil, fail(0, "error.usergroup.not_found", "User group not found: "+name)
	}
	steps := make([]groupStep, len(raw))
	for j, rs := range raw {
		st, code, msg := parseGroupStep(rs)
		if code == "" {
			code, msg = s.checkGroupStep(g, st)
		}
		if code != "" {
			return nil, fail(j, code, msg)
		}
		steps[j] = st
	}
	if testOnly {
		return nil, nil
	}
	var changes []Change
	for _, st := range steps {
		changes = append(changes, s.applyGroupStep(g, st, reqID)...)
	}
	return changes, nil
}

// parseGroupStep reads {"add"|"remove": {"user": [...], "productConfiguration": [...]}}.
func parseGroupStep(raw json.RawMessage) (st groupStep, code, msg string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) != 1 {
		return st, "error.command.illegal_entry", "Each step must be an object with one key"
	}
	var body json.RawMessage
	for k, v := range m {
		switch k {
		case "add", "remove":
			st.add, body = k == "add", v
		case "createUserGroup", "updateUserGroup", "deleteUserGroup":
			return st, "error.command.step.unknown", k + " is not emulated"
		default:
			return st, "error.command.step.unknown", "Unknown step " + k
		}
	}
	var lists map[string]json.RawMessage
	if json.Unmarshal(body, &lists) != nil {
		return st, "error.command.add_remove.list", "The value must be a JSON object"
	}
	for k, v := range lists {
		var names []*string
		if json.Unmarshal(v, &names) != nil {
			return st, "error.command.add_remove.list_not_array", "The " + k + " list must be a JSON array"
		}
		if len(names) > maxGroupListLen {
			return st, "error.command.add_remove.list_too_long", "Too many names in one list (at most 10)"
		}
		var out []string
		for _, n := range names {
			if n == nil || *n == "" {
				return st, "error.usergroup.user_list.invalid", "The " + k + " list contains an empty entry"
			}
			out = append(out, *n)
		}
		switch k {
		case "user":
			st.users = out
		case "productConfiguration", "product": // "product" is deprecated (ActionsCmds.md)
			st.profiles = append(st.profiles, out...)
		default:
			return st, "error.command.add_remove.key.unknown", "Unknown key " + k
		}
	}
	if len(st.users) == 0 && len(st.profiles) == 0 {
		return st, "error.usergroup.command.missing.arguments", "Name users or product profiles"
	}
	return st, "", ""
}

// checkGroupStep checks a step against the state without changing it.
func (s *Server) checkGroupStep(g *group, st groupStep) (code, msg string) {
	if g.readOnly {
		switch {
		case len(st.profiles) > 0:
			return "error.usergroup.readonly.update_not_allowed", "Usergroup is owned by another org and readonly: " + g.name
		case st.add:
			return "error.usergroup.readonly.add_user_not_allowed", "User cannot be added to group as owned by another org and readonly: " + g.name
		default:
			return "error.usergroup.readonly.remove_user_not_allowed", "User cannot be removed from group as owned by another org and readonly: " + g.name
		}
	}
	for _, u := range st.users {
		if s.users[strings.ToLower(u)] == nil {
			return "error.user.nonexistent", "User Id does not exist: " + u
		}
	}
	for _, p := range st.profiles {
		if pg := s.groups[strings.ToLower(p)]; pg == nil || pg.typ != typeProfile {
			return "error.group.not_found", "Group " + p + " was not found"
		}
	}
	if st.add && len(st.profiles) > 0 && len(g.members)+len(st.users) > maxGroupMembersToAdd {
		return "error.usergroup.exceeds_maximum_member_count", "The user group has more than 200000 users"
	}
	return "", ""
}

// applyGroupStep changes state for a checked step. Caller holds mu.
func (s *Server) applyGroupStep(g *group, st groupStep, reqID string) []Change {
	now := s.opts.Now()
	var changes []Change
	op := OpRemove
	if st.add {
		op = OpAdd
	}
	for _, email := range st.users {
		u := s.users[strings.ToLower(email)]
		if st.add == u.groups[strings.ToLower(g.name)] {
			continue
		}
		s.setMember(u, g, st.add)
		changes = append(changes, Change{Time: now, User: u.email, Profile: g.name, Op: op, RequestID: reqID})
	}
	if g.profiles == nil {
		g.profiles = map[string]bool{}
	}
	for _, name := range st.profiles {
		p := s.groups[strings.ToLower(name)]
		key := strings.ToLower(p.name)
		if st.add == g.profiles[key] {
			continue
		}
		if st.add {
			g.profiles[key] = true
		} else {
			delete(g.profiles, key)
		}
		changes = append(changes, Change{Time: now, Profile: p.name, Group: g.name, Op: op, RequestID: reqID})
	}
	return changes
}

func (s *Server) setMember(u *user, g *group, in bool) {
	if in {
		u.groups[strings.ToLower(g.name)] = true
		g.members[strings.ToLower(u.email)] = true
		return
	}
	delete(u.groups, strings.ToLower(g.name))
	delete(g.members, strings.ToLower(u.email))
}

// holds says whether u holds profile p, directly or through a user
// group. Caller holds mu.
func (s *Server) holds(u *user, p *group) bool {
	key := strings.ToLower(p.name)
	if u.groups[key] {
		return true
	}
	for gk := range u.groups {
		if g := s.groups[gk]; g != nil && g.profiles[key] {
			return true
		}
	}
	return false
}

// memberKeys lists the lower-case emails a member listing of g shows:
// its direct members, or for a product profile with direct false
// everyone who holds it (getUsersByGroup.md: directOnly). Caller holds mu.
func (s *Server) memberKeys(g *group, direct bool) []string {
	set := make(map[string]bool, len(g.members))
	for k := range g.members {
		set[k] = true
	}
	if !direct && g.typ == typeProfile {
		key := strings.ToLower(g.name)
		for _, ug := range s.groups {
			if ug.profiles[key] {
				for k := range ug.members {
					set[k] = true
				}
			}
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	return keys
}

// memberCount is a group's memberCount: for a product profile everyone
// who holds it unless Options.MemberCountDirect. Caller holds mu.
func (s *Server) memberCount(g *group) int {
	if g.typ != typeProfile || s.opts.MemberCountDirect {
		return len(g.members)
	}
	return len(s.memberKeys(g, false))
}

// userViewAs renders u; with direct false its groups also list the
// profiles it holds through user groups (partials/directOnlyDescription.md).
func (s *Server) userViewAs(u *user, direct bool) userJSON {
	v := s.userView(u)
	if direct {
		return v
	}
	for _, g := range s.groups {
		if g.typ == typeProfile && !u.groups[strings.ToLower(g.name)] && s.holds(u, g) {
			v.Groups = append(v.Groups, g.name)
		}
	}
	sort.Strings(v.Groups)
	return v
}

// AddSharedUserGroup adds a user group shared from another organization:
// it is listed like any user group, but UMAPI refuses to change it.
func (s *Server) AddSharedUserGroup(name string) {
	s.AddUserGroup(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[strings.ToLower(name)].readOnly = true
}

// AssignProfile gives a user group a product profile (setup: no Change
// is recorded).
func (s *Server) AssignProfile(userGroup, profile string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, p := s.groups[strings.ToLower(userGroup)], s.groups[strings.ToLower(profile)]
	switch {
	case g == nil || g.typ != typeUserGroup:
		return fmt.Errorf("adobefake: no user group %q", userGroup)
	case p == nil || p.typ != typeProfile:
		return fmt.Errorf("adobefake: no product profile %q", profile)
	}
	if g.profiles == nil {
		g.profiles = map[string]bool{}
	}
	g.profiles[strings.ToLower(p.name)] = true
	return nil
}

// AddAdminGroups lists the organization's admin groups the way Adobe
// does (group.md): _org_admin, and for every product profile and user
// group so far its _admin_<name> group, and _product_admin_<product>
// for every product. UMAPI refuses to treat any of them as a user group.
func (s *Server) AddAdminGroups() {
	s.mu.Lock()
	var admins [][2]string
	products := map[string]bool{}
	for _, g := range s.groups {
		switch g.typ {
		case typeProfile:
			admins = append(admins, [2]string{"_admin_" + g.name, typeProfileAdmin})
			products[g.product] = true
		case typeUserGroup:
			admins = append(admins, [2]string{"_admin_" + g.name, typeUserAdmin})
		}
	}
	s.mu.Unlock()
	for p := range products {
		admins = append(admins, [2]string{"_product_admin_" + p, typeProductAdmin})
	}
	admins = append(admins, [2]string{"_org_admin", typeOrgAdmin})
	sort.Slice(admins, func(i, j int) bool { return admins[i][0] < admins[j][0] })
	for _, a := range admins {
		s.addGroup(a[0], a[1], "", 0)
	}
}

// Holds says whether the user holds the product profile, directly or
// through a user group.
func (s *Server) Holds(email, profile string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, p := s.users[strings.ToLower(email)], s.groups[strings.ToLower(profile)]
	return u != nil && p != nil && s.holds(u, p)
}

// Holders returns the sorted emails of everyone who holds profile.
func (s *Server) Holders(profile string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[strings.ToLower(profile)]
	if g == nil {
		return nil
	}
	var out []string
	for _, k := range s.memberKeys(g, false) {
		out = append(out, s.users[k].email)
	}
	sort.Strings(out)
	return out
}

// GroupProfiles returns the sorted names of the product profiles a user
// group holds.
func (s *Server) GroupProfiles(userGroup string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[strings.ToLower(userGroup)]
	if g == nil {
		return nil
	}
	var out []string
	for k := range g.profiles {
		out = append(out, s.groups[k].name)
	}
	sort.Strings(out)
	return out
}

// Seats returns a product profile's seats: used as its memberCount
// (see Options.MemberCountDirect) and its licence quota.
func (s *Server) Seats(profile string) (used, quota int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[strings.ToLower(profile)]
	if g == nil || g.typ != typeProfile {
		return 0, 0, false
	}
	return s.memberCount(g), g.quota, true
}

// SetQuota changes a product profile's licence quota.
func (s *Server) SetQuota(profile string, quota int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[strings.ToLower(profile)]
	if g == nil || g.typ != typeProfile {
		return fmt.Errorf("adobefake: no product profile %q", profile)
	}
	g.quota = quota
	return nil
}

// AddMembers puts many existing users into a group at once (setup, for
// large organizations in benchmarks; no Change is recorded).
func (s *Server) AddMembers(groupName string, emails []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[strings.ToLower(groupName)]
	if g == nil {
		return fmt.Errorf("adobefake: add members: no group %q", groupName)
	}
	for _, e := range emails {
		u := s.users[strings.ToLower(e)]
		if u == nil {
			return fmt.Errorf("adobefake: add members to %q: no user %s", groupName, e)
		}
		s.setMember(u, g, true)
	}
	return nil
}

// RemoveMembers takes users out of a group (someone leaving a team in
// the Admin Console; no Change is recorded).
func (s *Server) RemoveMembers(groupName string, emails []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[strings.ToLower(groupName)]
	if g == nil {
		return fmt.Errorf("adobefake: remove members: no group %q", groupName)
	}
	for _, e := range emails {
		if u := s.users[strings.ToLower(e)]; u != nil {
			s.setMember(u, g, false)
		}
	}
	return nil
}

// AddUsers creates many federated users at once (setup for benchmarks).
func (s *Server) AddUsers(emails []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range emails {
		if s.users[strings.ToLower(e)] == nil {
			s.putUser(&user{email: e, typ: "federatedID", first: "Bench", last: "User", country: "US"})
		}
	}
}

// applyGroupSeed gives a seed's user groups their profiles and adds the
// admin groups, once every group and user exists.
func (s *Server) applyGroupSeed(seed Seed) error {
	names := make([]string, 0, len(seed.GroupProfiles))
	for g := range seed.GroupProfiles {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		for _, p := range seed.GroupProfiles[g] {
			if err := s.AssignProfile(g, p); err != nil {
				return err
			}
		}
	}
	if seed.AdminGroups {
		s.AddAdminGroups()
	}
	return nil
}
