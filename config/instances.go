package config

import (
	"regexp"
	"slices"
	"strings"

	"github.com/chataccess/chataccess/approvals"
)

// Several Marketo subscriptions. Each is its own Dynamic Chat product
// context in the Admin Console and its own Marketo instance, with its
// own munchkin id, API credentials and limits. The unnamed instance
// (MARKETO_BASE_URL, MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET and the
// limits under marketo) is "default"; more are named under
// marketo.instances:
//
//	marketo:
//	  instances:
//	    emea:
//	      base_url: https://123-ABC-456.mktorest.com
//	      calls_per_20s: 50          # default: marketo.calls_per_20s
//	      max_in_flight: 5           # default: marketo.max_in_flight
//	      engage_profile: Marketo Engage - EMEA
//
// with secrets MARKETO_EMEA_CLIENT_ID and MARKETO_EMEA_CLIENT_SECRET
// (each also as _FILE), and MARKETO_EMEA_BASE_URL overriding base_url.
// A package's profile names its subscription (profiles[].subscription);
// the package's Marketo role is assigned on each subscription it names.

// MarketoInstanceConfig is one named Marketo instance as written.
type MarketoInstanceConfig struct {
	// BaseURL is https://<munchkin-id>.mktorest.com; MARKETO_<NAME>_BASE_URL
	// overrides it, and one of the two is needed to serve.
	BaseURL     string `yaml:"base_url"`
	CallsPer20s *int   `yaml:"calls_per_20s"`
	MaxInFlight *int   `yaml:"max_in_flight"`
	// EngageProfile names the instance's Marketo Engage product profile,
	// for the sentence that tells an admin what to add.
	EngageProfile string `yaml:"engage_profile"`
}

// MarketoInstanceSettings is one named instance, validated, with the
// limits of the marketo section as defaults.
type MarketoInstanceSettings struct {
	BaseURL       string
	CallsPer20s   int
	MaxInFlight   int
	EngageProfile string
}

// MarketoInstance is everything a client of one instance needs.
type MarketoInstance struct {
	// Name is the instance's key ("default" for the unnamed one).
	Name          string
	BaseURL       string
	ClientID      string
	ClientSecret  Secret
	CallsPer20s   int
	MaxInFlight   int
	EngageProfile string
}

// MarketoInstanceEnv holds one named instance's environment.
type MarketoInstanceEnv struct {
	ClientID     string
	ClientSecret Secret
	BaseURL      string
}

