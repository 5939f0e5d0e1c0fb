package marketo

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/rs/zerolog"
)

// Instance limits of Marketo. Source: mkto-dev:help/rest-api/rest-api.md
// and marketo-integration-best-practices.md ("100 calls per 20 seconds",
// "10 concurrent API calls", limit each integration to about half).
const (
	InstanceRate        = 100
	InstanceRatePeriod  = 20 * time.Second
	InstanceConcurrency = 10
	// DefaultRate is the share of the instance rate the bot takes.
	DefaultRate = InstanceRate / 2
	// DefaultMaxInFlight is the share of the instance concurrency the
	// bot takes ("start with 5 or fewer concurrent calls").
	DefaultMaxInFlight = 5
	// MaxPageSize is the largest pageSize allusers.json accepts
	// (mkto-dev:help/rest-api/user-management.md, "Maximum is 200").
	MaxPageSize = 200
)

// BodyShape is the JSON shape sent to roles/create.json and
// roles/delete.json. The guide's samples send a bare array, the OpenAPI
// file wants {"input":[...]}; which one the server accepts is
// UNCONFIRMED (see docs/marketo.md), so it is a setting.
type BodyShape string

// Body shapes for the roles endpoints.
const (
	// BodyArray is [{"accessRoleId":2,"workspaceId":1008}], the documented sample.
	BodyArray BodyShape = "array"
	// BodyInput is {"input":[{"accessRoleId":2,"workspaceId":1008}]}, the OpenAPI schema.
	BodyInput BodyShape = "input"
)

// PageOffsetMode says how allusers.json reads pageOffset. The guide says
// it "specifies where to begin retrieving entries"; whether that is a
// record offset or a page index is UNCONFIRMED.
type PageOffsetMode string

// Page offset modes.
const (
	// PageOffsetAuto probes once (pageOffset=1 after a full first page)
	// and remembers the answer.
	PageOffsetAuto PageOffsetMode = "auto"
	// PageOffsetRecords treats pageOffset as the index of the first record.
	PageOffsetRecords PageOffsetMode = "records"
	// PageOffsetPages treats pageOffset as a 0-based page number.
	PageOffsetPages PageOffsetMode = "pages"
)

// Config configures a Client. BaseURL, ClientID and ClientSecret are
// required; everything else has a default. ClientSecret is never printed:
// String, GoString and Format redact it.
type Config struct {
	// BaseURL is the instance host, e.g. https://123-ABC-456.mktorest.com
	// (MARKETO_BASE_URL). Identity and user management paths hang off it.
	BaseURL string
	// ClientID and ClientSecret are the LaunchPoint custom service
	// credentials (MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET).
	ClientID     string
	ClientSecret string

	// HTTPTimeout is the deadline of one client call: the in-flight and
	// rate slots, the token, every HTTP attempt and the waits between them
	// (default 30 s, well inside the 2-minute hold a worker has on a
	// request). A call that runs out of it fails with reason timeout and
	// is not retried by the client.
	HTTPTimeout time.Duration
	// MaxRetryAfter caps the Retry-After the client honours (default 2 h;
	// the cap is flagged on the failure).
	MaxRetryAfter time.Duration
	// Rate is the bot's share of the instance call rate (default 50 per
	// 20 s, burst 1, so at most 50 calls in any 20 s window).
	Rate ratelimit.Limit
	// MaxInFlight is the bot's share of the instance concurrency (default 5).
	MaxInFlight int
	// MaxWait is the longest the client sleeps for a rate slot, an
	// in-flight slot or a short retry (default 5 s). Longer waits come
	// back to the caller as a rate_limited *failure.Error with RetryAfter.
	MaxWait time.Duration
	// MaxAttempts caps the tries of one call, token refreshes excluded
	// (default 3, like the Adobe client).
	MaxAttempts int
	// RetryBase is the first backoff step; each retry doubles it, with
	// full jitter, up to 8 s (default 250 ms; 1 s after a 606).
	RetryBase time.Duration
	// AddRolesBody and DeleteRolesBody choose the body shape of
	// roles/create.json and roles/delete.json (default BodyArray, the
	// documented sample; UNCONFIRMED).
	AddRolesBody    BodyShape
	DeleteRolesBody BodyShape
	// PageOffset says how allusers.json reads pageOffset (default auto).
	PageOffset PageOffsetMode
	// UserAgentVersion goes into the User-Agent header (default "dev").
	UserAgentVersion string
}

const redacted = "<secret>"

