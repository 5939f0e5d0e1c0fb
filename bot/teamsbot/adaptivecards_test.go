package teamsbot_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// adaptiveCardsVersion is the version of Microsoft's adaptivecards npm
// package the cards are checked with.
const adaptiveCardsVersion = "3.0.6"

// adaptiveCardsJS installs the adaptivecards npm package once (into the
// temp dir) and returns its bundle, or skips when npm or its registry
// cannot be reached.
func adaptiveCardsJS(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed; the Adaptive Card check needs node and npm")
	}
	dir := filepath.Join(os.TempDir(), "chataccess-adaptivecards-"+adaptiveCardsVersion)
	bundle := filepath.Join(dir, "node_modules", "adaptivecards", "dist", "adaptivecards.js")
	if _, err := os.Stat(bundle); err == nil {
		return bundle
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed; the Adaptive Card check needs it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "npm", "install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save",
		"adaptivecards@"+adaptiveCardsVersion).CombinedOutput()
	if err != nil {
		if probe := exec.CommandContext(ctx, "npm", "view", "adaptivecards", "version"); probe.Run() != nil {
			t.Skipf("the npm registry is unreachable, so Microsoft's adaptivecards parser cannot be installed: %s", out)
		}
		t.Fatalf("npm install adaptivecards: %v\n%s", err, out)
	}
	return bundle
}

// TestCardsPassAdaptiveCards checks every golden card and dialog with
// Microsoft's adaptivecards parser: no errors, no warnings.
func TestCardsPassAdaptiveCards(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil || len(files) < 20 {
		t.Fatalf("golden cards: %v (%d files)", err, len(files))
	}
	bundle := adaptiveCardsJS(t)
	out, err := exec.Command("node", append([]string{filepath.Join("testdata", "validate.js"), bundle}, files...)...).CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("Microsoft's parser refused cards: %v", err)
	}
}
