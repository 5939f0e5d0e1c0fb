//go:build !nodemo

package playground

import "strings"

// Person is a member of the playground's Slack workspace.
type Person struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	// Role is what the person is in the story, e.g. "approver".
	Role string `json:"role"`
}

// Channel is a Slack channel the story uses.
type Channel struct {
	ID   string `json:"id"`
	Name string `json:"name"` // without the #
	// Purpose is a one-line description shown in the page.
	Purpose string `json:"purpose"`
}

// Cast is who and where the story happens: the people, user groups and
// channels of chataccess.example.yaml.
type Cast struct {
	People   []Person
	Channels []Channel
	// Groups are the Slack user groups and their members.
	Groups map[string][]string
	// Home is the channel slash commands are typed in.
	Home string
}

// Ids of the story's people and channels, as in chataccess.example.yaml.
const (
	Lea       = "U0DEMOLEAD1" // team lead, in the @dc-team-leads group
	Dana      = "U0DANALEE01" // an approver of "agent"
	Sam       = "U0SUPPORT01" // support lead, an approver of "agent"
	Eve       = "U0EVEDEMO01" // not an approver
	Ada       = "U0ADMIN0001" // an admin
	Alice     = "U0ALICENG01" // who needs access
	Approvals = "C0DCAPPROV1" // the approval channel of "agent"
	Admins    = "C0DCADMINS1" // the admin channel
	General   = "C0WORKROOM1" // where commands are typed
	SalesOps  = "C0SALESOPS1" // the approval channel of "sales-admin"
	LeadGroup = "S0DCLEADS01" // @dc-team-leads
)

// DefaultCast is the story's cast.
func DefaultCast() Cast {
	return Cast{
		People: []Person{
			{ID: Lea, Name: "Lea Lead", Email: "lea.lead@example.com", Role: "team lead, requester"},
			{ID: Dana, Name: "Dana Lee", Email: "dana.lee@example.com", Role: "approver"},
			{ID: Sam, Name: "Sam Support", Email: "support.lead@example.com", Role: "approver"},
			{ID: Eve, Name: "Eve Stone", Email: "eve@example.com", Role: "not an approver"},
			{ID: Ada, Name: "Ada Admin", Email: "ada.admin@example.com", Role: "admin"},
			{ID: Alice, Name: "Alice Ng", Email: "alice@example.com", Role: "needs access"},
		},
		Channels: []Channel{
			{ID: General, Name: "general", Purpose: "where people type /dynchat"},
			{ID: Approvals, Name: "dc-approvals", Purpose: "approval cards"},
			{ID: Admins, Name: "dc-admins", Purpose: "admin alerts and drift reports"},
			{ID: SalesOps, Name: "sales-ops", Purpose: "approval cards of sales-admin"},
		},
		Groups: map[string][]string{LeadGroup: {Lea}},
		Home:   General,
	}
}

// Person returns the person with a Slack id.
func (c Cast) Person(id string) (Person, bool) {
	for _, p := range c.People {
		if p.ID == id {
			return p, true
		}
	}
	return Person{}, false
}

// Name is a person's name, or the id of someone unknown.
func (c Cast) Name(id string) string {
	if p, ok := c.Person(id); ok {
		return p.Name
	}
	return id
}

// ChannelName is "#name" of a channel, "DM with <name>" for a direct
// message channel (D + the user's id, as the fake Slack opens them),
// or the id.
func (c Cast) ChannelName(id string) string {
	for _, ch := range c.Channels {
		if ch.ID == id {
			return "#" + ch.Name
		}
	}
	if u, ok := strings.CutPrefix(id, "D"); ok {
		if p, ok := c.Person(u); ok {
			return "DM with " + p.Name
		}
	}
	return id
}

// DMOwner is the person a direct message channel belongs to.
func DMOwner(channel string) (string, bool) {
	if u, ok := strings.CutPrefix(channel, "D"); ok && strings.HasPrefix(u, "U") {
		return u, true
	}
	return "", false
}
