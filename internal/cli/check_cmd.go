package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/vendormap"
)

// Values of the table's columns. Only statusFail counts as a problem;
// allPackages fills the PACKAGE column of rows about every package.
const (
	statusOK   = "ok"
	statusWarn = "WARN"
	statusFail = "FAIL"
	statusSkip = "SKIP"

	systemEnv     = "env"
	systemAdobe   = "adobe"
	systemMarketo = "marketo"

	allPackages = "*"

	// exitCheckFailed is the exit code of `check` when any row failed.
	exitCheckFailed = 3
)

// runCheck resolves every package of the policy file against the Admin
// Console and Marketo: the credentials work, each product profile
// exists (with its seats), each role and workspace exists. It prints one
// table and fails with exit code 3 when any row failed. It makes few
// calls (one token and one group listing at Adobe, plus one testOnly
// action per group target, at most maxGroupProbes; one token, one role
// listing and one workspace listing at Marketo), so it uses no shared
// rate limiter and needs no Redis.
func runCheck(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "check", "check [--config FILE] [--timeout DURATION] [--slack]")
	path := fs.String("config", DefaultConfigPath, "policy file whose packages are checked")
	timeout := fs.Duration("timeout", 60*time.Second, "give up on Adobe and Marketo after this long")
	slackOnly := fs.Bool("slack", false, "check the Slack side only: bot token, scopes, channels, user groups, people")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if *timeout <= 0 {
		fmt.Fprintln(env.Stderr, "chataccess check: --timeout must be positive")
		return errUsage
	}
	// The environment is read below, leniently, so that one bad variable
	// is a row of the table rather than the end of the check.
	policyOnly := env
	policyOnly.Getenv = func(string) string { return "" }
	cfg, err := loadConfig(*path, policyOnly)
	if err != nil {
		return err
	}
	senv, envProblems := loadCheckEnv(env.Getenv)
	if *slackOnly {
		envProblems = nil // about Adobe and Marketo
	}
	c := &checker{env: senv, httpTimeout: min(*timeout, 30*time.Second), envBad: map[string]bool{}}
	c.secrets = []string{senv.AdobeClientSecret.Reveal(), senv.MarketoClientSecret.Reveal()}
	for _, p := range envProblems {
		c.add(allPackages, systemEnv, p.Path, statusFail, p.Message)
		c.envBad[strings.TrimSuffix(p.Path, config.FileSuffix)] = true
	}
	pol := cfg.Policy()
	if !*slackOnly {
		c.instances = c.namedInstances(cfg, env.Getenv)
		c.engage = cfg.Settings().Marketo.EngageProfile
		c.both(ctx, *timeout, pol)
		c.checkTeams(ctx, cfg.Settings(), pol, *timeout)
	}
	c.checkSlack(ctx, env.Getenv, cfg.Settings(), pol, *timeout, *slackOnly)
	if err := c.print(env.Stdout); err != nil {
		return err
	}
	fails, warns := c.count()
	fmt.Fprintf(env.Stdout, "\n%s\n", checkSummary(len(pol.Packages), len(c.rows), fails, warns))
	if fails > 0 {
		return &exitError{code: exitCheckFailed, err: fmt.Errorf("%s found; see the FAIL rows", countOf(fails, "problem", "problems"))}
	}
	return nil
}

// checkSummary is the last line of the table: "1 package, 6 checks: 1
// failed, 0 warnings".
func checkSummary(packages, checks, fails, warns int) string {
	return fmt.Sprintf("%s, %s: %d failed, %s", countOf(packages, "package", "packages"), countOf(checks, "check", "checks"),
		fails, countOf(warns, "warning", "warnings"))
}

// checkRow is one line of the table.
type checkRow struct {
	pkg, system, item, status, detail string
}

// checker gathers the rows of one check run.
type checker struct {
	env         config.Env
	httpTimeout time.Duration
	secrets     []string        // values that must never reach the output
	envBad      map[string]bool // variables with a problem, already reported
	rows        []checkRow
	instances   []config.MarketoInstance // the named Marketo instances (check_instances.go)
	engage      string                   // the default instance's Marketo Engage profile (check_groups.go)
}

// both checks Adobe and Marketo at the same time, each within timeout,
// so a hung system does not starve the other; rows keep a fixed order.
func (c *checker) both(ctx context.Context, timeout time.Duration, pol *approvals.Policy) {
	a, m := *c, *c
	a.rows, m.rows = nil, nil
	done := make(chan struct{})
	go func() {
		defer close(done)
		actx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		a.checkAdobe(actx, pol)
	}()
	mctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	m.checkMarketo(mctx, pol)
	m.checkMarketoInstances(mctx, pol)
	<-done
	c.rows = append(append(c.rows, a.rows...), m.rows...)
}

