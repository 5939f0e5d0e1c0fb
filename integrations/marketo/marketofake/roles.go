package marketofake

import (
	"fmt"
	"strings"
)

// CreateRole is an admin creating a custom role in the Marketo UI while
// the bot runs (Admin > Users & Roles > Roles > New Role): the role gets
// the next free id and is listed by roles.json from the next call on.
// The API cannot create roles (mkto-dev:help/rest-api/user-management.md),
// so only tests and the emulator's seed do. A name already taken (same
// name ignoring case) is an error, as in the UI.
func (s *Server) CreateRole(name string) (Role, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = strings.TrimSpace(name)
	if name == "" {
		return Role{}, fmt.Errorf("marketofake: a role needs a name")
	}
	if s.roleByName(name) != nil {
		return Role{}, fmt.Errorf("marketofake: a role named %q exists", name)
	}
	id := 1
	for rid := range s.roles {
		id = max(id, rid+1)
	}
	r := &Role{ID: id, Name: name, Type: "custom", CreatedAt: s.now()}
	s.roles[id] = r
	return *r, nil
}

// DeleteRole is an admin deleting a role in the Marketo UI: from then on
// roles.json does not list it and roles/create.json refuses its id
// (1003 "Invalid data", what the emulator answers for an unknown id;
// Marketo's real answer is UNCONFIRMED). The UI asks to move the users of
// a role first, so a role someone holds is not deleted (an error).
func (s *Server) DeleteRole(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.roles[id]; !ok {
		return fmt.Errorf("%w role %d", ErrUnknown, id)
	}
	s.materialize()
	for _, u := range s.users {
		for _, a := range u.Roles {
			if a.RoleID == id {
				return fmt.Errorf("marketofake: role %d is assigned to %s", id, u.UserID)
			}
		}
	}
	delete(s.roles, id)
	return nil
}
