package adobefake

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Action API rules (umapi-doc:docs/en/api/ActionsRef.md, ActionsCmds.md, ErrorRef.md).
const (
	maxCommands   = 10  // "a maximum of 10 users or user groups ... per request"
	maxGroups     = 10  // per add/remove step
	maxEmailLen   = 60  // error.user.email.invalid
	maxStringLen  = 250 // error.command.string.too_long
	resultSuccess = "success"
)

var countryRe = regexp.MustCompile(`^[A-Z]{2}$`)

// DomainIncomplete marks a domain in Options.Domains whose directory is
// claimed but not fully set up (no sign-in method, or trusted from another
// organization). Creating an Enterprise or Federated ID there passes
// validation (and testOnly) but fails when run with
// error.internal.create_failed, which UMAPI documents only as "Operation
// failed for unknown reason" (ErrorRef.md); field reports show it for
// exactly this setup problem.
const DomainIncomplete = "incomplete"

type cmdError struct {
	Index     int    `json:"index"`
	Step      int    `json:"step"`
	RequestID string `json:"requestID,omitempty"`
	User      string `json:"user,omitempty"`
	Message   string `json:"message"`
	ErrorCode string `json:"errorCode"`
}

type actionResponse struct {
	Result              string     `json:"result"`
	Completed           int        `json:"completed"`
	NotCompleted        int        `json:"notCompleted"`
	CompletedInTestMode int        `json:"completedInTestMode"`
	Errors              []cmdError `json:"errors,omitempty"`
}

// step is one parsed entry of "do".
type step struct {
	name string
	raw  json.RawMessage
}

func (s *Server) serveAction(w http.ResponseWriter, r *http.Request, body []byte) {
	org := strings.TrimPrefix(r.URL.Path, "/v2/usermanagement/action/")
	if org != s.opts.OrgID {
		writeJSON(w, 400, map[string]string{"result": "error.organization.invalid_id", "message": "Bad organization Id"})
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, 400, map[string]string{"result": "error.command.malformed", "message": "Content-Type must be application/json"})
		return
	}
	testOnly := r.URL.Query().Get("testOnly") == "true"
	var entries []json.RawMessage
	if err := json.Unmarshal(body, &entries); err != nil || len(entries) == 0 {
		writeJSON(w, 400, map[string]string{"result": "error.command.malformed", "message": "Request body must be a non-empty JSON array"})
		return
	}
	if len(entries) > maxCommands {
		// The code Adobe uses for an 11th command is UNCONFIRMED.
		writeJSON(w, 400, map[string]string{"result": "error.command.malformed", "message": "Too many commands: at most 10 per request"})
		return
	}
	resp := actionResponse{}
	var changes []Change
	s.mu.Lock()
	for i, raw := range entries {
		ch, e := s.runCommand(i, raw, testOnly)
		if e != nil {
			resp.Errors = append(resp.Errors, *e)
			resp.NotCompleted++
			continue
		}
		changes = append(changes, ch...)
		if testOnly {
			resp.CompletedInTestMode++
		} else {
			resp.Completed++
		}
	}
	s.applied = append(s.applied, changes...)
	s.mu.Unlock()
	switch {
	case len(resp.Errors) == 0:
		resp.Result = resultSuccess
	case resp.Completed+resp.CompletedInTestMode == 0:
		resp.Result = "error"
	default:
		resp.Result = "partial"
	}
	if s.opts.OnChange != nil {
		for _, c := range changes {
			s.opts.OnChange(c)
		}
	}
	writeJSON(w, 200, resp)
}

// runCommand validates then runs one command entry. Caller holds mu. Steps
// run in order; the first failing step stops the command (earlier steps stay).
func (s *Server) runCommand(i int, raw json.RawMessage, testOnly bool) ([]Change, *cmdError) {
	var entry map[string]json.RawMessage
	fail := func(stepIdx int, code, msg string, who, reqID string) *cmdError {
		return &cmdError{Index: i, Step: stepIdx, RequestID: reqID, User: who, ErrorCode: code, Message: msg}
	}
	if err := json.Unmarshal(raw, &entry); err != nil || entry == nil {
		return nil, fail(0, "error.command.malformed", "Command must be a JSON object", "", "")
	}
	var who, reqID string
	if rid, ok := entry["requestID"]; ok {
		if json.Unmarshal(rid, &reqID) != nil {
			return nil, fail(0, "error.command.string_expected", "requestID must be a string", "", "")
		}
	}
	if _, ok := entry["usergroup"]; ok {
		return s.runGroupCommand(i, entry, reqID, testOnly)
	}
	u, ok := entry["user"]
	if !ok {
		return nil, fail(0, "error.command.user_usergroup.missing", "A user or usergroup element must be present", "", reqID)
	}
	if json.Unmarshal(u, &who) != nil || who == "" {
		return nil, fail(0, "error.command.string_expected", "user must be a string", "", reqID)
	}
	if len(who) > maxStringLen {
		return nil, fail(0, "error.command.string.too_long", "user is too long", "", reqID)
	}
	var rawSteps []json.RawMessage
	if json.Unmarshal(entry["do"], &rawSteps) != nil || rawSteps == nil {
		return nil, fail(0, "error.command.steps.malformed", "The value of do must be a JSON array", who, reqID)
	}
	if len(rawSteps) > s.opts.MaxStepsPerCommand {
		return nil, fail(0, "error.command.add_remove.list_too_long", "Too many steps in a command", who, reqID)
	}
	steps, j, code, msg := parseSteps(rawSteps)
	if code != "" {
		return nil, fail(j, code, msg, who, reqID)
	}
	key := strings.ToLower(who)
	if is, ok := s.userErr[key]; ok {
		return nil, fail(0, is.code, is.message, who, reqID)
	}
	// Validate everything first so a rejected command changes nothing.
	for j, st := range steps {
		if code, msg := s.checkStep(st, who); code != "" {
			return nil, fail(j, code, msg, who, reqID)
		}
	}
	if testOnly {
		return nil, nil // test mode: validated, nothing changes; unknown users pass
	}
	var changes []Change
	for j, st := range steps {
		ch, code, msg := s.applyStep(st, who, reqID)
		changes = append(changes, ch...)
		if code != "" {
			return changes, fail(j, code, msg, who, reqID)
		}
	}
	return changes, nil
}

