package adobe

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Defaults for Config. Sources are cited on each value.
const (
	// DefaultIMSURL is Adobe's IMS host (Developer Console, ServerToServerAuthentication/IMS).
	DefaultIMSURL = "https://ims-na1.adobelogin.com"
	// DefaultUMAPIURL is the UMAPI host (umapi-doc:docs/en/RefOverview.md).
	DefaultUMAPIURL = "https://usermanagement.adobe.io"
	// DefaultTokenPath is the current OAuth S2S token endpoint; the UMAPI
	// docs still show /ims/token/v2, which works too (both documented).
	DefaultTokenPath = "/ims/token/v3"
	// DefaultScope is the UMAPI scope (umapi-doc:docs/en/UM_Authentication.md).
	DefaultScope = "openid,AdobeID,user_management_sdk"

	// UMAPI throttling, per client per minute: action 10, users 25, groups 5
	// (umapi-doc:docs/en/api/partials/throttling.md, ActionsRef.md, group.md).
	DefaultActionsPerMinute    = 10
	DefaultUserReadsPerMinute  = 25
	DefaultGroupReadsPerMinute = 5

	// MaxCommandsPerCall: "a maximum of 10 users or user groups ... per
	// request" (umapi-doc:docs/en/api/ActionsRef.md).
	MaxCommandsPerCall = 10
	// MaxGroupsPerStep: each add/remove step takes at most 10 groups
	// (umapi-doc:docs/en/api/ActionsCmds.md; umapi-client throttle_groups).
	MaxGroupsPerStep = 10
	// DefaultMaxStepsPerCommand mirrors umapi-client's throttle_commands=10;
	// the per-command step limit itself is UNCONFIRMED.
	DefaultMaxStepsPerCommand = 10
)

// Limits are the client-side rate limits, counted in Redis across replicas.
type Limits struct {
	ActionsPerMinute    int
	UserReadsPerMinute  int
	GroupReadsPerMinute int
	// Period is the length of the "minute" above; tests and benchmarks
	// shrink it. Default one minute.
	Period time.Duration
	// Burst is how many calls may go back to back before the even pacing
	// applies. Default 1: calls are spaced Period/N apart, so no sliding
	// window of one Period ever sees more than N calls. Adobe's exact
	// algorithm is UNCONFIRMED, so the strict reading is the default.
	Burst int
}

// Config configures a Client. ClientSecret is a plain string; Config
// prints it as "<secret>" in every fmt verb.
type Config struct {
	// IMSURL is the IMS host (ADOBE_IMS_URL), default DefaultIMSURL. A
	// full token URL (…/ims/token/v3 or /v2) is accepted too: its path
	// becomes TokenPath.
	IMSURL string
	// UMAPIURL is the UMAPI host (ADOBE_UMAPI_URL), default
	// DefaultUMAPIURL. Adobe's documented endpoint form
	// https://usermanagement.adobe.io/v2/usermanagement is accepted too:
	// the client adds /v2/usermanagement itself and never twice.
	UMAPIURL     string
	OrgID        string // e.g. "A495E53@AdobeOrg" (ADOBE_ORG_ID)
	ClientID     string // also sent as X-Api-Key (ADOBE_CLIENT_ID)
	ClientSecret string // never printed (ADOBE_CLIENT_SECRET)

	TokenPath string // default DefaultTokenPath; "/ims/token/v2" also works
	Scope     string // default DefaultScope

	Version string // User-Agent is "chataccess/<Version>"; default "dev"
	// HTTPTimeout is the deadline of one client call: the rate-limit
	// wait, the token, every HTTP attempt and the waits between them
	// (default 30 s, well inside the 2-minute hold a worker has on a
	// request). A call that runs out of it fails with reason timeout and
	// is not retried by the client. umapi-client allows 120 s per attempt.
	HTTPTimeout time.Duration

	Limits Limits
	// MaxLimitWait is the longest the client waits for a local rate-limit
	// slot before returning a rate_limited *failure.Error. Default 10s.
	MaxLimitWait time.Duration
	// MaxInlineWait is the longest Retry-After (or backoff) the client
	// sleeps through itself; longer waits are returned to the caller.
	// Default 5s.
	MaxInlineWait time.Duration
	// MaxAttempts caps attempts per call for retryable failures. Default 3.
	MaxAttempts int
	// RetryBase is the first backoff for 502/503/504 and network errors
	// without Retry-After; it doubles per attempt with full jitter. Default 500ms.
	RetryBase time.Duration
	// DefaultRetryAfter is the delay reported for a 429 that carries no
	// usable Retry-After: umapi-client waits 15·2^(n-1)+rand(0..5) s
	// (umapi-client:umapi_client/connection.py). Default 15s.
	DefaultRetryAfter time.Duration
	// MaxRetryAfter caps absurd Retry-After values (the capped flag is set
	// on the *failure.Error). Real values run to ~55 min (user-sync.py#867). Default 2h.
	MaxRetryAfter time.Duration
	// TokenRefreshMargin renews the token this long before it expires
	// (tokens live 24 h, RefOverview.md; Adobe S2S guides say renew at 23 h).
	// Default 1h, and never more than a tenth of the token's lifetime.
	TokenRefreshMargin time.Duration
	// MaxStepsPerCommand: default DefaultMaxStepsPerCommand (UNCONFIRMED limit).
	MaxStepsPerCommand int
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	defd := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defi := func(i *int, v int) {
		if *i <= 0 {
			*i = v
		}
	}
	def(&c.IMSURL, DefaultIMSURL)
	def(&c.UMAPIURL, DefaultUMAPIURL)
	var tokenPath string
	c.IMSURL, tokenPath = splitIMSURL(c.IMSURL)
	def(&c.TokenPath, tokenPath)
	def(&c.TokenPath, DefaultTokenPath)
	def(&c.Scope, DefaultScope)
	def(&c.Version, "dev")
	c.UMAPIURL = NormalizeUMAPIURL(c.UMAPIURL)
	defd(&c.HTTPTimeout, 30*time.Second)
	defi(&c.Limits.ActionsPerMinute, DefaultActionsPerMinute)
	defi(&c.Limits.UserReadsPerMinute, DefaultUserReadsPerMinute)
	defi(&c.Limits.GroupReadsPerMinute, DefaultGroupReadsPerMinute)
	defd(&c.Limits.Period, time.Minute)
	defi(&c.Limits.Burst, 1)
	defd(&c.MaxLimitWait, 10*time.Second)
	defd(&c.MaxInlineWait, 5*time.Second)
	defi(&c.MaxAttempts, 3)
	defd(&c.RetryBase, 500*time.Millisecond)
	defd(&c.DefaultRetryAfter, 15*time.Second)
	defd(&c.MaxRetryAfter, 2*time.Hour)
	defd(&c.TokenRefreshMargin, time.Hour)
	defi(&c.MaxStepsPerCommand, DefaultMaxStepsPerCommand)
	return c
}

