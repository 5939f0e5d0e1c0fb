package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
)

// Distinctive secrets: if any of them shows up in the output, a secret leaked.
const (
	testAdobeSecret        = "adobe-S3CRET-7f1c9e2d"
	testMarketoSecret      = "marketo-S3CRET-a84b0c6e"
	testWrongAdobeSecret   = "wrong-adobe-S3CRET-55d1"
	testWrongMarketoSecret = "wrong-marketo-S3CRET-99e2"
)

var testSecrets = []string{testAdobeSecret, testMarketoSecret, testWrongAdobeSecret, testWrongMarketoSecret}

// testEmulators are both emulators on httptest servers, seeded like
// `chataccess emulate both` with its default seed.
type testEmulators struct {
	adobe      *adobefake.Server
	marketo    *marketofake.Server
	adobeURL   string
	marketoURL string
}

func startTestEmulators(t *testing.T) *testEmulators {
	t.Helper()
	e := &testEmulators{
		adobe:   adobefake.New(adobefake.Options{ClientSecret: testAdobeSecret}),
		marketo: marketofake.New(marketofake.Options{ClientSecret: testMarketoSecret}),
	}
	seedDefaultAdobe(e.adobe)
	seedDefaultMarketo(e.marketo)
	as, ms := httptest.NewServer(e.adobe), httptest.NewServer(e.marketo)
	t.Cleanup(as.Close)
	t.Cleanup(ms.Close)
	e.adobeURL, e.marketoURL = as.URL, ms.URL
	return e
}

// vars is the environment that points check at the emulators.
func (e *testEmulators) vars() map[string]string {
	return map[string]string{
		"ADOBE_IMS_URL": e.adobeURL, "ADOBE_UMAPI_URL": e.adobeURL,
		"ADOBE_ORG_ID": e.adobe.OrgID(), "ADOBE_CLIENT_ID": e.adobe.ClientID(), "ADOBE_CLIENT_SECRET": testAdobeSecret,
		"MARKETO_BASE_URL": e.marketoURL, "MARKETO_CLIENT_ID": marketofake.DefaultClientID, "MARKETO_CLIENT_SECRET": testMarketoSecret,
	}
}

// exampleConfig is the repository's example policy.
func exampleConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "chataccess.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// edit applies old→new replacements to the first occurrence of each,
// failing when one is not found.
func edit(t *testing.T, s string, pairs ...string) string {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("example policy has no %q", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func runCLI(t *testing.T, ctx context.Context, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	code := runRegistered(ctx, args, env)
	return code, out.String(), errb.String()
}

// ownCommands are the subcommands of this file pair, as commands()
// lists them.
func ownCommands() map[string]func(context.Context, Env, []string) error {
	return map[string]func(context.Context, Env, []string) error{"check": runCheck, "emulate": runEmulate}
}

// runRegistered runs args through Run when commands() lists the
// subcommand, and otherwise calls it directly with Run's exit-code rules,
// so these tests hold before and after it is registered.
func runRegistered(ctx context.Context, args []string, env Env) int {
	for _, c := range subcommands() {
		if c.name == args[0] {
			return Run(ctx, args, env)
		}
	}
	f := ownCommands()[args[0]]
	err := f(ctx, env, args[1:])
	var ee *exitError
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ee):
		fmt.Fprintf(env.Stderr, "chataccess %s: %v\n", args[0], err)
		return ee.code
	}
	fmt.Fprintf(env.Stderr, "chataccess %s: %v\n", args[0], err)
	return 1
}

// TestOwnCommandsRegistered: check and emulate are in the command table
// with the functions the tests call, so no test passes on a command the
// binary does not have.
func TestOwnCommandsRegistered(t *testing.T) {
	registered := map[string]string{}
	for _, c := range subcommands() {
		registered[c.name] = fmt.Sprintf("%p", c.run)
	}
	for name, run := range ownCommands() {
		got, ok := registered[name]
		if !ok {
			t.Errorf("%s is not in subcommands(): the binary has no %q command", name, name)
			continue
		}
		if want := fmt.Sprintf("%p", run); got != want {
			t.Errorf("subcommands() runs %s with another function than the tests call", name)
		}
	}
}

