package adobe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/chataccess/chataccess/integrations/failure"
)

const (
	opUser   = "umapi.user"
	opUsers  = "umapi.users"
	opGroups = "umapi.groups"
	// maxPages stops a walk over a misbehaving server.
	maxPages = 10000
)

// User is a UMAPI user (umapi-doc partials/userSchemaDescription.md).
// Fields without a value are omitted by Adobe and stay empty here.
type User struct {
	ID        string   `json:"id,omitempty"`
	Email     string   `json:"email,omitempty"`
	Username  string   `json:"username,omitempty"`
	Domain    string   `json:"domain,omitempty"`
	FirstName string   `json:"firstname,omitempty"`
	LastName  string   `json:"lastname,omitempty"`
	Country   string   `json:"country,omitempty"`
	Status    string   `json:"status,omitempty"` // active|disabled|locked|removed
	Type      string   `json:"type,omitempty"`   // adobeID|enterpriseID|federatedID|unknown
	Groups    []string `json:"groups,omitempty"`
}

// InGroup says whether u is a direct member of group (names compared
// case-insensitively).
func (u User) InGroup(group string) bool {
	for _, g := range u.Groups {
		if strings.EqualFold(g, group) {
			return true
		}
	}
	return false
}

// Group is a user group, product profile or admin group (umapi-doc:docs/en/api/group.md).
type Group struct {
	GroupID            int64  `json:"groupId,omitempty"`
	GroupName          string `json:"groupName"`
	Type               string `json:"type,omitempty"`
	MemberCount        int    `json:"memberCount"`
	ProductName        string `json:"productName,omitempty"`
	LicenseQuota       string `json:"licenseQuota,omitempty"`
	AdminGroupName     string `json:"adminGroupName,omitempty"`
	ProductProfileName string `json:"productProfileName,omitempty"`
	UserGroupName      string `json:"userGroupName,omitempty"`
}

// Group types used by the bot.
const (
	GroupTypeProductProfile = "PRODUCT_PROFILE"
	GroupTypeUserGroup      = "USER_GROUP"
)

// PageInfo is what the paging headers say; -1 when a header is absent
// (umapi-doc partials/pagedResponseHeaders.md; names are case-insensitive).
type PageInfo struct {
	Current, Count, Total, Size int
}

func pageInfo(h http.Header) PageInfo {
	get := func(name string) int {
		v := strings.TrimSpace(h.Get(name)) // Get canonicalises: x-current-page == X-Current-Page
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return n
		}
		return -1
	}
	return PageInfo{Current: get("X-Current-Page"), Count: get("X-Page-Count"), Total: get("X-Total-Count"), Size: get("X-Page-Size")}
}

// UserPage is one page of users.
type UserPage struct {
	LastPage  bool   `json:"lastPage"`
	Result    string `json:"result"`
	GroupName string `json:"groupName,omitempty"`
	Users     []User `json:"users"`
	Info      PageInfo
}

// GroupPage is one page of groups.
type GroupPage struct {
	LastPage bool    `json:"lastPage"`
	Result   string  `json:"result"`
	Groups   []Group `json:"groups"`
	Info     PageInfo
}

// parseUserPage parses {"lastPage":false,"result":"success","users":[...]}.
func parseUserPage(body []byte) (*UserPage, error) {
	var p UserPage
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("decode users page: %w", err)
	}
	if p.Result != "success" {
		return nil, fmt.Errorf("users page result %q", failure.Clip(p.Result, 80))
	}
	return &p, nil
}

// parseGroupPage parses a groups page. {"lastPage":true,"result":"Not found"}
// is the documented answer past the last page: an empty last page.
func parseGroupPage(body []byte) (*GroupPage, error) {
	var p GroupPage
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("decode groups page: %w", err)
	}
	switch {
	case p.Result == "success":
	case p.LastPage && strings.EqualFold(p.Result, "not found"):
		p.Groups = nil
	default:
		return nil, fmt.Errorf("groups page result %q", failure.Clip(p.Result, 80))
	}
	return &p, nil
}