// parseSteps reads a command's "do" list: one key per step, at most one
// create step and only first, removeFromOrg only last, known steps only.
// A refused step gives its index and the UMAPI code and message.
func parseSteps(rawSteps []json.RawMessage) (steps []step, at int, code, msg string) {
	steps = make([]step, len(rawSteps))
	creates := 0
	for j, rs := range rawSteps {
		var m map[string]json.RawMessage
		if json.Unmarshal(rs, &m) != nil || len(m) != 1 {
			return nil, j, "error.command.illegal_entry", "Each step must be an object with one key"
		}
		for k, v := range m {
			steps[j] = step{name: k, raw: v}
		}
		switch steps[j].name {
		case "addAdobeID", "createEnterpriseID", "createFederatedID":
			creates++
			if creates > 1 {
				return nil, j, "error.command.create.more_than_one", "Only one create step is allowed"
			}
			if j != 0 {
				return nil, j, "error.command.create.not_first", "The create step must be the first one"
			}
		case "removeFromOrg":
			if j != len(rawSteps)-1 {
				return nil, j, "error.command.removefromorg.not_last", "removeFromOrg must be the last step"
			}
		case "add", "remove", "update":
		default:
			return nil, j, "error.command.step.unknown", "Unknown step " + steps[j].name
		}
	}
	return steps, 0, "", ""
}

type createBody struct {
	Email     string `json:"email"`
	Country   string `json:"country"`
	FirstName string `json:"firstname"`
	LastName  string `json:"lastname"`
	Option    string `json:"option"`
}

// groupList reads {"group":[...]} or "all" for remove.
func groupList(raw json.RawMessage, allowAll bool) (groups []string, all bool, code, msg string) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if allowAll && s == "all" {
			return nil, true, "", ""
		}
		return nil, false, "error.command.add_remove.list", `The value must be a JSON object or "all"`
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil, false, "error.command.add_remove.list", `The value must be a JSON object or "all"`
	}
	for k := range obj {
		if k != "group" && k != "product" {
			return nil, false, "error.command.add_remove.key.unknown", "Unknown key " + k
		}
	}
	list, ok := obj["group"]
	if !ok {
		list, ok = obj["product"]
	}
	if !ok {
		return nil, false, "error.command.add_remove.missing_list", "No group list"
	}
	var names []*string
	if json.Unmarshal(list, &names) != nil {
		return nil, false, "error.command.add_remove.list_not_array", "The group list must be a JSON array"
	}
	if len(names) == 0 {
		return nil, false, "error.group.invalid_list", "The group list is empty"
	}
	if len(names) > maxGroups {
		return nil, false, "error.command.add_remove.list_too_long", "Too many groups in one step (at most 10)"
	}
	for _, n := range names {
		if n == nil || *n == "" {
			return nil, false, "error.group.invalid_list", "The group list contains a null entry"
		}
		groups = append(groups, *n)
	}
	return groups, false, "", ""
}

