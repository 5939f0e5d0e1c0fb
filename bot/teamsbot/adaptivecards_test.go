package teamsbot_test

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chataccess/chataccess/internal/npmtest"
)

// adaptiveCardsVersion is the version of Microsoft's adaptivecards npm
// package the cards are checked with.
const adaptiveCardsVersion = "3.0.6"

// adaptiveCardsJS installs the adaptivecards npm package (once per
// machine) and returns its bundle.
func adaptiveCardsJS(t *testing.T) string {
	t.Helper()
	modules := npmtest.Install(t, "the Adaptive Card check", "adaptivecards@"+adaptiveCardsVersion)
	return filepath.Join(modules, "adaptivecards", "dist", "adaptivecards.js")
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
