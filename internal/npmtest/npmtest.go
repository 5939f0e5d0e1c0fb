package npmtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// installTimeout bounds one npm install (the Agents Playground is the
// largest, about 60 MB).
const installTimeout = 4 * time.Minute

// Install installs pkgs (each "name@version") and returns the
// node_modules directory holding them. what says in a skip or failure
// message what the packages are for.
func Install(tb testing.TB, what string, pkgs ...string) string {
	tb.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			unavailable(tb, "%s is not installed; %s needs node and npm", tool, what)
		}
	}
	sorted := slices.Sorted(slices.Values(pkgs))
	sum := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	dir := filepath.Join(os.TempDir(), "chataccess-npm-"+hex.EncodeToString(sum[:6]))
	modules := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(dir, "installed")); err == nil {
		return modules
	}
	// Install into a directory of our own and rename it into place, so
	// test binaries installing the same packages at once never see a
	// half-written one.
	tmp, err := os.MkdirTemp(os.TempDir(), "chataccess-npm-install-")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	args := append([]string{"install", "--prefix", tmp, "--no-audit", "--no-fund", "--no-save", "--no-package-lock"}, sorted...)
	if out, err := exec.CommandContext(ctx, "npm", args...).CombinedOutput(); err != nil {
		name := sorted[0][:strings.LastIndex(sorted[0], "@")]
		if exec.CommandContext(ctx, "npm", "view", name, "version").Run() != nil {
			unavailable(tb, "the npm registry is unreachable, so %s cannot be installed (%s): %s", what, strings.Join(sorted, " "), out)
		}
		tb.Fatalf("npm install %s: %v\n%s", strings.Join(sorted, " "), err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, "installed"), []byte(strings.Join(sorted, "\n")+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	// A rename refused because the directory exists means another
	// process put the same packages in place first.
	if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, fs.ErrExist) && !errors.Is(err, syscall.ENOTEMPTY) {
		tb.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "installed")); err != nil {
		tb.Fatalf("npm packages not in place after install: %v", err)
	}
	return modules
}

// unavailable skips the test, or fails it in CI.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("npmtest (CI=true, so this fails instead of skipping): "+format, args...)
	}
	tb.Skipf(format, args...)
}
