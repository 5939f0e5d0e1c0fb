package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/config"
)

// envOf makes a getenv from a map.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadEnv(t *testing.T) {
	tokenFile := writeFile(t, "bot", "xoxb-from-file-123\n")
	secretFile := writeFile(t, "mkto", "mkto-secret-456\r\n")
	env, err := config.LoadEnv(envOf(map[string]string{
		"SLACK_BOT_TOKEN_FILE":       tokenFile,
		"SLACK_APP_TOKEN":            "xapp-1-abc",
		"SLACK_SIGNING_SECRET":       "sign-789",
		"ADOBE_CLIENT_ID":            "adobe-id",
		"ADOBE_CLIENT_SECRET":        "adobe-secret-000",
		"ADOBE_ORG_ID":               "A495E53@AdobeOrg",
		"MARKETO_CLIENT_ID":          "mkto-id",
		"MARKETO_CLIENT_SECRET_FILE": secretFile,
		"REDIS_URL":                  "redis://:pw@127.0.0.1:6379/0",
		"SLACK_API_URL":              "http://127.0.0.1:9000/api",
		"ADOBE_IMS_URL":              "https://ims.example.test/",
		"ADOBE_UMAPI_URL":            "https://umapi.example.test/v2/usermanagement",
		"MARKETO_BASE_URL":           "https://123-ABC-456.mktorest.com",
	}))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ got, want string }{
		{env.SlackBotToken.Reveal(), "xoxb-from-file-123"},
		{env.SlackAppToken.Reveal(), "xapp-1-abc"},
		{env.SlackSigningSecret.Reveal(), "sign-789"},
		{env.AdobeClientID, "adobe-id"},
		{env.AdobeClientSecret.Reveal(), "adobe-secret-000"},
		{env.AdobeOrgID, "A495E53@AdobeOrg"},
		{env.MarketoClientID, "mkto-id"},
		{env.MarketoClientSecret.Reveal(), "mkto-secret-456"},
		{env.RedisURL.Reveal(), "redis://:pw@127.0.0.1:6379/0"},
		{env.SlackAPIURL, "http://127.0.0.1:9000/api/"},
		{env.AdobeIMSURL, "https://ims.example.test"},
		{env.AdobeUMAPIURL, "https://umapi.example.test/v2/usermanagement"},
		{env.MarketoBaseURL, "https://123-ABC-456.mktorest.com"},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %q, want %q", i, c.got, c.want)
		}
	}
	for _, mode := range []string{"auto", "socket", "http"} {
		if err := env.CheckFor(mode); err != nil {
			t.Errorf("CheckFor(%s): %v", mode, err)
		}
	}
	if env.SlackMode("auto") != "socket" {
		t.Errorf("auto with an app token = %s", env.SlackMode("auto"))
	}
}

func TestLoadEnvProblems(t *testing.T) {
	const secret = "xoxb-super-secret-value"
	secretFile := writeFile(t, "tok", secret+"\n")
	cases := []struct {
		name string
		env  map[string]string
		want []config.Problem
	}{
		{"both set", map[string]string{"SLACK_BOT_TOKEN": secret, "SLACK_BOT_TOKEN_FILE": secretFile},
			[]config.Problem{{"SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are both set; use one"}}},
		{"missing file", map[string]string{"ADOBE_CLIENT_SECRET_FILE": filepath.Join(t.TempDir(), "nope")},
			[]config.Problem{{"ADOBE_CLIENT_SECRET_FILE", "names a file that does not exist"}}},
		{"secret put in the _FILE variable by mistake", map[string]string{"SLACK_BOT_TOKEN_FILE": secret},
			[]config.Problem{{"SLACK_BOT_TOKEN_FILE", "names a file that does not exist"}}},
		{"directory", map[string]string{"MARKETO_CLIENT_SECRET_FILE": t.TempDir()},
			[]config.Problem{{"MARKETO_CLIENT_SECRET_FILE", "names a file that cannot be read (is it a directory?)"}}},
		{"empty file", map[string]string{"SLACK_SIGNING_SECRET_FILE": writeFile(t, "empty", "\n")},
			[]config.Problem{{"SLACK_SIGNING_SECRET_FILE", "names an empty file"}}},
		{"bad URLs", map[string]string{
			"SLACK_API_URL":    "slack.com/api",
			"ADOBE_IMS_URL":    "ftp://ims.example.test",
			"ADOBE_UMAPI_URL":  "https://user:" + secret + "@umapi.example.test?x=1",
			"MARKETO_BASE_URL": "https://%zz",
		}, []config.Problem{
			{"ADOBE_IMS_URL", `"ftp://ims.example.test" is not an absolute http(s) URL`},
			{"ADOBE_UMAPI_URL", `"https://user:xxxxx@umapi.example.test?x=1" must not have a query or fragment`},
			{"MARKETO_BASE_URL", "is not a URL"},
			{"SLACK_API_URL", `"slack.com/api" is not an absolute http(s) URL`},
		}},
		{"bad redis URL with a password", map[string]string{"REDIS_URL": "http://:" + secret + "@localhost"},
			[]config.Problem{{"REDIS_URL", "is not a redis://, rediss://, redis-sentinel://, redis-cluster:// or unix:// URL"}}},
		{"wrong token kinds", map[string]string{"SLACK_BOT_TOKEN": "xoxp-" + secret, "SLACK_APP_TOKEN": secret},
			[]config.Problem{
				{"SLACK_APP_TOKEN", "is not an app-level token (they start with xapp-)"},
				{"SLACK_BOT_TOKEN", "is not a bot token (they start with xoxb-)"},
			}},
		{"bad org id", map[string]string{"ADOBE_ORG_ID": "A495E53"},
			[]config.Problem{{"ADOBE_ORG_ID", "is not an Adobe org id (like A495E53@AdobeOrg)"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.LoadEnv(envOf(tc.env))
			var verr *config.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v", err)
			}
			if !slices.Equal(verr.Problems, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", render(verr.Problems), render(tc.want))
			}
			if strings.Contains(err.Error(), "super-secret") {
				t.Errorf("error leaks the secret: %v", err)
			}
			// Load reports the same problems, and no secret either.
			_, err = config.Parse([]byte(minimal), envOf(tc.env))
			if !errors.As(err, &verr) || !slices.Equal(verr.Problems, tc.want) {
				t.Errorf("Parse: %v", err)
			}
			if err != nil && strings.Contains(err.Error(), "super-secret") {
				t.Errorf("Parse error leaks the secret: %v", err)
			}
		})
	}
}

