package config

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

// resolved is everything built from a Config in one pass: the typed
// views and the problems found on the way.
type resolved struct {
	policy   *approvals.Policy
	reviews  []ReviewSchedule
	settings Settings
	problems []Problem
}

// resolve checks c and builds its typed views. It never fails: values
// that do not validate are recorded as problems and left at zero.
func (c *Config) resolve() resolved {
	r := &problems{}
	pol := &approvals.Policy{Packages: map[string]*approvals.Package{}}
	pol.Requesters = r.audience("requesters", c.Requesters, audienceRule{everyone: true, required: true})
	pol.Admins = r.audience("admins", c.Admins, audienceRule{required: true})
	pol.MaxJustification = r.intIn("max_justification", c.MaxJustification, approvals.DefaultMaxJustification, 1, 3000, "")
	defaultIdentity, hasDefault := r.defaultIdentity(c.Adobe.Identity)
	r.packages(c, pol, defaultIdentity, hasDefault)
	settings := r.settings(c)
	settings.Teams = r.teams(c, pol, settings.Listen)
	reviews := r.reviews(c.Reviews, pol)
	settings.Languages = r.languages(c)
	return resolved{policy: pol, reviews: reviews, settings: settings, problems: r.list}
}

var (
	packageNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	slackUserRE   = regexp.MustCompile(`^[UW][A-Z0-9]{8,20}$`)
	slackGroupRE  = regexp.MustCompile(`^S[A-Z0-9]{8,20}$`)
	slackChanRE   = regexp.MustCompile(`^[CG][A-Z0-9]{8,20}$`)
	entraIDRE     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	commandRE     = regexp.MustCompile(`^/[a-z0-9_-]{1,31}$`)
	countryRE     = regexp.MustCompile(`^[A-Z]{2}$`)
)

