package marketofake

import "strings"

// DefaultMunchkinID names an instance whose Options name none.
const DefaultMunchkinID = "000-DEM-000"

// Several Marketo subscriptions are several instances, each with its own
// munchkin id, REST host, LaunchPoint credentials and limits
// (mkto-dev:help/rest-api/base-url.md, rest-api.md: the limits are per
// instance). The emulator is one instance: run one Server per
// subscription, each with its own Options (MunchkinID, ClientID,
// ClientSecret, RateLimit, MaxConcurrent, DailyQuota) on its own
// listener. Nothing is shared between two Servers, so a token of one is
// unknown to the other (601) and one instance's 606 leaves the other
// alone.

// MunchkinID returns the instance's munchkin id.
func (s *Server) MunchkinID() string {
	if id := strings.TrimSpace(s.opt.MunchkinID); id != "" {
		return id
	}
	return DefaultMunchkinID
}
