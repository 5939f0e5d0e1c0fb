package sandbox

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
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
	// Instances are Marketo subscriptions besides the default one, each
	// its own emulator (own munchkin id, credentials and limits) with its
	// own Marketo Engage profile in the Admin Console.
	Instances []Instance
	// EngageLink links the Admin Console to Marketo as the real one is: a
	// person appears in an instance only once they hold its Marketo
	// Engage profile (EngageProfile), directly or through a user group
	// (mkto-docs:…/marketo-with-adobe-identity/add-or-remove-a-user.md).
	// Without it any Admin Console add brings the person into the default
	// instance, the link callers had before packages could name the
	// Marketo Engage profile.
	EngageLink bool
	// MemberCountDirect is adobefake.Options.MemberCountDirect.
	MemberCountDirect bool
}

// Instance is one more Marketo subscription.
type Instance struct {
	// Name is the instance's name in the policy (marketo.instances.<name>).
	Name string
	// MunchkinID defaults to a made-up one per instance.
	MunchkinID string
	// RateLimit is its calls per 20 s (default Marketo's 100).
	RateLimit int
	// Profiles are Dynamic Chat product profiles of this subscription,
	// created in the Admin Console beside the default ones (each
	// subscription is its own Dynamic Chat product context). Without
	// EngageLink, a person added to one of them appears in this instance
	// rather than the default one.
	Profiles []string
}

// DefaultInstance names the default Marketo instance.
const DefaultInstance = "default"

// Sandbox is a running Adobe emulator and one Marketo emulator per
// subscription.
type Sandbox struct {
	Adobe *adobefake.Server
	// Marketo is the default instance's emulator.
	Marketo   *marketofake.Server
	adobeHTTP *httptest.Server
	instances []*instance
	roleIDs   map[string]int
	linkAny   bool
	mu        sync.Mutex // serializes the provisioning link
}

// instance is one Marketo subscription of the sandbox.
type instance struct {
	name, engage string
	profiles     []string
	server       *marketofake.Server
	http         *httptest.Server
}

// Profiles are the five default Dynamic Chat product profiles.
var Profiles = []string{"Marketing User", "Live Agent", "Calendar Agent", "Marketing Admin", "Sales Admin"}

// Roles are the Marketo roles the example policy assigns, plus the admin
// role (Marketo admins get Dynamic Chat admin implicitly).
var Roles = []string{"DC Marketing User", "DC Agent", "DC Admin", "DC Sales Admin"}

// EngageProduct is the Admin Console product of the Marketo Engage profiles.
const EngageProduct = "Marketo Engage"

// EngageProfile names the Marketo Engage product profile that brings a
// person into instance name: "Marketo Engage" for the default instance,
// "Marketo Engage - <name>" for the others ("Each subscription will be a
// standalone Product Profile", mkto-docs:…/initial-setup/user-setup.md).
func EngageProfile(name string) string {
	if name == "" || strings.EqualFold(name, DefaultInstance) {
		return EngageProduct
	}
	return EngageProduct + " - " + name
}

// SubscriptionProfile names a Dynamic Chat profile of a named
// subscription as the docs do: "Live Agent (EMEA)" for profile "Live
// Agent" of instance emea; the profile itself for the default instance.
func SubscriptionProfile(profile, instance string) string {
	if instance == "" || strings.EqualFold(instance, DefaultInstance) {
		return profile
	}
	return profile + " (" + strings.ToUpper(instance) + ")"
}

// SubscriptionProfilesOf names the five default Dynamic Chat profiles
// (Profiles) on a subscription (SubscriptionProfile).
func SubscriptionProfilesOf(instance string) []string {
	out := make([]string, len(Profiles))
	for i, p := range Profiles {
		out[i] = SubscriptionProfile(p, instance)
	}
	return out
}

// Start runs the emulators on loopback.
func Start(o Options) *Sandbox {
	s := &Sandbox{roleIDs: map[string]int{}, linkAny: !o.EngageLink}
	s.Adobe = adobefake.New(adobefake.Options{
		Limits: o.AdobeLimits, TimeScale: o.AdobeTimeScale, Latency: o.Latency,
		MemberCountDirect: o.MemberCountDirect, OnChange: s.provision,
	})
	for _, p := range Profiles {
		s.Adobe.AddProfile(p, adobe.DefaultProductName, 100)
	}
	for i, in := range append([]Instance{{Name: DefaultInstance, MunchkinID: marketofake.DefaultMunchkinID}}, o.Instances...) {
		if in.MunchkinID == "" {
			in.MunchkinID = fmt.Sprintf("%03d-DEM-%03d", i, i)
		}
		id, secret := "chataccess-demo", "demo-secret"
		if i > 0 {
			id, secret = "chataccess-"+strings.ToLower(in.Name), strings.ToLower(in.Name)+"-secret"
		}
		srv := marketofake.New(marketofake.Options{
			MunchkinID: in.MunchkinID, ClientID: id, ClientSecret: secret,
			TimeScale: o.MarketoTimeScale, UserLag: o.UserLag, Latency: o.Latency, RateLimit: in.RateLimit,
		})
		srv.AddWorkspace(marketofake.Workspace{ID: 1, Name: "Default"})
		for j, r := range Roles {
			srv.AddRole(marketofake.Role{ID: 100 + j, Name: r, Type: "custom"})
			s.roleIDs[r] = 100 + j
		}
		srv.AddRole(marketofake.Role{ID: 1, Name: "Admin", Type: "system", Admin: true})
		s.Adobe.AddProfile(EngageProfile(in.Name), EngageProduct, 100)
		for _, p := range in.Profiles {
			s.Adobe.AddProfile(p, adobe.DefaultProductName, 100)
		}
		s.instances = append(s.instances, &instance{name: strings.ToLower(in.Name), engage: EngageProfile(in.Name),
			profiles: in.Profiles, server: srv, http: httptest.NewServer(srv)})
	}
	s.Marketo = s.instances[0].server
	s.adobeHTTP = httptest.NewServer(s.Adobe)
	return s
}

