package adobe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/chataccess/chataccess/integrations/failure"
)

const opAction = "umapi.action"

// codeValidation is the Code of a command the client refuses to send
// because UMAPI documents that it would refuse it.
const codeValidation = "client.validation"

// IdentityType is the Adobe account type used to create a missing user
// (umapi-doc:docs/en/api/ActionsCmds.md).
type IdentityType string

// Identity types.
const (
	AdobeID      IdentityType = "adobeID"
	EnterpriseID IdentityType = "enterpriseID"
	FederatedID  IdentityType = "federatedID"
)

// UserSpec is who a command is about and how to create them if missing.
type UserSpec struct {
	Email     string
	Type      IdentityType // "" means: do not create, the user must exist
	Country   string       // ISO-2, required for federatedID
	FirstName string
	LastName  string
	// Domain is only for Federated IDs whose username is not an email.
	Domain string
	// Username overrides the command's "user" for non-email usernames.
	Username string
}

// CreateStep creates the account: addAdobeID, createEnterpriseID or createFederatedID.
type CreateStep struct {
	Type      IdentityType
	Email     string
	Country   string
	FirstName string
	LastName  string
	Option    string // "ignoreIfAlreadyExists" (default) or "updateIfAlreadyExists"
}

// Step is one entry of a command's "do" list. Exactly one field is set.
type Step struct {
	Create        *CreateStep
	Add           []string
	Remove        []string
	RemoveAll     bool
	RemoveFromOrg bool
}

// MarshalJSON renders the step as UMAPI's one-key object.
func (s Step) MarshalJSON() ([]byte, error) {
	switch {
	case s.Create != nil:
		key := map[IdentityType]string{AdobeID: "addAdobeID", EnterpriseID: "createEnterpriseID", FederatedID: "createFederatedID"}[s.Create.Type]
		if key == "" {
			return nil, fmt.Errorf("unknown identity type %q", s.Create.Type)
		}
		body := map[string]string{"email": s.Create.Email, "option": s.Create.Option}
		if body["option"] == "" {
			body["option"] = "ignoreIfAlreadyExists"
		}
		for k, v := range map[string]string{"country": s.Create.Country, "firstname": s.Create.FirstName, "lastname": s.Create.LastName} {
			if v != "" {
				body[k] = v
			}
		}
		return json.Marshal(map[string]any{key: body})
	case s.Add != nil:
		return json.Marshal(map[string]any{"add": map[string][]string{"group": s.Add}})
	case s.RemoveAll:
		return []byte(`{"remove":"all"}`), nil
	case s.Remove != nil:
		return json.Marshal(map[string]any{"remove": map[string][]string{"group": s.Remove}})
	case s.RemoveFromOrg:
		return []byte(`{"removeFromOrg":{}}`), nil
	}
	return nil, fmt.Errorf("empty step")
}

func (s Step) groups() []string {
	if s.Add != nil {
		return s.Add
	}
	return s.Remove
}

// Command is one entry of an action call: one user and its steps.
type Command struct {
	User      string `json:"user"`
	Domain    string `json:"domain,omitempty"`
	RequestID string `json:"requestID,omitempty"`
	Do        []Step `json:"do"`
}

// CreateUser returns the create step for u with ignoreIfAlreadyExists,
// or nil when u.Type is empty.
func CreateUser(u UserSpec) *Step {
	if u.Type == "" {
		return nil
	}
	return &Step{Create: &CreateStep{Type: u.Type, Email: u.Email, Country: strings.ToUpper(u.Country),
		FirstName: u.FirstName, LastName: u.LastName, Option: "ignoreIfAlreadyExists"}}
}

// AddGroups returns add steps of at most MaxGroupsPerStep groups each.
func AddGroups(groups ...string) []Step {
	var out []Step
	for _, g := range chunk(dedupe(groups), MaxGroupsPerStep) {
		out = append(out, Step{Add: g})
	}
	return out
}

// RemoveGroups returns remove steps of at most MaxGroupsPerStep groups each.
func RemoveGroups(groups ...string) []Step {
	var out []Step
	for _, g := range chunk(dedupe(groups), MaxGroupsPerStep) {
		out = append(out, Step{Remove: g})
	}
	return out
}