// tableRows returns the data rows of check's table, keyed by column.
func tableRows(t *testing.T, out string) []map[string]string {
	t.Helper()
	lines := strings.Split(out, "\n")
	header := lines[0]
	cols := []string{"PACKAGE", "SYSTEM", "ITEM", "STATUS", "DETAIL"}
	at := make([]int, len(cols))
	for i, c := range cols {
		if at[i] = strings.Index(header, c); at[i] < 0 || (i > 0 && at[i] <= at[i-1]) {
			t.Fatalf("header %q lacks column %s", header, c)
		}
	}
	var rows []map[string]string
	for _, l := range lines[1:] {
		if l == "" {
			break
		}
		if len(l) <= at[len(at)-1] {
			t.Fatalf("row %q is shorter than the table", l)
		}
		r := map[string]string{}
		for i, c := range cols {
			end := len(l)
			if i+1 < len(cols) {
				end = at[i+1]
			}
			if i > 0 && l[at[i]-1] != ' ' {
				t.Fatalf("row %q is not aligned at column %s", l, c)
			}
			r[c] = strings.TrimSpace(l[at[i]:end])
		}
		rows = append(rows, r)
	}
	return rows
}

func failed(rows []map[string]string) []string {
	var out []string
	for _, r := range rows {
		if r["STATUS"] == statusFail {
			out = append(out, r["SYSTEM"]+" "+r["ITEM"])
		}
	}
	return out
}

func hasRow(rows []map[string]string, systemItem, status string) bool {
	for _, r := range rows {
		if r["SYSTEM"]+" "+r["ITEM"] == systemItem && r["STATUS"] == status {
			return true
		}
	}
	return false
}