func (c *checker) add(pkg, system, item, status, detail string) {
	c.rows = append(c.rows, checkRow{pkg, system, item, status, detail})
}

func (c *checker) count() (fails, warns int) {
	for _, r := range c.rows {
		switch r.status {
		case statusFail:
			fails++
		case statusWarn:
			warns++
		}
	}
	return fails, warns
}

// print writes the aligned table. Every cell goes through cell, so a
// secret that slipped into a vendor message is still never shown.
func (c *checker) print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PACKAGE\tSYSTEM\tITEM\tSTATUS\tDETAIL")
	for _, r := range c.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.cell(r.pkg), c.cell(r.system), c.cell(r.item), c.cell(r.status), c.cell(r.detail))
	}
	return tw.Flush()
}

// cell makes s safe for one table cell: no secret, no tab or newline.
func (c *checker) cell(s string) string {
	for _, sec := range c.secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, config.Redacted)
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return s
}

// loadCheckEnv reads the environment like serve does, but a bad value
// does not hide the good ones: each variable with a problem is reported
// and then treated as unset, and the rest is read again. Only Adobe and
// Marketo variables matter here; Slack and Redis problems are left to
// serve.
func loadCheckEnv(getenv func(string) string) (config.Env, []config.Problem) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	dropped := map[string]bool{}
	var out []config.Problem
	filtered := func(k string) string {
		if dropped[strings.TrimSuffix(k, config.FileSuffix)] {
			return ""
		}
		return getenv(k)
	}
	for {
		e, err := config.LoadEnv(filtered)
		if err == nil {
			return e, out
		}
		var ve *config.ValidationError
		if !errors.As(err, &ve) {
			return config.Env{}, append(out, config.Problem{Path: "environment", Message: err.Error()})
		}
		progress := false
		for _, p := range ve.Problems {
			name := strings.TrimSuffix(p.Path, config.FileSuffix)
			if dropped[name] {
				continue
			}
			dropped[name], progress = true, true
			if strings.HasPrefix(name, "ADOBE_") || strings.HasPrefix(name, "MARKETO_") {
				out = append(out, p)
			}
		}
		if !progress {
			return config.Env{}, append(out, config.Problem{Path: "environment", Message: "cannot be read"})
		}
	}
}

// need adds a FAIL row for every unset variable and reports whether all
// were set and valid. A variable whose value had a problem was reported
// already.
func (c *checker) need(system string, vars ...envVar) bool {
	ok := true
	for _, v := range vars {
		if c.envBad[v.name] || !v.set {
			ok = false
		}
		if !v.set && !c.envBad[v.name] {
			c.add(allPackages, system, v.name, statusFail, cmp.Or(v.detail, "is not set (nor "+v.name+config.FileSuffix+")"))
		}
	}
	return ok
}

// envVar is a required variable and whether it is set; detail, when
// given, replaces the "is not set" text.
type envVar struct {
	name   string
	set    bool
	detail string
}

// skipAll adds a SKIP row for every item of system in every package.
func (c *checker) skipAll(pol *approvals.Policy, system, why string) {
	if system == systemAdobe {
		defer c.skipGroups(pol, why)
	}
	for _, name := range pol.PackageNames() {
		p := pol.Packages[name]
		switch system {
		case systemAdobe:
			for _, pr := range p.Profiles {
				c.add(name, system, profileItem(pr.Name), statusSkip, why)
			}
		case systemMarketo:
			c.add(name, system, "role "+p.MarketoRole.String(), statusSkip, why)
			c.add(name, system, "workspace "+p.MarketoWorkspace.String(), statusSkip, why)
		}
	}
}

func profileItem(name string) string { return "profile " + strconv.Quote(name) }

