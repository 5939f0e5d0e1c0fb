//go:build !nodemo

package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/internal/sandbox"
)

// The demo's second Marketo subscription: Adobe's procedure asks an
// admin with several subscriptions to pick one first, each its own
// Dynamic Chat product context in the Admin Console and its own Marketo
// instance. The embedded policy names one; the demo adds this one to
// the story's package, so one approval executes on both.
const (
	demoInstance    = "emea"
	demoPackage     = "agent"
	demoProfile     = "Live Agent"
	demoEMEAProfile = "Live Agent (EMEA)"
	demoRole        = "DC Agent"
)

// demoInstances are the Marketo instances the demo's emulators run
// besides the default one.
func demoInstances() []sandbox.Instance {
	return []sandbox.Instance{{Name: demoInstance, MunchkinID: "222-EMA-222", Profiles: []string{demoEMEAProfile}}}
}

// subscriptionsEnv sets the second instance's variables as an admin
// would: MARKETO_EMEA_BASE_URL, _CLIENT_ID and _CLIENT_SECRET.
func (d *demo) subscriptionsEnv(vars map[string]string) {
	mc := d.sb.MarketoConfigFor(demoInstance)
	vars[config.InstanceEnvName(demoInstance, "BASE_URL")] = mc.BaseURL
	vars[config.InstanceEnvName(demoInstance, "CLIENT_ID")] = mc.ClientID
	vars[config.InstanceEnvName(demoInstance, "CLIENT_SECRET")] = mc.ClientSecret
}

// subscriptionsPolicy gives the story's package a second profile on
// the demo's second subscription (marketo.instances.emea), when the
// policy names no instance of its own and the package holds the one
// profile the demo expects; any other policy is left as written. It
// says whether it did.
func (d *demo) subscriptionsPolicy(cfg *config.Config, getenv func(string) string) (bool, error) {
	pkg, ok := cfg.Packages[demoPackage]
	if !ok || len(cfg.Marketo.Instances) > 0 || len(pkg.Profiles) != 1 || pkg.Profiles[0].Name != demoProfile {
		return false, nil
	}
	cfg.Marketo.Instances = map[string]config.MarketoInstanceConfig{demoInstance: {EngageProfile: sandbox.EngageProfile(demoInstance)}}
	pkg.Profiles = append(slices.Clone(pkg.Profiles), config.ProfileConfig{Name: demoEMEAProfile, Subscription: demoInstance,
		EngageProfile: sandbox.EngageProfile(demoInstance)})
	cfg.Packages[demoPackage] = pkg
	env, problems := config.LoadInstanceEnv(getenv, []string{demoInstance})
	if len(problems) > 0 {
		return false, fmt.Errorf("demo subscription %s: %s", demoInstance, problems[0].Message)
	}
	cfg.Env.MarketoInstances = env
	return true, nil
}

// engagePolicy names, on every profile of a package that names none,
// the Marketo Engage profile of the profile's subscription, and names
// the default instance's: the demo's Admin Console is linked to Marketo as
// the real one is (a person appears in a Marketo instance only once
// they hold its Marketo Engage profile), so an add brings someone new
// to Marketo in, as the card says it will.
func engagePolicy(cfg *config.Config) {
	if cfg.Marketo.EngageProfile == "" {
		cfg.Marketo.EngageProfile = sandbox.EngageProduct
	}
	for name, pkg := range cfg.Packages {
		if pkg.Marketo.EngageProfile != "" {
			continue
		}
		pkg.Profiles = slices.Clone(pkg.Profiles)
		for i, p := range pkg.Profiles {
			if p.EngageProfile == "" {
				pkg.Profiles[i].EngageProfile = sandbox.EngageProfile(p.Subscription)
			}
		}
		cfg.Packages[name] = pkg
	}
}

// vendors says what the emulated consoles hold for the story's package:
// each of its Admin Console profiles and its Marketo role on each
// subscription.
func (d *demo) vendors() string {
	list := func(s []string) string {
		if len(s) == 0 {
			return "nobody"
		}
		return strings.Join(s, ", ")
	}
	profiles := []string{fmt.Sprintf("Admin Console profile %q: %s", demoProfile, list(d.sb.Adobe.Members(demoProfile)))}
	roles := []string{fmt.Sprintf("Marketo role %q: %s", demoRole, list(d.roleHolders(sandbox.DefaultInstance)))}
	if d.twoSubs {
		profiles = append(profiles, fmt.Sprintf("profile %q: %s", demoEMEAProfile, list(d.sb.Adobe.Members(demoEMEAProfile))))
		roles = append(roles, fmt.Sprintf("in %s: %s", demoInstance, list(d.roleHolders(demoInstance))))
	}
	return strings.Join(profiles, ", ") + "; " + strings.Join(roles, ", ")
}

// roleHolders are the emails holding the story's role on an instance.
func (d *demo) roleHolders(instance string) []string {
	var holders []string
	for _, u := range d.sb.Instance(instance).Users() {
		for _, a := range u.Roles {
			if a.RoleID == d.sb.RoleID(demoRole) {
				holders = append(holders, u.EmailAddress)
			}
		}
	}
	slices.Sort(holders)
	return holders
}
