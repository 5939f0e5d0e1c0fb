package marketo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
)

// maxPages stops a listing that never ends (200 000 users at 200 a page).
const maxPages = 1000

func userPath(userID, leaf string) string { return "/" + url.PathEscape(userID) + "/" + leaf }

func checkUserID(op, userID string) error {
	if strings.TrimSpace(userID) == "" {
		e := newError(op, failure.ReasonInvalid)
		e.Message = "empty user id"
		return e
	}
	return nil
}

// ListUsers returns every user, reading allusers.json 200 at a time.
func (c *Client) ListUsers(ctx context.Context) ([]User, error) {
	const op = "list users"
	page := func(offset int) ([]User, error) {
		q := url.Values{"pageSize": {strconv.Itoa(MaxPageSize)}, "pageOffset": {strconv.Itoa(offset)}}
		b, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/allusers.json", query: q})
		if err != nil {
			return nil, err
		}
		us, err := ParseUsers(b)
		if err != nil {
			return nil, unreadable(op, "", err)
		}
		return us, nil
	}
	first, err := page(0)
	if err != nil || len(first) < MaxPageSize {
		return first, err
	}
	all := first
	seen := make(map[string]bool, len(first))
	for _, u := range first {
		seen[userKey(u)] = true
	}
	mode, _ := c.pageMode.Load().(PageOffsetMode)
	next := 1 // page index for PageOffsetPages
	if mode == PageOffsetAuto {
		// pageOffset=1 is record 1 under record offsets (overlapping the
		// first page) and page 1 under page numbers (disjoint from it).
		probe, err := page(1)
		if err != nil {
			return nil, err
		}
		switch {
		case len(probe) > 0 && len(first) > 1 && userKey(probe[0]) == userKey(first[1]):
			mode = PageOffsetRecords
		case len(probe) > 0 && !seen[userKey(probe[0])]:
			mode = PageOffsetPages
			for _, u := range probe {
				if !seen[userKey(u)] {
					seen[userKey(u)] = true
					all = append(all, u)
				}
			}
			if len(probe) < MaxPageSize {
				c.pageMode.Store(mode)
				return all, nil
			}
			next = 2
		default:
			mode = PageOffsetRecords
		}
		c.pageMode.Store(mode)
	}
	for i := 0; i < maxPages; i++ {
		offset := len(all)
		if mode == PageOffsetPages {
			offset = next
			next++
		}
		us, err := page(offset)
		if err != nil {
			return nil, err
		}
		added := 0
		for _, u := range us {
			if !seen[userKey(u)] {
				seen[userKey(u)] = true
				all = append(all, u)
				added++
			}
		}
		if len(us) < MaxPageSize || added == 0 {
			return all, nil
		}
	}
	return all, nil
}

func userKey(u User) string {
	if u.UserID != "" {
		return strings.ToLower(u.UserID)
	}
	return "#" + strconv.Itoa(u.ID)
}

// GetUser reads users/{userid}/user.json: the user with roles and last
// login. Users who have not accepted their invitation are not there.
func (c *Client) GetUser(ctx context.Context, userID string) (*User, error) {
	const op = "get user"
	if err := checkUserID(op, userID); err != nil {
		return nil, err
	}
	b, err := c.do(ctx, call{op: op, user: userID, perUser: true, method: http.MethodGet, path: userPath(userID, "user.json")})
	if err != nil {
		return nil, err
	}
	u, err := ParseUser(b)
	if err != nil {
		return nil, unreadable(op, userID, err)
	}
	return &u, nil
}

