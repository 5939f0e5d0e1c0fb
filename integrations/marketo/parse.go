package marketo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// User is a Marketo user. allusers.json fills the first six fields;
// user.json adds the rest (mkto-dev:help/rest-api/user-management.md).
type User struct {
	// UserID is the login id used in every user path: an email on
	// Marketo identity, a generated id on Adobe identity.
	UserID       string
	ID           int
	FirstName    string
	LastName     string
	EmailAddress string
	APIOnly      bool

	OptedIn      bool
	FailedLogins int
	IsLocked     bool
	LockedReason string
	// Roles is userRoleWorkspaces (user.json only).
	Roles       []RoleAssignment
	ExpiresAt   time.Time
	LastLoginAt time.Time
}

// RoleAssignment is one role of a user in one workspace.
type RoleAssignment struct {
	RoleID        int
	RoleName      string
	WorkspaceID   int
	WorkspaceName string
}

// Role is a Marketo role. The API returns no permissions.
type Role struct {
	ID           int
	Name         string
	Description  string
	Type         string // "system" or "custom"
	Hidden       bool
	OnlyAllZones bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Workspace is a Marketo workspace. The system "AllZones" workspace has
// id 0 in the samples and is not listed by workspaces.json.
type Workspace struct {
	ID          int
	Name        string
	Description string
	Status      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// InvitedUser is a user who has not accepted the invitation yet.
type InvitedUser struct {
	ID             int
	UserID         string
	FirstName      string
	LastName       string
	EmailAddress   string
	SubscriptionID int
	Status         string
	ExpiresAt      time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Token is an identity response.
type Token struct {
	AccessToken string
	TokenType   string
	// ExpiresIn is the remaining lifetime (a new token lives 3600 s).
	ExpiresIn time.Duration
	// Scope is the API-only user that owns the custom service.
	Scope string
}

// String never shows the token.
func (t Token) String() string {
	return fmt.Sprintf("marketo.Token{type:%s expires_in:%s scope:%s}", t.TokenType, t.ExpiresIn, t.Scope)
}

// flexInt reads 12, "12" or null.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("not a number: %.20q", s)
	}
	*f = flexInt(n)
	return nil
}

// flexBool reads true, "true", 1 or null.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(bytes.TrimSpace(b)), `"`) {
	case "true", "1":
		*f = true
	case "false", "0", "", "null":
		*f = false
	default:
		return fmt.Errorf("not a boolean: %.20q", b)
	}
	return nil
}

// flexString reads a string, a number or null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	*f = flexString(b)
	return nil
}

// mktoTime layouts seen in the docs: "20200731T20:49:54.0t+0000",
// "2020-12-31T08:00:00.000t+0000", ISO-8601 "2020-12-31T23:59:59-05:00".
// Go accepts fractional seconds after the seconds field when parsing.
var timeLayouts = [...]string{
	"20060102T15:04:05t-0700",
	"2006-01-02T15:04:05t-0700",
	"20060102T15:04:05Z0700",
	"2006-01-02T15:04:05Z0700",
	time.RFC3339Nano,
}

// ParseTime reads a Marketo datetime (yyyyMMdd'T'HH:mm:ss.SSS't'+|-hhmm
// and the variants in the samples). It returns the zero time for empty
// or unreadable values: dates are informational, never a reason to fail.
func ParseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return time.Time{}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

type wireAssignment struct {
	AccessRoleID   flexInt    `json:"accessRoleId"`
	AccessRoleName flexString `json:"accessRoleName"`
	WorkspaceID    flexInt    `json:"workspaceId"`
	WorkspaceName  flexString `json:"workspaceName"`
}

func (w wireAssignment) assignment() RoleAssignment {
	return RoleAssignment{RoleID: int(w.AccessRoleID), RoleName: string(w.AccessRoleName), WorkspaceID: int(w.WorkspaceID), WorkspaceName: string(w.WorkspaceName)}
}

type wireUser struct {
	UserID       flexString       `json:"userid"`
	UserIDAlt    flexString       `json:"userId"`
	ID           flexInt          `json:"id"`
	FirstName    flexString       `json:"firstName"`
	LastName     flexString       `json:"lastName"`
	EmailAddress flexString       `json:"emailAddress"`
	APIOnly      flexBool         `json:"apiOnly"`
	OptedIn      flexBool         `json:"optedIn"`
	FailedLogins flexInt          `json:"failedLogins"`
	IsLocked     flexBool         `json:"isLocked"`
	LockedReason flexString       `json:"lockedReason"`
	Roles        []wireAssignment `json:"userRoleWorkspaces"`
	ExpiresAt    flexString       `json:"expiresAt"`
	LastLoginAt  flexString       `json:"lastLoginAt"`
	Errors       []wireError      `json:"errors"`
}