// NewCommand builds the command for u: create (when u.Type is set and
// there are groups to add), add, then remove.
func NewCommand(u UserSpec, requestID string, add, remove []string) Command {
	cmd := Command{User: u.Email, Domain: u.Domain, RequestID: requestID}
	if u.Username != "" {
		cmd.User = u.Username
	}
	if s := CreateUser(u); s != nil && len(add) > 0 {
		cmd.Do = append(cmd.Do, *s)
	}
	cmd.Do = append(cmd.Do, AddGroups(add...)...)
	cmd.Do = append(cmd.Do, RemoveGroups(remove...)...)
	return cmd
}

// validateCommands applies UMAPI's documented limits before any call:
// at most 10 commands, at most 10 groups per step, create first,
// removeFromOrg last, one user per call (umapi-doc:docs/en/api/ActionsCmds.md).
func (c *Client) validateCommands(cmds []Command) error {
	bad := func(i int, msg string) error {
		e := newError(opAction, failure.ReasonInvalid)
		e.Code, e.Message = codeValidation, msg
		if i >= 0 && i < len(cmds) {
			e.User, e.RequestID = cmds[i].User, cmds[i].RequestID
		}
		return e
	}
	if len(cmds) == 0 {
		return bad(-1, "no commands")
	}
	if len(cmds) > MaxCommandsPerCall {
		return bad(-1, fmt.Sprintf("%d commands, at most %d per call", len(cmds), MaxCommandsPerCall))
	}
	seen := map[string]bool{}
	for i, cmd := range cmds {
		key := strings.ToLower(cmd.User)
		if cmd.User == "" {
			return bad(i, "command has no user")
		}
		if seen[key] {
			return bad(i, "user "+cmd.User+" appears twice in one call")
		}
		seen[key] = true
		if len(cmd.Do) == 0 {
			return bad(i, "command has no steps")
		}
		if len(cmd.Do) > c.cfg.MaxStepsPerCommand {
			return bad(i, fmt.Sprintf("%d steps, at most %d per command", len(cmd.Do), c.cfg.MaxStepsPerCommand))
		}
		for j, s := range cmd.Do {
			if s.Create != nil && j != 0 {
				return bad(i, "create step must come first")
			}
			if s.RemoveFromOrg && j != len(cmd.Do)-1 {
				return bad(i, "removeFromOrg must be the last step")
			}
			if g := s.groups(); len(g) > MaxGroupsPerStep {
				return bad(i, fmt.Sprintf("%d groups in one step, at most %d", len(g), MaxGroupsPerStep))
			}
			if (s.Add != nil || s.Remove != nil) && len(s.groups()) == 0 {
				return bad(i, "empty group list")
			}
		}
	}
	return nil
}

// ActionResult is UMAPI's answer to an action call (umapi-doc:docs/en/api/ActionsRef.md).
type ActionResult struct {
	Result              string         `json:"result"`
	Completed           int            `json:"completed"`
	NotCompleted        int            `json:"notCompleted"`
	CompletedInTestMode int            `json:"completedInTestMode"`
	Errors              []CommandIssue `json:"errors,omitempty"`
	Warnings            []CommandIssue `json:"warnings,omitempty"`
	Message             string         `json:"message,omitempty"`
	TestOnly            bool           `json:"-"`

	cmds []Command
}

// CommandIssue is one entry of "errors" or "warnings". Index and Step
// are -1 when absent; step is parsed leniently (documented as string,
// sent as integer).
type CommandIssue struct {
	Index     int
	Step      int
	RequestID string
	User      string
	Code      string
	Message   string
}

