package config

import (
	"time"

	"github.com/chataccess/chataccess/approvals"
)

// Defaults applied when a key is missing. Vendor limits name their source.
const (
	DefaultCommand          = "/dynchat"
	DefaultSlackMode        = ModeAuto
	DefaultListen           = ":8080"
	DefaultShutdownTimeout  = 30 * time.Second
	DefaultRedisPrefix      = "chataccess:v1:"
	DefaultProduct          = "Dynamic Chat"
	DefaultMarketoWorkspace = "Default"
	DefaultReminderInterval = 24 * time.Hour
	DefaultReviewDeadline   = 14 * 24 * time.Hour
	DefaultReviewTimeZone   = "UTC"

	// UMAPI throttling, per client per minute: action 10, users 25,
	// groups 5 (umapi-doc:docs/en/api/partials/throttling.md). These are
	// also the maxima the config accepts.
	DefaultActionsPerMinute    = 10
	DefaultUserReadsPerMinute  = 25
	DefaultGroupReadsPerMinute = 5
	// DefaultBatchWindow is how long UMAPI commands are gathered before
	// one action call carries up to 10 of them
	// (umapi-doc:docs/en/api/ActionsRef.md).
	DefaultBatchWindow = 250 * time.Millisecond
	// DefaultMaxRetryAfter: real UMAPI Retry-After values reach ~55 min
	// (user-sync.py#867), so the queue must wait that long.
	DefaultMaxRetryAfter = 2 * time.Hour

	// Marketo: 100 calls per 20 s and 10 concurrent per instance, shared
	// with every integration; Adobe suggests half
	// (mkto-dev:help/rest-api/marketo-integration-best-practices.md).
	DefaultMarketoCallsPer20s = 50
	MaxMarketoCallsPer20s     = 100
	DefaultMarketoMaxInFlight = 5
	MaxMarketoMaxInFlight     = 10
	// DefaultUserPollInterval and DefaultUserPollTimeout bound the wait
	// for a user added in the Admin Console to show up in Marketo; Dynamic
	// Chat itself can take "up to two hours" (mkto-docs:.../agent-management.md).
	DefaultUserPollInterval = 2 * time.Minute
	DefaultUserPollTimeout  = 2 * time.Hour

	DefaultWorkerConcurrency = 4
	DefaultWorkerMaxAttempts = 10
	DefaultWorkerMaxTotal    = 24 * time.Hour
	DefaultExpiryWarning     = 3 * 24 * time.Hour
)

// Slack connection modes.
const (
	ModeAuto   = "auto"
	ModeSocket = "socket"
	ModeHTTP   = "http"
)

// RolesBody is the JSON shape of Marketo roles/create.json and
// roles/delete.json bodies. The docs conflict (samples show a bare array,
// the OpenAPI an {"input": [...]} object) and which one the server
// accepts is UNCONFIRMED (mkto-apis:static/swagger-user.json), so it is
// configurable; the default follows the documented sample.
type RolesBody string

// Roles body shapes.
const (
	RolesBodyArray RolesBody = "array"
	RolesBodyInput RolesBody = "input"
)

// NoResponse is what a review does with items nobody decided by the
// deadline.
type NoResponse string

// Review outcomes for undecided items.
const (
	NoResponseKeep     NoResponse = "keep"
	NoResponseRevoke   NoResponse = "revoke"
	NoResponseEscalate NoResponse = "escalate"
)

// ReviewSchedule is one validated review campaign schedule.
type ReviewSchedule struct {
	Name string
	// Packages are the lower-case package names under review; a review
	// that names none in the file lists every package here.
	Packages []string
	// Spec is the cron spec as written (5 fields or a descriptor); it
	// passed ValidateCronSpec, and robfig/cron's standard parser reads it.
	Spec     string
	Location *time.Location
	// Reviewers decide every item; empty means each package's approvers.
	Reviewers        approvals.Audience
	Deadline         time.Duration
	ReminderInterval time.Duration // zero: no reminders
	OnNoResponse     NoResponse
}

// Settings are the typed runtime knobs other than the policy.
type Settings struct {
	DryRun  bool
	Slack   SlackSettings
	Teams   TeamsSettings
	Listen  string
	Redis   RedisSettings
	Adobe   AdobeSettings
	Marketo MarketoSettings
	Workers WorkerSettings

	// OpsListen is the operations listener; empty: the main one.
	OpsListen string
	// ShutdownTimeout bounds the whole teardown (server.shutdown_timeout).
	ShutdownTimeout time.Duration
	Audit           AuditSettings
	// Languages are the policy's languages (language.go).
	Languages LanguageSettings
}

// SlackSettings are the Slack knobs.
type SlackSettings struct {
	Enabled      bool
	Command      string
	Mode         string // auto, socket or http; see Env.SlackMode
	AdminChannel string
}

// RedisSettings are the Redis knobs.
type RedisSettings struct {
	Prefix string
	// RequirePersistence: refuse a Redis without AOF or with eviction.
	RequirePersistence bool
}

// AdobeSettings are the UMAPI client knobs.
type AdobeSettings struct {
	ActionsPerMinute    int
	UserReadsPerMinute  int
	GroupReadsPerMinute int
	BatchWindow         time.Duration
	MaxRetryAfter       time.Duration
	// DynamicChatUserGroups: adobe.dynamic_chat_user_groups.
	DynamicChatUserGroups []string
}

// MarketoSettings are the Marketo client knobs.
type MarketoSettings struct {
	CallsPer20s      int
	MaxInFlight      int
	AddRolesBody     RolesBody
	DeleteRolesBody  RolesBody
	UserPollInterval time.Duration
	UserPollTimeout  time.Duration
	// EngageProfile names the default instance's Marketo Engage profile.
	EngageProfile string
	// Instances are the named Marketo instances (marketo.instances), by
	// lower-case name; see instances.go.
	Instances map[string]MarketoInstanceSettings
}

// WorkerSettings are the job worker knobs.
type WorkerSettings struct {
	Concurrency   int
	MaxAttempts   int
	MaxTotalTime  time.Duration
	ExpiryWarning time.Duration
}

// Policy builds the domain policy: package names and emails lower-cased,
// durations parsed, defaults applied, the global dry_run folded into
// every package. Call it on a Config that passed Validate; fields that
// do not validate are left at their zero value.
func (c *Config) Policy() *approvals.Policy {
	return c.resolve().policy
}

// ReviewSchedules returns the review campaigns in file order. Call it on
// a Config that passed Validate.
func (c *Config) ReviewSchedules() []ReviewSchedule {
	return c.resolve().reviews
}

// Settings returns the runtime knobs with defaults applied. Call it on a
// Config that passed Validate.
func (c *Config) Settings() Settings {
	return c.resolve().settings
}

// Validate checks the whole file and returns nil or a *ValidationError
// listing every problem with its YAML path. Environment problems are not
// checked here (see LoadEnv and Env.CheckFor).
func (c *Config) Validate() error {
	return newValidationError("", c.resolve().problems)
}