func (w wireUser) user() User {
	u := User{
		UserID: string(w.UserID), ID: int(w.ID), FirstName: string(w.FirstName), LastName: string(w.LastName),
		EmailAddress: string(w.EmailAddress), APIOnly: bool(w.APIOnly), OptedIn: bool(w.OptedIn),
		FailedLogins: int(w.FailedLogins), IsLocked: bool(w.IsLocked), LockedReason: string(w.LockedReason),
		ExpiresAt: ParseTime(string(w.ExpiresAt)), LastLoginAt: ParseTime(string(w.LastLoginAt)),
	}
	if u.UserID == "" {
		u.UserID = string(w.UserIDAlt)
	}
	for _, a := range w.Roles {
		u.Roles = append(u.Roles, a.assignment())
	}
	return u
}

type wireError struct {
	Code    flexString `json:"code"`
	Message flexString `json:"message"`
}

// errUnexpectedShape marks a 200 body that is not what the endpoint documents.
var errUnexpectedShape = errors.New("unexpected response shape")

func shapeErr(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", errUnexpectedShape, what, err)
}

// ParseUsers reads an allusers.json page: a bare JSON array.
func ParseUsers(body []byte) ([]User, error) {
	var ws []wireUser
	if err := json.Unmarshal(body, &ws); err != nil {
		return nil, shapeErr("users page", err)
	}
	out := make([]User, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.user())
	}
	return out, nil
}

// ParseUser reads a user.json object.
func ParseUser(body []byte) (User, error) {
	var w wireUser
	if err := json.Unmarshal(body, &w); err != nil {
		return User{}, shapeErr("user", err)
	}
	if w.UserID == "" && w.UserIDAlt == "" && w.ID == 0 {
		return User{}, shapeErr("user", errors.New("no userid"))
	}
	return w.user(), nil
}

// ParseAssignments reads roles.json of a user, and the answers of
// roles/create.json and roles/delete.json: a bare array.
func ParseAssignments(body []byte) ([]RoleAssignment, error) {
	var ws []wireAssignment
	if err := json.Unmarshal(body, &ws); err != nil {
		return nil, shapeErr("role assignments", err)
	}
	out := make([]RoleAssignment, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.assignment())
	}
	return out, nil
}

type wireRole struct {
	ID             flexInt    `json:"id"`
	Name           flexString `json:"name"`
	Description    flexString `json:"description"`
	Type           flexString `json:"type"`
	Hidden         flexBool   `json:"hidden"`
	IsHidden       flexBool   `json:"isHidden"`
	OnlyAllZones   flexBool   `json:"onlyAllZones"`
	IsOnlyAllZones flexBool   `json:"isOnlyAllZones"`
	CreatedAt      flexString `json:"createdAt"`
	UpdatedAt      flexString `json:"updatedAt"`
}

// ParseRoles reads users/roles.json. The guide names the flags hidden
// and onlyAllZones, the OpenAPI file isHidden and isOnlyAllZones; both
// are accepted.
func ParseRoles(body []byte) ([]Role, error) {
	var ws []wireRole
	if err := json.Unmarshal(body, &ws); err != nil {
		return nil, shapeErr("roles", err)
	}
	out := make([]Role, 0, len(ws))
	for _, w := range ws {
		out = append(out, Role{
			ID: int(w.ID), Name: string(w.Name), Description: string(w.Description), Type: string(w.Type),
			Hidden: bool(w.Hidden || w.IsHidden), OnlyAllZones: bool(w.OnlyAllZones || w.IsOnlyAllZones),
			CreatedAt: ParseTime(string(w.CreatedAt)), UpdatedAt: ParseTime(string(w.UpdatedAt)),
		})
	}
	return out, nil
}

type wireWorkspace struct {
	ID          flexInt    `json:"id"`
	Name        flexString `json:"name"`
	Description flexString `json:"description"`
	Status      flexString `json:"status"`
	CreatedAt   flexString `json:"createdAt"`
	UpdatedAt   flexString `json:"updatedAt"`
}

// ParseWorkspaces reads users/workspaces.json.
func ParseWorkspaces(body []byte) ([]Workspace, error) {
	var ws []wireWorkspace
	if err := json.Unmarshal(body, &ws); err != nil {
		return nil, shapeErr("workspaces", err)
	}
	out := make([]Workspace, 0, len(ws))
	for _, w := range ws {
		out = append(out, Workspace{
			ID: int(w.ID), Name: string(w.Name), Description: string(w.Description), Status: string(w.Status),
			CreatedAt: ParseTime(string(w.CreatedAt)), UpdatedAt: ParseTime(string(w.UpdatedAt)),
		})
	}
	return out, nil
}

type wireInvited struct {
	ID             flexInt    `json:"id"`
	UserID         flexString `json:"userid"`
	UserIDAlt      flexString `json:"userId"`
	FirstName      flexString `json:"firstName"`
	LastName       flexString `json:"lastName"`
	EmailAddress   flexString `json:"emailAddress"`
	SubscriptionID flexInt    `json:"subscriptionId"`
	Status         flexString `json:"status"`
	ExpiresAt      flexString `json:"expiresAt"`
	CreatedAt      flexString `json:"createdAt"`
	UpdatedAt      flexString `json:"updatedAt"`
}