// provision is the Admin Console's link to Marketo: a person who comes
// to hold an instance's Marketo Engage profile (an add to the profile,
// to a user group that holds it, or of the profile to their group)
// appears in that instance after UserLag.
func (s *Sandbox) provision(c adobefake.Change) {
	if c.Op != adobefake.OpAdd {
		return
	}
	if s.linkAny {
		if c.User != "" {
			s.subscriptionOf(c.Profile).SyncFromAdobe(c.User, "", "")
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	people := []string{c.User}
	if c.Group != "" {
		people = s.Adobe.Members(c.Group)
	}
	for _, in := range s.instances {
		for _, p := range people {
			if p != "" && s.Adobe.Holds(p, in.engage) {
				in.server.SyncFromAdobe(p, "", "")
			}
		}
	}
}

// subscriptionOf is the emulator of the instance whose Dynamic Chat
// profiles include profile; the default instance for any other.
func (s *Sandbox) subscriptionOf(profile string) *marketofake.Server {
	for _, in := range s.instances {
		if slices.ContainsFunc(in.profiles, func(p string) bool { return strings.EqualFold(p, profile) }) {
			return in.server
		}
	}
	return s.Marketo
}

// SubscriptionProfiles are the Dynamic Chat product profiles of the
// named instance given in Options.Instances (none for the default one,
// whose profiles are Profiles).
func (s *Sandbox) SubscriptionProfiles(name string) []string {
	if in := s.instance(name); in != nil {
		return slices.Clone(in.profiles)
	}
	return nil
}

// AdobeURL is the base URL for both ADOBE_IMS_URL and ADOBE_UMAPI_URL.
func (s *Sandbox) AdobeURL() string { return s.adobeHTTP.URL }

// MarketoURL is MARKETO_BASE_URL of the default instance.
func (s *Sandbox) MarketoURL() string { return s.instances[0].http.URL }

// RoleID returns the emulated id of a Marketo role (the same in every
// instance).
func (s *Sandbox) RoleID(name string) int { return s.roleIDs[name] }

// WorkspaceID is the id of the "Default" workspace.
func (s *Sandbox) WorkspaceID() int { return 1 }

// AdobeConfig returns a client config for the emulator.
func (s *Sandbox) AdobeConfig() adobe.Config {
	return adobe.Config{
		IMSURL: s.AdobeURL(), UMAPIURL: s.AdobeURL(),
		OrgID: s.Adobe.OrgID(), ClientID: s.Adobe.ClientID(), ClientSecret: s.Adobe.ClientSecret(),
	}
}

// MarketoConfig returns a client config for the default instance.
func (s *Sandbox) MarketoConfig() marketo.Config { return s.MarketoConfigFor(DefaultInstance) }

// Instances names the Marketo instances, the default one first.
func (s *Sandbox) Instances() []string {
	out := make([]string, len(s.instances))
	for i, in := range s.instances {
		out[i] = in.name
	}
	return out
}

// Instance returns the emulator of a Marketo instance, or nil.
func (s *Sandbox) Instance(name string) *marketofake.Server {
	if in := s.instance(name); in != nil {
		return in.server
	}
	return nil
}

// MarketoConfigFor returns a client config for a Marketo instance; the
// zero Config for an unknown name.
func (s *Sandbox) MarketoConfigFor(name string) marketo.Config {
	in := s.instance(name)
	if in == nil {
		return marketo.Config{}
	}
	o := in.server.Options()
	return marketo.Config{BaseURL: in.http.URL, ClientID: o.ClientID, ClientSecret: o.ClientSecret}
}

func (s *Sandbox) instance(name string) *instance {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		name = DefaultInstance
	}
	i := slices.IndexFunc(s.instances, func(in *instance) bool { return in.name == name })
	if i < 0 {
		return nil
	}
	return s.instances[i]
}

// Close stops the emulators.
func (s *Sandbox) Close() {
	s.adobeHTTP.Close()
	for _, in := range s.instances {
		in.http.Close()
	}
}
