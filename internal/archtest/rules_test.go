package archtest

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/chataccess/chataccess"

// pkg is what `go list -json` says of one package (tests excluded).
type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
	Deps       []string
}

func (p pkg) rel() string { return strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/") }

func list(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, errb.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found %d packages; is the module root right?", len(pkgs))
	}
	return pkgs
}

func std(path string) bool { return !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") }

// under reports whether rel is one of roots or below one of them.
func under(rel string, roots ...string) bool {
	return slices.ContainsFunc(roots, func(r string) bool { return rel == r || strings.HasPrefix(rel, r+"/") })
}

// TestDomainAndChatModelAreStdlibOnly: approvals and bot (without its
// platform adapters) depend on nothing outside the standard library.
func TestDomainAndChatModelAreStdlibOnly(t *testing.T) {
	for _, p := range list(t) {
		if !under(p.rel(), "approvals") && p.rel() != "bot" {
			continue
		}
		for _, d := range p.Deps {
			if !std(d) && !strings.HasPrefix(d, module+"/approvals") && !strings.HasPrefix(d, module+"/bot") {
				t.Errorf("%s depends on %s; the domain and the chat model are stdlib only", p.rel(), d)
			}
		}
	}
}

// importRules says which packages may import a third-party package
// directly: Redis only through the store, the rate limiter and the
// queue; Slack only through its adapter; Prometheus only in the metrics
// package, the chat adapters' own metrics and the composition root.
var importRules = map[string][]string{
	"github.com/redis/go-redis/v9":       {"store", "integrations/ratelimit", "workers", "internal/cli", "internal/redistest"},
	"github.com/go-redis/redis_rate/v10": {"integrations/ratelimit"},
	"github.com/hibiken/asynq":           {"workers"},
	"github.com/slack-go/slack":          {"bot/slackbot"},
	"github.com/golang-jwt/jwt":          {"bot/teamsbot", "bot/teamsbot/teamsfake"},
	"golang.org/x/oauth2":                {"bot/teamsbot"},
	"github.com/alicebob/miniredis/v2":   {"internal/cli"},

	"github.com/prometheus/client_golang": {"internal/metrics", "bot/slackbot", "bot/teamsbot", "internal/cli"},
}

func TestThirdPartyImports(t *testing.T) {
	for _, p := range list(t) {
		for _, imp := range p.Imports {
			for lib, allowed := range importRules {
				if (imp == lib || strings.HasPrefix(imp, lib+"/")) && !slices.Contains(allowed, p.rel()) {
					t.Errorf("%s imports %s; only %v may", p.rel(), imp, allowed)
				}
			}
		}
	}
}

// TestNeutralPartsDoNotDependOnTheStore: the chat front end, the
// reviews and the workers reach the ledger through ports they declare.
func TestNeutralPartsDoNotDependOnTheStore(t *testing.T) {
	for _, p := range list(t) {
		if !under(p.rel(), "commands", "reviews", "workers", "bot", "integrations", "config") {
			continue
		}
		if slices.Contains(p.Deps, module+"/store") {
			t.Errorf("%s depends on store; declare the port it needs instead", p.rel())
		}
	}
}

// TestSlackOnlyInItsAdapter: no package outside bot/slackbot (and the
// composition root that wires it) depends on the Slack adapter.
func TestSlackOnlyInItsAdapter(t *testing.T) {
	for _, p := range list(t) {
		if under(p.rel(), "bot/slackbot", "internal/cli") || p.rel() == "" {
			continue
		}
		if slices.Contains(p.Deps, module+"/bot/slackbot") {
			t.Errorf("%s depends on bot/slackbot", p.rel())
		}
	}
}

// keyOwners are the packages that build Redis key names, each in one
// file.
var keyOwners = map[string]string{"store": "keys.go", "integrations/ratelimit": "keys.go"}

// TestRedisKeysBuiltInKeysFiles: in a package that owns Redis keys, a
// string literal ending in ":" joined with + (a key prefix) appears only
// in its keys file.
func TestRedisKeysBuiltInKeysFiles(t *testing.T) {
	for _, p := range list(t) {
		keysFile, ok := keyOwners[p.rel()]
		if !ok {
			continue
		}
		if !slices.Contains(p.GoFiles, keysFile) {
			t.Errorf("%s owns Redis keys but has no %s", p.rel(), keysFile)
		}
		for _, f := range p.GoFiles {
			if f == keysFile {
				continue
			}
			for _, at := range keyConcats(t, filepath.Join(p.Dir, f)) {
				t.Errorf("%s/%s:%s builds a Redis key name; build it in %s", p.rel(), f, at, keysFile)
			}
		}
	}
}

// keyConcats finds `"…:" + x` and `x + "…:"` expressions in a file.
func keyConcats(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		b, ok := n.(*ast.BinaryExpr)
		if !ok || b.Op != token.ADD {
			return true
		}
		for _, side := range []ast.Expr{b.X, b.Y} {
			lit, ok := side.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && strings.HasSuffix(s, ":") {
				out = append(out, strconv.Itoa(fset.Position(lit.Pos()).Line))
			}
		}
		return true
	})
	return out
}

// TestProductionBuildLinksNoFake: the binary `make build` and the
// container image ship (built with -tags nodemo) links no emulator, fake
// Slack or Teams, or in-process Redis; `go run . demo` (no tag) still has them.
func TestProductionBuildLinksNoFake(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-tags", "nodemo", module)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, d := range strings.Fields(string(out)) {
		for _, banned := range []string{"miniredis", "gopher-lua", "/adobefake", "/marketofake", "/slackfake", "/teamsfake", "/internal/sandbox", "/internal/playground", "chromedp"} {
			if strings.Contains(d, banned) {
				t.Errorf("the production build links %s", d)
			}
		}
	}
}

// TestMetricsAtTheEdge: Prometheus stays at the edge. The domain, the
// store, the workers, the vendor clients and the chat handlers report
// through observer ports they declare (workers.Observer,
// failure.Observer) or are read at scrape time; none of them depends on
// Prometheus or on internal/metrics, even through another package.
func TestMetricsAtTheEdge(t *testing.T) {
	allowed := []string{"internal/metrics", "bot/slackbot", "bot/teamsbot", "internal/cli"}
	for _, p := range list(t) {
		if p.rel() == "" || under(p.rel(), allowed...) {
			continue
		}
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "github.com/prometheus/") || d == module+"/internal/metrics" {
				t.Errorf("%s depends on %s; report through an observer port or a collector in internal/metrics", p.rel(), d)
				break
			}
		}
	}
}