func TestCheck(t *testing.T) {
	example := exampleConfig(t)
	broken := edit(t, example,
		"- name: Calendar Agent", "- name: Calendar Agents",
		"role: {name: DC Sales Admin}", "role: {name: DC Sales Boss}",
		"role: {name: DC Admin}\n      workspace: {name: Default}", "role: {name: DC Admin}\n      workspace: {name: APAC}",
		"role: {name: DC Marketing User}", "role: {id: 999, name: DC Marketing User}",
	)
	byID := edit(t, example, "role: {name: DC Agent}", "role: {id: 101}", "role: {name: DC Admin}", "role: {id: 102, name: dc  admin}")
	marketoSecretFile := writeFile(t, "marketo-secret", testMarketoSecret+"\n")

	// hung answers nothing until the client gives up (the body is read
	// so the server notices the disconnect) or the test ends.
	stop := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(hung.Close)
	t.Cleanup(func() { close(stop) })
	tests := []struct {
		name     string
		policy   string
		env      func(e *testEmulators, v map[string]string)
		setup    func(e *testEmulators)
		args     []string
		wantCode int
		wantFail []string // SYSTEM ITEM of every FAIL row, in table order
		wantOK   []string // SYSTEM ITEM of rows that must be ok
		wantOut  []string
	}{
		{name: "all green", policy: example, wantCode: 0,
			wantOut: []string{"marketing-user", "agent", "calendar-agent", "marketing-admin", "sales-admin",
				`profile "Live Agent"`, "Dynamic Chat; 0 of 100 seats used", "role DC Sales Admin", "workspace Default", "0 failed"}},
		{name: "roles by id", policy: byID, wantCode: 0, wantOK: []string{"marketo role #101", "marketo role dc admin (#102)"}},
		{name: "missing profile, role, workspace and role id", policy: broken, wantCode: exitCheckFailed,
			wantFail: []string{
				`adobe profile "Calendar Agents"`,
				"marketo workspace APAC",
				"marketo role DC Marketing User (#999)",
				"marketo role DC Sales Boss",
			},
			wantOut: []string{"no Dynamic Chat product profile of this name", `no Marketo workspace is named "APAC" (known: "AllZones", "Default")`,
				"no Marketo role has id 999", `no Marketo role is named "DC Sales Boss"`, "4 failed"}},
		{name: "an AllZones-only role outside AllZones", policy: edit(t, example,
			"role: {name: DC Admin}\n      workspace: {name: Default}", "role: {name: Admin}\n      workspace: {name: AllZones}",
			"role: {name: DC Sales Admin}", "role: {name: admin}"),
			wantCode: exitCheckFailed,
			wantFail: []string{"marketo role admin"},
			wantOK:   []string{"marketo role Admin", "marketo workspace AllZones"},
			wantOut:  []string{"id 1 can only be assigned in AllZones, but the package's workspace is Default"}},
		{name: "wrong credentials", policy: example, wantCode: exitCheckFailed,
			env: func(_ *testEmulators, v map[string]string) {
				v["ADOBE_CLIENT_SECRET"] = testWrongAdobeSecret
				v["MARKETO_CLIENT_SECRET"] = testWrongMarketoSecret
			},
			wantFail: []string{"adobe credentials (IMS token)", "marketo credentials (identity token)"},
			wantOut:  []string{"Adobe refused the bot's credentials", "could not sign in to Marketo", "SKIP"}},
		{name: "wrong org id", policy: example, wantCode: exitCheckFailed,
			env:      func(_ *testEmulators, v map[string]string) { v["ADOBE_ORG_ID"] = "WRONG000@AdobeOrg" },
			wantFail: []string{"adobe credentials (IMS token)"},
			wantOK:   []string{"marketo credentials (identity token)"},
			wantOut:  []string{"ADOBE_ORG_ID"}},
		{name: "missing environment", policy: example, wantCode: exitCheckFailed,
			env: func(_ *testEmulators, v map[string]string) { clear(v) },
			wantFail: []string{"adobe ADOBE_CLIENT_ID", "adobe ADOBE_CLIENT_SECRET", "adobe ADOBE_ORG_ID",
				"marketo MARKETO_BASE_URL", "marketo MARKETO_CLIENT_ID", "marketo MARKETO_CLIENT_SECRET"},
			wantOut: []string{"is not set (nor ADOBE_CLIENT_SECRET_FILE)"}},
		{name: "bad adobe variable does not stop the marketo check", policy: example, wantCode: exitCheckFailed,
			env: func(_ *testEmulators, v map[string]string) {
				v["ADOBE_CLIENT_SECRET_FILE"] = "/nonexistent/" + testAdobeSecret
				v["MARKETO_CLIENT_SECRET"] = ""
				v["MARKETO_CLIENT_SECRET_FILE"] = marketoSecretFile
			},
			wantFail: []string{"env ADOBE_CLIENT_SECRET"},
			wantOK:   []string{"marketo credentials (identity token)", "marketo role DC Sales Admin"},
			wantOut:  []string{"are both set", "id 103, custom"}},
		{name: "a bad URL is reported and never replaced by the real service", policy: example, wantCode: exitCheckFailed,
			env: func(_ *testEmulators, v map[string]string) {
				v["ADOBE_IMS_URL"] = "ftp://ims.example"
				v["MARKETO_BASE_URL"] = "not a url"
			},
			wantFail: []string{"env ADOBE_IMS_URL", "env MARKETO_BASE_URL"},
			wantOut:  []string{"is not an absolute http(s) URL", "Adobe credentials are missing or invalid"}},
		{name: "a hung Adobe does not starve Marketo", policy: example, wantCode: exitCheckFailed,
			env:      func(_ *testEmulators, v map[string]string) { v["ADOBE_IMS_URL"] = hung.URL },
			args:     []string{"--timeout", "300ms"},
			wantFail: []string{"adobe credentials (IMS token)"},
			wantOK:   []string{"marketo credentials (identity token)", "marketo role DC Agent"},
			wantOut:  []string{"no answer before --timeout ran out (ims.token)"}},
		{name: "outages are listed, not fatal", policy: example, wantCode: exitCheckFailed,
			setup: func(e *testEmulators) {
				e.adobe.FailNext(adobefake.KindGroups, 1, 400)
				e.marketo.FailNext(2, marketofake.Fault{Code: 603})
			},
			wantFail: []string{"adobe product profile listing", "marketo role listing", "marketo workspace listing"},
			wantOK:   []string{"adobe credentials (IMS token)", "marketo credentials (identity token)"},
			wantOut:  []string{"umapi.groups: invalid (HTTP 400)", "Access User Management Api"}},
		{name: "ADOBE_UMAPI_URL as Adobe writes it", policy: example, wantCode: 0,
			env:    func(e *testEmulators, v map[string]string) { v["ADOBE_UMAPI_URL"] = e.adobeURL + "/v2/usermanagement" },
			wantOK: []string{"adobe credentials (IMS token)", `adobe profile "Live Agent"`}},
		{name: "a UMAPI path that answers 404 names ADOBE_UMAPI_URL", policy: example, wantCode: exitCheckFailed,
			env:      func(e *testEmulators, v map[string]string) { v["ADOBE_UMAPI_URL"] = e.adobeURL + "/v2" },
			wantFail: []string{"adobe product profile listing"},
			wantOK:   []string{"adobe credentials (IMS token)", "marketo credentials (identity token)"},
			wantOut:  []string{"ADOBE_UMAPI_URL is wrong"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			e := startTestEmulators(t)
			v := e.vars()
			if tc.env != nil {
				tc.env(e, v)
			}
			if tc.setup != nil {
				tc.setup(e)
			}
			args := append([]string{"check", "--config", writeFile(t, "policy.yaml", tc.policy)}, tc.args...)
			code, out, errOut := runCLI(t, ctx, v, args...)
			if code != tc.wantCode {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, out, errOut)
			}
			rows := tableRows(t, out)
			if got := failed(rows); strings.Join(got, "\n") != strings.Join(tc.wantFail, "\n") {
				t.Errorf("FAIL rows:\n  %s\nwant:\n  %s\nstdout:\n%s", strings.Join(got, "\n  "), strings.Join(tc.wantFail, "\n  "), out)
			}
			for _, w := range tc.wantOK {
				if !hasRow(rows, w, statusOK) {
					t.Errorf("no ok row %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			// Every package shows up, whatever happened.
			for _, pkg := range []string{"agent", "calendar-agent", "marketing-admin", "marketing-user", "sales-admin"} {
				n := 0
				for _, r := range rows {
					if r["PACKAGE"] == pkg {
						n++
					}
				}
				if n != 3 {
					t.Errorf("package %s has %d rows, want 3 (profile, role, workspace)", pkg, n)
				}
			}
			if tc.wantCode != 0 && !strings.Contains(errOut, " found; see the FAIL rows") {
				t.Errorf("stderr %q does not summarise the problems", errOut)
			}
			for _, s := range testSecrets {
				if strings.Contains(out, s) || strings.Contains(errOut, s) {
					t.Errorf("secret %q leaked:\nstdout:\n%s\nstderr:\n%s", s, out, errOut)
				}
			}
		})
	}
}

func TestCheckUsage(t *testing.T) {
	ctx := context.Background()
	if code, _, _ := runCLI(t, ctx, nil, "check", "--nope"); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, ctx, nil, "check", "extra"); code != 2 {
		t.Errorf("extra argument: exit %d, want 2", code)
	}
	if code, _, errOut := runCLI(t, ctx, nil, "check", "--config", filepath.Join(t.TempDir(), "none.yaml")); code != 1 || errOut == "" {
		t.Errorf("missing policy file: exit %d (%q), want 1 with a message", code, errOut)
	}
}

// TestCheckRedactsSecretsInVendorText proves the last line of defence:
// a secret inside a vendor message is replaced before printing.
func TestCheckRedactsSecretsInVendorText(t *testing.T) {
	c := &checker{secrets: []string{testAdobeSecret, "", "abc"}}
	c.add("p", "adobe", "x", statusFail, "echoed "+testAdobeSecret+"\tand\nmore abc")
	var out bytes.Buffer
	if err := c.print(&out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), testAdobeSecret) || !strings.Contains(out.String(), "echoed <secret> and more abc") {
		t.Errorf("table:\n%s", out.String())
	}
}