// FindUserByEmail finds the user whose email address (or login id) is
// email, case-insensitively. A user added in the Adobe Admin Console can
// take a while to appear; until then the error is a *failure.Error with
// reason not_found (failure.ReasonOf(err) == failure.ReasonNotFound). When
// several users share the email, the one whose login id is the email wins,
// then a non-API user.
func (c *Client) FindUserByEmail(ctx context.Context, email string) (*User, error) {
	const op = "find user"
	email = strings.ToLower(strings.TrimSpace(email))
	if !strings.Contains(email, "@") {
		e := newError(op, failure.ReasonInvalid)
		e.User, e.Message = email, "not an email address"
		return nil, e
	}
	users, err := c.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var best *User
	score := -1
	for i := range users {
		u := &users[i]
		s := 0
		switch {
		case strings.EqualFold(u.UserID, email):
			s = 4
		case strings.EqualFold(u.EmailAddress, email):
			s = 2
		default:
			continue
		}
		if !u.APIOnly {
			s++
		}
		if s > score {
			best, score = u, s
		}
	}
	if best == nil {
		e := newError(op, failure.ReasonNotFound)
		e.User, e.Message = email, "no Marketo user has this email"
		return nil, e
	}
	return best, nil
}

// UserRoles reads users/{userid}/roles.json.
func (c *Client) UserRoles(ctx context.Context, userID string) ([]RoleAssignment, error) {
	const op = "get user roles"
	if err := checkUserID(op, userID); err != nil {
		return nil, err
	}
	b, err := c.do(ctx, call{op: op, user: userID, perUser: true, method: http.MethodGet, path: userPath(userID, "roles.json")})
	if err != nil {
		return nil, err
	}
	as, err := ParseAssignments(b)
	if err != nil {
		return nil, unreadable(op, userID, err)
	}
	return as, nil
}

// HasRole says whether the user has the role in the workspace.
func (c *Client) HasRole(ctx context.Context, userID string, roleID, workspaceID int) (bool, error) {
	as, err := c.UserRoles(ctx, userID)
	if err != nil {
		return false, err
	}
	return hasAssignment(as, roleID, workspaceID), nil
}

func hasAssignment(as []RoleAssignment, roleID, workspaceID int) bool {
	for _, a := range as {
		if a.RoleID == roleID && a.WorkspaceID == workspaceID {
			return true
		}
	}
	return false
}

// rolesBody renders [{accessRoleId, workspaceId}] in the configured shape.
func rolesBody(shape BodyShape, roleID, workspaceID int) []byte {
	item := []map[string]int{{"accessRoleId": roleID, "workspaceId": workspaceID}}
	var v any = item
	if shape == BodyInput {
		v = map[string]any{"input": item}
	}
	b, _ := json.Marshal(v)
	return b
}

// AddRole gives the user the role in the workspace with
// roles/create.json. It is idempotent: when the user already has the
// role nothing is sent and changed is false.
func (c *Client) AddRole(ctx context.Context, userID string, roleID, workspaceID int) (changed bool, err error) {
	return c.changeRole(ctx, "add role", "roles/create.json", c.cfg.AddRolesBody, true, userID, roleID, workspaceID)
}

// RemoveRole takes the role in the workspace away with
// roles/delete.json. It is idempotent: when the user does not have the
// role nothing is sent and changed is false.
func (c *Client) RemoveRole(ctx context.Context, userID string, roleID, workspaceID int) (changed bool, err error) {
	return c.changeRole(ctx, "remove role", "roles/delete.json", c.cfg.DeleteRolesBody, false, userID, roleID, workspaceID)
}

