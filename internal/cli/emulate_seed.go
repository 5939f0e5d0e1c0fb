//go:build !nodemo

package cli

import (
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/internal/sandbox"
)

// The default Admin Console seed of `emulate` serves the docs' examples
// (docs/subscriptions-groups-seats.md): the five Dynamic Chat profiles,
// the default instance's Marketo Engage profile, and a user group with
// members for `/dynchat add group:"EMEA Chat Agents" …`. Each named
// Marketo instance adds its own profiles (emulate_instances.go).

// exampleGroup is the user group of the docs' example, and its members.
const exampleGroup = "EMEA Chat Agents"

var exampleGroupMembers = []adobefake.UserSeed{
	{Email: "ana.silva@example.com", FirstName: "Ana", LastName: "Silva", Country: "PT"},
	{Email: "jonas.berg@example.com", FirstName: "Jonas", LastName: "Berg", Country: "SE"},
}

// seedDefaultAdobe adds the five Dynamic Chat product profiles that
// chataccess.example.yaml uses, the default instance's Marketo Engage
// profile, and the user group exampleGroup with two members.
func seedDefaultAdobe(s *adobefake.Server) {
	for _, p := range sandbox.Profiles {
		s.AddProfile(p, adobe.DefaultProductName, defaultProfileQuota)
	}
	s.AddProfile(sandbox.EngageProfile(sandbox.DefaultInstance), sandbox.EngageProduct, defaultProfileQuota)
	s.AddUserGroup(exampleGroup)
	for _, u := range exampleGroupMembers {
		u.Groups = []string{exampleGroup}
		_ = s.AddUser(u) // the seed is fixed: valid emails, an existing group
	}
}

// seedInstanceAdobe adds a named instance's Dynamic Chat profiles, named
// as the docs name them ("Live Agent (EMEA)"), and its Marketo Engage
// profile.
func seedInstanceAdobe(s *adobefake.Server, name string) {
	for _, p := range sandbox.SubscriptionProfilesOf(name) {
		s.AddProfile(p, adobe.DefaultProductName, defaultProfileQuota)
	}
	s.AddProfile(sandbox.EngageProfile(name), sandbox.EngageProduct, defaultProfileQuota)
}

// syncAdd brings the people an Admin Console add concerns into every
// Marketo instance after --user-lag: the person added, or every member
// of a user group given a profile.
func (em *emulators) syncAdd(c adobefake.Change) {
	people := []string{c.User}
	if c.Group != "" {
		people = em.adobe.Members(c.Group)
	}
	for _, p := range people {
		if p == "" {
			continue
		}
		em.marketo.SyncFromAdobe(p, "", "")
		em.syncNamed(p)
	}
}