func (r *problems) packages(c *Config, pol *approvals.Policy, defID approvals.Identity, hasDefID bool) {
	if len(c.Packages) == 0 {
		r.add("packages", "is required: define at least one package")
		return
	}
	keys := make([]string, 0, len(c.Packages))
	for k := range c.Packages {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	first := map[string]string{}
	for _, key := range keys {
		path := join("packages", key)
		name := strings.ToLower(strings.TrimSpace(key))
		if prev, dup := first[name]; dup {
			r.add(path, "duplicate package name: %s and %s differ only in case", quote(prev), quote(key))
			continue
		}
		first[name] = key
		if !packageNameRE.MatchString(name) {
			r.add(path, "package name %s must be 1-32 letters, digits, - or _, starting with a letter or digit", quote(truncate(key, 40)))
		}
		pol.Packages[name] = r.pkg(path, name, c.Packages[key], c.DryRun, defID, hasDefID, c.Teams.channel(key))
		r.subscriptions(path, c, pol.Packages[name], c.Packages[key])
	}
}

func (r *problems) pkg(path, name string, pc PackageConfig, globalDryRun bool, defID approvals.Identity, hasDefID bool, teamsChannel string) *approvals.Package {
	at := func(keys string) string { return sub(path, keys) }
	p := &approvals.Package{
		Name:                  name,
		Description:           strings.TrimSpace(pc.Description),
		AllowSelfApproval:     pc.AllowSelfApproval,
		AllowPermanent:        pc.AllowPermanent,
		DMApprovers:           pc.DMApprovers,
		DryRun:                pc.DryRun || globalDryRun,
		RemoveFromAllProfiles: pc.RemoveFromAllProfiles,
	}
	if n := len([]rune(p.Description)); n > 300 {
		r.add(at("description"), "is %d characters; at most 300", n)
	}
	p.Profiles = r.profiles(at("profiles"), pc.Profiles)
	p.MarketoRole = r.ref(at("marketo.role"), pc.Marketo.Role, "")
	p.MarketoWorkspace = r.ref(at("marketo.workspace"), pc.Marketo.Workspace, DefaultMarketoWorkspace)

	p.Approvers = r.audience(at("approvers"), pc.Approvers, audienceRule{required: true})
	p.MinApprovals = r.intIn(at("min_approvals"), pc.MinApprovals, 1, 1, 100, "")
	if n := p.Approvers.Size(); n > 0 && p.MinApprovals > n {
		r.add(at("min_approvals"), "is %d but only %d approvers are listed", p.MinApprovals, n)
	}
	p.AutoApprove = approvals.AutoApprove{
		Removals:   pc.AutoApprove.Removals,
		Requesters: r.audience(at("auto_approve.requesters"), pc.AutoApprove.Requesters, audienceRule{}),
	}

	if s := pc.DefaultDuration; s != "" {
		d, perm := r.duration(at("default_duration"), s, true)
		if perm && !pc.AllowPermanent {
			r.add(at("default_duration"), "is permanent but allow_permanent is false")
		}
		p.DefaultDuration = d
	}
	if s := pc.MaxDuration; s != "" {
		p.MaxDuration, _ = r.duration(at("max_duration"), s, false)
	}
	if p.DefaultDuration > 0 && p.MaxDuration > 0 && p.DefaultDuration > p.MaxDuration {
		r.add(at("default_duration"), "is %s, longer than max_duration (%s)", pc.DefaultDuration, pc.MaxDuration)
	}
	p.ApprovalTimeout = r.durationIn(at("approval_timeout"), pc.ApprovalTimeout, approvals.DefaultApprovalTimeout, 10*time.Minute, 90*24*time.Hour)
	p.ReminderInterval = r.reminder(at("reminder_interval"), pc.ReminderInterval, p.ApprovalTimeout, "approval_timeout")

	switch {
	case pc.Identity.Type != "" || pc.Identity.Country != "":
		p.Identity = r.identity(at("identity"), pc.Identity)
	case hasDefID:
		p.Identity = defID
	default:
		r.add(at("identity.type"), "is required: set it here or in adobe.identity")
	}

	if ch := strings.TrimSpace(pc.ApprovalChannel); ch != "" {
		r.channel(at("approval_channel"), ch)
		p.ApprovalChannels = append(p.ApprovalChannels, approvals.PlatformID{Platform: approvals.PlatformSlack, ID: ch})
	} else if !pc.DMApprovers && teamsChannel == "" {
		r.add(path, "has no approval destination: set approval_channel, dm_approvers: true, or both")
	}
	p.Seats = approvals.SeatRule(r.oneOf(at("seats"), pc.Seats, "", string(approvals.SeatsWarn), string(approvals.SeatsRefuse)))
	p.AllowGroupTargets, p.GroupTargets = pc.AllowGroupTargets, r.userGroupNames(at("group_targets"), pc.GroupTargets)
	if len(p.GroupTargets) > 0 && !p.AllowGroupTargets {
		r.add(at("group_targets"), "lists user groups but allow_group_targets is false")
	}
	p.OnPartialFailure = approvals.Compensation(r.oneOf(at("on_partial_failure"), pc.OnPartialFailure,
		string(approvals.CompensateRollback), string(approvals.CompensateRollback), string(approvals.CompensateAlert)))
	return p
}

func (r *problems) profiles(path string, in []ProfileConfig) []approvals.ProductProfile {
	if len(in) == 0 {
		r.add(path, "is required: name at least one Dynamic Chat product profile")
		return nil
	}
	out := make([]approvals.ProductProfile, 0, len(in))
	seen := map[string]bool{}
	for i, pc := range in {
		at := index(path, i)
		pp := approvals.ProductProfile{Name: strings.TrimSpace(pc.Name), Product: strings.TrimSpace(pc.Product)}
		if pp.Product == "" {
			pp.Product = DefaultProduct
		}
		switch {
		case pp.Name == "":
			r.add(join(at, "name"), "is required")
		case len(pp.Name) > 255:
			r.add(join(at, "name"), "is longer than 255 characters")
		}
		key := strings.ToLower(pp.Product + "\x00" + pp.Name)
		if pp.Name != "" && seen[key] {
			r.add(at, "profile %s of %s is listed twice", quote(pp.Name), quote(pp.Product))
		}
		seen[key] = true
		out = append(out, pp)
	}
	return out
}

// ref reads a Marketo role or workspace reference; def names the
// default when neither id nor name is set ("" means required).
func (r *problems) ref(path string, rc RefConfig, def string) approvals.MarketoRef {
	ref := approvals.MarketoRef{ID: rc.ID, Name: strings.TrimSpace(rc.Name)}
	switch {
	case ref.ID < 0:
		r.add(join(path, "id"), "must be a positive id")
		ref.ID = 0
	case ref.ID == 0 && ref.Name == "" && def == "":
		r.add(path, "is required: give its id, name or both")
	case ref.ID == 0 && ref.Name == "":
		ref.Name = def
	}
	return ref
}

func (r *problems) defaultIdentity(ic IdentityConfig) (approvals.Identity, bool) {
	if ic.Type == "" && ic.Country == "" {
		return approvals.Identity{}, false
	}
	return r.identity("adobe.identity", ic), true
}

var identityTypes = []approvals.IdentityType{approvals.AdobeID, approvals.EnterpriseID, approvals.FederatedID}

func (r *problems) identity(path string, ic IdentityConfig) approvals.Identity {
	var id approvals.Identity
	t := strings.TrimSpace(ic.Type)
	for _, known := range identityTypes {
		if strings.EqualFold(t, string(known)) {
			id.Type = known
		}
	}
	switch {
	case t == "":
		r.add(join(path, "type"), "is required: adobeID, enterpriseID or federatedID")
	case id.Type == "":
		r.add(join(path, "type"), "%s is not adobeID, enterpriseID or federatedID", quote(truncate(t, 40)))
	}
	id.Country = strings.ToUpper(strings.TrimSpace(ic.Country))
	switch {
	case id.Country != "" && !countryRE.MatchString(id.Country):
		r.add(join(path, "country"), "%s is not a two-letter ISO 3166-1 code such as US", quote(truncate(ic.Country, 40)))
		id.Country = ""
	case id.Country == "" && id.Type == approvals.FederatedID:
		r.add(join(path, "country"), "is required for federatedID (a two-letter ISO 3166-1 code such as US)")
	}
	return id
}

func (r *problems) channel(path, ch string) {
	if !slackChanRE.MatchString(ch) {
		r.add(path, "%s is not a Slack channel id (like C0123ABCDE); use the id, not the name", quote(truncate(ch, 40)))
	}
}

// audienceRule says what an audience list may hold.
type audienceRule struct {
	everyone bool // the single entry "everyone" is allowed
	required bool
}

// platformEntry reads an audience entry naming a platform user or group:
// "slack:U…", "slack:S…", "teams:<object id>", "teams-group:<object id>",
// and, as before platforms were named, a bare Slack id (U…, W…, S…).
func platformEntry(e string) (id approvals.PlatformID, group, ok bool) {
	prefix, rest, named := strings.Cut(e, ":")
	if !named {
		prefix, rest = "slack", e
	}
	switch strings.ToLower(prefix) {
	case "slack":
		switch {
		case slackUserRE.MatchString(rest):
			return approvals.PlatformID{Platform: approvals.PlatformSlack, ID: rest}, false, true
		case slackGroupRE.MatchString(rest):
			return approvals.PlatformID{Platform: approvals.PlatformSlack, ID: rest}, true, true
		}
	case "teams", "teams-group":
		if entraIDRE.MatchString(rest) {
			return approvals.PlatformID{Platform: approvals.PlatformTeams, ID: strings.ToLower(rest)}, strings.EqualFold(prefix, "teams-group"), true
		}
	}
	return approvals.PlatformID{}, false, false
}

// audience reads a list of emails, platform users and platform groups
// (see platformEntry).
func (r *problems) audience(path string, entries []string, rule audienceRule) approvals.Audience {
	var a approvals.Audience
	if len(entries) == 0 {
		if rule.required {
			what := "emails, Slack user ids (U…/W…) or user-group ids (S…), or teams:/teams-group: object ids"
			if rule.everyone {
				what += `, or "everyone"`
			}
			r.add(path, "is required: list %s", what)
		}
		return a
	}
	seen := map[string]bool{}
	for i, raw := range entries {
		at := index(path, i)
		e := strings.TrimSpace(raw)
		switch {
		case e == "":
			r.add(at, "is empty")
		case strings.EqualFold(e, "everyone") || e == "*":
			switch {
			case !rule.everyone:
				r.add(at, "%s is not allowed here; list people or groups", quote(e))
			case len(entries) > 1:
				r.add(at, "%s must be the only entry", quote(e))
			default:
				a.Everyone = true
			}
		case strings.Contains(e, "@"):
			email, err := approvals.ParseEmail(e)
			if err != nil {
				r.add(at, "%s", strings.TrimPrefix(err.Error(), approvals.ErrInvalidEmail.Error()+": "))
				continue
			}
			if seen[email] {
				r.add(at, "%s is listed twice", quote(email))
				continue
			}
			seen[email] = true
			a.Emails = append(a.Emails, email)
		default:
			id, group, ok := platformEntry(e)
			if !ok {
				r.add(at, "%s is not an email, a Slack user id (U…/W…, or slack:U…), a Slack user-group id (S…, or slack:S…), "+
					"a Teams user (teams:<Entra object id>) or an Entra ID group (teams-group:<object id>)", quote(truncate(e, 60)))
				continue
			}
			if seen[id.String()] {
				r.add(at, "%s is listed twice", quote(e))
				continue
			}
			seen[id.String()] = true
			if group {
				a.Groups = append(a.Groups, id)
			} else {
				a.Users = append(a.Users, id)
			}
		}
	}
	return a
}

// duration reads "30d", "2w", "12h", "90m" (approvals.ParseDuration) or
// Go's "250ms", "1h30m"; permanent is allowed only where perm is true.
func (r *problems) duration(path, s string, perm bool) (time.Duration, bool) {
	d, permanent, err := approvals.ParseDuration(s)
	if err == nil {
		if permanent && !perm {
			r.add(path, "cannot be permanent")
		}
		return d, permanent && perm
	}
	if gd, gerr := time.ParseDuration(strings.TrimSpace(s)); gerr == nil && gd > 0 && gd <= approvals.MaxParsedDuration {
		return gd, false
	}
	r.add(path, "%s is not a duration (use e.g. 30d, 2w, 12h, 90m or 250ms; at most ten years)", quote(truncate(s, 40)))
	return 0, false
}

func (r *problems) durationOr(path, s string, def time.Duration) time.Duration {
	if s == "" {
		return def
	}
	d, _ := r.duration(path, s, false)
	return d
}

// durationIn is durationOr with bounds.
func (r *problems) durationIn(path, s string, def, lo, hi time.Duration) time.Duration {
	d := r.durationOr(path, s, def)
	if d != 0 && (d < lo || d > hi) {
		r.add(path, "is %s; must be between %s and %s", s, fmtDuration(lo), fmtDuration(hi))
	}
	return d
}

// reminder reads a reminder interval: "off" for none, default 24h (half
// the window when that is shorter), and shorter than the window it
// repeats in.
func (r *problems) reminder(path, s string, window time.Duration, windowKey string) time.Duration {
	if strings.EqualFold(strings.TrimSpace(s), "off") {
		return 0
	}
	if s == "" {
		// The default never outlasts a short window: remind halfway.
		if window > 0 && DefaultReminderInterval >= window {
			return window / 2
		}
		return DefaultReminderInterval
	}
	d := r.durationOr(path, s, DefaultReminderInterval)
	if d > 0 && window > 0 && d >= window {
		r.add(path, "is %s, not shorter than %s (%s); use off for no reminders", s, windowKey, approvals.FormatDuration(window))
	}
	return d
}

// intIn reads an optional number with a default and bounds; why, when
// set, says where the upper bound comes from.
func (r *problems) intIn(path string, v *int, def, lo, hi int, why string) int {
	if v == nil {
		return def
	}
	if *v < lo || *v > hi {
		msg := "is " + strconv.Itoa(*v) + "; must be between " + strconv.Itoa(lo) + " and " + strconv.Itoa(hi)
		if why != "" {
			msg += " (" + why + ")"
		}
		r.add(path, "%s", msg)
		return def
	}
	return *v
}

// oneOf reads an enum: empty gives def; matching ignores case.
func (r *problems) oneOf(path, s, def string, allowed ...string) string {
	t := strings.TrimSpace(s)
	if t == "" {
		return def
	}
	for _, a := range allowed {
		if strings.EqualFold(t, a) {
			return a
		}
	}
	r.add(path, "%s is not one of %s", quote(truncate(t, 40)), strings.Join(allowed, ", "))
	return def
}

func quote(s string) string { return strconv.Quote(s) }

// truncate shortens s to n runes so a stray value cannot flood a message.
func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}

// fmtDuration renders bounds the way the file writes them: "30d", "2w",
// "10m", or Go's form below a minute ("250ms").
func fmtDuration(d time.Duration) string {
	if d > 0 && d%time.Minute == 0 {
		return approvals.FormatDuration(d)
	}
	return d.String()
}