// checkAdobe gets an IMS token and lists the groups once, then finds
// every configured product profile in that listing.
func (c *checker) checkAdobe(ctx context.Context, pol *approvals.Policy) {
	e := c.env
	ok := c.need(systemAdobe,
		envVar{name: config.EnvAdobeClientID, set: e.AdobeClientID != ""},
		envVar{name: config.EnvAdobeClientSecret, set: e.AdobeClientSecret.IsSet()},
		envVar{name: config.EnvAdobeOrgID, set: e.AdobeOrgID != ""})
	if c.envBad[config.EnvAdobeIMSURL] || c.envBad[config.EnvAdobeUMAPIURL] {
		ok = false
	}
	if !ok {
		c.skipAll(pol, systemAdobe, "Adobe credentials are missing or invalid (see above)")
		return
	}
	cl, err := adobe.New(adobe.Config{
		IMSURL: e.AdobeIMSURL, UMAPIURL: e.AdobeUMAPIURL, OrgID: e.AdobeOrgID,
		ClientID: e.AdobeClientID, ClientSecret: e.AdobeClientSecret.Reveal(),
		Version: Version, HTTPTimeout: c.httpTimeout,
	})
	if err != nil {
		c.add(allPackages, systemAdobe, "client", statusFail, err.Error())
		c.skipAll(pol, systemAdobe, "no Adobe client")
		return
	}
	var groups []adobe.Group
	err = cl.EachGroup(ctx, func(g adobe.Group) error {
		groups = append(groups, g)
		return nil
	})
	credItem := "credentials (IMS token)"
	if err != nil {
		var ae *failure.Error
		switch {
		case errors.As(err, &ae) && (ae.Op == "ims.token" || ae.Reason == failure.ReasonAuth || ae.Reason == failure.ReasonForbidden):
			c.add(allPackages, systemAdobe, credItem, statusFail, adobeDetail(err))
		default:
			c.add(allPackages, systemAdobe, credItem, statusOK, "token issued for client "+e.AdobeClientID)
			c.add(allPackages, systemAdobe, "product profile listing", statusFail, adobeDetail(err))
		}
		c.skipAll(pol, systemAdobe, "the Admin Console could not be read")
		return
	}
	c.add(allPackages, systemAdobe, credItem, statusOK,
		fmt.Sprintf("token issued for client %s; org %s lists %s", e.AdobeClientID, e.AdobeOrgID, countOf(len(groups), "group", "groups")))
	for _, name := range pol.PackageNames() {
		for _, pr := range pol.Packages[name].Profiles {
			status, detail := resolveProfile(groups, pr)
			c.add(name, systemAdobe, profileItem(pr.Name), status, detail)
		}
	}
	c.checkGroups(ctx, cl, groups, pol)
}

// adobeDetail is the person-readable sentence plus the status and code.
func adobeDetail(err error) string {
	var ae *failure.Error
	if !errors.As(err, &ae) {
		return err.Error()
	}
	if ae.Reason == failure.ReasonCanceled || ae.Reason == failure.ReasonTimeout {
		return "no answer before --timeout ran out (" + ae.Op + ")"
	}
	if ae.Reason == failure.ReasonInvalid || ae.Reason == failure.ReasonNotFound {
		// Human speaks of changes; for a read the technical text is clearer.
		return ae.Error()
	}
	return withTech(ae.Human(), ae.Status, ae.Code, string(ae.Reason))
}

// withTech appends the HTTP status, vendor code and reason to a sentence.
func withTech(human string, status int, code, reason string) string {
	tech := reason
	if code != "" {
		tech = code + " " + tech
	}
	if status != 0 {
		tech = "HTTP " + strconv.Itoa(status) + " " + tech
	}
	return human + " (" + tech + ")"
}

// resolveProfile finds a configured product profile in the listing with
// the one matching rule (vendormap.MatchProfile; an unset product is
// Dynamic Chat, as in the policy file) and reports its seats:
// memberCount of licenseQuota. A full profile is a warning, since
// whether Adobe refuses adds past the quota is UNCONFIRMED.
func resolveProfile(groups []adobe.Group, pr approvals.ProductProfile) (status, detail string) {
	if pr.Product == "" {
		pr.Product = adobe.DefaultProductName
	}
	g, err := vendormap.MatchProfile(groups, pr)
	if err != nil {
		return statusFail, matchDetail(err)
	}
	return seats(g)
}

// matchDetail is the sentence of a vendormap.MatchError.
func matchDetail(err error) string {
	var me *vendormap.MatchError
	if errors.As(err, &me) {
		return me.Detail
	}
	return err.Error()
}

func seats(g adobe.Group) (status, detail string) {
	q := strings.TrimSpace(g.LicenseQuota)
	n, err := strconv.Atoi(q)
	switch {
	case q == "":
		return statusOK, fmt.Sprintf("%s; %s, no licence quota given", g.ProductName, memberCount(g.MemberCount))
	case err != nil:
		return statusOK, fmt.Sprintf("%s; %s, licence quota %s", g.ProductName, memberCount(g.MemberCount), q)
	case n > 0 && g.MemberCount >= n:
		return statusWarn, fmt.Sprintf("%s; all %s used (%s): adds may be refused", g.ProductName, countOf(n, "seat", "seats"), memberCount(g.MemberCount))
	}
	return statusOK, fmt.Sprintf("%s; %d of %s used", g.ProductName, g.MemberCount, countOf(n, "seat", "seats"))
}

// memberCount is "1 member" or "3 members".
func memberCount(n int) string { return countOf(n, "member", "members") }

