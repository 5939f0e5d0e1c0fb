package config

import (
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"
)

// Environment variable names (design.md §5). Each of the credential
// variables may instead be given as NAME_FILE, the path of a file that
// holds the value (for mounted secrets); setting both is an error.
const (
	EnvSlackBotToken       = "SLACK_BOT_TOKEN"
	EnvSlackAppToken       = "SLACK_APP_TOKEN"
	EnvSlackSigningSecret  = "SLACK_SIGNING_SECRET"
	EnvAdobeClientID       = "ADOBE_CLIENT_ID"
	EnvAdobeClientSecret   = "ADOBE_CLIENT_SECRET"
	EnvAdobeOrgID          = "ADOBE_ORG_ID"
	EnvMarketoClientID     = "MARKETO_CLIENT_ID"
	EnvMarketoClientSecret = "MARKETO_CLIENT_SECRET"
	EnvRedisURL            = "REDIS_URL"
	EnvAuditKey            = "AUDIT_KEY"

	EnvSlackAPIURL    = "SLACK_API_URL"
	EnvAdobeIMSURL    = "ADOBE_IMS_URL"
	EnvAdobeUMAPIURL  = "ADOBE_UMAPI_URL"
	EnvMarketoBaseURL = "MARKETO_BASE_URL"

	// FileSuffix turns a variable name into its file variant.
	FileSuffix = "_FILE"
	// maxSecretFile bounds a secret file; tokens are a few hundred bytes.
	maxSecretFile = 64 << 10
)

// Env holds the secrets and outside URLs from the environment. Empty
// means not set. An empty URL means the client's built-in default
// (Slack's, Adobe's); MARKETO_BASE_URL has none, it is per instance.
//
// Client ids and the org id are not secret (they show up in Adobe and
// Marketo consoles and logs) and are plain strings; everything that
// grants access is a Secret. REDIS_URL is a Secret because it may carry
// a password.
type Env struct {
	SlackBotToken       Secret
	SlackAppToken       Secret
	SlackSigningSecret  Secret
	AdobeClientID       string
	AdobeClientSecret   Secret
	AdobeOrgID          string
	MarketoClientID     string
	MarketoClientSecret Secret
	RedisURL            Secret
	// AuditKey keys the audit chain (HMAC-SHA256); see config/ops.go.
	AuditKey Secret

	// SlackAPIURL ends in "/" (slack-go's convention); the other URLs
	// have no trailing slash.
	SlackAPIURL    string
	AdobeIMSURL    string
	AdobeUMAPIURL  string
	MarketoBaseURL string

	// Microsoft Teams: the app id and tenant id are not secret, the
	// password is; the URLs have no trailing slash.
	TeamsAppID       string
	TeamsAppPassword Secret
	TeamsTenantID    string
	TeamsLoginURL    string
	TeamsOpenIDURL   string

	// MarketoInstances holds each named Marketo instance's environment
	// (MARKETO_<NAME>_CLIENT_ID, _CLIENT_SECRET, _BASE_URL), filled by
	// Load and Parse for the instances the policy names; see instances.go.
	MarketoInstances map[string]MarketoInstanceEnv
	// marketoSettings are the named instances' settings, for CheckFor.
	marketoSettings map[string]MarketoInstanceSettings
	// noDefaultMarketo says no package uses the default instance, so its
	// variables are not needed.
	noDefaultMarketo bool
}

// LoadEnv reads Env through getenv (nil means an empty environment).
// Problems come back together as a *ValidationError whose paths are the
// variable names; no message ever holds a secret's value, and a bad
// NAME_FILE is reported without its path, in case a secret was put
// there by mistake. Missing values are not problems here; see CheckFor.
func LoadEnv(getenv func(string) string) (Env, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var ps problems
	read := func(name string) string {
		v, file := getenv(name), getenv(name+FileSuffix)
		switch {
		case v != "" && file != "":
			ps.add(name, "%s and %s are both set; use one", name, name+FileSuffix)
			return ""
		case file != "":
			s, why := readSecretFile(file)
			if why != "" {
				ps.add(name+FileSuffix, "%s", why)
			}
			return s
		}
		return v
	}
	e := Env{
		SlackBotToken:       NewSecret(read(EnvSlackBotToken)),
		SlackAppToken:       NewSecret(read(EnvSlackAppToken)),
		SlackSigningSecret:  NewSecret(read(EnvSlackSigningSecret)),
		AdobeClientID:       read(EnvAdobeClientID),
		AdobeClientSecret:   NewSecret(read(EnvAdobeClientSecret)),
		AdobeOrgID:          read(EnvAdobeOrgID),
		MarketoClientID:     read(EnvMarketoClientID),
		MarketoClientSecret: NewSecret(read(EnvMarketoClientSecret)),
		RedisURL:            NewSecret(read(EnvRedisURL)),
		AuditKey:            NewSecret(read(EnvAuditKey)),
	}
	checkAuditKey(&ps, e.AuditKey)
	if t := e.SlackBotToken.Reveal(); t != "" && !strings.HasPrefix(t, "xoxb-") {
		ps.add(EnvSlackBotToken, "is not a bot token (they start with xoxb-)")
	}
	if t := e.SlackAppToken.Reveal(); t != "" && !strings.HasPrefix(t, "xapp-") {
		ps.add(EnvSlackAppToken, "is not an app-level token (they start with xapp-)")
	}
	if o := e.AdobeOrgID; o != "" && (!strings.HasSuffix(o, "@AdobeOrg") || strings.ContainsAny(o, "/?# ")) {
		ps.add(EnvAdobeOrgID, "is not an Adobe org id (like A495E53@AdobeOrg)")
	}
	if u := e.RedisURL.Reveal(); u != "" && !validRedisURL(u) {
		ps.add(EnvRedisURL, "is not a redis://, rediss://, redis-sentinel://, redis-cluster:// or unix:// URL")
	}
	e.SlackAPIURL = httpURL(&ps, EnvSlackAPIURL, getenv(EnvSlackAPIURL))
	if e.SlackAPIURL != "" {
		e.SlackAPIURL += "/"
	}
	e.AdobeIMSURL = httpURL(&ps, EnvAdobeIMSURL, getenv(EnvAdobeIMSURL))
	e.AdobeUMAPIURL = httpURL(&ps, EnvAdobeUMAPIURL, getenv(EnvAdobeUMAPIURL))
	e.MarketoBaseURL = httpURL(&ps, EnvMarketoBaseURL, getenv(EnvMarketoBaseURL))
	loadTeamsEnv(&e, &ps, read, getenv)
	if err := newValidationError("", ps.list); err != nil {
		return Env{}, err
	}
	return e, nil
}

