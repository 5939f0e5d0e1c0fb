package npmtest

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a test ended instead of
// ending it.
type recorder struct {
	testing.TB
	skipped, failed string
}

type ended struct{}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	panic(ended{})
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(ended{})
}

func (r *recorder) Fatal(args ...any) {
	r.failed = fmt.Sprint(args...)
	panic(ended{})
}

func (r *recorder) install(pkgs ...string) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(ended); !ok {
				panic(p)
			}
		}
	}()
	Install(r, "the registry check", pkgs...)
}

// TestUnreachableRegistrySkipsExceptInCI: with the registry out of
// reach the test is skipped with a sentence saying so; with CI=true it
// fails instead.
func TestUnreachableRegistrySkipsExceptInCI(t *testing.T) {
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed")
	}
	t.Setenv("npm_config_registry", "http://127.0.0.1:9/")
	t.Setenv("npm_config_fetch_retries", "0")
	t.Setenv("npm_config_fetch_timeout", "2000")
	t.Setenv("npm_config_cache", t.TempDir())
	pkg := "chataccess-npmtest-nonexistent@0.0.1"

	t.Setenv("CI", "")
	r := &recorder{}
	r.install(pkg)
	if !strings.Contains(r.skipped, "the npm registry is unreachable, so the registry check cannot be installed") || r.failed != "" {
		t.Errorf("outside CI: skipped %q, failed %q", r.skipped, r.failed)
	}

	t.Setenv("CI", "true")
	r = &recorder{}
	r.install(pkg)
	if !strings.Contains(r.failed, "CI=true") || !strings.Contains(r.failed, "unreachable") || r.skipped != "" {
		t.Errorf("in CI: skipped %q, failed %q", r.skipped, r.failed)
	}
}
