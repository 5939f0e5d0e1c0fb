package marketofake

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// User is an emulated Marketo user (one who accepted the invitation).
type User struct {
	UserID       string
	ID           int
	FirstName    string
	LastName     string
	EmailAddress string
	APIOnly      bool
	LastLoginAt  time.Time
	ExpiresAt    time.Time
	Roles        []Assignment
}

// Assignment is a role in a workspace.
type Assignment struct {
	RoleID      int
	WorkspaceID int
}

// Role is an emulated role. Admin marks a role with the admin
// permissions; Marketo admins get Dynamic Chat admin implicitly. The API
// never shows it, as it never shows permissions.
type Role struct {
	ID           int
	Name         string
	Description  string
	Type         string // "system" or "custom"
	Admin        bool
	Hidden       bool
	OnlyAllZones bool
	CreatedAt    time.Time
}

// Workspace is an emulated workspace. Workspace 0 "AllZones" always
// exists and is not listed.
type Workspace struct {
	ID          int
	Name        string
	Description string
	CreatedAt   time.Time
}

// Change is a role assignment or removal that took effect through the API.
type Change struct {
	UserID      string
	RoleID      int
	WorkspaceID int
	Op          string // "add" or "remove"
	Time        time.Time
}

// InvitedUser is a pending invitation.
type InvitedUser struct {
	ID           int
	UserID       string
	FirstName    string
	LastName     string
	EmailAddress string
	APIOnly      bool
	Roles        []Assignment
	ExpiresAt    time.Time
	CreatedAt    time.Time
}

type user struct{ User }
type invitedUser struct{ InvitedUser }

type pendingUser struct {
	email, first, last string
	at                 time.Time
}

// ErrUnknown is returned when a user, role or workspace does not exist.
var ErrUnknown = errors.New("marketofake: unknown")

// AddWorkspace adds or replaces a workspace.
func (s *Server) AddWorkspace(w Workspace) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.CreatedAt.IsZero() {
		w.CreatedAt = s.now()
	}
	s.workspaces[w.ID] = &w
}

// AddRole adds or replaces a role.
func (s *Server) AddRole(r Role) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Type == "" {
		r.Type = "custom"
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now()
	}
	s.roles[r.ID] = &r
}

// AddUser adds or replaces a user; ID 0 gets the next id, an empty
// UserID the email. Role assignments are checked.
func (s *Server) AddUser(u User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(u)
}

func (s *Server) addUserLocked(u User) error {
	if u.UserID == "" {
		u.UserID = u.EmailAddress
	}
	if u.UserID == "" {
		return fmt.Errorf("marketofake: user without userid or email")
	}
	for _, a := range u.Roles {
		if err := s.checkAssignment(a); err != nil {
			return fmt.Errorf("marketofake: user %s: %w", u.UserID, err)
		}
	}
	if u.ID == 0 {
		s.nextID++
		u.ID = s.nextID
	}
	s.nextID = max(s.nextID, u.ID)
	u.Roles = slices.Clone(u.Roles)
	s.users[strings.ToLower(u.UserID)] = &user{u}
	return nil
}

func (s *Server) checkAssignment(a Assignment) error {
	if _, ok := s.roles[a.RoleID]; !ok {
		return fmt.Errorf("%w role %d", ErrUnknown, a.RoleID)
	}
	if _, ok := s.workspaces[a.WorkspaceID]; !ok && a.WorkspaceID != 0 {
		return fmt.Errorf("%w workspace %d", ErrUnknown, a.WorkspaceID)
	}
	return nil
}

// AssignRole gives a user a role directly (setup, not recorded in Applied).
func (s *Server) AssignRole(userID string, roleID, workspaceID int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.materialize()
	u, ok := s.users[strings.ToLower(userID)]
	if !ok {
		return fmt.Errorf("%w user %s", ErrUnknown, userID)
	}
	a := Assignment{roleID, workspaceID}
	if err := s.checkAssignment(a); err != nil {
		return err
	}
	if !slices.Contains(u.Roles, a) {
		u.Roles = append(u.Roles, a)
	}
	return nil
}