// TestWorkspaceAndRoleStatus: the rows of check follow the one matching
// rule of vendormap. A name two workspaces share fails (it used to warn
// and take the first, while the workers took the last).
func TestWorkspaceAndRoleStatus(t *testing.T) {
	wss := []marketo.Workspace{{ID: 1, Name: "Default"}, {ID: 7, Name: "EMEA"}, {ID: 8, Name: "emea "}}
	tests := []struct {
		ref        approvals.MarketoRef
		wantStatus string
		wantID     int
		wantDetail string
	}{
		{approvals.MarketoRef{Name: "default"}, statusOK, 1, "id 1"},
		{approvals.MarketoRef{Name: "AllZones"}, statusOK, 0, "id 0"},
		{approvals.MarketoRef{ID: 1}, statusOK, 1, `id 1, "Default"`},
		{approvals.MarketoRef{ID: 1, Name: "Default"}, statusOK, 1, `id 1, "Default"`},
		{approvals.MarketoRef{ID: 1, Name: "EMEA"}, statusFail, -1, `workspace id 1 is named "Default", not "EMEA"`},
		{approvals.MarketoRef{ID: 9}, statusFail, -1, "no Marketo workspace has id 9"},
		{approvals.MarketoRef{Name: "APAC"}, statusFail, -1, `no Marketo workspace is named "APAC"`},
		{approvals.MarketoRef{Name: "EMEA"}, statusFail, -1, `2 workspaces are named "EMEA" (ids 7, 8); set its id in the policy`},
	}
	for _, tc := range tests {
		got, status, detail := workspaceStatus(wss, tc.ref)
		id := -1
		if got != nil {
			id = got.ID
		}
		if status != tc.wantStatus || id != tc.wantID || !strings.Contains(detail, tc.wantDetail) {
			t.Errorf("workspaceStatus(%+v) = %d, %s, %q; want %d, %s, %q", tc.ref, id, status, detail, tc.wantID, tc.wantStatus, tc.wantDetail)
		}
	}
	roles := []marketo.Role{{ID: 1, Name: "Admin", Type: "system", OnlyAllZones: true}, {ID: 101, Name: "DC Agent", Type: "custom"}}
	def, allZones := &wss[0], &marketo.Workspace{ID: 0, Name: "AllZones"}
	for _, tc := range []struct {
		ref        approvals.MarketoRef
		ws         *marketo.Workspace
		wantStatus string
		wantDetail string
	}{
		{approvals.MarketoRef{Name: " dc  agent"}, def, statusOK, "id 101, custom"},
		{approvals.MarketoRef{Name: "Admin"}, allZones, statusOK, "id 1, system"},
		{approvals.MarketoRef{Name: "Admin"}, def, statusFail, "can only be assigned in AllZones"},
		{approvals.MarketoRef{ID: 101, Name: "Admin"}, def, statusFail, `role id 101 is named "DC Agent", not "Admin"`},
		{approvals.MarketoRef{Name: "DC Agnet"}, nil, statusFail, `no Marketo role is named "DC Agnet" (known: "Admin", "DC Agent")`},
	} {
		status, detail := roleStatus(roles, tc.ref, tc.ws)
		if status != tc.wantStatus || !strings.Contains(detail, tc.wantDetail) {
			t.Errorf("roleStatus(%+v) = %s, %q; want %s, %q", tc.ref, status, detail, tc.wantStatus, tc.wantDetail)
		}
	}
}