// String renders the config with the secret redacted.
func (c Config) String() string {
	secret := ""
	if c.ClientSecret != "" {
		secret = redacted
	}
	return fmt.Sprintf("marketo.Config{BaseURL:%q ClientID:%q ClientSecret:%q Rate:%s MaxInFlight:%d AddRolesBody:%q DeleteRolesBody:%q PageOffset:%q}",
		c.BaseURL, c.ClientID, secret, c.Rate, c.MaxInFlight, c.AddRolesBody, c.DeleteRolesBody, c.PageOffset)
}

// GoString is String, so %#v cannot leak the secret either.
func (c Config) GoString() string { return c.String() }

// Format makes every fmt verb use String.
func (c Config) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// MarshalZerologObject logs the config without the secret.
func (c Config) MarshalZerologObject(e *zerolog.Event) {
	e.Str("base_url", c.BaseURL).Str("client_id", c.ClientID).Bool("client_secret_set", c.ClientSecret != "").
		Str("rate", c.Rate.String()).Int("max_in_flight", c.MaxInFlight)
}

// InstanceKey names the Marketo instance: its base URL without the
// scheme, the host in lower case and without the scheme's default port,
// the path without trailing slashes (123-abc-456.mktorest.com, or
// 127.0.0.1:9002/emea for an instance served under a path). Rate-limit
// and semaphore keys use it, so every replica and every chataccess
// component talking to one instance share one budget, and two
// instances behind one host never do.
func (c Config) InstanceKey() string {
	base := strings.TrimSpace(c.BaseURL)
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return strings.TrimRight(strings.ToLower(base), "/")
	}
	host := strings.ToLower(u.Host)
	if p := u.Port(); (p == "443" && strings.EqualFold(u.Scheme, "https")) || (p == "80" && strings.EqualFold(u.Scheme, "http")) {
		host = strings.ToLower(u.Hostname())
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	return host + strings.TrimRight(u.EscapedPath(), "/")
}

// withDefaults fills every unset field.
func (c Config) withDefaults() Config {
	c.BaseURL = strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	if c.HTTPTimeout <= 0 {
		c.HTTPTimeout = 30 * time.Second
	}
	if c.Rate.Rate <= 0 || c.Rate.Period <= 0 {
		c.Rate = ratelimit.Limit{Rate: DefaultRate, Period: InstanceRatePeriod, Burst: 1}
	}
	if c.Rate.Burst <= 0 {
		c.Rate.Burst = 1
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 5 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 250 * time.Millisecond
	}
	if c.AddRolesBody == "" {
		c.AddRolesBody = BodyArray
	}
	if c.DeleteRolesBody == "" {
		c.DeleteRolesBody = BodyArray
	}
	if c.PageOffset == "" {
		c.PageOffset = PageOffsetAuto
	}
	if c.UserAgentVersion == "" {
		c.UserAgentVersion = "dev"
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = 2 * time.Hour
	}
	return c
}

// Validate reports every problem of the config at once.
func (c Config) Validate() error {
	var errs []error
	u, err := url.Parse(strings.TrimSpace(c.BaseURL))
	switch {
	case c.BaseURL == "":
		errs = append(errs, errors.New("MARKETO_BASE_URL is required (e.g. https://123-ABC-456.mktorest.com)"))
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		errs = append(errs, fmt.Errorf("MARKETO_BASE_URL %q is not an http(s) URL", c.BaseURL))
	case strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/rest") || strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/identity"):
		errs = append(errs, fmt.Errorf("MARKETO_BASE_URL %q must be the instance host without /rest or /identity", c.BaseURL))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("MARKETO_CLIENT_ID is required"))
	}
	if c.ClientSecret == "" {
		errs = append(errs, errors.New("MARKETO_CLIENT_SECRET is required"))
	}
	for name, s := range map[string]BodyShape{"add roles body": c.AddRolesBody, "delete roles body": c.DeleteRolesBody} {
		if s != "" && s != BodyArray && s != BodyInput {
			errs = append(errs, fmt.Errorf("%s %q must be %q or %q", name, s, BodyArray, BodyInput))
		}
	}
	switch c.PageOffset {
	case "", PageOffsetAuto, PageOffsetRecords, PageOffsetPages:
	default:
		errs = append(errs, fmt.Errorf("page offset mode %q must be auto, records or pages", c.PageOffset))
	}
	if c.Rate.Period > 0 && float64(c.Rate.Rate)*float64(InstanceRatePeriod)/float64(c.Rate.Period) > InstanceRate {
		errs = append(errs, fmt.Errorf("rate %s is above the instance limit of %d per %s", c.Rate, InstanceRate, InstanceRatePeriod))
	}
	if c.MaxInFlight > InstanceConcurrency {
		errs = append(errs, fmt.Errorf("max in flight %d is above the instance limit of %d", c.MaxInFlight, InstanceConcurrency))
	}
	return errors.Join(errs...)
}