// SyncFromAdobe is the Admin Console adding a Marketo Engage user: the
// user appears UserLag later with the role "Standard User" in the
// workspace "Default", as a user added through the Admin Console does
// (mkto-docs:…/marketo-with-adobe-identity/add-or-remove-a-user.md).
// Hook it to the Adobe emulator's change callback.
func (s *Server) SyncFromAdobe(email, firstName, lastName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, pendingUser{email: strings.TrimSpace(email), first: firstName, last: lastName, at: s.now().Add(s.opt.UserLag)})
	s.materialize()
}

// materialize adds the synced users whose lag is over. Callers hold mu.
func (s *Server) materialize() {
	now := s.now()
	keep := s.pending[:0]
	for _, p := range s.pending {
		if now.Before(p.at) {
			keep = append(keep, p)
			continue
		}
		if s.findByEmail(p.email) != nil {
			continue
		}
		u := User{EmailAddress: p.email, FirstName: p.first, LastName: p.last, UserID: p.email}
		if s.opt.IMS {
			u.UserID = strings.ToUpper(randomHex(12)) + "@AdobeID"
		}
		if r := s.roleByName("Standard User"); r != nil {
			if w := s.workspaceByName("Default"); w != nil {
				u.Roles = []Assignment{{r.ID, w.ID}}
			}
		}
		_ = s.addUserLocked(u)
	}
	s.pending = keep
}

func (s *Server) findByEmail(email string) *user {
	for _, u := range s.users {
		if strings.EqualFold(u.EmailAddress, email) {
			return u
		}
	}
	return nil
}

func (s *Server) roleByName(name string) *Role {
	for _, r := range s.roles {
		if strings.EqualFold(r.Name, name) {
			return r
		}
	}
	return nil
}

func (s *Server) workspaceByName(name string) *Workspace {
	if strings.EqualFold(name, "AllZones") {
		return &Workspace{ID: 0, Name: "AllZones"}
	}
	for _, w := range s.workspaces {
		if strings.EqualFold(w.Name, name) {
			return w
		}
	}
	return nil
}

// AcceptInvite turns a pending invitation into a user, as when the
// invitee sets a password.
func (s *Server) AcceptInvite(userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.invited[strings.ToLower(userID)]
	if !ok {
		return fmt.Errorf("%w invitation %s", ErrUnknown, userID)
	}
	delete(s.invited, strings.ToLower(userID))
	return s.addUserLocked(User{UserID: inv.UserID, ID: inv.ID, FirstName: inv.FirstName, LastName: inv.LastName,
		EmailAddress: inv.EmailAddress, APIOnly: inv.APIOnly, ExpiresAt: inv.ExpiresAt, Roles: inv.Roles})
}

// Roles returns the user's role assignments (nil for unknown users).
func (s *Server) Roles(userID string) []Assignment {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.materialize()
	if u, ok := s.users[strings.ToLower(userID)]; ok {
		return slices.Clone(u.Roles)
	}
	return nil
}

// User returns a copy of the user, looked up by userid or email.
func (s *Server) User(idOrEmail string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.materialize()
	if u, ok := s.users[strings.ToLower(idOrEmail)]; ok {
		c := u.User
		c.Roles = slices.Clone(u.Roles)
		return c, true
	}
	if u := s.findByEmail(idOrEmail); u != nil {
		c := u.User
		c.Roles = slices.Clone(u.Roles)
		return c, true
	}
	return User{}, false
}

// IsAdmin says whether the user holds a role marked Admin, which gives
// Dynamic Chat admin rights implicitly.
func (s *Server) IsAdmin(userID string) bool {
	for _, a := range s.Roles(userID) {
		s.mu.Lock()
		r := s.roles[a.RoleID]
		s.mu.Unlock()
		if r != nil && r.Admin {
			return true
		}
	}
	return false
}

// Users returns every user sorted by id.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.materialize()
	return s.sortedUsers()
}

func (s *Server) sortedUsers() []User {
	out := make([]User, 0, len(s.users))
	for _, u := range s.users {
		c := u.User
		c.Roles = slices.Clone(u.Roles)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Applied lists every role change that took effect through the API, in order.
func (s *Server) Applied() []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.applied)
}

// Invited returns the pending invitation of userID.
func (s *Server) Invited(userID string) (InvitedUser, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inv, ok := s.invited[strings.ToLower(userID)]; ok {
		return inv.InvitedUser, true
	}
	return InvitedUser{}, false
}