// umapiPath is the prefix of every UMAPI path (umapi-doc:docs/en/RefOverview.md).
const umapiPath = "/v2/usermanagement"

// NormalizeUMAPIURL accepts ADOBE_UMAPI_URL as the host
// ("https://usermanagement.adobe.io") or as Adobe writes the endpoint
// ("https://usermanagement.adobe.io/v2/usermanagement", RefOverview.md)
// and returns the base the client appends umapiPath to: spaces and
// trailing slashes trimmed, one trailing /v2/usermanagement (any case)
// removed. Other paths (a proxy prefix) are kept.
func NormalizeUMAPIURL(s string) string {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	if len(s) >= len(umapiPath) && strings.EqualFold(s[len(s)-len(umapiPath):], umapiPath) {
		s = strings.TrimRight(s[:len(s)-len(umapiPath)], "/")
	}
	return s
}

// splitIMSURL takes a full token URL apart: ".../ims/token/v3" gives the
// host and "/ims/token/v3"; a host gives itself and "".
func splitIMSURL(s string) (base, tokenPath string) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	if i := strings.Index(strings.ToLower(s), "/ims/token/"); i >= 0 && !strings.Contains(s[i:], "?") {
		return s[:i], s[i:]
	}
	return s, ""
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	for _, u := range []struct{ name, v string }{{"IMSURL", c.IMSURL}, {"UMAPIURL", c.UMAPIURL}} {
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			errs = append(errs, fmt.Errorf("adobe: %s %q is not an http(s) URL", u.name, u.v))
		}
	}
	if c.OrgID == "" {
		errs = append(errs, errors.New("adobe: OrgID (ADOBE_ORG_ID) is empty"))
	} else if strings.ContainsAny(c.OrgID, "/?# ") {
		errs = append(errs, fmt.Errorf("adobe: OrgID %q has characters not allowed in a path", c.OrgID))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("adobe: ClientID (ADOBE_CLIENT_ID) is empty"))
	}
	if c.ClientSecret == "" {
		errs = append(errs, errors.New("adobe: ClientSecret (ADOBE_CLIENT_SECRET) is empty"))
	}
	return errors.Join(errs...)
}

// String renders c with the secret replaced by "<secret>".
func (c Config) String() string {
	secret := ""
	if c.ClientSecret != "" {
		secret = "<secret>"
	}
	return fmt.Sprintf("adobe.Config{IMSURL:%q UMAPIURL:%q OrgID:%q ClientID:%q ClientSecret:%s Version:%q Limits:%d/%d/%d per %s}",
		c.IMSURL, c.UMAPIURL, c.OrgID, c.ClientID, secret, c.Version,
		c.Limits.ActionsPerMinute, c.Limits.UserReadsPerMinute, c.Limits.GroupReadsPerMinute, c.Limits.Period)
}

// GoString is String, so %#v cannot leak the secret either.
func (c Config) GoString() string { return c.String() }

// Format makes every verb (%v, %+v, %#v, %s, %q, ...) print String.
func (c Config) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// MarshalText keeps loggers that encode structs as text from leaking the secret.
func (c Config) MarshalText() ([]byte, error) { return []byte(c.String()), nil }