func TestEnvCheckFor(t *testing.T) {
	base := map[string]string{
		"ADOBE_CLIENT_ID": "id", "ADOBE_CLIENT_SECRET": "s", "ADOBE_ORG_ID": "X@AdobeOrg",
		"MARKETO_CLIENT_ID": "id", "MARKETO_CLIENT_SECRET": "s", "MARKETO_BASE_URL": "https://1-2-3.mktorest.com",
		"REDIS_URL": "redis://localhost:6379",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name, mode string
		env        map[string]string
		want       []string // paths
	}{
		{"socket complete", "socket", with("SLACK_BOT_TOKEN", "xoxb-1", "SLACK_APP_TOKEN", "xapp-1"), nil},
		{"socket without app token", "socket", with("SLACK_BOT_TOKEN", "xoxb-1"), []string{"SLACK_APP_TOKEN"}},
		{"http complete", "http", with("SLACK_BOT_TOKEN", "xoxb-1", "SLACK_SIGNING_SECRET", "x"), nil},
		{"http without signing secret", "http", with("SLACK_BOT_TOKEN", "xoxb-1", "SLACK_APP_TOKEN", "xapp-1"), []string{"SLACK_SIGNING_SECRET"}},
		{"auto without app token is http", "auto", with("SLACK_BOT_TOKEN", "xoxb-1"), []string{"SLACK_SIGNING_SECRET"}},
		{"auto with app token is socket", "", with("SLACK_BOT_TOKEN", "xoxb-1", "SLACK_APP_TOKEN", "xapp-1"), nil},
		{"unknown mode", "rtm", with("SLACK_BOT_TOKEN", "xoxb-1"), []string{"slack.mode"}},
		{"nothing set", "socket", map[string]string{}, []string{
			"ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET", "ADOBE_ORG_ID", "MARKETO_BASE_URL", "MARKETO_CLIENT_ID",
			"MARKETO_CLIENT_SECRET", "REDIS_URL", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, err := config.LoadEnv(envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			err = env.CheckFor(tc.mode)
			var got []string
			var verr *config.ValidationError
			if errors.As(err, &verr) {
				for _, p := range verr.Problems {
					got = append(got, p.Path)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("missing = %v, want %v (%v)", got, tc.want, err)
			}
		})
	}
	env, _ := config.LoadEnv(envOf(with("SLACK_BOT_TOKEN", "xoxb-1")))
	err := env.CheckFor("socket")
	if err == nil || err.Error() != "config: SLACK_APP_TOKEN: is not set (nor SLACK_APP_TOKEN_FILE); Socket Mode needs it" {
		t.Errorf("message: %v", err)
	}
}

// TestExampleNeedsNoEnv: `config check` passes on the example with an
// empty environment.
func TestExampleNeedsNoEnv(t *testing.T) {
	cfg, err := config.Load(examplePath, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Env.SlackBotToken.IsSet() || cfg.Env.MarketoBaseURL != "" {
		t.Errorf("env = %+v", cfg.Env)
	}
}