// checkMarketo gets an identity token, lists roles and workspaces once
// each, and finds every configured role and workspace in them.
func (c *checker) checkMarketo(ctx context.Context, pol *approvals.Policy) {
	if !usesDefaultMarketo(pol) {
		return
	}
	e := c.env
	ok := c.need(systemMarketo,
		envVar{name: config.EnvMarketoBaseURL, set: e.MarketoBaseURL != "", detail: "is not set (want https://<munchkin-id>.mktorest.com)"},
		envVar{name: config.EnvMarketoClientID, set: e.MarketoClientID != ""},
		envVar{name: config.EnvMarketoClientSecret, set: e.MarketoClientSecret.IsSet()})
	if !ok {
		c.skipAll(pol, systemMarketo, "Marketo credentials are missing or invalid (see above)")
		return
	}
	cl, err := marketo.New(marketo.Config{
		BaseURL: e.MarketoBaseURL, ClientID: e.MarketoClientID, ClientSecret: e.MarketoClientSecret.Reveal(),
		HTTPTimeout: c.httpTimeout, UserAgentVersion: Version,
	})
	if err != nil {
		c.add(allPackages, systemMarketo, "client", statusFail, err.Error())
		c.skipAll(pol, systemMarketo, "no Marketo client")
		return
	}
	tok, err := cl.FetchToken(ctx)
	if err != nil {
		c.add(allPackages, systemMarketo, "credentials (identity token)", statusFail, marketoDetail(err))
		c.skipAll(pol, systemMarketo, "Marketo refused the credentials")
		return
	}
	c.add(allPackages, systemMarketo, "credentials (identity token)", statusOK,
		fmt.Sprintf("token issued to API user %s, valid %s", cmp.Or(tok.Scope, "-"), tok.ExpiresIn.Round(time.Second)))

	roles, rerr := cl.ListRoles(ctx)
	if rerr != nil {
		c.add(allPackages, systemMarketo, "role listing", statusFail, marketoDetail(rerr))
	}
	wss, werr := cl.ListWorkspaces(ctx)
	if werr != nil {
		c.add(allPackages, systemMarketo, "workspace listing", statusFail, marketoDetail(werr))
	}
	for _, name := range pol.PackageNames() {
		p, on := onDefault(pol.Packages[name])
		if !on {
			continue
		}
		roleItem, wsItem := "role "+p.Role.String(), "workspace "+p.Workspace.String()
		var ws *marketo.Workspace
		wsStatus, wsDetail := statusSkip, "workspaces could not be listed"
		if werr == nil {
			ws, wsStatus, wsDetail = workspaceStatus(wss, p.Workspace)
		}
		if rerr != nil {
			c.add(name, systemMarketo, roleItem, statusSkip, "roles could not be listed")
		} else {
			status, detail := roleStatus(roles, p.Role, ws)
			c.add(name, systemMarketo, roleItem, status, detail)
		}
		c.add(name, systemMarketo, wsItem, wsStatus, wsDetail)
	}
}

// workspaceStatus resolves a package's workspace with the one matching
// rule (vendormap.MatchWorkspace: AllZones is id 0, unset is Default).
func workspaceStatus(list []marketo.Workspace, ref approvals.MarketoRef) (*marketo.Workspace, string, string) {
	w, err := vendormap.MatchWorkspace(list, ref)
	if err != nil {
		return nil, statusFail, matchDetail(err)
	}
	if ref.ID != 0 {
		return &w, statusOK, fmt.Sprintf("id %d, %q", w.ID, w.Name)
	}
	return &w, statusOK, fmt.Sprintf("id %d", w.ID)
}

// roleStatus resolves a package's role with the one matching rule
// (vendormap.MatchRole). A role Marketo only assigns in AllZones fails
// when the package's workspace is another one.
func roleStatus(roles []marketo.Role, ref approvals.MarketoRef, ws *marketo.Workspace) (status, detail string) {
	r, err := vendormap.MatchRole(roles, ref)
	if err != nil {
		return statusFail, matchDetail(err)
	}
	if ws != nil {
		if err := vendormap.CheckAssignment(r, *ws); err != nil {
			return statusFail, matchDetail(err)
		}
	}
	return statusOK, fmt.Sprintf("id %d, %s", r.ID, cmp.Or(r.Type, "-"))
}

// marketoDetail is the person-readable sentence plus the status and code.
func marketoDetail(err error) string {
	var me *failure.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return "no answer before --timeout ran out (" + err.Error() + ")"
	case !errors.As(err, &me):
		return err.Error()
	}
	return withTech(me.Human(), me.Status, me.Code, string(me.Reason))
}
