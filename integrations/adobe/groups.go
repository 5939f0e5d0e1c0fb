package adobe

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/chataccess/chataccess/integrations/failure"
)

// User groups (umapi-doc:docs/en/api/usergroupActionCommands.md): a
// user group holds users and product profiles, and every user in it
// holds its profiles. The action API changes both lists through a
// command whose root is "usergroup" instead of "user".

// Admin group names and prefixes (group.md): UMAPI lists them among the
// groups, and none of them is a user group a package may target.
const (
	OrgAdminGroup      = "_org_admin"
	adminPrefix        = "_admin_"
	productAdminPrefix = "_product_admin_"
	developerPrefix    = "_developer_"
)

// IsAdminGroupName says whether name is an admin group's: _org_admin,
// _support_admin, _deployment_admin, or one starting with _admin_,
// _product_admin_ or _developer_ (ActionsCmds.md). User groups and
// product profiles never start with an underscore in those forms.
func IsAdminGroupName(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case OrgAdminGroup, "_support_admin", "_deployment_admin", "_compartment_admin", "_compartment_viewer":
		return true
	}
	for _, p := range []string{adminPrefix, productAdminPrefix, developerPrefix} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// GroupChange is one user-group command: users and product profiles to
// add to the group or remove from it, at most MaxGroupsPerStep of each
// per step (the client splits longer lists into more steps).
type GroupChange struct {
	Group          string
	RequestID      string
	AddProfiles    []string
	RemoveProfiles []string
	AddUsers       []string
	RemoveUsers    []string
}

// groupCommand is the wire form: {"usergroup": …, "requestID": …, "do": [...]}.
type groupCommand struct {
	UserGroup string           `json:"usergroup"`
	RequestID string           `json:"requestID,omitempty"`
	Do        []map[string]any `json:"do"`
}

// steps renders ch as add steps then remove steps, each list chunked.
func (ch GroupChange) steps() []map[string]any {
	var out []map[string]any
	add := func(op, key string, names []string) {
		for _, c := range chunk(dedupe(names), MaxGroupsPerStep) {
			out = append(out, map[string]any{op: map[string][]string{key: c}})
		}
	}
	add("add", "productConfiguration", ch.AddProfiles)
	add("add", "user", ch.AddUsers)
	add("remove", "productConfiguration", ch.RemoveProfiles)
	add("remove", "user", ch.RemoveUsers)
	return out
}

// ChangeUserGroup sends one user-group command in its own action call.
// The client refuses, before any call, an empty group name, an admin
// group's name (IsAdminGroupName) and a command with nothing to do. A
// whole-call failure and the command's own failure (a group that does
// not exist, a read-only shared group: error.usergroup.readonly.*) both
// come back as the error; UMAPI checks every step before it changes
// anything.
func (c *Client) ChangeUserGroup(ctx context.Context, ch GroupChange, testOnly bool) (*ActionResult, error) {
	bad := func(msg string) error {
		e := newError(opAction, failure.ReasonInvalid)
		e.Code, e.Message, e.User, e.RequestID = codeValidation, msg, ch.Group, ch.RequestID
		return e
	}
	name := strings.TrimSpace(ch.Group)
	steps := ch.steps()
	switch {
	case name == "":
		return nil, bad("no user group named")
	case IsAdminGroupName(name):
		return nil, bad(strconv.Quote(name) + " is an admin group, not a user group")
	case len(steps) == 0:
		return nil, bad("nothing to change")
	case len(steps) > c.cfg.MaxStepsPerCommand:
		return nil, bad(strconv.Itoa(len(steps)) + " steps, at most " + strconv.Itoa(c.cfg.MaxStepsPerCommand) + " per command")
	}
	body, err := json.Marshal([]groupCommand{{UserGroup: name, RequestID: ch.RequestID, Do: steps}})
	if err != nil {
		return nil, bad("cannot encode the command")
	}
	var q url.Values
	if testOnly {
		q = url.Values{"testOnly": {"true"}}
	}
	cl := call{op: opAction, kind: kindAction, method: http.MethodPost, user: name,
		path: "/action/" + url.PathEscape(c.cfg.OrgID), query: q, body: body, groups: append(ch.AddProfiles, ch.RemoveProfiles...)}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	r, perr := parseActionResult(resp.body)
	if perr != nil {
		return nil, c.unreadable(cl, resp, perr)
	}
	r.TestOnly = testOnly
	r.cmds = []Command{{User: name, RequestID: ch.RequestID, Do: stepGroups(steps)}}
	if e := r.callError(); e != nil {
		return nil, e
	}
	if e := r.ErrorFor(0); e != nil {
		prev := e.Explain
		e.Explain = func(x *failure.Error) string {
			if s := groupSentence(name, x); s != "" {
				return s
			}
			if prev != nil {
				return prev(x)
			}
			return ""
		}
		prevPhrase := e.Phrase
		e.Phrase = func(x *failure.Error) (string, map[string]string) {
			if k := groupSentenceKey(x); k != "" {
				return k, map[string]string{"Group": strconv.Quote(name)}
			}
			if groupSentence(name, x) != "" || prevPhrase == nil {
				return "", nil
			}
			return prevPhrase(x)
		}
		return r, e
	}
	return r, nil
}