func (c *Client) changeRole(ctx context.Context, op, leaf string, shape BodyShape, add bool, userID string, roleID, workspaceID int) (bool, error) {
	if err := checkUserID(op, userID); err != nil {
		return false, err
	}
	object := fmt.Sprintf("role %d in workspace %d", roleID, workspaceID)
	has, err := c.HasRole(ctx, userID, roleID, workspaceID)
	if err != nil {
		return false, err
	}
	if has == add {
		return false, nil
	}
	b, err := c.do(ctx, call{op: op, user: userID, object: object, perUser: true, method: http.MethodPost,
		path: userPath(userID, leaf), body: rolesBody(shape, roleID, workspaceID)})
	if err != nil {
		// A refusal may mean the change is already there (a lost answer
		// retried, or another replica); look before calling it failed.
		if failure.ReasonOf(err) == failure.ReasonInvalid {
			if now, herr := c.HasRole(ctx, userID, roleID, workspaceID); herr == nil && now == add {
				return false, nil
			}
		}
		return false, err
	}
	// The answer is the user's resulting list of roles.
	as, perr := ParseAssignments(b)
	if perr != nil {
		if as, perr = c.UserRoles(ctx, userID); perr != nil {
			return true, nil // the change was accepted; the check failed
		}
	}
	if hasAssignment(as, roleID, workspaceID) != add {
		e := newError(op, failure.ReasonConfig)
		e.User, e.Object, e.Status = userID, object, http.StatusOK
		e.Message = "Marketo accepted the call but the user's roles did not change (check marketo.add_roles_body / delete_roles_body)"
		return false, e
	}
	return true, nil
}

// ListRoles reads users/roles.json.
func (c *Client) ListRoles(ctx context.Context) ([]Role, error) {
	const op = "list roles"
	b, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/roles.json"})
	if err != nil {
		return nil, err
	}
	rs, err := ParseRoles(b)
	if err != nil {
		return nil, unreadable(op, "", err)
	}
	return rs, nil
}

// ListWorkspaces reads users/workspaces.json.
func (c *Client) ListWorkspaces(ctx context.Context) ([]Workspace, error) {
	const op = "list workspaces"
	b, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/workspaces.json"})
	if err != nil {
		return nil, err
	}
	ws, err := ParseWorkspaces(b)
	if err != nil {
		return nil, unreadable(op, "", err)
	}
	return ws, nil
}

func nameKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// RolesByName returns every role keyed by its lower-cased name.
func (c *Client) RolesByName(ctx context.Context) (map[string]Role, error) {
	rs, err := c.ListRoles(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]Role, len(rs))
	for _, r := range rs {
		m[nameKey(r.Name)] = r
	}
	return m, nil
}

// RoleByName finds a role by name, ignoring case and extra spaces.
func (c *Client) RoleByName(ctx context.Context, name string) (*Role, error) {
	m, err := c.RolesByName(ctx)
	if err != nil {
		return nil, err
	}
	if r, ok := m[nameKey(name)]; ok {
		return &r, nil
	}
	e := newError("find role", failure.ReasonNotFound)
	e.Object, e.Message = "the role "+strconv.Quote(name), "no Marketo role has this name"
	return nil, e
}

// AllZonesName is the system workspace of id 0 that workspaces.json
// does not list (the samples assign Admin in workspace 0 "AllZones").
const AllZonesName = "AllZones"

// WorkspaceByName finds a workspace by name, ignoring case and extra
// spaces. "AllZones" is workspace 0.
func (c *Client) WorkspaceByName(ctx context.Context, name string) (*Workspace, error) {
	ws, err := c.ListWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		if nameKey(w.Name) == nameKey(name) {
			return &w, nil
		}
	}
	if nameKey(name) == nameKey(AllZonesName) {
		return &Workspace{ID: 0, Name: AllZonesName, Status: "active"}, nil
	}
	e := newError("find workspace", failure.ReasonNotFound)
	e.Object, e.Message = "the workspace "+strconv.Quote(name), "no Marketo workspace has this name"
	return nil, e
}

// UsersWithRole lists the users who hold the role in the workspace, with
// their last login, for access reviews. It reads allusers.json, then
// user.json of every user (the only place with roles and lastLoginAt),
// so it costs one call per user; users that vanish in between are skipped.
func (c *Client) UsersWithRole(ctx context.Context, roleID, workspaceID int) ([]User, error) {
	users, err := c.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []User
	for _, u := range users {
		full, err := c.GetUser(ctx, u.UserID)
		if failure.ReasonOf(err) == failure.ReasonNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		if hasAssignment(full.Roles, roleID, workspaceID) {
			out = append(out, *full)
		}
	}
	return out, nil
}