// UnmarshalJSON accepts index/step as numbers or strings, and both
// errorCode and warningCode.
func (ci *CommandIssue) UnmarshalJSON(b []byte) error {
	var raw struct {
		Index       json.RawMessage `json:"index"`
		Step        json.RawMessage `json:"step"`
		RequestID   string          `json:"requestID"`
		User        string          `json:"user"`
		Message     string          `json:"message"`
		ErrorCode   string          `json:"errorCode"`
		WarningCode string          `json:"warningCode"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*ci = CommandIssue{Index: -1, Step: -1, RequestID: raw.RequestID, User: raw.User, Message: raw.Message, Code: raw.ErrorCode}
	if ci.Code == "" {
		ci.Code = raw.WarningCode
	}
	if n, ok := lenientInt(raw.Index); ok && n >= 0 && n < 1<<20 {
		ci.Index = int(n)
	}
	if n, ok := lenientInt(raw.Step); ok && n >= 0 && n < 1<<20 {
		ci.Step = int(n)
	}
	return nil
}

// parseActionResult parses an action response body.
func parseActionResult(body []byte) (*ActionResult, error) {
	var r ActionResult
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode action response: %w", err)
	}
	if r.Result == "" {
		return nil, fmt.Errorf("action response has no result")
	}
	return &r, nil
}

// callError returns the whole-call failure, or nil when the call was
// understood (success, partial, or error with per-command errors).
func (r *ActionResult) callError() *failure.Error {
	switch r.Result {
	case "success", "partial":
		return nil
	case "error":
		if len(r.Errors) > 0 {
			return nil
		}
	}
	e := newError(opAction, reasonForCode(r.Result))
	e.Status, e.Code, e.Message = http.StatusOK, failure.Clip(r.Result, 120), failure.Clip(r.Message, failure.MessageLen)
	if e.Reason == failure.ReasonMaintenance {
		e.RetryAfter = orgMigratingDelay
	}
	return e
}

// ErrorFor returns the first error of command i, mapped to the command's
// user, requestID and the groups of the failing step (as Object); nil
// when command i succeeded. Index and step stay in r.Errors.
func (r *ActionResult) ErrorFor(i int) *failure.Error {
	if i < 0 {
		return nil
	}
	for _, ei := range r.Errors {
		idx := ei.Index
		if idx < 0 && ei.RequestID != "" { // fall back to the requestID
			for j, cmd := range r.cmds {
				if cmd.RequestID == ei.RequestID {
					idx = j
				}
			}
		}
		if idx != i {
			continue
		}
		e := newError(opAction, reasonForCode(ei.Code))
		e.Status, e.Code, e.Message = http.StatusOK, failure.Clip(ei.Code, 120), failure.Clip(ei.Message, failure.MessageLen)
		e.User, e.RequestID = failure.Clip(ei.User, 254), failure.Clip(ei.RequestID, 120)
		if e.Reason == failure.ReasonMaintenance {
			e.RetryAfter = orgMigratingDelay
		}
		if i < len(r.cmds) {
			cmd := r.cmds[i]
			if e.User == "" {
				e.User = cmd.User
			}
			if e.RequestID == "" {
				e.RequestID = cmd.RequestID
			}
			if ei.Step >= 0 && ei.Step < len(cmd.Do) {
				e.Object = profilesObject(cmd.Do[ei.Step].groups())
			}
		}
		return e
	}
	return nil
}

// WarningsFor returns the warnings of command i.
func (r *ActionResult) WarningsFor(i int) []CommandIssue {
	var out []CommandIssue
	for _, w := range r.Warnings {
		if w.Index == i {
			out = append(out, w)
		}
	}
	return out
}

// Action sends up to 10 commands in one call. With testOnly UMAPI only
// validates (completedInTestMode counts what would succeed). A returned
// error is a whole-call failure; per-command failures are in
// ActionResult.ErrorFor.
func (c *Client) Action(ctx context.Context, cmds []Command, testOnly bool) (*ActionResult, error) {
	return c.action(ctx, cmds, testOnly, false)
}

func (c *Client) action(ctx context.Context, cmds []Command, testOnly, slotTaken bool) (*ActionResult, error) {
	if err := c.validateCommands(cmds); err != nil {
		return nil, err
	}
	body, err := json.Marshal(cmds)
	if err != nil {
		e := newError(opAction, failure.ReasonInvalid)
		e.Code, e.Message, e.Err = codeValidation, "cannot encode the commands", err
		return nil, e
	}
	var q url.Values
	if testOnly {
		q = url.Values{"testOnly": {"true"}}
	}
	cl := call{op: opAction, kind: kindAction, method: http.MethodPost,
		path: "/action/" + url.PathEscape(c.cfg.OrgID), query: q, body: body, slotTaken: slotTaken}
	if len(cmds) == 1 {
		cl.user = cmds[0].User
	}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	r, perr := parseActionResult(resp.body)
	if perr != nil {
		return nil, c.unreadable(cl, resp, perr)
	}
	r.TestOnly, r.cmds = testOnly, cmds
	if e := r.callError(); e != nil {
		return nil, e
	}
	return r, nil
}

func chunk(xs []string, n int) [][]string {
	var out [][]string
	for len(xs) > n {
		out = append(out, xs[:n:n])
		xs = xs[n:]
	}
	if len(xs) > 0 {
		out = append(out, xs)
	}
	return out
}

func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