// instanceNameRE: the name becomes part of environment variable names.
var instanceNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,30}$`)

// InstanceEnvName is the environment variable of a named instance's
// value: InstanceEnvName("emea-2", "CLIENT_ID") is MARKETO_EMEA_2_CLIENT_ID.
func InstanceEnvName(instance, what string) string {
	return "MARKETO_" + strings.ToUpper(strings.ReplaceAll(instance, "-", "_")) + "_" + what
}

// marketoInstances checks marketo.instances.
func (r *problems) marketoInstances(c *Config, base MarketoSettings) map[string]MarketoInstanceSettings {
	out := map[string]MarketoInstanceSettings{}
	keys := make([]string, 0, len(c.Marketo.Instances))
	for k := range c.Marketo.Instances {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	envOf := map[string]string{}
	const mktoLimit = "Marketo's per-instance limit"
	for _, key := range keys {
		path := join("marketo.instances", key)
		name := strings.ToLower(strings.TrimSpace(key))
		ic := c.Marketo.Instances[key]
		switch prev, dup := envOf[InstanceEnvName(name, "")]; {
		case name == approvals.DefaultInstance:
			r.add(path, `"default" names the unnamed instance (MARKETO_BASE_URL, MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET and the limits under marketo); give this one another name`)
			continue
		case !instanceNameRE.MatchString(name):
			r.add(path, "instance name %s must be 1-31 lower-case letters, digits, - or _, starting with a letter (it becomes MARKETO_<NAME>_CLIENT_ID)", quote(truncate(key, 40)))
			continue
		case dup:
			r.add(path, "%s and %s both take their secrets from %s…; rename one", quote(prev), quote(key), InstanceEnvName(name, ""))
			continue
		}
		envOf[InstanceEnvName(name, "")] = key
		s := MarketoInstanceSettings{
			CallsPer20s:   r.intIn(join(path, "calls_per_20s"), ic.CallsPer20s, base.CallsPer20s, 1, MaxMarketoCallsPer20s, mktoLimit),
			MaxInFlight:   r.intIn(join(path, "max_in_flight"), ic.MaxInFlight, base.MaxInFlight, 1, MaxMarketoMaxInFlight, mktoLimit),
			EngageProfile: r.profileName(join(path, "engage_profile"), ic.EngageProfile),
		}
		if ic.BaseURL != "" {
			var ps problems
			s.BaseURL = httpURL(&ps, join(path, "base_url"), ic.BaseURL)
			r.list = append(r.list, ps.list...)
		}
		out[name] = s
	}
	return out
}

// profileName checks an optional Admin Console profile name.
func (r *problems) profileName(path, s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 255 {
		r.add(path, "is longer than 255 characters")
		return ""
	}
	return s
}

// subscriptions groups a package's profiles by the subscription they
// name, each with the Marketo role it gets there.
func (r *problems) subscriptions(path string, c *Config, p *approvals.Package, pc PackageConfig) {
	at := func(keys string) string { return sub(path, keys) }
	engage := r.profileName(at("marketo.engage_profile"), pc.Marketo.EngageProfile)
	byInstance := map[string]int{}
	var subs []approvals.Subscription
	roleAt := map[string]string{} // instance → path of the profile that set its role
	for i, prof := range pc.Profiles {
		ppath := index(at("profiles"), i)
		inst := approvals.InstanceKey(prof.Subscription)
		if inst != approvals.DefaultInstance && !r.knownInstance(c, inst) {
			r.add(join(ppath, "subscription"), "%s is not a Marketo instance (known: %s); add it under marketo.instances",
				quote(truncate(prof.Subscription, 40)), strings.Join(knownInstances(c), ", "))
			continue
		}
		if i < len(p.Profiles) && inst != approvals.DefaultInstance {
			p.Profiles[i].Subscription = inst
		}
		j, seen := byInstance[inst]
		if !seen {
			j = len(subs)
			byInstance[inst] = j
			subs = append(subs, approvals.Subscription{Instance: inst, Role: p.MarketoRole, Workspace: p.MarketoWorkspace,
				EngageProfile: engage, EngageProfileHint: r.engageHint(c, inst)})
		}
		s := &subs[j]
		if i < len(p.Profiles) {
			s.Profiles = append(s.Profiles, p.Profiles[i])
		}
		r.profileOverrides(ppath, prof, s, roleAt)
	}
	if len(subs) > 1 {
		if pc.Marketo.Role.ID != 0 && !allOverride(pc.Profiles, func(pc ProfileConfig) bool { return pc.Role.ID != 0 || pc.Role.Name != "" }) {
			r.add(at("marketo.role.id"), "a role id names a role in one Marketo instance, and this package's profiles are on %d subscriptions; name the role, or set role on each profile", len(subs))
		}
		if engage != "" && !allOverride(pc.Profiles, func(pc ProfileConfig) bool { return pc.EngageProfile != "" }) {
			r.add(at("marketo.engage_profile"), "names one Marketo Engage profile, and this package's profiles are on %d subscriptions, each with its own; set engage_profile on each profile", len(subs))
		}
	}
	// A package on the default instance alone, with nothing set per
	// subscription, keeps the form it always had: MarketoSubscriptions
	// derives its one subscription.
	if len(subs) == 1 && subs[0].Instance == approvals.DefaultInstance && subs[0].EngageProfile == "" && subs[0].EngageProfileHint == "" &&
		subs[0].Role == p.MarketoRole && subs[0].Workspace == p.MarketoWorkspace {
		return
	}
	p.Subscriptions = subs
}

// profileOverrides applies a profile's role, workspace and Marketo
// Engage profile to its subscription; two profiles of one subscription
// must not disagree.
func (r *problems) profileOverrides(ppath string, prof ProfileConfig, s *approvals.Subscription, roleAt map[string]string) {
	if prof.Role.ID != 0 || prof.Role.Name != "" || prof.Workspace.ID != 0 || prof.Workspace.Name != "" {
		// What the profile does not set it inherits from the package,
		// whole: a role given by id and name keeps both.
		role, ws := s.Role, s.Workspace
		if prof.Role.ID != 0 || prof.Role.Name != "" {
			role = r.ref(join(ppath, "role"), prof.Role, "")
		}
		if prof.Workspace.ID != 0 || prof.Workspace.Name != "" {
			ws = r.ref(join(ppath, "workspace"), prof.Workspace, DefaultMarketoWorkspace)
		}
		if prev, set := roleAt[s.Instance]; set && (role != s.Role || ws != s.Workspace) {
			r.add(join(ppath, "role"), "differs from the role %s sets on the same subscription %s", prev, quote(s.Instance))
		}
		roleAt[s.Instance] = ppath
		s.Role, s.Workspace = role, ws
	}
	if e := r.profileName(join(ppath, "engage_profile"), prof.EngageProfile); e != "" {
		if s.EngageProfile != "" && s.EngageProfile != e && roleAt[s.Instance+"\x00engage"] != "" {
			r.add(join(ppath, "engage_profile"), "differs from the one %s sets on the same subscription %s", roleAt[s.Instance+"\x00engage"], quote(s.Instance))
		}
		roleAt[s.Instance+"\x00engage"] = ppath
		s.EngageProfile = e
	}
}

func allOverride(ps []ProfileConfig, set func(ProfileConfig) bool) bool {
	for _, p := range ps {
		if !set(p) {
			return false
		}
	}
	return len(ps) > 0
}

// knownInstance says whether inst is a key of marketo.instances under
// InstanceKey.
func (r *problems) knownInstance(c *Config, inst string) bool {
	for k := range c.Marketo.Instances {
		if approvals.InstanceKey(k) == inst {
			return true
		}
	}
	return false
}

// knownInstances names the instances a profile may name: default, then
// each valid name under marketo.instances once, sorted (names refused
// under marketo.instances are reported there and left out here).
func knownInstances(c *Config) []string {
	var names []string
	for k := range c.Marketo.Instances {
		if n := approvals.InstanceKey(k); n != approvals.DefaultInstance && instanceNameRE.MatchString(n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return append([]string{approvals.DefaultInstance}, slices.Compact(names)...)
}

// engageHint is the Marketo Engage profile the settings name for inst.
func (r *problems) engageHint(c *Config, inst string) string {
	if inst == approvals.DefaultInstance {
		return strings.TrimSpace(c.Marketo.EngageProfile)
	}
	for k, ic := range c.Marketo.Instances {
		if approvals.InstanceKey(k) == inst {
			return strings.TrimSpace(ic.EngageProfile)
		}
	}
	return ""
}

// usesDefaultInstance says whether any package has a profile on the
// default instance.
func usesDefaultInstance(pol *approvals.Policy) bool {
	for _, p := range pol.Packages {
		for _, s := range p.MarketoSubscriptions() {
			if s.Instance == approvals.DefaultInstance {
				return true
			}
		}
	}
	return false
}

// loadInstanceEnv reads each named instance's variables; problems are
// reported with the variable names as paths.
func loadInstanceEnv(getenv func(string) string, names []string, ps *problems) map[string]MarketoInstanceEnv {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	out := map[string]MarketoInstanceEnv{}
	for _, n := range names {
		read := func(what string) string {
			name := InstanceEnvName(n, what)
			v, file := getenv(name), getenv(name+FileSuffix)
			switch {
			case v != "" && file != "":
				ps.add(name, "%s and %s are both set; use one", name, name+FileSuffix)
				return ""
			case file != "":
				s, why := readSecretFile(file)
				if why != "" {
					ps.add(name+FileSuffix, "%s", why)
				}
				return s
			}
			return v
		}
		out[n] = MarketoInstanceEnv{
			ClientID: read("CLIENT_ID"), ClientSecret: NewSecret(read("CLIENT_SECRET")),
			BaseURL: httpURL(ps, InstanceEnvName(n, "BASE_URL"), getenv(InstanceEnvName(n, "BASE_URL"))),
		}
	}
	return out
}

// checkInstances reports every named instance's missing value.
func (e Env) checkInstances(ps *problems, settings map[string]MarketoInstanceSettings) {
	names := make([]string, 0, len(e.MarketoInstances))
	for n := range e.MarketoInstances {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		ie := e.MarketoInstances[n]
		for what, set := range map[string]bool{"CLIENT_ID": ie.ClientID != "", "CLIENT_SECRET": ie.ClientSecret.IsSet()} {
			if !set {
				ps.add(InstanceEnvName(n, what), "is not set (nor %s%s); the Marketo client of instance %s needs it", InstanceEnvName(n, what), FileSuffix, quote(n))
			}
		}
		if ie.BaseURL == "" && settings[n].BaseURL == "" {
			ps.add(InstanceEnvName(n, "BASE_URL"), "is not set, nor marketo.instances.%s.base_url; the Marketo client of instance %s needs one (https://<munchkin-id>.mktorest.com)", n, quote(n))
		}
	}
}

// MarketoInstances lists the Marketo instances to serve, the default
// one first when a package uses it or MARKETO_BASE_URL is set, then the
// named ones by name. Call it on a loaded Config.
func (c *Config) MarketoInstances() []MarketoInstance {
	res := c.resolve()
	s := res.settings.Marketo
	var out []MarketoInstance
	if usesDefaultInstance(res.policy) || c.Env.MarketoBaseURL != "" {
		out = append(out, MarketoInstance{Name: approvals.DefaultInstance, BaseURL: c.Env.MarketoBaseURL,
			ClientID: c.Env.MarketoClientID, ClientSecret: c.Env.MarketoClientSecret,
			CallsPer20s: s.CallsPer20s, MaxInFlight: s.MaxInFlight, EngageProfile: s.EngageProfile})
	}
	names := make([]string, 0, len(s.Instances))
	for n := range s.Instances {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		is, ie := s.Instances[n], c.Env.MarketoInstances[n]
		base := ie.BaseURL
		if base == "" {
			base = is.BaseURL
		}
		out = append(out, MarketoInstance{Name: n, BaseURL: base, ClientID: ie.ClientID, ClientSecret: ie.ClientSecret,
			CallsPer20s: is.CallsPer20s, MaxInFlight: is.MaxInFlight, EngageProfile: is.EngageProfile})
	}
	return out
}

// LoadInstanceEnv reads the variables of the named instances through
// getenv, as Load does, returning the problems (paths are variable
// names) instead of failing: `chataccess check` reports a bad variable
// as one row and goes on with the rest.
func LoadInstanceEnv(getenv func(string) string, names []string) (map[string]MarketoInstanceEnv, []Problem) {
	var ps problems
	env := loadInstanceEnv(getenv, names, &ps)
	return env, ps.list
}

// userGroupNames checks a list of Admin Console user group names: not
// empty, nothing invisible in them (approvals.InvisibleRune), not an
// admin group (_org_admin, _admin_…, _product_admin_…, _developer_…,
// which are no user groups), each once.
func (r *problems) userGroupNames(path string, in []string) []string {
	var out []string
	seen := map[string]bool{}
	for i, raw := range in {
		at := index(path, i)
		n := strings.TrimSpace(raw)
		k := strings.ToLower(strings.Join(strings.Fields(n), " "))
		switch {
		case n == "":
			r.add(at, "is empty")
		case len(n) > 255:
			r.add(at, "is longer than 255 characters")
		case approvals.HasInvisible(n):
			c, _ := approvals.InvisibleRune(n)
			r.add(at, "%s contains an invisible character (%U) that approvers could not see; remove it", quote(truncate(n, 60)), c)
		case isAdminGroupName(k):
			r.add(at, "%s is an admin group, not a user group", quote(truncate(n, 60)))
		case seen[k]:
			r.add(at, "%s is listed twice", quote(truncate(n, 60)))
		default:
			seen[k] = true
			out = append(out, n)
		}
	}
	return out
}

// isAdminGroupName mirrors adobe.IsAdminGroupName (config imports no
// vendor package): the fixed admin groups and the per-object prefixes of
// umapi-doc:docs/en/api/ActionsCmds.md.
func isAdminGroupName(k string) bool {
	switch k {
	case "_org_admin", "_support_admin", "_deployment_admin", "_compartment_admin", "_compartment_viewer":
		return true
	}
	return strings.HasPrefix(k, "_admin_") || strings.HasPrefix(k, "_product_admin_") || strings.HasPrefix(k, "_developer_")
}