func TestResolveProfile(t *testing.T) {
	groups := []adobe.Group{
		{GroupName: "Live Agent", Type: adobe.GroupTypeProductProfile, ProductName: "Dynamic Chat", MemberCount: 3, LicenseQuota: "25"},
		{GroupName: "Full", Type: adobe.GroupTypeProductProfile, ProductName: "Dynamic Chat", MemberCount: 5, LicenseQuota: "5"},
		{GroupName: "Unlimited", Type: adobe.GroupTypeProductProfile, ProductName: "Dynamic Chat (<Prime>)", MemberCount: 5, LicenseQuota: "UNLIMITED"},
		{GroupName: "Agents", Type: adobe.GroupTypeUserGroup},
		{GroupName: "Marketo Prod", Type: adobe.GroupTypeProductProfile, ProductName: "Marketo Engage"},
	}
	tests := []struct {
		profile    approvals.ProductProfile
		wantStatus string
		wantDetail string
	}{
		{approvals.ProductProfile{Name: "live agent"}, statusOK, "3 of 25 seats used"},
		{approvals.ProductProfile{Name: "Full", Product: "Dynamic Chat"}, statusWarn, "all 5 seats used"},
		{approvals.ProductProfile{Name: "Unlimited"}, statusOK, "licence quota UNLIMITED"},
		{approvals.ProductProfile{Name: "Agents"}, statusFail, "USER_GROUP, not a product profile"},
		{approvals.ProductProfile{Name: "Marketo Prod"}, statusFail, `a profile of "Marketo Engage", not of "Dynamic Chat"`},
		{approvals.ProductProfile{Name: "Sales Admin"}, statusFail, "no Dynamic Chat product profile of this name"},
	}
	for _, tc := range tests {
		status, detail := resolveProfile(groups, tc.profile)
		if status != tc.wantStatus || !strings.Contains(detail, tc.wantDetail) {
			t.Errorf("resolveProfile(%+v) = %s, %q; want %s, %q", tc.profile, status, detail, tc.wantStatus, tc.wantDetail)
		}
	}
}