// parseUser parses {"result":"success","user":{...}}.
func parseUser(body []byte) (*User, error) {
	var r struct {
		Result string `json:"result"`
		User   *User  `json:"user"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("decode user: %w", err)
	}
	if r.Result != "success" || r.User == nil {
		return nil, fmt.Errorf("user result %q", failure.Clip(r.Result, 80))
	}
	return r.User, nil
}

// GetUser reads one user by email (case-insensitive). domain is "highly
// recommended" by Adobe for federated users and is "AdobeID" for Adobe IDs
// (umapi-doc:docs/en/api/getUser.md); pass "" to omit it. A missing user
// is a *failure.Error with failure.ReasonNotFound; a 404 that is not
// UMAPI's "no such user" is failure.ReasonConfig (a wrong ADOBE_UMAPI_URL).
func (c *Client) GetUser(ctx context.Context, email, domain string) (*User, error) {
	var q url.Values
	if domain != "" {
		q = url.Values{"domain": {domain}}
	}
	cl := call{op: opUser, kind: kindUserRead, method: http.MethodGet, user: email,
		path: "/organizations/" + url.PathEscape(c.cfg.OrgID) + "/users/" + url.PathEscape(email), query: q}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	u, perr := parseUser(resp.body)
	if perr != nil {
		return nil, c.unreadable(cl, resp, perr)
	}
	return u, nil
}

// UsersPage reads page (0-based) of the org's users, or of group's members
// when group is not empty. At most 2000 users a page (getUsersWithPage.md).
func (c *Client) UsersPage(ctx context.Context, group string, page int) (*UserPage, error) {
	path := "/users/" + url.PathEscape(c.cfg.OrgID) + "/" + strconv.Itoa(page)
	if group != "" {
		path += "/" + url.PathEscape(group)
	}
	cl := call{op: opUsers, kind: kindUserRead, method: http.MethodGet, path: path}
	if group != "" {
		cl.groups = []string{group}
	}
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

// GroupsPage reads page (0-based) of groups and product profiles; 400 a
// page, and only 5 calls a minute per client (group.md).
func (c *Client) GroupsPage(ctx context.Context, page int) (*GroupPage, error) {
	cl := call{op: opGroups, kind: kindGroupRead, method: http.MethodGet,
		path:   "/groups/" + url.PathEscape(c.cfg.OrgID) + "/" + strconv.Itoa(page),
		accept: func(s int) bool { return s == http.StatusNotFound }}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	p, perr := parseGroupPage(resp.body)
	if perr != nil {
		if resp.status == http.StatusNotFound {
			return nil, c.umapiError(cl, resp, 1)
		}
		return nil, c.unreadable(cl, resp, perr)
	}
	p.Info = pageInfo(resp.header)
	return p, nil
}

// errStop ends a walk early without an error.
var errStop = errors.New("stop")

// EachUser calls fn for every user of the org (group "") or member of
// group, walking all pages. A page past the end, an empty page, lastPage
// or the page-count header end the walk. fn returning an error stops it
// and the error is returned.
func (c *Client) EachUser(ctx context.Context, group string, fn func(User) error) error {
	for page := 0; page < maxPages; page++ {
		p, err := c.UsersPage(ctx, group, page)
		if err != nil {
			return err
		}
		// Past the end the users endpoints repeat the last page (getUsersWithPage.md).
		if p.Info.Current >= 0 && p.Info.Current < page {
			return nil
		}
		for _, u := range p.Users {
			if err := fn(u); err != nil {
				return ignoreStop(err)
			}
		}
		if p.LastPage || len(p.Users) == 0 || (p.Info.Count >= 0 && page >= p.Info.Count-1) {
			return nil
		}
	}
	return nil
}

// EachGroup calls fn for every group, walking all pages.
func (c *Client) EachGroup(ctx context.Context, fn func(Group) error) error {
	for page := 0; page < maxPages; page++ {
		p, err := c.GroupsPage(ctx, page)
		if err != nil {
			return err
		}
		if p.Info.Current >= 0 && p.Info.Current < page {
			return nil
		}
		for _, g := range p.Groups {
			if err := fn(g); err != nil {
				return ignoreStop(err)
			}
		}
		if p.LastPage || len(p.Groups) == 0 || (p.Info.Count >= 0 && page >= p.Info.Count-1) {
			return nil
		}
	}
	return nil
}

func ignoreStop(err error) error {
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// DefaultProductName is the Admin Console product of Dynamic Chat
// profiles (mkto-docs .../dynamic-chat/setup-and-configuration/permissions.md).
const DefaultProductName = "Dynamic Chat"

// ProductProfiles returns the product profiles whose productName contains
// product (case-insensitive), e.g. "Dynamic Chat". Profile names differ per
// org (UNCONFIRMED), so they are discovered rather than hard-coded.
func (c *Client) ProductProfiles(ctx context.Context, product string) ([]Group, error) {
	var out []Group
	p := strings.ToLower(product)
	err := c.EachGroup(ctx, func(g Group) error {
		if g.Type == GroupTypeProductProfile && strings.Contains(strings.ToLower(g.ProductName), p) {
			out = append(out, g)
		}
		return nil
	})
	return out, err
}
