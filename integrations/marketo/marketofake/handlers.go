package marketofake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Date formats of the guide's samples: user.json uses
// "2020-02-05T01:02:23.000t+0000", the other endpoints
// "20200731T20:49:54.0t+0000" (yyyyMMdd'T'HH:mm:ss.SSS't'+|-hhmm).
const (
	userDate    = "2006-01-02T15:04:05.000t-0700"
	compactDate = "20060102T15:04:05.0t-0700"
)

func date(t time.Time, layout string) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(layout)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, idx int, segs []string, body []byte) {
	type ep struct {
		method string
		fn     func() (int, any, *apiErr)
	}
	var id string
	if len(segs) >= 2 {
		id, _ = url.PathUnescape(segs[0])
	}
	var e ep
	switch strings.Join(segs, "/") {
	case "allusers.json":
		e = ep{http.MethodGet, func() (int, any, *apiErr) { return s.listUsers(r.URL.Query()) }}
	case "roles.json":
		e = ep{http.MethodGet, s.listRoles}
	case "workspaces.json":
		e = ep{http.MethodGet, s.listWorkspaces}
	case "invite.json":
		e = ep{http.MethodPost, func() (int, any, *apiErr) { return s.invite(r, body) }}
	default:
		switch strings.Join(segs[min(1, len(segs)):], "/") {
		case "user.json":
			e = ep{http.MethodGet, func() (int, any, *apiErr) { return s.getUser(id) }}
		case "roles.json":
			e = ep{http.MethodGet, func() (int, any, *apiErr) { return s.getUserRoles(id) }}
		case "roles/create.json":
			e = ep{http.MethodPost, func() (int, any, *apiErr) { return s.changeRoles(r, id, body, true) }}
		case "roles/delete.json":
			e = ep{http.MethodPost, func() (int, any, *apiErr) { return s.changeRoles(r, id, body, false) }}
		case "invite.json":
			e = ep{http.MethodGet, func() (int, any, *apiErr) { return s.getInvited(id) }}
		case "invite/delete.json":
			e = ep{http.MethodPost, func() (int, any, *apiErr) { return s.deleteInvited(id) }}
		case "delete.json":
			e = ep{http.MethodPost, func() (int, any, *apiErr) { return s.deleteUser(id) }}
		default:
			s.fail(w, idx, 610, "")
			return
		}
	}
	if len(segs) >= 2 && id == "" {
		s.fail(w, idx, 610, "")
		return
	}
	if r.Method != e.method {
		s.fail(w, idx, 605, "")
		return
	}
	status, v, aerr := e.fn()
	if aerr != nil {
		s.failWith(w, idx, Fault{Code: aerr.code, Status: aerr.status}, aerr.msg)
		return
	}
	s.finish(idx, status, "")
	writeJSON(w, status, v)
}

// apiErr is a refusal; status 0 lets the error style pick the status.
type apiErr struct {
	code   int
	status int
	msg    string
}

func badRequest(code int, format string, args ...any) *apiErr {
	return &apiErr{code: code, status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func notFound(what, id string) *apiErr {
	return &apiErr{code: 610, status: http.StatusNotFound, msg: what + " not found: " + id}
}

func (s *Server) listUsers(q url.Values) (int, any, *apiErr) {
	size, offset := 20, 0 // documented defaults
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, nil, badRequest(1001, "Invalid value '%s'. Required of type 'integer'", v)
		}
		if n > 200 {
			return 0, nil, badRequest(1003, "pageSize %d is above the maximum of 200", n)
		}
		size = n
	}
	if v := q.Get("pageOffset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, nil, badRequest(1001, "Invalid value '%s'. Required of type 'integer'", v)
		}
		offset = n
	}
	if s.opt.PageOffset == "pages" {
		offset *= size
	}
	s.mu.Lock()
	users := s.sortedUsers()
	s.mu.Unlock()
	out := []map[string]any{}
	for i := offset; i < len(users) && i < offset+size; i++ {
		u := users[i]
		out = append(out, map[string]any{"userid": u.UserID, "firstName": u.FirstName, "lastName": u.LastName,
			"emailAddress": u.EmailAddress, "id": u.ID, "apiOnly": u.APIOnly})
	}
	return http.StatusOK, out, nil
}

// assignmentsJSON renders userRoleWorkspaces. Callers hold mu.
func (s *Server) assignmentsJSON(as []Assignment) []map[string]any {
	out := []map[string]any{}
	for _, a := range as {
		rn, wn := "", "AllZones"
		if r := s.roles[a.RoleID]; r != nil {
			rn = r.Name
		}
		if w := s.workspaces[a.WorkspaceID]; w != nil {
			wn = w.Name
		}
		out = append(out, map[string]any{"accessRoleId": a.RoleID, "accessRoleName": rn, "workspaceId": a.WorkspaceID, "workspaceName": wn})
	}
	return out
}