// readSecretFile reads a NAME_FILE value. The reason it gives never
// holds the path or the contents.
func readSecretFile(path string) (string, string) {
	f, err := os.Open(path)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "", "names a file that does not exist"
		case errors.Is(err, fs.ErrPermission):
			return "", "names a file this process may not read"
		}
		return "", "names a file that cannot be opened"
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	switch {
	case err != nil:
		return "", "names a file that cannot be read (is it a directory?)"
	case len(data) > maxSecretFile:
		return "", "names a file larger than 64 KiB"
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" {
		return "", "names an empty file"
	}
	return s, ""
}

// httpURL checks an absolute http(s) URL and returns it without a
// trailing slash. Messages show the URL without any password.
func httpURL(ps *problems, name, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		ps.add(name, "is not a URL")
		return ""
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		ps.add(name, "%s is not an absolute http(s) URL", quote(truncate(u.Redacted(), 100)))
		return ""
	case u.RawQuery != "" || u.Fragment != "":
		ps.add(name, "%s must not have a query or fragment", quote(truncate(u.Redacted(), 100)))
		return ""
	}
	return strings.TrimRight(v, "/")
}

func validRedisURL(v string) bool {
	u, err := url.Parse(v)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "redis", "rediss", "redis-sentinel", "redis-cluster":
		return u.Host != ""
	case "unix":
		return u.Path != ""
	}
	return false
}

// SlackMode resolves a mode hint: "auto" (or empty) becomes socket when
// an app-level token is set, else http. Other hints come back unchanged.
func (e Env) SlackMode(hint string) string {
	if hint == "" || hint == ModeAuto {
		if e.SlackAppToken.IsSet() {
			return ModeSocket
		}
		return ModeHTTP
	}
	return hint
}

// CheckFor reports every value `serve` needs that is missing, for the
// given Slack mode (auto, socket or http), as a *ValidationError whose
// paths are variable names.
func (e Env) CheckFor(mode string) error {
	var ps problems
	need := func(name string, set bool, why string) {
		if !set {
			ps.add(name, "is not set (nor %s%s); %s", name, FileSuffix, why)
		}
	}
	switch m := e.SlackMode(mode); m {
	case ModeOff:
		// Teams only: no Slack variable is needed.
	case ModeSocket:
		need(EnvSlackBotToken, e.SlackBotToken.IsSet(), "Slack needs it")
		need(EnvSlackAppToken, e.SlackAppToken.IsSet(), "Socket Mode needs it")
	case ModeHTTP:
		need(EnvSlackBotToken, e.SlackBotToken.IsSet(), "Slack needs it")
		need(EnvSlackSigningSecret, e.SlackSigningSecret.IsSet(), "HTTP mode needs it to verify Slack's requests")
	default:
		ps.add("slack.mode", "%s is not one of auto, socket, http", quote(truncate(mode, 40)))
	}
	need(EnvAdobeClientID, e.AdobeClientID != "", "the Admin Console client needs it")
	need(EnvAdobeClientSecret, e.AdobeClientSecret.IsSet(), "the Admin Console client needs it")
	need(EnvAdobeOrgID, e.AdobeOrgID != "", "the Admin Console client needs it")
	if !e.noDefaultMarketo {
		need(EnvMarketoClientID, e.MarketoClientID != "", "the Marketo client needs it")
		need(EnvMarketoClientSecret, e.MarketoClientSecret.IsSet(), "the Marketo client needs it")
		if e.MarketoBaseURL == "" {
			ps.add(EnvMarketoBaseURL, "is not set; the Marketo client needs it (https://<munchkin-id>.mktorest.com)")
		}
	}
	e.checkInstances(&ps, e.marketoSettings)
	need(EnvRedisURL, e.RedisURL.IsSet(), "the store needs it")
	return newValidationError("", ps.list)
}
