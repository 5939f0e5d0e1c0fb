package approvals

import "strings"

// DefaultInstance names the unnamed single Marketo instance, the one a
// package is on when its profiles name no subscription.
const DefaultInstance = "default"

// InstanceKey is how an instance name is compared: trimmed, lower case,
// "" meaning DefaultInstance.
func InstanceKey(name string) string {
	if k := strings.ToLower(strings.TrimSpace(name)); k != "" {
		return k
	}
	return DefaultInstance
}

// Subscription is one Marketo subscription a package reaches. Each
// subscription is its own Dynamic Chat product context in the Admin
// Console and its own Marketo instance, with its own users, roles and
// workspaces (Adobe: "if you have several Marketo subscriptions, select
// one first").
type Subscription struct {
	// Instance names the Marketo instance (InstanceKey form).
	Instance string
	// Profiles are the package's Admin Console profiles on this
	// subscription.
	Profiles []ProductProfile
	// Role and Workspace are the Marketo role the bot assigns on the
	// instance and its workspace.
	Role      MarketoRef
	Workspace MarketoRef
	// EngageProfile, when set, is the subscription's Marketo Engage
	// product profile, added in the same Admin Console call as Profiles:
	// a person appears in a Marketo instance only once the Admin Console
	// gives them its Marketo Engage profile.
	EngageProfile string
	// EngageProfileHint names that profile for people when the package
	// does not add it (from the instance's settings; may be empty).
	EngageProfileHint string
}

// EngageName is the Marketo Engage profile to name to people: the one
// the package adds, else the instance's hint.
func (s Subscription) EngageName() string {
	if s.EngageProfile != "" {
		return s.EngageProfile
	}
	return s.EngageProfileHint
}

// MarketoSubscriptions returns the subscriptions of the package in
// policy order: Subscriptions when the policy set them, else one on
// DefaultInstance with every profile and the package's role.
func (p *Package) MarketoSubscriptions() []Subscription {
	if len(p.Subscriptions) > 0 {
		return p.Subscriptions
	}
	return []Subscription{{Instance: DefaultInstance, Profiles: p.Profiles, Role: p.MarketoRole, Workspace: p.MarketoWorkspace}}
}

// AdminConsoleProfiles lists every Admin Console profile an add of the
// package gives: its profiles, then the Marketo Engage profiles its
// subscriptions add, each name once.
func (p *Package) AdminConsoleProfiles() []string {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if k := strings.ToLower(strings.TrimSpace(n)); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	for _, pp := range p.Profiles {
		add(pp.Name)
	}
	for _, s := range p.MarketoSubscriptions() {
		add(s.EngageProfile)
	}
	return out
}