// checkStep validates a step against the current state without changing it.
func (s *Server) checkStep(st step, who string) (code, msg string) {
	switch st.name {
	case "addAdobeID", "createEnterpriseID", "createFederatedID":
		var c createBody
		if json.Unmarshal(st.raw, &c) != nil {
			return "error.command.create.object_expected", "The create step takes a JSON object"
		}
		if c.Email == "" || len(c.Email) > maxEmailLen || !strings.Contains(c.Email, "@") {
			return "error.user.email.invalid", "The email address is invalid"
		}
		if strings.Contains(who, "@") && !strings.EqualFold(who, c.Email) {
			return "error.user.must_match_email", "The user must match the email field"
		}
		if len(c.FirstName) > maxStringLen || len(c.LastName) > maxStringLen {
			return "error.command.string.too_long", "Name is too long"
		}
		switch c.Option {
		case "", "ignoreIfAlreadyExists", "updateIfAlreadyExists":
		default:
			return "error.option.illegal", "Illegal option " + c.Option
		}
		if st.name != "addAdobeID" {
			if c.FirstName == "" {
				return "error.user.firstname_missing", "First name is required"
			}
			if c.LastName == "" {
				return "error.user.lastname_missing", "Last name is required"
			}
		}
		if c.Country != "" && !countryRe.MatchString(c.Country) || st.name == "createFederatedID" && c.Country == "" {
			return "error.country.invalid", "Invalid country code"
		}
		existing := s.users[strings.ToLower(c.Email)]
		if existing != nil && c.Option == "" {
			return "error.user.already_in_org", "User already in organization"
		}
		if st.name != "addAdobeID" && existing == nil && len(s.opts.Domains) > 0 {
			want, claimed := s.opts.Domains[strings.ToLower(domainOf(c.Email))]
			typ := map[string]string{"createEnterpriseID": "enterpriseID", "createFederatedID": "federatedID"}[st.name]
			if !claimed {
				return "error.domain.trust.nonexistent", "Changes to users are only allowed in claimed domains."
			}
			if want != "" && want != typ && want != DomainIncomplete {
				return "error.user.type_mismatch", "The user type does not match the domain"
			}
		}
	case "add", "remove":
		groups, _, code, msg := groupList(st.raw, st.name == "remove")
		if code != "" {
			return code, msg
		}
		for _, g := range groups {
			if s.groups[strings.ToLower(g)] == nil {
				return "error.group.not_found", "Group " + g + " was not found"
			}
		}
	case "update":
		var m map[string]string
		if json.Unmarshal(st.raw, &m) != nil {
			return "error.command.create.object_expected", "The update step takes a JSON object"
		}
		if u := s.users[strings.ToLower(who)]; u != nil && u.typ == "adobeID" {
			return "error.update.adobeid.no", "An Adobe ID cannot be updated"
		}
	}
	return "", ""
}

// applyStep changes state for a validated step. Caller holds mu.
func (s *Server) applyStep(st step, who, reqID string) (changes []Change, code, msg string) {
	key := strings.ToLower(who)
	u := s.users[key]
	now := s.opts.Now()
	switch st.name {
	case "addAdobeID", "createEnterpriseID", "createFederatedID":
		var c createBody
		_ = json.Unmarshal(st.raw, &c)
		if u != nil {
			if c.Option == "updateIfAlreadyExists" {
				u.first, u.last = c.FirstName, c.LastName
			}
			return nil, "", ""
		}
		typ := map[string]string{"addAdobeID": "adobeID", "createEnterpriseID": "enterpriseID", "createFederatedID": "federatedID"}[st.name]
		if typ != "adobeID" && s.opts.Domains[strings.ToLower(domainOf(c.Email))] == DomainIncomplete {
			return nil, "error.internal.create_failed", "Operation failed for unknown reason"
		}
		s.putUser(&user{email: c.Email, first: c.FirstName, last: c.LastName, country: c.Country, typ: typ})
	case "add":
		if u == nil {
			return nil, "error.user.nonexistent", "User Id does not exist: " + who
		}
		groups, _, _, _ := groupList(st.raw, false)
		for _, name := range groups {
			g := s.groups[strings.ToLower(name)]
			if !u.groups[strings.ToLower(g.name)] {
				u.groups[strings.ToLower(g.name)] = true
				g.members[key] = true
				changes = append(changes, Change{Time: now, User: u.email, Profile: g.name, Op: OpAdd, RequestID: reqID})
			}
		}
	case "remove":
		if u == nil {
			return nil, "error.user.nonexistent", "User Id does not exist: " + who
		}
		groups, all, _, _ := groupList(st.raw, true)
		if all {
			for gk := range u.groups {
				groups = append(groups, s.groups[gk].name)
			}
		}
		for _, name := range groups {
			changes = append(changes, s.removeMember(u, s.groups[strings.ToLower(name)], reqID, now)...)
		}
	case "removeFromOrg":
		if u == nil {
			return nil, "", "" // "always reports a successful result ... even if the user did not exist"
		}
		for gk := range u.groups {
			changes = append(changes, s.removeMember(u, s.groups[gk], reqID, now)...)
		}
		delete(s.users, key)
	case "update":
		if u == nil {
			return nil, "error.user.nonexistent", "User Id does not exist: " + who
		}
		var m map[string]string
		_ = json.Unmarshal(st.raw, &m)
		if v, ok := m["firstname"]; ok {
			u.first = v
		}
		if v, ok := m["lastname"]; ok {
			u.last = v
		}
	}
	return changes, "", ""
}

func (s *Server) removeMember(u *user, g *group, reqID string, now time.Time) []Change {
	if g == nil || !u.groups[strings.ToLower(g.name)] {
		return nil
	}
	delete(u.groups, strings.ToLower(g.name))
	delete(g.members, strings.ToLower(u.email))
	return []Change{{Time: now, User: u.email, Profile: g.name, Op: OpRemove, RequestID: reqID}}
}

func domainOf(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[i+1:]
	}
	return ""
}
