package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

const teamsTestPolicy = `
admins: [root@example.com]
requesters: [everyone]
adobe: {identity: {type: enterpriseID}}
slack: {admin_channel: C0123ABCDE1}
packages:
  agent:
    profiles: [{name: Live Agent}]
    marketo: {role: {name: DC Agent}}
    approvers: [bob@example.com]
teams:
  enabled: true
  app_name: DynChat Access
  channels: {agent: "19:approvals@thread.tacv2"}
`

// TestTeamsPackage: the app package holds a manifest naming the bot,
// its commands and scopes within Teams' limits, and the two icons.
func TestTeamsPackage(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "chataccess.yaml")
	if err := os.WriteFile(policy, []byte(teamsTestPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "app")
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		return map[string]string{"TEAMS_APP_ID": "5b4d0f5e-1c1e-4a55-9d7a-0a1b2c3d4e5f"}[k]
	}
	code := Run(context.Background(), []string{"teams", "package", "--config", policy, "--out", out, "--version", "1.2.3"},
		Env{Stdout: &stdout, Stderr: &stderr, Getenv: getenv})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	raw, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ManifestVersion string `json:"manifestVersion"`
		Version         string `json:"version"`
		ID              string `json:"id"`
		Name            struct{ Short, Full string }
		Description     struct{ Short, Full string }
		Bots            []struct {
			BotID        string   `json:"botId"`
			Scopes       []string `json:"scopes"`
			CommandLists []struct {
				Commands []struct{ Title, Description string } `json:"commands"`
			} `json:"commandLists"`
		} `json:"bots"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.ID != "5b4d0f5e-1c1e-4a55-9d7a-0a1b2c3d4e5f" || m.Version != "1.2.3" || m.Name.Short != "DynChat Access" ||
		len(m.Bots) != 1 || m.Bots[0].BotID != m.ID || len(m.Bots[0].Scopes) != 3 {
		t.Fatalf("manifest %s", raw)
	}
	if utf8.RuneCountInString(m.Name.Short) > 30 || utf8.RuneCountInString(m.Name.Full) > 100 ||
		utf8.RuneCountInString(m.Description.Short) > 80 || utf8.RuneCountInString(m.Description.Full) > 4000 {
		t.Fatalf("manifest text over Teams' limits: %+v %+v", m.Name, m.Description)
	}
	cmds := m.Bots[0].CommandLists[0].Commands
	if len(cmds) == 0 || len(cmds) > 10 {
		t.Fatalf("%d commands", len(cmds))
	}
	for _, c := range cmds {
		if utf8.RuneCountInString(c.Title) > 32 || utf8.RuneCountInString(c.Description) > 128 {
			t.Errorf("command %q over the limits", c.Title)
		}
	}
	checkIcon(t, filepath.Join(out, "color.png"), 192, false)
	checkIcon(t, filepath.Join(out, "outline.png"), 32, true)
	zr, err := zip.OpenReader(filepath.Join(out, "chataccess-teams.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "manifest.json,color.png,outline.png" {
		t.Fatalf("zip holds %v", names)
	}
}

func checkIcon(t *testing.T, path string, size int, outline bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
		t.Fatalf("%s is %v, want %dx%d", path, b, size, size)
	}
	if !outline {
		return
	}
	for y := range size {
		for x := range size {
			r, g, b, a := img.At(x, y).RGBA()
			if a != 0 && (r != 0xffff || g != 0xffff || b != 0xffff) {
				t.Fatalf("outline icon has a colour at %d,%d", x, y)
			}
		}
	}
}

// TestTeamsPackageNeedsAppID: without TEAMS_APP_ID nothing is written.
func TestTeamsPackageNeedsAppID(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "chataccess.yaml")
	if err := os.WriteFile(policy, []byte(teamsTestPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := Run(context.Background(), []string{"teams", "package", "--config", policy, "--out", filepath.Join(dir, "app")},
		Env{Stdout: &bytes.Buffer{}, Stderr: &stderr, Getenv: func(string) string { return "" }})
	if code == 0 || !strings.Contains(stderr.String(), "TEAMS_APP_ID") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "app")); err == nil {
		t.Fatal("wrote a package without an app id")
	}
}