// groupSentence is the sentence for people of a refused user-group
// command, or "" for the general one.
func groupSentence(group string, e *failure.Error) string {
	q := strconv.Quote(group)
	switch {
	case strings.HasPrefix(e.Code, "error.usergroup.readonly."):
		return "Adobe says the user group " + q + " is shared from another organization and read-only here, so the bot cannot change it; ask for a user group of this organization."
	case e.Code == "error.usergroup.not_found":
		return "The Admin Console has no user group named " + q + " (product profiles and admin groups are not user groups)."
	case e.Code == "error.usergroup.exceeds_maximum_member_count":
		return "Adobe says the user group " + q + " has more than 200,000 members, too many to give it a product profile."
	}
	return ""
}

// groupSentenceKey is groupSentence's message id ("" for none), whose
// argument is Group.
func groupSentenceKey(e *failure.Error) string {
	switch {
	case strings.HasPrefix(e.Code, "error.usergroup.readonly."):
		return "adobe.group.read_only"
	case e.Code == "error.usergroup.not_found":
		return "adobe.group.not_found"
	case e.Code == "error.usergroup.exceeds_maximum_member_count":
		return "adobe.group.too_big"
	}
	return ""
}

// stepGroups mirrors the wire steps as Steps, so ErrorFor names the
// profiles or users of the step Adobe refused.
func stepGroups(steps []map[string]any) []Step {
	out := make([]Step, len(steps))
	for i, st := range steps {
		for op, lists := range st {
			for _, names := range lists.(map[string][]string) {
				if op == "add" {
					out[i].Add = names
				} else {
					out[i].Remove = names
				}
			}
		}
	}
	return out
}

// MembersPage reads page (0-based) of a group's members. directOnly
// false lists, for a product profile, everyone who holds it, through
// user groups too; true (Adobe's default) only its direct members
// (getUsersByGroup.md, partials/directOnlyDescription.md). At most 2,000
// users a page, 25 reads a minute per client.
func (c *Client) MembersPage(ctx context.Context, group string, page int, directOnly bool) (*UserPage, error) {
	cl := call{op: opUsers, kind: kindUserRead, method: http.MethodGet, groups: []string{group},
		path:  "/users/" + url.PathEscape(c.cfg.OrgID) + "/" + strconv.Itoa(page) + "/" + url.PathEscape(group),
		query: url.Values{"directOnly": {strconv.FormatBool(directOnly)}}}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	p, perr := parseUserPage(resp.body)
	if perr != nil {
		return nil, c.unreadable(cl, resp, perr)
	}
	p.Info = pageInfo(resp.header)
	return p, nil
}

// EachMember calls fn for every member of group, walking every page
// with directOnly as MembersPage; it returns the pages read. The walk
// ends as EachUser's does.
func (c *Client) EachMember(ctx context.Context, group string, directOnly bool, fn func(User) error) (pages int, err error) {
	if strings.TrimSpace(group) == "" {
		e := newError(opUsers, failure.ReasonInvalid)
		e.Code, e.Message = codeValidation, "empty group name"
		return 0, e
	}
	for page := 0; page < maxPages; page++ {
		p, err := c.MembersPage(ctx, group, page, directOnly)
		if err != nil {
			return pages, err
		}
		pages++
		if p.Info.Current >= 0 && p.Info.Current < page {
			return pages, nil
		}
		for _, u := range p.Users {
			if err := fn(u); err != nil {
				return pages, ignoreStop(err)
			}
		}
		if p.LastPage || len(p.Users) == 0 || (p.Info.Count >= 0 && page >= p.Info.Count-1) {
			return pages, nil
		}
	}
	return pages, nil
}

// Seats reads a product profile's licence quota from its listing:
// licenseQuota is a string ("the number of user licenses or the amount
// of resources alloted", group.md), so ok is false when it is not a
// whole number. Used is memberCount ("the count of all members";
// whether members through user groups count is UNCONFIRMED).
func (g Group) Seats() (used, quota int, ok bool) {
	q, err := strconv.Atoi(strings.TrimSpace(g.LicenseQuota))
	if err != nil || q < 0 {
		return g.MemberCount, 0, false
	}
	return g.MemberCount, q, true
}
