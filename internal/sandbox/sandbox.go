package sandbox

import (
	"net/http/httptest"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
)

// Options tune the emulators.
type Options struct {
	// AdobeLimits are the emulated UMAPI per-client limits; zero means
	// Adobe's documented ones (10 actions, 25 user reads, 5 group reads a
	// minute).
	AdobeLimits adobefake.Limits
	// AdobeTimeScale shrinks Adobe's minute (1.0/60 makes it a second).
	AdobeTimeScale float64
	// MarketoTimeScale shrinks Marketo's 20 s window.
	MarketoTimeScale float64
	// UserLag is how long a user added in the Admin Console takes to
	// appear in Marketo.
	UserLag time.Duration
	// Latency is added to every emulated call.
	Latency time.Duration
}

// Sandbox is a running pair of emulators.
type Sandbox struct {
	Adobe      *adobefake.Server
	Marketo    *marketofake.Server
	adobeHTTP  *httptest.Server
	mktoHTTP   *httptest.Server
	roleIDs    map[string]int
	defaultsWS int
}

// Profiles are the five default Dynamic Chat product profiles.
var Profiles = []string{"Marketing User", "Live Agent", "Calendar Agent", "Marketing Admin", "Sales Admin"}

// Roles are the Marketo roles the example policy assigns, plus the admin
// role (Marketo admins get Dynamic Chat admin implicitly).
var Roles = []string{"DC Marketing User", "DC Agent", "DC Admin", "DC Sales Admin"}

// Start runs both emulators on loopback.
func Start(o Options) *Sandbox {
	s := &Sandbox{roleIDs: map[string]int{}}
	s.Marketo = marketofake.New(marketofake.Options{
		ClientID: "chataccess-demo", ClientSecret: "demo-secret",
		TimeScale: o.MarketoTimeScale, UserLag: o.UserLag, Latency: o.Latency,
	})
	s.Adobe = adobefake.New(adobefake.Options{
		Limits: o.AdobeLimits, TimeScale: o.AdobeTimeScale, Latency: o.Latency,
		OnChange: func(c adobefake.Change) {
			if c.Op == adobefake.OpAdd {
				s.Marketo.SyncFromAdobe(c.User, "", "")
			}
		},
	})
	for _, p := range Profiles {
		s.Adobe.AddProfile(p, adobe.DefaultProductName, 100)
	}
	s.Marketo.AddWorkspace(marketofake.Workspace{ID: 1, Name: "Default"})
	for i, r := range Roles {
		s.Marketo.AddRole(marketofake.Role{ID: 100 + i, Name: r, Type: "custom"})
		s.roleIDs[r] = 100 + i
	}
	s.Marketo.AddRole(marketofake.Role{ID: 1, Name: "Admin", Type: "system", Admin: true})
	s.defaultsWS = 1
	s.adobeHTTP = httptest.NewServer(s.Adobe)
	s.mktoHTTP = httptest.NewServer(s.Marketo)
	return s
}

// AdobeURL is the base URL for both ADOBE_IMS_URL and ADOBE_UMAPI_URL.
func (s *Sandbox) AdobeURL() string { return s.adobeHTTP.URL }

// MarketoURL is MARKETO_BASE_URL.
func (s *Sandbox) MarketoURL() string { return s.mktoHTTP.URL }

// RoleID returns the emulated id of a Marketo role.
func (s *Sandbox) RoleID(name string) int { return s.roleIDs[name] }

// WorkspaceID is the id of the "Default" workspace.
func (s *Sandbox) WorkspaceID() int { return s.defaultsWS }

// AdobeConfig returns a client config for the emulator.
func (s *Sandbox) AdobeConfig() adobe.Config {
	return adobe.Config{
		IMSURL: s.AdobeURL(), UMAPIURL: s.AdobeURL(),
		OrgID: s.Adobe.OrgID(), ClientID: s.Adobe.ClientID(), ClientSecret: s.Adobe.ClientSecret(),
	}
}

// MarketoConfig returns a client config for the emulator.
func (s *Sandbox) MarketoConfig() marketo.Config {
	return marketo.Config{BaseURL: s.MarketoURL(), ClientID: "chataccess-demo", ClientSecret: "demo-secret"}
}

// Close stops both emulators.
func (s *Sandbox) Close() {
	s.adobeHTTP.Close()
	s.mktoHTTP.Close()
}