// TestCheckCountsReadRight: one of anything is singular in check's
// output.
func TestCheckCountsReadRight(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{checkSummary(1, 1, 1, 1), "1 package, 1 check: 1 failed, 1 warning"},
		{checkSummary(5, 24, 0, 2), "5 packages, 24 checks: 0 failed, 2 warnings"},
		{func() string { _, d := seats(adobe.Group{ProductName: "Dynamic Chat", MemberCount: 1}); return d }(), "Dynamic Chat; 1 member, no licence quota given"},
		{func() string {
			_, d := seats(adobe.Group{ProductName: "Dynamic Chat", MemberCount: 1, LicenseQuota: "1"})
			return d
		}(), "Dynamic Chat; all 1 seat used (1 member): adds may be refused"},
		{func() string {
			_, d := seats(adobe.Group{ProductName: "Dynamic Chat", MemberCount: 0, LicenseQuota: "1"})
			return d
		}(), "Dynamic Chat; 0 of 1 seat used"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// FuzzLoadCheckEnv reads arbitrary environments: it always ends, and no
// problem it reports repeats a secret's value.
func FuzzLoadCheckEnv(f *testing.F) {
	f.Add("s3cret", "https://ims.example", "ABC@AdobeOrg", true)
	f.Add("x", "ftp://x", "bad org", false)
	f.Add("", "http://[::1", "", true)
	f.Fuzz(func(t *testing.T, secret, imsURL, org string, both bool) {
		secret = "Zq9#" + secret // distinctive: no fixed message text holds it
		vars := map[string]string{
			"ADOBE_CLIENT_SECRET": secret, "MARKETO_CLIENT_SECRET": secret, "ADOBE_IMS_URL": imsURL,
			"ADOBE_ORG_ID": org, "MARKETO_BASE_URL": imsURL, "SLACK_BOT_TOKEN": secret,
		}
		if both {
			vars["ADOBE_CLIENT_SECRET_FILE"] = secret
			vars["MARKETO_CLIENT_ID_FILE"] = "/nonexistent/" + secret
		}
		e, ps := loadCheckEnv(func(k string) string { return vars[k] })
		for _, p := range ps {
			if !strings.HasPrefix(p.Path, "ADOBE_") && !strings.HasPrefix(p.Path, "MARKETO_") && p.Path != "environment" {
				t.Errorf("problem about %s, which check does not use", p.Path)
			}
			if strings.Contains(p.String(), secret) && !strings.Contains(imsURL+org, secret) {
				t.Fatalf("problem %q repeats the secret", p)
			}
		}
		if both && e.AdobeClientSecret.IsSet() {
			t.Fatal("a secret given twice was used anyway")
		}
	})
}

// TestCheckCallBudget proves check stays far below every vendor limit
// without a shared limiter: one token and one group listing at Adobe
// (5 group reads a minute, umapi-doc:docs/en/api/partials/throttling.md),
// two listings at Marketo (100 calls per 20 s,
// mkto-dev:help/rest-api/marketo-integration-best-practices.md).
func TestCheckCallBudget(t *testing.T) {
	e := startTestEmulators(t)
	path := writeFile(t, "policy.yaml", exampleConfig(t))
	if code, out, errOut := runCLI(t, context.Background(), e.vars(), "check", "--config", path); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if tok, groups, other := e.adobe.Calls(adobefake.KindToken), e.adobe.Calls(adobefake.KindGroups),
		e.adobe.Calls(adobefake.KindUser)+e.adobe.Calls(adobefake.KindUsers)+e.adobe.Calls(adobefake.KindAction); tok != 1 || groups != 1 || other != 0 {
		t.Errorf("Adobe calls: %d token, %d group reads, %d others; want 1, 1, 0", tok, groups, other)
	}
	if st := e.marketo.Stats(); st.Calls != 2 || st.TokenRequests > 2 {
		t.Errorf("Marketo calls: %d API, %d identity; want 2 and at most 2", st.Calls, st.TokenRequests)
	}
}

// BenchmarkCheck runs the whole check of the example policy against the
// emulators and reports the calls each run makes.
func BenchmarkCheck(b *testing.B) {
	e := &testEmulators{
		adobe:   adobefake.New(adobefake.Options{ClientSecret: testAdobeSecret, Limits: adobefake.Limits{Disabled: true}}),
		marketo: marketofake.New(marketofake.Options{ClientSecret: testMarketoSecret, RateLimit: 1 << 30}),
	}
	seedDefaultAdobe(e.adobe)
	seedDefaultMarketo(e.marketo)
	as, ms := httptest.NewServer(e.adobe), httptest.NewServer(e.marketo)
	defer as.Close()
	defer ms.Close()
	e.adobeURL, e.marketoURL = as.URL, ms.URL
	vars := e.vars()
	dir := b.TempDir()
	path := filepath.Join(dir, "policy.yaml")
	example, err := os.ReadFile(filepath.Join("..", "..", "chataccess.example.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, example, 0o600); err != nil {
		b.Fatal(err)
	}
	env := Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return vars[k] }}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := runCheck(ctx, env, []string{"--config", path}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	n := float64(b.N)
	adobeCalls := e.adobe.Calls(adobefake.KindToken) + e.adobe.Calls(adobefake.KindGroups)
	st := e.marketo.Stats()
	b.ReportMetric(float64(adobeCalls)/n, "adobe_calls/op")
	b.ReportMetric(float64(st.Calls+st.TokenRequests)/n, "marketo_calls/op")
}