func (s *Server) getUser(id string) (int, any, *apiErr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[lower(id)]
	if !ok {
		return 0, nil, notFound("User", id)
	}
	return http.StatusOK, map[string]any{
		"userid": u.UserID, "firstName": u.FirstName, "lastName": u.LastName, "emailAddress": u.EmailAddress,
		"optedIn": false, "failedLogins": 0, "failedDeviceCode": 0, "isLocked": false, "lockedReason": nil,
		"id": u.ID, "apiOnly": u.APIOnly, "userRoleWorkspaces": s.assignmentsJSON(u.Roles),
		"expiresAt": date(u.ExpiresAt, userDate), "lastLoginAt": date(u.LastLoginAt, userDate),
	}, nil
}

func (s *Server) getUserRoles(id string) (int, any, *apiErr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[lower(id)]
	if !ok {
		return 0, nil, notFound("User", id)
	}
	return http.StatusOK, s.assignmentsJSON(u.Roles), nil
}

func (s *Server) listRoles() (int, any, *apiErr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.roles))
	for id := range s.roles {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := []map[string]any{}
	for _, id := range ids {
		r := s.roles[id]
		out = append(out, map[string]any{"id": r.ID, "name": r.Name, "description": r.Description, "type": r.Type,
			"hidden": r.Hidden, "onlyAllZones": r.OnlyAllZones, "createdAt": date(r.CreatedAt, compactDate), "updatedAt": date(r.CreatedAt, compactDate)})
	}
	return http.StatusOK, out, nil
}

func (s *Server) listWorkspaces() (int, any, *apiErr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.workspaces))
	for id := range s.workspaces {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := []map[string]any{}
	for _, id := range ids {
		w := s.workspaces[id]
		out = append(out, map[string]any{"id": w.ID, "name": w.Name, "description": w.Description, "globalViz": 0,
			"status": "active", "currencyInfo": nil, "createdAt": date(w.CreatedAt, compactDate), "updatedAt": date(w.CreatedAt, compactDate)})
	}
	return http.StatusOK, out, nil
}

func jsonContent(r *http.Request) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Type"))), "application/json")
}

// parseRolesBody reads [{accessRoleId, workspaceId}] in the accepted shape.
func (s *Server) parseRolesBody(body []byte, want Shape, endpoint, setting string) ([]Assignment, *apiErr) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, badRequest(701, "input cannot be blank")
	}
	type item struct {
		AccessRoleID *int `json:"accessRoleId"`
		WorkspaceID  *int `json:"workspaceId"`
	}
	var items []item
	got := ShapeArray
	if body[0] == '{' {
		got = ShapeInput
		var obj struct {
			Input *[]item `json:"input"`
		}
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, badRequest(609, "Invalid JSON")
		}
		if obj.Input == nil {
			return nil, badRequest(701, "input cannot be blank")
		}
		items = *obj.Input
	} else if err := json.Unmarshal(body, &items); err != nil {
		return nil, badRequest(609, "Invalid JSON")
	}
	if want != ShapeAny && got != want {
		return nil, badRequest(1001, "%s expects %s but got %s (this emulator is set to %s=%s; match the client's roles body setting)",
			endpoint, describe(want), describe(got), setting, want)
	}
	if len(items) == 0 {
		return nil, badRequest(701, "input cannot be blank")
	}
	out := make([]Assignment, 0, len(items))
	for _, it := range items {
		if it.AccessRoleID == nil {
			return nil, badRequest(701, "accessRoleId cannot be blank")
		}
		if it.WorkspaceID == nil {
			return nil, badRequest(701, "workspaceId cannot be blank")
		}
		out = append(out, Assignment{*it.AccessRoleID, *it.WorkspaceID})
	}
	return out, nil
}

func describe(sh Shape) string {
	if sh == ShapeInput {
		return `an object {"input":[{"accessRoleId":…,"workspaceId":…}]}`
	}
	return `a bare array [{"accessRoleId":…,"workspaceId":…}]`
}

// changeRoles serves roles/create.json (answer: the entire resulting
// list) and roles/delete.json (answer: the remaining list). Adding a
// role the user has, or deleting one they lack, changes nothing.
func (s *Server) changeRoles(r *http.Request, id string, body []byte, add bool) (int, any, *apiErr) {
	if !jsonContent(r) {
		return 0, nil, &apiErr{code: 612}
	}
	want, endpoint, setting := s.opt.AddRolesBody, "roles/create.json", "AddRolesBody"
	if !add {
		want, endpoint, setting = s.opt.DeleteRolesBody, "roles/delete.json", "DeleteRolesBody"
	}
	as, aerr := s.parseRolesBody(body, want, endpoint, setting)
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[lower(id)]
	if !ok {
		return 0, nil, notFound("User", id)
	}
	for _, a := range as {
		if err := s.checkAssignment(a); err != nil {
			return 0, nil, badRequest(1003, "Invalid data: %v", strings.TrimPrefix(err.Error(), ErrUnknown.Error()+" "))
		}
	}
	now := s.now()
	for _, a := range as {
		has := slices.Contains(u.Roles, a)
		switch {
		case add && !has:
			u.Roles = append(u.Roles, a)
			s.applied = append(s.applied, Change{UserID: u.UserID, RoleID: a.RoleID, WorkspaceID: a.WorkspaceID, Op: "add", Time: now})
		case !add && has:
			if s.opt.RequireOneRole && len(u.Roles) == 1 {
				return 0, nil, badRequest(709, "Business Rule Violation: a user must keep at least one role")
			}
			u.Roles = slices.DeleteFunc(u.Roles, func(x Assignment) bool { return x == a })
			s.applied = append(s.applied, Change{UserID: u.UserID, RoleID: a.RoleID, WorkspaceID: a.WorkspaceID, Op: "remove", Time: now})
		}
	}
	return http.StatusOK, s.assignmentsJSON(u.Roles), nil
}

