package marketofake

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Seed is the file format of LoadSeed (YAML, or JSON which YAML reads).
// Roles and workspaces in user assignments may be named or numbered.
type Seed struct {
	Workspaces []SeedWorkspace `yaml:"workspaces"`
	Roles      []SeedRole      `yaml:"roles"`
	Users      []SeedUser      `yaml:"users"`
	Invited    []SeedUser      `yaml:"invited"`
}

// SeedWorkspace is a workspace in a seed.
type SeedWorkspace struct {
	ID          int    `yaml:"id"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// SeedRole is a role in a seed. Admin marks the role whose holders are
// Marketo admins (and so Dynamic Chat admins).
type SeedRole struct {
	ID           int    `yaml:"id"`
	Name         string `yaml:"name"`
	Description  string `yaml:"description"`
	Type         string `yaml:"type"`
	Admin        bool   `yaml:"admin"`
	Hidden       bool   `yaml:"hidden"`
	OnlyAllZones bool   `yaml:"onlyAllZones"`
}

// SeedUser is a user or invitation in a seed.
type SeedUser struct {
	UserID       string           `yaml:"userid"`
	ID           int              `yaml:"id"`
	FirstName    string           `yaml:"firstName"`
	LastName     string           `yaml:"lastName"`
	EmailAddress string           `yaml:"emailAddress"`
	APIOnly      bool             `yaml:"apiOnly"`
	LastLoginAt  time.Time        `yaml:"lastLoginAt"`
	ExpiresAt    time.Time        `yaml:"expiresAt"`
	Roles        []SeedAssignment `yaml:"roles"`
}

// SeedAssignment names a role in a workspace by name or id.
type SeedAssignment struct {
	Role        string `yaml:"role"`
	RoleID      int    `yaml:"roleId"`
	Workspace   string `yaml:"workspace"`
	WorkspaceID int    `yaml:"workspaceId"`
}

// LoadSeed adds the workspaces, roles, users and invitations of a YAML
// or JSON seed. Unknown keys are errors; every problem is reported.
func (s *Server) LoadSeed(r io.Reader) error {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var seed Seed
	if err := dec.Decode(&seed); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("marketofake: seed: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var errs []error
	for i, w := range seed.Workspaces {
		if w.Name == "" || w.ID <= 0 {
			errs = append(errs, fmt.Errorf("workspaces[%d]: id > 0 and name are required", i))
			continue
		}
		s.workspaces[w.ID] = &Workspace{ID: w.ID, Name: w.Name, Description: w.Description, CreatedAt: now}
	}
	for i, r := range seed.Roles {
		if r.Name == "" || r.ID <= 0 {
			errs = append(errs, fmt.Errorf("roles[%d]: id > 0 and name are required", i))
			continue
		}
		typ := r.Type
		if typ == "" {
			typ = "custom"
		}
		s.roles[r.ID] = &Role{ID: r.ID, Name: r.Name, Description: r.Description, Type: typ, Admin: r.Admin, Hidden: r.Hidden, OnlyAllZones: r.OnlyAllZones, CreatedAt: now}
	}
	resolve := func(path string, sas []SeedAssignment) []Assignment {
		out, problems := s.resolveSeed(path, sas)
		errs = append(errs, problems...)
		return out
	}
	for i, u := range seed.Users {
		path := fmt.Sprintf("users[%d]", i)
		err := s.addUserLocked(User{UserID: u.UserID, ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, EmailAddress: u.EmailAddress,
			APIOnly: u.APIOnly, LastLoginAt: u.LastLoginAt, ExpiresAt: u.ExpiresAt, Roles: resolve(path, u.Roles)})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
		}
	}
	for i, u := range seed.Invited {
		path := fmt.Sprintf("invited[%d]", i)
		id := u.UserID
		if id == "" {
			id = u.EmailAddress
		}
		if id == "" {
			errs = append(errs, fmt.Errorf("%s: userid or emailAddress is required", path))
			continue
		}
		s.nextID++
		s.invited[strings.ToLower(id)] = &invitedUser{InvitedUser{ID: s.nextID, UserID: id, FirstName: u.FirstName, LastName: u.LastName,
			EmailAddress: u.EmailAddress, APIOnly: u.APIOnly, Roles: resolve(path, u.Roles), CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("marketofake: seed: %w", err)
	}
	return nil
}

// resolveSeed turns a seed's named or numbered assignments into
// assignments, with a problem for each it cannot. Caller holds mu.
func (s *Server) resolveSeed(path string, sas []SeedAssignment) (out []Assignment, errs []error) {
	for j, sa := range sas {
		a := Assignment{RoleID: sa.RoleID, WorkspaceID: sa.WorkspaceID}
		if sa.Role != "" {
			if r := s.roleByName(sa.Role); r != nil {
				a.RoleID = r.ID
			} else {
				errs = append(errs, fmt.Errorf("%s.roles[%d]: unknown role %q", path, j, sa.Role))
				continue
			}
		}
		if sa.Workspace != "" {
			if w := s.workspaceByName(sa.Workspace); w != nil {
				a.WorkspaceID = w.ID
			} else {
				errs = append(errs, fmt.Errorf("%s.roles[%d]: unknown workspace %q", path, j, sa.Workspace))
				continue
			}
		}
		if err := s.checkAssignment(a); err != nil {
			errs = append(errs, fmt.Errorf("%s.roles[%d]: %w", path, j, err))
			continue
		}
		out = append(out, a)
	}
	return out, errs
}