// Invite is an invitation to a new user (Invite User endpoint).
type Invite struct {
	EmailAddress string
	FirstName    string
	LastName     string
	// UserID defaults to EmailAddress and must be email-formatted.
	UserID  string
	APIOnly bool
	// ExpiresAt is when the login expires; zero means never.
	ExpiresAt time.Time
	Reason    string
	Roles     []RoleAssignment // RoleID and WorkspaceID are used
}

// InviteUser sends an invitation with users/invite.json. On Adobe
// identity subscriptions this works only for API-only users; standard
// users come from the Admin Console (UMAPI).
func (c *Client) InviteUser(ctx context.Context, inv Invite) error {
	const op = "invite user"
	if inv.EmailAddress == "" || inv.FirstName == "" || inv.LastName == "" || len(inv.Roles) == 0 {
		e := newError(op, failure.ReasonInvalid)
		e.User, e.Message = inv.EmailAddress, "email, first name, last name and at least one role are required"
		return e
	}
	type rw struct {
		AccessRoleID int `json:"accessRoleId"`
		WorkspaceID  int `json:"workspaceId"`
	}
	body := struct {
		EmailAddress string `json:"emailAddress"`
		FirstName    string `json:"firstName"`
		LastName     string `json:"lastName"`
		UserID       string `json:"userid,omitempty"`
		APIOnly      bool   `json:"apiOnly,omitempty"`
		ExpiresAt    string `json:"expiresAt,omitempty"`
		Reason       string `json:"reason,omitempty"`
		Roles        []rw   `json:"userRoleWorkspaces"`
	}{EmailAddress: inv.EmailAddress, FirstName: inv.FirstName, LastName: inv.LastName, UserID: inv.UserID, APIOnly: inv.APIOnly, Reason: inv.Reason}
	if !inv.ExpiresAt.IsZero() {
		body.ExpiresAt = inv.ExpiresAt.Format(time.RFC3339) // ISO-8601 without millis
	}
	for _, r := range inv.Roles {
		body.Roles = append(body.Roles, rw{r.RoleID, r.WorkspaceID})
	}
	b, _ := json.Marshal(body)
	_, err := c.do(ctx, call{op: op, user: inv.EmailAddress, method: http.MethodPost, path: "/invite.json", body: b})
	return err
}

// GetInvitedUser reads users/{userid}/invite.json (pending users).
func (c *Client) GetInvitedUser(ctx context.Context, userID string) (*InvitedUser, error) {
	const op = "get invited user"
	if err := checkUserID(op, userID); err != nil {
		return nil, err
	}
	b, err := c.do(ctx, call{op: op, user: userID, perUser: true, method: http.MethodGet, path: userPath(userID, "invite.json")})
	if err != nil {
		return nil, err
	}
	u, err := ParseInvitedUser(b)
	if err != nil {
		return nil, unreadable(op, userID, err)
	}
	return &u, nil
}

// DeleteInvitedUser withdraws a pending invitation
// (users/{userid}/invite/delete.json). Deleting one that is already
// gone is a success.
func (c *Client) DeleteInvitedUser(ctx context.Context, userID string) error {
	const op = "delete invited user"
	if err := checkUserID(op, userID); err != nil {
		return err
	}
	_, err := c.do(ctx, call{op: op, user: userID, perUser: true, method: http.MethodPost, path: userPath(userID, "invite/delete.json"), body: []byte{}})
	if failure.ReasonOf(err) == failure.ReasonNotFound {
		return nil
	}
	return err
}

// unreadable is the failure of a 200 whose body does not have the
// documented shape: an answer nobody documented, so a few tries at most.
func unreadable(op, user string, err error) *failure.Error {
	e := newError(op, failure.ReasonUnknown)
	e.User, e.Status, e.Message = user, http.StatusOK, failure.Clip(err.Error(), failure.MessageLen)
	return e
}
