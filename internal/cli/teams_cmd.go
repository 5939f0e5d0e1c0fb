package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"regexp"

	"github.com/chataccess/chataccess/config"
)

func runTeams(ctx context.Context, env Env, args []string) error {
	return subcommand(ctx, env, args, "teams", map[string]func(context.Context, Env, []string) error{
		"package": runTeamsPackage,
	})
}

// teamsManifestVersion is the Teams app manifest schema written
// (learn.microsoft.com microsoftteams/platform/resources/schema/manifest-schema).
const teamsManifestVersion = "1.17"

// packageOptions are the app package's fields that are not in the policy.
type packageOptions struct {
	appID, version, developer, website, privacy, terms string
}

func runTeamsPackage(_ context.Context, env Env, args []string) error {
	fs := newFlags(env, "teams package", "teams package --config FILE [--out DIR] [--version X.Y.Z] [--developer NAME] [--website URL] [--privacy URL] [--terms URL]")
	path := fs.String("config", DefaultConfigPath, "policy file (its teams section names the app)")
	out := fs.String("out", "teams-app", "directory to write manifest.json, the icons and the zip into")
	o := packageOptions{}
	fs.StringVar(&o.version, "version", "1.0.0", "app package version (major.minor.patch); raise it for every upload")
	fs.StringVar(&o.developer, "developer", "chataccess", "developer name shown in Teams")
	fs.StringVar(&o.website, "website", "https://github.com/chataccess/chataccess", "developer website (https)")
	fs.StringVar(&o.privacy, "privacy", "https://github.com/chataccess/chataccess#privacy", "privacy statement URL (https)")
	fs.StringVar(&o.terms, "terms", "https://github.com/chataccess/chataccess#terms", "terms of use URL (https)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*path, env)
	if err != nil {
		return err
	}
	e, err := config.LoadEnv(env.Getenv)
	if err != nil {
		return err
	}
	if o.appID = e.TeamsAppID; o.appID == "" {
		return fmt.Errorf("%s is not set: the app package names the bot by its Microsoft App ID", config.EnvTeamsAppID)
	}
	files, err := teamsPackage(cfg.Settings(), o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stdout, "wrote %s: upload %s in Teams (Apps → Manage your apps → Upload an app)\n", *out, filepath.Join(*out, "chataccess-teams.zip"))
	return nil
}

var semverRE = regexp.MustCompile(`^[0-9]{1,5}\.[0-9]{1,5}\.[0-9]{1,5}$`)

// teamsPackage returns manifest.json, color.png, outline.png and the zip
// holding the three.
func teamsPackage(s config.Settings, o packageOptions) (map[string][]byte, error) {
	if !semverRE.MatchString(o.version) {
		return nil, fmt.Errorf("--version %q is not major.minor.patch", o.version)
	}
	if n := len([]rune(o.developer)); n == 0 || n > 32 {
		return nil, fmt.Errorf("--developer must be 1 to 32 characters (the manifest's limit)")
	}
	for _, u := range []string{o.website, o.privacy, o.terms} {
		if p, err := url.Parse(u); err != nil || p.Scheme != "https" || p.Host == "" {
			return nil, fmt.Errorf("%q is not an https URL (Teams requires https for the developer links)", u)
		}
	}
	manifest, err := json.MarshalIndent(teamsManifest(s, o), "", "  ")
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"manifest.json": manifest, "color.png": icon(192, false), "outline.png": icon(32, true)}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"manifest.json", "color.png", "outline.png"} {
		f, err := zw.Create(name)
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(files[name]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	files["chataccess-teams.zip"] = buf.Bytes()
	return files, nil
}

// teamsCommands are the bot commands Teams offers as you type: the
// /dynchat grammar (commands.Parse). At most 10 per list, titles at
// most 32 characters, descriptions at most 128.
var teamsCommands = []map[string]string{
	{"title": "add", "description": "add <email> <package> [duration] \"reason\": request Dynamic Chat access (a form opens for what is missing)"},
	{"title": "remove", "description": "remove <email> [package|all] \"reason\": request removal of access"},
	{"title": "status", "description": "status [request id]: where a request stands"},
	{"title": "list", "description": "list: your requests"},
	{"title": "pending", "description": "pending: requests waiting for your decision"},
	{"title": "cancel", "description": "cancel <request id>: withdraw your request"},
	{"title": "review start", "description": "review start [package]: start an access review (admins)"},
	{"title": "help", "description": "help: the commands and examples"},
	{"title": "home", "description": "home: your requests and decisions in one message"},
}

func teamsManifest(s config.Settings, o packageOptions) map[string]any {
	name := s.Teams.AppName
	return map[string]any{
		"$schema":         "https://developer.microsoft.com/en-us/json-schemas/teams/v" + teamsManifestVersion + "/MicrosoftTeams.schema.json",
		"manifestVersion": teamsManifestVersion,
		"version":         o.version,
		"id":              o.appID,
		"developer":       map[string]string{"name": o.developer, "websiteUrl": o.website, "privacyUrl": o.privacy, "termsOfUseUrl": o.terms},
		"name":            map[string]string{"short": name, "full": name + ": Adobe Dynamic Chat access"},
		"description": map[string]string{
			"short": "Request and approve Adobe Marketo Dynamic Chat access",
			"full": "Request Dynamic Chat access for yourself or a colleague; approvers decide on an approval card; " +
				"the Admin Console product profile and the Marketo role are then applied for you, and removed when the access ends.",
		},
		"icons":       map[string]string{"color": "color.png", "outline": "outline.png"},
		"accentColor": "#2B579A",
		"bots": []map[string]any{{
			"botId": o.appID, "scopes": []string{"personal", "team", "groupChat"},
			"supportsFiles": false, "isNotificationOnly": false,
			"commandLists": []map[string]any{{"scopes": []string{"personal", "team", "groupChat"}, "commands": teamsCommands}},
		}},
		"permissions":  []string{"identity", "messageTeamMembers"},
		"validDomains": []string{},
	}
}

// icon draws the app icon: a filled rounded square with a check mark;
// the outline icon is white on transparent, as Teams requires.
func icon(size int, outline bool) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	bg, fg := color.NRGBA{0x2B, 0x57, 0x9A, 0xFF}, color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	if outline {
		bg = color.NRGBA{}
	}
	for y := range size {
		for x := range size {
			img.Set(x, y, bg)
		}
	}
	// a check mark: two strokes
	w := max(size/16, 1)
	stroke := func(x0, y0, x1, y1 int) {
		steps := max(abs(x1-x0), abs(y1-y0))
		for i := 0; i <= steps; i++ {
			x, y := x0+(x1-x0)*i/steps, y0+(y1-y0)*i/steps
			for dx := -w; dx <= w; dx++ {
				for dy := -w; dy <= w; dy++ {
					img.Set(x+dx, y+dy, fg)
				}
			}
		}
	}
	stroke(size*2/8, size*4/8, size*7/16, size*11/16)
	stroke(size*7/16, size*11/16, size*6/8, size*5/16)
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
