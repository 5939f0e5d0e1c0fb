package adobefake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// UserSeed describes a user to create.
type UserSeed struct {
	Email     string   `json:"email" yaml:"email"`
	FirstName string   `json:"firstname,omitempty" yaml:"firstname,omitempty"`
	LastName  string   `json:"lastname,omitempty" yaml:"lastname,omitempty"`
	Country   string   `json:"country,omitempty" yaml:"country,omitempty"`
	Type      string   `json:"type,omitempty" yaml:"type,omitempty"` // adobeID|enterpriseID|federatedID (default federatedID)
	Domain    string   `json:"domain,omitempty" yaml:"domain,omitempty"`
	Username  string   `json:"username,omitempty" yaml:"username,omitempty"`
	Groups    []string `json:"groups,omitempty" yaml:"groups,omitempty"`
}

// ProfileSeed describes a product profile.
type ProfileSeed struct {
	Name    string `json:"name" yaml:"name"`
	Product string `json:"product" yaml:"product"`
	Quota   int    `json:"quota,omitempty" yaml:"quota,omitempty"`
}

// Seed is the file format of LoadSeed (YAML or JSON).
type Seed struct {
	Domains    map[string]string `json:"domains,omitempty" yaml:"domains,omitempty"`
	Profiles   []ProfileSeed     `json:"profiles,omitempty" yaml:"profiles,omitempty"`
	UserGroups []string          `json:"userGroups,omitempty" yaml:"userGroups,omitempty"`
	Users      []UserSeed        `json:"users,omitempty" yaml:"users,omitempty"`
	// SharedGroups are user groups shared from another organization
	// (read-only here); GroupProfiles gives user groups product profiles;
	// AdminGroups lists the admin groups (see AddAdminGroups).
	SharedGroups  []string            `json:"sharedGroups,omitempty" yaml:"sharedGroups,omitempty"`
	GroupProfiles map[string][]string `json:"groupProfiles,omitempty" yaml:"groupProfiles,omitempty"`
	AdminGroups   bool                `json:"adminGroups,omitempty" yaml:"adminGroups,omitempty"`
}

// LoadSeed reads a seed (JSON when it starts with "{", else YAML; unknown
// keys are errors) and adds its domains, profiles, user groups and users.
func (s *Server) LoadSeed(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("adobefake: read seed: %w", err)
	}
	var seed Seed
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(t))
		dec.DisallowUnknownFields()
		err = dec.Decode(&seed)
	} else if len(bytes.TrimSpace(raw)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		err = dec.Decode(&seed)
	}
	if err != nil {
		return fmt.Errorf("adobefake: parse seed: %w", err)
	}
	return s.ApplySeed(seed)
}

// ApplySeed adds everything in seed.
func (s *Server) ApplySeed(seed Seed) error {
	s.mu.Lock()
	if len(seed.Domains) > 0 && s.opts.Domains == nil {
		s.opts.Domains = map[string]string{}
	}
	for d, t := range seed.Domains {
		s.opts.Domains[strings.ToLower(d)] = t
	}
	s.mu.Unlock()
	for _, p := range seed.Profiles {
		if p.Name == "" {
			return fmt.Errorf("adobefake: seed profile without a name")
		}
		s.AddProfile(p.Name, p.Product, p.Quota)
	}
	for _, g := range seed.UserGroups {
		s.AddUserGroup(g)
	}
	for _, g := range seed.SharedGroups {
		s.AddSharedUserGroup(g)
	}
	for _, u := range seed.Users {
		if err := s.AddUser(u); err != nil {
			return err
		}
	}
	return s.applyGroupSeed(seed)
}

// AddProfile adds (or updates) a product profile of product with quota licences.
func (s *Server) AddProfile(name, product string, quota int) {
	s.addGroup(name, "PRODUCT_PROFILE", product, quota)
}

// AddUserGroup adds a user group.
func (s *Server) AddUserGroup(name string) { s.addGroup(name, "USER_GROUP", "", 0) }

func (s *Server) addGroup(name, typ, product string, quota int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.groups[strings.ToLower(name)]; g != nil {
		g.typ, g.product, g.quota = typ, product, quota
		return
	}
	s.nextID++
	s.groups[strings.ToLower(name)] = &group{id: s.nextID, name: name, typ: typ, product: product, quota: quota,
		adminName: "_admin_" + name, members: map[string]bool{}}
}

// AddUser adds a user and their memberships; every group must exist.
func (s *Server) AddUser(u UserSeed) error {
	if !strings.Contains(u.Email, "@") {
		return fmt.Errorf("adobefake: user %q: email required", u.Email)
	}
	if u.Type == "" {
		u.Type = "federatedID"
	}
	s.mu.Lock()
	nu := &user{email: u.Email, first: u.FirstName, last: u.LastName, country: u.Country, typ: u.Type,
		domain: u.Domain, username: u.Username}
	s.putUser(nu)
	s.mu.Unlock()
	for _, g := range u.Groups {
		if err := s.AddMember(u.Email, g); err != nil {
			return err
		}
	}
	return nil
}

// putUser stores u, filling id, username and domain. Caller holds mu.
func (s *Server) putUser(u *user) {
	if u.username == "" {
		u.username = u.email
	}
	if u.domain == "" {
		u.domain = domainOf(u.email)
	}
	if u.id == "" {
		u.id = strings.ToUpper(randomHex(12)) + "@" + strings.ToUpper(randomHex(4)) + ".e"
	}
	if u.groups == nil {
		u.groups = map[string]bool{}
	}
	s.users[strings.ToLower(u.email)] = u
}

// AddMember puts an existing user into an existing group (no Change is recorded).
func (s *Server) AddMember(email, groupName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[strings.ToLower(email)]
	g := s.groups[strings.ToLower(groupName)]
	if u == nil {
		return fmt.Errorf("adobefake: add member: no user %s", email)
	}
	if g == nil {
		return fmt.Errorf("adobefake: add member %s: no group %q", email, groupName)
	}
	u.groups[strings.ToLower(g.name)] = true
	g.members[strings.ToLower(u.email)] = true
	return nil
}

// HasUser says whether the org has a user with this email.
func (s *Server) HasUser(email string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[strings.ToLower(email)] != nil
}
