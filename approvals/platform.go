package approvals

import (
	"slices"
	"strings"
)

// Platform names where an actor acts from: a chat platform, the command
// line, or the system itself. It keys every platform-specific id (user,
// group, channel) so that the same id string on two platforms never means
// the same thing.
type Platform string

// Platforms.
const (
	PlatformSlack  Platform = "slack"
	PlatformTeams  Platform = "teams"
	PlatformCLI    Platform = "cli"
	PlatformSystem Platform = "system"
)

// IsChat reports whether p is a chat platform (people get messages there).
func (p Platform) IsChat() bool { return p == PlatformSlack || p == PlatformTeams }

// PlatformID is an id that only means something on one platform: a Slack
// user (U…), a Slack user group (S…), a Teams user, an Entra ID group or a
// channel.
type PlatformID struct {
	Platform Platform `json:"platform"`
	ID       string   `json:"id"`
}

// String renders "platform:id".
func (p PlatformID) String() string { return string(p.Platform) + ":" + p.ID }

// On returns the ids of ps that belong to platform p, in order.
func On(ps []PlatformID, p Platform) []string {
	var out []string
	for _, x := range ps {
		if x.Platform == p {
			out = append(out, x.ID)
		}
	}
	return out
}

// Audience is a set of people: everyone, people named by email (the same
// person on every platform), and platform users and user groups, each
// keyed by its platform.
type Audience struct {
	Everyone bool
	Emails   []string
	Users    []PlatformID
	Groups   []PlatformID
}

// Empty reports whether the audience names nobody.
func (a Audience) Empty() bool {
	return !a.Everyone && len(a.Emails) == 0 && len(a.Users) == 0 && len(a.Groups) == 0
}

// Contains reports whether the actor belongs to the audience: by verified
// email on any platform, or by user id or group membership on the
// actor's own platform.
func (a Audience) Contains(who Actor) bool {
	if a.Everyone {
		return true
	}
	if who.Email != "" && slices.ContainsFunc(a.Emails, func(e string) bool { return strings.EqualFold(e, who.Email) }) {
		return true
	}
	if who.ID != "" && slices.Contains(a.Users, PlatformID{who.Platform, who.ID}) {
		return true
	}
	for _, g := range who.Groups {
		if slices.Contains(a.Groups, PlatformID{who.Platform, g}) {
			return true
		}
	}
	return false
}

// Size counts the named members, for N-of-M checks. Groups count as one
// each because their size is only known at runtime.
func (a Audience) Size() int { return len(a.Emails) + len(a.Users) + len(a.Groups) }
