package cli

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/integrations/marketo"
)

// Several Marketo subscriptions in `chataccess check`: the default
// instance keeps its rows (system "marketo"); each named instance gets
// its own token, role listing and workspace listing, and rows under
// system "marketo:<name>" for every package subscription on it.

// namedInstances reads the named instances of cfg with their variables,
// reporting a bad variable as a row and dropping it.
func (c *checker) namedInstances(cfg *config.Config, getenv func(string) string) []config.MarketoInstance {
	settings := cfg.Settings().Marketo.Instances
	env, problems := config.LoadInstanceEnv(getenv, slices.Sorted(maps.Keys(settings)))
	for _, p := range problems {
		c.add(allPackages, systemEnv, p.Path, statusFail, p.Message)
		c.envBad[p.Path] = true
	}
	var out []config.MarketoInstance
	for _, n := range slices.Sorted(maps.Keys(settings)) {
		s, e := settings[n], env[n]
		out = append(out, config.MarketoInstance{Name: n, BaseURL: cmp.Or(e.BaseURL, s.BaseURL), ClientID: e.ClientID,
			ClientSecret: e.ClientSecret, CallsPer20s: s.CallsPer20s, MaxInFlight: s.MaxInFlight, EngageProfile: s.EngageProfile})
		c.secrets = append(c.secrets, e.ClientSecret.Reveal())
	}
	return out
}

// onDefault is the package's subscription on the default instance.
func onDefault(p *approvals.Package) (approvals.Subscription, bool) {
	for _, s := range p.MarketoSubscriptions() {
		if approvals.InstanceKey(s.Instance) == approvals.DefaultInstance {
			return s, true
		}
	}
	return approvals.Subscription{}, false
}

// usesDefaultMarketo says whether any package has a subscription on the
// default instance.
func usesDefaultMarketo(pol *approvals.Policy) bool {
	for _, p := range pol.Packages {
		if _, ok := onDefault(p); ok {
			return true
		}
	}
	return false
}

// checkMarketoInstances checks every named instance.
func (c *checker) checkMarketoInstances(ctx context.Context, pol *approvals.Policy) {
	for _, in := range c.instances {
		c.checkInstance(ctx, pol, in)
	}
}

// checkInstance gets a token on one named instance, lists its roles and
// workspaces once, and resolves every package subscription on it.
func (c *checker) checkInstance(ctx context.Context, pol *approvals.Policy, in config.MarketoInstance) {
	system := systemMarketo + ":" + in.Name
	ok := c.need(system,
		envVar{name: config.InstanceEnvName(in.Name, "BASE_URL"), set: in.BaseURL != "",
			detail: fmt.Sprintf("is not set, nor marketo.instances.%s.base_url (want https://<munchkin-id>.mktorest.com)", in.Name)},
		envVar{name: config.InstanceEnvName(in.Name, "CLIENT_ID"), set: in.ClientID != ""},
		envVar{name: config.InstanceEnvName(in.Name, "CLIENT_SECRET"), set: in.ClientSecret.IsSet()})
	subs := instanceSubs(pol, in.Name)
	skip := func(why string) {
		for _, s := range subs {
			c.add(s.pkg, system, "role "+s.sub.Role.String(), statusSkip, why)
			c.add(s.pkg, system, "workspace "+s.sub.Workspace.String(), statusSkip, why)
		}
	}
	if !ok {
		skip("the instance's credentials are missing or invalid (see above)")
		return
	}
	cl, err := marketo.New(marketo.Config{BaseURL: in.BaseURL, ClientID: in.ClientID, ClientSecret: in.ClientSecret.Reveal(),
		HTTPTimeout: c.httpTimeout, UserAgentVersion: Version})
	if err != nil {
		c.add(allPackages, system, "client", statusFail, err.Error())
		skip("no Marketo client")
		return
	}
	tok, err := cl.FetchToken(ctx)
	if err != nil {
		c.add(allPackages, system, "credentials (identity token)", statusFail, marketoDetail(err))
		skip("Marketo refused the credentials")
		return
	}
	c.add(allPackages, system, "credentials (identity token)", statusOK,
		fmt.Sprintf("token issued to API user %s, valid %s", cmp.Or(tok.Scope, "-"), tok.ExpiresIn.Round(time.Second)))
	roles, rerr := cl.ListRoles(ctx)
	if rerr != nil {
		c.add(allPackages, system, "role listing", statusFail, marketoDetail(rerr))
	}
	wss, werr := cl.ListWorkspaces(ctx)
	if werr != nil {
		c.add(allPackages, system, "workspace listing", statusFail, marketoDetail(werr))
	}
	for _, s := range subs {
		var ws *marketo.Workspace
		wsStatus, wsDetail := statusSkip, "workspaces could not be listed"
		if werr == nil {
			ws, wsStatus, wsDetail = workspaceStatus(wss, s.sub.Workspace)
		}
		if rerr != nil {
			c.add(s.pkg, system, "role "+s.sub.Role.String(), statusSkip, "roles could not be listed")
		} else {
			status, detail := roleStatus(roles, s.sub.Role, ws)
			c.add(s.pkg, system, "role "+s.sub.Role.String(), status, detail)
		}
		c.add(s.pkg, system, "workspace "+s.sub.Workspace.String(), wsStatus, wsDetail)
	}
}

// pkgSub is one package's subscription on an instance.
type pkgSub struct {
	pkg string
	sub approvals.Subscription
}

// instanceSubs lists the subscriptions on instance, by package name.
func instanceSubs(pol *approvals.Policy, instance string) []pkgSub {
	var out []pkgSub
	for _, name := range pol.PackageNames() {
		for _, s := range pol.Packages[name].MarketoSubscriptions() {
			if approvals.InstanceKey(s.Instance) == instance && (s.Role.ID != 0 || s.Role.Name != "") {
				out = append(out, pkgSub{name, s})
			}
		}
	}
	return out
}
