package adobefake

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// userJSON is the user object (umapi-doc partials/userSchemaDescription.md);
// empty fields are omitted like Adobe does.
type userJSON struct {
	ID        string   `json:"id,omitempty"`
	Email     string   `json:"email,omitempty"`
	Username  string   `json:"username,omitempty"`
	Domain    string   `json:"domain,omitempty"`
	FirstName string   `json:"firstname,omitempty"`
	LastName  string   `json:"lastname,omitempty"`
	Country   string   `json:"country,omitempty"`
	Status    string   `json:"status"`
	Type      string   `json:"type"`
	Groups    []string `json:"groups,omitempty"`
}

type groupJSON struct {
	GroupID        int64  `json:"groupId"`
	GroupName      string `json:"groupName"`
	Type           string `json:"type"`
	MemberCount    int    `json:"memberCount"`
	ProductName    string `json:"productName,omitempty"`
	LicenseQuota   string `json:"licenseQuota,omitempty"`
	AdminGroupName string `json:"adminGroupName,omitempty"`
}

func (s *Server) userView(u *user) userJSON {
	v := userJSON{ID: u.id, Email: u.email, Username: u.username, Domain: u.domain, FirstName: u.first,
		LastName: u.last, Country: u.country, Status: "active", Type: u.typ}
	for gk := range u.groups {
		v.Groups = append(v.Groups, s.groups[gk].name)
	}
	sort.Strings(v.Groups)
	return v
}

// segments splits the escaped path after prefix into unescaped parts.
func segments(r *http.Request, prefix string) []string {
	rest := strings.TrimPrefix(r.URL.EscapedPath(), prefix)
	parts := strings.Split(rest, "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			parts[i] = u
		}
	}
	return parts
}

// serveUser emulates GET /organizations/{orgId}/users/{userString}
// (umapi-doc:docs/en/api/getUser.md; 404 body from partials/notFound.md).
func (s *Server) serveUser(w http.ResponseWriter, r *http.Request) {
	p := segments(r, "/v2/usermanagement/organizations/")
	if len(p) != 3 || p[1] != "users" {
		noEndpoint(w)
		return
	}
	if p[0] != s.opts.OrgID {
		writeJSON(w, 400, map[string]string{"result": "error.organization.invalid_id", "message": "Bad organization Id"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[strings.ToLower(p[2])]
	if d := r.URL.Query().Get("domain"); u != nil && d != "" {
		if strings.EqualFold(d, "AdobeID") != (u.typ == "adobeID") || (u.typ != "adobeID" && !strings.EqualFold(d, u.domain)) {
			u = nil
		}
	}
	if u == nil {
		writeJSON(w, 404, map[string]string{"result": "error.user.not_found", "message": "User not found " + p[2]})
		return
	}
	writeJSON(w, 200, map[string]any{"result": "success", "user": s.userView(u)})
}

// pagedPath checks a paged read's path, /{orgId}/{page}[/…] with between
// min and max segments, answering Adobe's errors for a bad shape, a
// foreign org or a bad page number; ok is false when it answered.
func (s *Server) pagedPath(w http.ResponseWriter, r *http.Request, prefix string, min, max int) (p []string, page int, ok bool) {
	p = segments(r, prefix)
	if len(p) < min || len(p) > max {
		noEndpoint(w)
		return nil, 0, false
	}
	if p[0] != s.opts.OrgID {
		writeJSON(w, 400, map[string]string{"result": "error.organization.invalid_id", "message": "Bad organization Id"})
		return nil, 0, false
	}
	page, err := strconv.Atoi(p[1])
	if err != nil || page < 0 {
		writeJSON(w, 400, map[string]string{"result": "error.request.invalid", "message": "Bad page number"})
		return nil, 0, false
	}
	return p, page, true
}

// serveUsers emulates GET /users/{orgId}/{page}[/{groupName}]: 0-based
// pages, past the end the last page (getUsersWithPage.md, getUsersByGroup.md).
func (s *Server) serveUsers(w http.ResponseWriter, r *http.Request) {
	p, page, ok := s.pagedPath(w, r, "/v2/usermanagement/users/", 2, 3)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	body := map[string]any{"result": "success"}
	// directOnly defaults to true (getUsersByGroup.md, partials/directOnlyDescription.md).
	direct := !strings.EqualFold(r.URL.Query().Get("directOnly"), "false")
	if len(p) == 3 {
		g := s.groups[strings.ToLower(p[2])]
		if g == nil {
			writeJSON(w, 404, map[string]any{"lastPage": false, "result": "error.group.not_found", "message": "Not found: Group " + p[2]})
			return
		}
		body["groupName"] = g.name
		keys = s.memberKeys(g, direct)
	} else {
		for k := range s.users {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	lo, hi, cur, count := pageBounds(len(keys), page, s.opts.UserPageSize)
	users := make([]userJSON, 0, hi-lo)
	for _, k := range keys[lo:hi] {
		users = append(users, s.userViewAs(s.users[k], direct))
	}
	body["users"] = users
	body["lastPage"] = cur == count-1
	s.pageHeaders(w, cur, count, len(keys), s.opts.UserPageSize)
	writeJSON(w, 200, body)
}

// serveGroups emulates GET /groups/{orgId}/{page} (group.md). Past the last
// page it answers {"lastPage":true,"result":"Not found"}, as documented.
func (s *Server) serveGroups(w http.ResponseWriter, r *http.Request) {
	_, page, ok := s.pagedPath(w, r, "/v2/usermanagement/groups/", 2, 2)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]*group, 0, len(s.groups))
	for _, g := range s.groups {
		all = append(all, g)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	size := s.opts.GroupPageSize
	count := max(1, (len(all)+size-1)/size)
	if page >= count {
		s.pageHeaders(w, page, count, len(all), size)
		writeJSON(w, 404, map[string]any{"lastPage": true, "result": "Not found"})
		return
	}
	lo, hi := page*size, min(len(all), (page+1)*size)
	groups := make([]groupJSON, 0, hi-lo)
	for _, g := range all[lo:hi] {
		gj := groupJSON{GroupID: g.id, GroupName: g.name, Type: g.typ, MemberCount: s.memberCount(g), AdminGroupName: g.adminName}
		if g.typ == "PRODUCT_PROFILE" {
			gj.ProductName, gj.LicenseQuota = g.product, strconv.Itoa(g.quota)
		}
		groups = append(groups, gj)
	}
	s.pageHeaders(w, page, count, len(all), size)
	writeJSON(w, 200, map[string]any{"lastPage": page == count-1, "result": "success", "groups": groups})
}

// pageBounds clamps page to the last one and returns the slice bounds.
func pageBounds(n, page, size int) (lo, hi, cur, count int) {
	count = max(1, (n+size-1)/size)
	cur = min(page, count-1)
	lo = min(n, cur*size)
	hi = min(n, lo+size)
	return lo, hi, cur, count
}

// pageHeaders sets X-Total-Count, X-Page-Count, X-Current-Page and
// X-Page-Size (partials/pagedResponseHeaders.md), lower-cased on request.
func (s *Server) pageHeaders(w http.ResponseWriter, cur, count, total, size int) {
	set := func(name string, v int) {
		if s.opts.LowercaseHeaders {
			w.Header()[strings.ToLower(name)] = []string{strconv.Itoa(v)}
			return
		}
		w.Header().Set(name, strconv.Itoa(v))
	}
	set("X-Total-Count", total)
	set("X-Page-Count", count)
	set("X-Current-Page", cur)
	set("X-Page-Size", size)
}