// invite serves users/invite.json; it answers the literal true.
func (s *Server) invite(r *http.Request, body []byte) (int, any, *apiErr) {
	if !jsonContent(r) {
		return 0, nil, &apiErr{code: 612}
	}
	var in struct {
		EmailAddress string `json:"emailAddress"`
		FirstName    string `json:"firstName"`
		LastName     string `json:"lastName"`
		UserID       string `json:"userid"`
		APIOnly      bool   `json:"apiOnly"`
		ExpiresAt    string `json:"expiresAt"`
		Reason       string `json:"reason"`
		Roles        []struct {
			AccessRoleID int `json:"accessRoleId"`
			WorkspaceID  int `json:"workspaceId"`
		} `json:"userRoleWorkspaces"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return 0, nil, badRequest(609, "Invalid JSON")
	}
	for name, v := range map[string]string{"emailAddress": in.EmailAddress, "firstName": in.FirstName, "lastName": in.LastName} {
		if strings.TrimSpace(v) == "" {
			return 0, nil, badRequest(701, "%s cannot be blank", name)
		}
	}
	if len(in.Roles) == 0 {
		return 0, nil, badRequest(701, "userRoleWorkspaces cannot be blank")
	}
	if in.UserID == "" {
		in.UserID = in.EmailAddress
	}
	if !strings.Contains(in.UserID, "@") {
		return 0, nil, badRequest(1003, "Invalid data: userid must be formatted as an email address")
	}
	if s.opt.IMS && !in.APIOnly {
		return 0, nil, badRequest(709, "Business Rule Violation: on Adobe Identity, invite standard users with the Adobe User Management API")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[lower(in.UserID)]; ok {
		return 0, nil, badRequest(709, "Business Rule Violation: user %s already exists", in.UserID)
	}
	if _, ok := s.invited[lower(in.UserID)]; ok {
		return 0, nil, badRequest(709, "Business Rule Violation: user %s is already invited", in.UserID)
	}
	inv := InvitedUser{UserID: in.UserID, FirstName: in.FirstName, LastName: in.LastName, EmailAddress: in.EmailAddress,
		APIOnly: in.APIOnly, CreatedAt: s.now(), ExpiresAt: s.now().Add(7 * 24 * time.Hour)}
	for _, a := range in.Roles {
		as := Assignment{a.AccessRoleID, a.WorkspaceID}
		if err := s.checkAssignment(as); err != nil {
			return 0, nil, badRequest(1003, "Invalid data: %v", strings.TrimPrefix(err.Error(), ErrUnknown.Error()+" "))
		}
		inv.Roles = append(inv.Roles, as)
	}
	s.nextID++
	inv.ID = s.nextID
	s.invited[lower(in.UserID)] = &invitedUser{inv}
	return http.StatusOK, true, nil
}

// getInvited renders the guide's sample, which spells the id "userId".
func (s *Server) getInvited(id string) (int, any, *apiErr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.invited[lower(id)]
	if !ok {
		return 0, nil, notFound("Invited user", id)
	}
	return http.StatusOK, map[string]any{"id": inv.ID, "firstName": inv.FirstName, "lastName": inv.LastName,
		"emailAddress": inv.EmailAddress, "userId": inv.UserID, "subscriptionId": 3381, "status": "pending",
		"expiresAt": date(inv.ExpiresAt, compactDate), "createdAt": date(inv.CreatedAt, compactDate), "updatedAt": date(inv.CreatedAt, compactDate)}, nil
}

func (s *Server) deleteInvited(id string) (int, any, *apiErr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.invited[lower(id)]; !ok {
		return 0, nil, notFound("Invited user", id)
	}
	delete(s.invited, lower(id))
	return http.StatusOK, true, nil
}

func (s *Server) deleteUser(id string) (int, any, *apiErr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[lower(id)]
	if !ok {
		return 0, nil, notFound("User", id)
	}
	if s.opt.IMS && !u.APIOnly {
		return 0, nil, badRequest(709, "Business Rule Violation: on Adobe Identity, delete standard users with the Adobe User Management API")
	}
	delete(s.users, lower(id))
	return http.StatusOK, true, nil
}