// ParseInvitedUser reads users/{userid}/invite.json. The guide's sample
// spells the id "userId", the OpenAPI file "userid"; both are accepted.
func ParseInvitedUser(body []byte) (InvitedUser, error) {
	var w wireInvited
	if err := json.Unmarshal(body, &w); err != nil {
		return InvitedUser{}, shapeErr("invited user", err)
	}
	u := InvitedUser{
		ID: int(w.ID), UserID: string(w.UserID), FirstName: string(w.FirstName), LastName: string(w.LastName),
		EmailAddress: string(w.EmailAddress), SubscriptionID: int(w.SubscriptionID), Status: string(w.Status),
		ExpiresAt: ParseTime(string(w.ExpiresAt)), CreatedAt: ParseTime(string(w.CreatedAt)), UpdatedAt: ParseTime(string(w.UpdatedAt)),
	}
	if u.UserID == "" {
		u.UserID = string(w.UserIDAlt)
	}
	return u, nil
}

type wireToken struct {
	AccessToken flexString `json:"access_token"`
	TokenType   flexString `json:"token_type"`
	ExpiresIn   flexInt    `json:"expires_in"`
	Scope       flexString `json:"scope"`
}

// ParseToken reads an identity response:
// {"access_token":"…","token_type":"bearer","expires_in":3599,"scope":"apis@acmeinc.com"}
// (mkto-dev:help/rest-api/authentication.md). Parse errors never quote
// the body, which holds the token.
func ParseToken(body []byte) (Token, error) {
	var w wireToken
	if err := json.Unmarshal(body, &w); err != nil {
		return Token{}, fmt.Errorf("%w: token: invalid JSON", errUnexpectedShape)
	}
	if w.AccessToken == "" {
		return Token{}, fmt.Errorf("%w: token: no access_token", errUnexpectedShape)
	}
	if w.ExpiresIn < 0 {
		return Token{}, fmt.Errorf("%w: token: negative expires_in", errUnexpectedShape)
	}
	return Token{
		AccessToken: string(w.AccessToken), TokenType: string(w.TokenType),
		ExpiresIn: time.Duration(min(int64(w.ExpiresIn), 1<<31)) * time.Second, Scope: string(w.Scope),
	}, nil
}

// ErrorBody is what ParseErrorBody found in a failure body.
type ErrorBody struct {
	// Code is the first error code, e.g. "601" or "invalid_client".
	Code    string
	Message string
	// Success is the envelope's "success" flag; nil when absent.
	Success *bool
	// Errors counts the entries of "errors".
	Errors int
}

// Failed says whether the body reports a failure by itself (an envelope
// with success:false or a non-empty errors list, or an OAuth error).
func (b ErrorBody) Failed() bool {
	return (b.Success != nil && !*b.Success) || b.Errors > 0 || b.Code != ""
}

type wireEnvelope struct {
	RequestID        flexString  `json:"requestId"`
	Success          *flexBool   `json:"success"`
	Errors           []wireError `json:"errors"`
	OAuthError       flexString  `json:"error"`
	OAuthDescription flexString  `json:"error_description"`
	ErrorCode        flexString  `json:"error_code"`
	Message          flexString  `json:"message"`
}

// ParseErrorBody reads the error forms Marketo answers with: the user
// management form {"errors":[{"code":601,"message":"…"}]} (int codes in
// the OpenAPI file), the standard envelope {"requestId":"…","success":false,
// "errors":[{"code":"601","message":"Unauthorized"}]} (quoted codes,
// error-codes.md), and the OAuth form {"error":"…","error_description":"…"}
// of the identity endpoint. Bodies that are not a JSON object (HTML from
// a proxy, arrays, "true") give an empty ErrorBody and no error.
func ParseErrorBody(body []byte) (ErrorBody, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return ErrorBody{}, nil
	}
	var w wireEnvelope
	if err := json.Unmarshal(body, &w); err != nil {
		return ErrorBody{}, shapeErr("error body", err)
	}
	var out ErrorBody
	if w.Success != nil {
		b := bool(*w.Success)
		out.Success = &b
	}
	out.Errors = len(w.Errors)
	switch {
	case len(w.Errors) > 0:
		out.Code, out.Message = string(w.Errors[0].Code), string(w.Errors[0].Message)
	case w.OAuthError != "":
		out.Code, out.Message = string(w.OAuthError), string(w.OAuthDescription)
	case w.ErrorCode != "":
		out.Code, out.Message = string(w.ErrorCode), string(w.Message)
	}
	out.Code = strings.TrimSpace(out.Code)
	return out, nil
}
