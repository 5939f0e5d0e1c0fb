package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/marketo"
)

// syncBuffer is a bytes.Buffer the emulator writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runningEmulator is `chataccess emulate` running in the background.
type runningEmulator struct {
	vars           map[string]string
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

// startEmulate runs `chataccess emulate args...` until the test ends and
// returns once it printed its environment.
func startEmulate(t *testing.T, args ...string) *runningEmulator {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningEmulator{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	env := Env{Stdout: r.stdout, Stderr: r.stderr, Getenv: func(string) string { return "" }}
	go func() { r.done <- runRegistered(ctx, append([]string{"emulate"}, args...), env) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("emulate did not stop")
		}
	})
	deadline := time.After(5 * time.Second)
	for !strings.Contains(r.stderr.String(), "serving until interrupted") {
		select {
		case code := <-r.done:
			t.Fatalf("emulate %v exited with %d:\n%s%s", args, code, r.stdout, r.stderr)
		case <-deadline:
			t.Fatalf("emulate %v did not start:\n%s%s", args, r.stdout, r.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	r.vars = parseExports(t, r.stdout.String())
	return r
}

// stop cancels the context and returns the exit code.
func (r *runningEmulator) stop(t *testing.T) int {
	t.Helper()
	r.cancel()
	select {
	case code := <-r.done:
		r.done <- code // for the cleanup
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("emulate did not return after its context was cancelled")
	}
	return -1
}

func parseExports(t *testing.T, out string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(l, "export "); ok {
			k, v, _ := strings.Cut(rest, "=")
			vars[k] = v
		}
	}
	return vars
}

func adobeClient(t *testing.T, v map[string]string) *adobe.Client {
	t.Helper()
	c, err := adobe.New(adobe.Config{IMSURL: v["ADOBE_IMS_URL"], UMAPIURL: v["ADOBE_UMAPI_URL"], OrgID: v["ADOBE_ORG_ID"],
		ClientID: v["ADOBE_CLIENT_ID"], ClientSecret: v["ADOBE_CLIENT_SECRET"], HTTPTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func marketoClient(t *testing.T, v map[string]string) *marketo.Client {
	t.Helper()
	c, err := marketo.New(marketo.Config{BaseURL: v["MARKETO_BASE_URL"], ClientID: v["MARKETO_CLIENT_ID"],
		ClientSecret: v["MARKETO_CLIENT_SECRET"], HTTPTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tokenCalls hits both token endpoints directly, as documented: IMS with
// a POSTed form, Marketo's identity endpoint with GET.
func tokenCalls(t *testing.T, v map[string]string) {
	t.Helper()
	if u := v["ADOBE_IMS_URL"]; u != "" {
		resp, err := http.PostForm(u+"/ims/token/v3", url.Values{"grant_type": {"client_credentials"},
			"client_id": {v["ADOBE_CLIENT_ID"]}, "client_secret": {v["ADOBE_CLIENT_SECRET"]}, "scope": {adobe.DefaultScope}})
		checkToken(t, "IMS", resp, err)
	}
	if u := v["MARKETO_BASE_URL"]; u != "" {
		q := url.Values{"grant_type": {"client_credentials"}, "client_id": {v["MARKETO_CLIENT_ID"]}, "client_secret": {v["MARKETO_CLIENT_SECRET"]}}
		resp, err := http.Get(u + "/identity/oauth/token?" + q.Encode())
		checkToken(t, "Marketo identity", resp, err)
	}
}

func checkToken(t *testing.T, what string, resp *http.Response, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s token: %v", what, err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 || body.AccessToken == "" {
		t.Fatalf("%s token: HTTP %d, %v", what, resp.StatusCode, err)
	}
}

func profileNames(t *testing.T, ctx context.Context, c *adobe.Client) []string {
	t.Helper()
	var names []string
	if err := c.EachGroup(ctx, func(g adobe.Group) error {
		names = append(names, g.GroupName)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

func roleNames(t *testing.T, ctx context.Context, c *marketo.Client) []string {
	t.Helper()
	rs, err := c.ListRoles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return names
}

func TestEmulateBothWiredTogether(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	aAddr, mAddr := freeAddr(t), freeAddr(t)
	r := startEmulate(t, "both", "--listen", aAddr+","+mAddr, "--user-lag", "0", "--time-scale", "0.5", "--latency", "1ms")
	v := r.vars
	for _, k := range []string{"ADOBE_IMS_URL", "ADOBE_UMAPI_URL", "ADOBE_ORG_ID", "ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET",
		"MARKETO_BASE_URL", "MARKETO_CLIENT_ID", "MARKETO_CLIENT_SECRET"} {
		if v[k] == "" {
			t.Errorf("emulate printed no %s:\n%s", k, r.stdout)
		}
	}
	if v["ADOBE_IMS_URL"] != "http://"+aAddr || v["MARKETO_BASE_URL"] != "http://"+mAddr {
		t.Fatalf("URLs %s, %s; want the listen addresses %s, %s", v["ADOBE_IMS_URL"], v["MARKETO_BASE_URL"], aAddr, mAddr)
	}
	tokenCalls(t, v)

	ac, mc := adobeClient(t, v), marketoClient(t, v)
	if got, want := profileNames(t, ctx, ac), []string{"Calendar Agent", "EMEA Chat Agents", "Live Agent", "Marketing Admin", "Marketing User", "Marketo Engage", "Sales Admin"}; !slices.Equal(got, want) {
		t.Errorf("profiles %q, want %q", got, want)
	}
	if got := roleNames(t, ctx, mc); !slices.Contains(got, "DC Agent") || !slices.Contains(got, "DC Sales Admin") {
		t.Errorf("roles %q lack the example policy's", got)
	}

	// Wired: an Admin Console add makes the user appear in Marketo.
	const email = "new.agent@example.com"
	if _, err := ac.Apply(ctx, adobe.UserChange{User: adobe.UserSpec{Email: email, Type: adobe.FederatedID, Country: "US", FirstName: "New", LastName: "Agent"},
		Add: []string{"Live Agent"}, RequestID: "t1/adobe"}); err != nil {
		t.Fatal(err)
	}
	if u, err := mc.FindUserByEmail(ctx, email); err != nil || u == nil {
		t.Fatalf("user added in the Admin Console is not in Marketo: %v", err)
	}

	// The default seed matches the example policy: check is all green.
	code, out, errOut := runCLI(t, ctx, v, "check", "--config", filepath.Join("..", "..", "chataccess.example.yaml"))
	if code != 0 {
		t.Errorf("check against the emulators: exit %d\n%s%s", code, out, errOut)
	}

	if code := r.stop(t); code != 0 {
		t.Errorf("emulate exited %d after cancel:\n%s", code, r.stderr)
	}
	for _, a := range []string{aAddr, mAddr} {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			t.Errorf("%s still in use after emulate returned: %v", a, err)
			continue
		}
		ln.Close()
	}
}

func TestEmulateOneAddressServesBoth(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr := freeAddr(t)
	r := startEmulate(t, "both", "--listen", addr)
	v := r.vars
	want := "http://" + addr
	if v["ADOBE_IMS_URL"] != want || v["ADOBE_UMAPI_URL"] != want || v["MARKETO_BASE_URL"] != want {
		t.Fatalf("URLs %v, want all %s", v, want)
	}
	tokenCalls(t, v)
	if got := profileNames(t, ctx, adobeClient(t, v)); len(got) != 7 {
		t.Errorf("profiles %q", got)
	}
	if got := roleNames(t, ctx, marketoClient(t, v)); !slices.Contains(got, "DC Admin") {
		t.Errorf("roles %q", got)
	}
}

func TestEmulateSeeds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	adobeSeed := filepath.Join("..", "..", "integrations", "adobe", "adobefake", "testdata", "seed.yaml")
	marketoSeed := filepath.Join("..", "..", "integrations", "marketo", "marketofake", "testdata", "seed.yaml")
	combined := writeFile(t, "both.yaml", `
adobe:
  profiles:
    - {name: Night Agent, product: Dynamic Chat, quota: 3}
marketo:
  roles:
    - {id: 500, name: DC Night Agent}
  users:
    - userid: zoe@example.com
      emailAddress: zoe@example.com
      lastLoginAt: 2026-01-20T14:02:00Z
      roles: [{role: DC Night Agent, workspace: Default}]
`)
	combinedJSON := writeFile(t, "both.json", `{"adobe": {"profiles": [{"name": "JSON Agent", "product": "Dynamic Chat"}]}}`)

	t.Run("adobe", func(t *testing.T) {
		r := startEmulate(t, "adobe", "--listen", freeAddr(t), "--seed", adobeSeed)
		if _, ok := r.vars["MARKETO_BASE_URL"]; ok {
			t.Errorf("adobe alone printed Marketo variables:\n%s", r.stdout)
		}
		tokenCalls(t, r.vars)
		if u, err := adobeClient(t, r.vars).GetUser(ctx, "lee.agent@example.com", ""); err != nil || !u.InGroup("Live Agent") {
			t.Errorf("seeded user: %+v, %v", u, err)
		}
	})
	t.Run("marketo", func(t *testing.T) {
		r := startEmulate(t, "marketo", "--listen", freeAddr(t), "--seed", marketoSeed)
		if _, ok := r.vars["ADOBE_IMS_URL"]; ok {
			t.Errorf("marketo alone printed Adobe variables:\n%s", r.stdout)
		}
		tokenCalls(t, r.vars)
		if got := roleNames(t, ctx, marketoClient(t, r.vars)); !slices.Contains(got, "Web Designer") {
			t.Errorf("roles %q lack the seeded Web Designer", got)
		}
	})
	t.Run("both from one file", func(t *testing.T) {
		r := startEmulate(t, "both", "--listen", freeAddr(t), "--seed", combined)
		if got := profileNames(t, ctx, adobeClient(t, r.vars)); !slices.Equal(got, []string{"Night Agent"}) {
			t.Errorf("profiles %q", got)
		}
		mc := marketoClient(t, r.vars)
		if got := roleNames(t, ctx, mc); !slices.Contains(got, "DC Night Agent") || slices.Contains(got, "DC Agent") {
			t.Errorf("roles %q", got)
		}
		if ok, err := mc.HasRole(ctx, "zoe@example.com", 500, 1); err != nil || !ok {
			t.Errorf("seeded user's role: %v, %v", ok, err)
		}
	})
	t.Run("both from JSON, missing section takes the default", func(t *testing.T) {
		r := startEmulate(t, "both", "--listen", freeAddr(t), "--seed", combinedJSON)
		if got := profileNames(t, ctx, adobeClient(t, r.vars)); !slices.Equal(got, []string{"JSON Agent"}) {
			t.Errorf("profiles %q", got)
		}
		if got := roleNames(t, ctx, marketoClient(t, r.vars)); !slices.Contains(got, "DC Agent") {
			t.Errorf("roles %q lack the default ones", got)
		}
	})
	t.Run("both from the two emulators' files", func(t *testing.T) {
		r := startEmulate(t, "both", "--listen", freeAddr(t), "--adobe-seed", adobeSeed, "--marketo-seed", marketoSeed)
		if got := profileNames(t, ctx, adobeClient(t, r.vars)); !slices.Contains(got, "Marketo Engage Production") {
			t.Errorf("profiles %q", got)
		}
		if got := roleNames(t, ctx, marketoClient(t, r.vars)); !slices.Contains(got, "Web Designer") {
			t.Errorf("roles %q", got)
		}
	})
}

func TestEmulateRefusals(t *testing.T) {
	badSeed := writeFile(t, "bad.yaml", "profiles:\n  - {name: X, colour: red}\n")
	badCombined := writeFile(t, "bad-both.yaml", "adobe: {}\nsalesforce: {}\n")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"all interfaces", []string{"adobe", "--listen", ":0"}, 2, "--allow-remote"},
		{"unspecified IPv4", []string{"marketo", "--listen", "0.0.0.0:0"}, 2, "not a loopback address"},
		{"unspecified IPv6", []string{"both", "--listen", "127.0.0.1:0,[::]:0"}, 2, "--allow-remote"},
		{"LAN address", []string{"adobe", "--listen", "192.168.1.10:9001"}, 2, "--allow-remote"},
		{"host name", []string{"adobe", "--listen", "emulator.example.com:9001"}, 2, "--allow-remote"},
		{"unknown emulator", []string{"salesforce"}, 2, "unknown emulator"},
		{"no emulator", nil, 2, "Usage"},
		{"two addresses for one emulator", []string{"adobe", "--listen", "127.0.0.1:0,127.0.0.1:0"}, 2, "one address"},
		{"not host:port", []string{"adobe", "--listen", "9001"}, 2, "host:port"},
		{"zero time scale", []string{"both", "--time-scale", "0"}, 2, "--time-scale"},
		{"negative lag", []string{"both", "--user-lag", "-1s"}, 2, "--user-lag"},
		{"wrong seed flag", []string{"adobe", "--marketo-seed", "x.yaml"}, 2, "--marketo-seed"},
		{"stray argument", []string{"adobe", "extra"}, 2, "Usage"},
		{"missing seed file", []string{"adobe", "--listen", "127.0.0.1:0", "--seed", filepath.Join(t.TempDir(), "none.yaml")}, 1, "--seed"},
		{"seed with an unknown key", []string{"adobe", "--listen", "127.0.0.1:0", "--seed", badSeed}, 1, "colour"},
		{"combined seed with an unknown section", []string{"both", "--listen", "127.0.0.1:0", "--seed", badCombined}, 1, "salesforce"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			code, out, errOut := runCLI(t, ctx, nil, append([]string{"emulate"}, tc.args...)...)
			if code != tc.wantCode || !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d with %q", code, errOut, tc.wantCode, tc.wantErr)
			}
			if strings.Contains(out, "export ") {
				t.Errorf("printed an environment although it did not start:\n%s", out)
			}
		})
	}
}

func TestEmulateHelp(t *testing.T) {
	for _, args := range [][]string{{"emulate", "--help"}, {"emulate", "both", "--help"}} {
		code, _, errOut := runCLI(t, context.Background(), nil, args...)
		if code != 0 || !strings.Contains(errOut, "emulate adobe|marketo|both") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestIsLoopbackAddr(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:9001", true},
		{"127.3.2.1:0", true},
		{"localhost:9001", true},
		{"LocalHost:9001", true},
		{"[::1]:9001", true},
		{"[::1%lo]:9001", true},
		{":9001", false},
		{"0.0.0.0:9001", false},
		{"[::]:9001", false},
		{"10.0.0.1:9001", false},
		{"localhost.example.com:9001", false},
		{"9001", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := isLoopbackAddr(tc.addr); got != tc.want {
			t.Errorf("isLoopbackAddr(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	tests := map[string]string{
		"http://127.0.0.1:9001":         "http://127.0.0.1:9001",
		"DEMO0000000000000000@AdobeOrg": "DEMO0000000000000000@AdobeOrg",
		"a b":                           "'a b'",
		"it's":                          `'it'\''s'`,
		"":                              "''",
		"$HOME":                         "'$HOME'",
	}
	for in, want := range tests {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// FuzzSplitSeed feeds arbitrary files to the combined-seed splitter: it
// never panics, and every section it returns is YAML again.
func FuzzSplitSeed(f *testing.F) {
	f.Add([]byte("adobe:\n  profiles:\n    - {name: A, product: Dynamic Chat}\nmarketo:\n  roles:\n    - {id: 5, name: R}\n"))
	f.Add([]byte(`{"adobe": {"profiles": []}, "marketo": null}`))
	f.Add([]byte("adobe: &a {x: 1}\nmarketo: *a\n"))
	f.Add([]byte("- 1\n- 2\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, m, err := splitSeed(data)
		if err != nil {
			return
		}
		for _, sec := range [][]byte{a, m} {
			if sec == nil {
				continue
			}
			var v any
			if err := yaml.Unmarshal(sec, &v); err != nil {
				t.Fatalf("section %q of %q is not YAML: %v", sec, data, err)
			}
		}
	})
}

// unquoteShell undoes shellQuote the way a POSIX shell reads a word.
func unquoteShell(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return "", false
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case '\\':
			if i+1 >= len(s) {
				return "", false
			}
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), true
}

// FuzzShellQuote proves the printed exports read back as the values.
func FuzzShellQuote(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:9001", "it's", "", "a b", "$(rm -rf /)", "'", "\\'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := shellQuote(s)
		got, ok := unquoteShell(q)
		if !ok || got != s {
			t.Fatalf("shellQuote(%q) = %s reads back as %q", s, q, got)
		}
		if !strings.HasPrefix(q, "'") && strings.ContainsAny(q, " \t\n$`\"\\;&|<>()*?[]#~!{}") {
			t.Fatalf("shellQuote(%q) = %s leaves shell syntax unquoted", s, q)
		}
	})
}

// FuzzIsLoopbackAddr: whatever the input, true means a loopback host.
func FuzzIsLoopbackAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:9001", ":9001", "[::1]:0", "localhost:1", "0.0.0.0:0", "[fe80::1%eth0]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if !isLoopbackAddr(addr) {
			return
		}
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("%q accepted but is not host:port", addr)
		}
		if h, _, _ := strings.Cut(host, "%"); !strings.EqualFold(h, "localhost") && !net.ParseIP(h).IsLoopback() {
			t.Fatalf("%q accepted but %q is not loopback", addr, host)
		}
	})
}
