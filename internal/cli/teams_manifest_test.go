package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/internal/npmtest"
)

// appManifestPackages are Microsoft's Teams manifest schemas (the
// @microsoft/app-manifest package ships one per manifest version under
// build/json-schemas/teams/) and the validator that package uses itself.
var appManifestPackages = []string{"@microsoft/app-manifest@1.1.2", "ajv@8.20.0", "ajv-draft-04@1.0.0", "ajv-formats@3.0.1"}

// TestTeamsManifestPassesMicrosoftSchema: the manifests `chataccess
// teams package` writes (default flags; every flag at its longest) pass
// Microsoft's Teams manifest JSON schema of their manifestVersion with
// no error, and a manifest with known mistakes fails it, so the check
// is not vacuous.
func TestTeamsManifestPassesMicrosoftSchema(t *testing.T) {
	modules := npmtest.Install(t, "the Teams app manifest schema check", appManifestPackages...)
	dir := t.TempDir()
	longest := strings.Replace(teamsTestPolicy, "app_name: DynChat Access", "app_name: "+strings.Repeat("D", 30), 1)
	good := []string{
		writeManifest(t, dir, "defaults", teamsTestPolicy),
		writeManifest(t, dir, "longest", longest, "--version", "99999.99999.99999", "--developer", strings.Repeat("É", 32),
			"--website", "https://example.com/"+strings.Repeat("w", 200), "--privacy", "https://example.com/privacy?x=1", "--terms", "https://example.com/terms#t"),
	}
	out, err := exec.Command("node", append([]string{filepath.Join("testdata", "validate_manifest.js"), modules}, good...)...).CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("Microsoft's Teams manifest schema refused the manifest: %v", err)
	}
	if !strings.Contains(string(out), "checked against teams/v"+teamsManifestVersion+"/MicrosoftTeams.schema.json") {
		t.Fatalf("the manifests were not checked against the v%s schema", teamsManifestVersion)
	}

	var m map[string]any
	raw, err := os.ReadFile(good[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["id"] = "not-a-guid"
	m["name"].(map[string]any)["short"] = strings.Repeat("x", 31)
	m["bots"].([]any)[0].(map[string]any)["scopes"] = []string{"everywhere"}
	broken := filepath.Join(dir, "broken.json")
	raw, _ = json.Marshal(m)
	if err := os.WriteFile(broken, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command("node", filepath.Join("testdata", "validate_manifest.js"), modules, broken).CombinedOutput()
	for _, want := range []string{"/id must match pattern", "/name/short must NOT have more than 30 characters", "/bots/0/scopes/0 must be equal to one of the allowed values"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the schema check of a broken manifest does not say %q", want)
		}
	}
	if err == nil || t.Failed() {
		t.Fatalf("a broken manifest passed, or failed for other reasons:\n%s", out)
	}
}

// writeManifest runs `chataccess teams package` on policy with flags and
// returns the path of the manifest.json it wrote.
func writeManifest(t *testing.T, dir, name, policy string, flags ...string) string {
	t.Helper()
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		return map[string]string{"TEAMS_APP_ID": "5b4d0f5e-1c1e-4a55-9d7a-0a1b2c3d4e5f"}[k]
	}
	args := append([]string{"teams", "package", "--config", path, "--out", out}, flags...)
	if code := Run(context.Background(), args, Env{Stdout: &stdout, Stderr: &stderr, Getenv: getenv}); code != 0 {
		t.Fatalf("teams package %v: exit %d: %s", flags, code, stderr.String())
	}
	return filepath.Join(out, "manifest.json")
}
