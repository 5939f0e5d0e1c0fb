package config

// Config is the policy file as written: one struct per YAML mapping, with
// the snake_case keys in the yaml tags. Durations are kept as the text
// the operator wrote ("30d", "2w", "12h", "250ms") and numbers that have
// a default are pointers, so an explicit 0 is told apart from a missing
// key. Parse and Load fill nothing in: defaults are applied when the
// typed views (Policy, ReviewSchedules, Settings) are built, so the
// struct always shows what the file says.
//
// Build a Config with Parse or Load, which reject unknown keys and run
// Validate. A Config built in code must pass Validate before its typed
// views are used.
type Config struct {
	// Requesters may submit requests: emails, Slack user ids (U…/W…),
	// Slack user-group ids (S…), or the single entry "everyone".
	Requesters []string `yaml:"requesters"`
	// Admins may cancel or retry any request and start reviews. Required.
	Admins []string `yaml:"admins"`
	// DryRun turns every package into a dry run (UMAPI testOnly, no
	// Marketo writes), whatever the package says.
	DryRun bool `yaml:"dry_run"`
	// MaxJustification bounds justifications in characters. Default 500.
	MaxJustification *int `yaml:"max_justification"`
	// Language is the language of messages several people see (channel
	// cards, admin alerts): a catalog's tag such as "en" or "fr".
	// Default English. See language.go.
	Language string `yaml:"language"`
	// Channels are per-channel settings, by channel id.
	Channels map[string]ChannelConfig `yaml:"channels"`

	// Packages by name. Names are matched case-insensitively, so two
	// keys that differ only in case are an error.
	Packages map[string]PackageConfig `yaml:"packages"`
	// Reviews are the scheduled access-review campaigns.
	Reviews []ReviewConfig `yaml:"reviews"`

	Slack   SlackConfig   `yaml:"slack"`
	Teams   TeamsConfig   `yaml:"teams"`
	Server  ServerConfig  `yaml:"server"`
	Redis   RedisConfig   `yaml:"redis"`
	Adobe   AdobeConfig   `yaml:"adobe"`
	Marketo MarketoConfig `yaml:"marketo"`
	Workers WorkersConfig `yaml:"workers"`
	Audit   AuditConfig   `yaml:"audit"`

	// Env holds secrets and outside URLs read from the environment by
	// Load and Parse. It is never read from the YAML file.
	Env Env `yaml:"-"`
}

// PackageConfig is one package: the Admin Console product profiles and
// the Marketo role it grants, who approves it, and its time limits.
type PackageConfig struct {
	Description string `yaml:"description"`
	// Profiles are the Dynamic Chat product profiles; one per
	// subscription when the org has several.
	Profiles []ProfileConfig `yaml:"profiles"`
	// Marketo is the role (carrying "Access Dynamic Chat") the bot
	// assigns, and its workspace.
	Marketo MarketoRoleConfig `yaml:"marketo"`

	// Approvers decide requests: emails, Slack user ids, user-group ids.
	Approvers []string `yaml:"approvers"`
	// MinApprovals is N of N-of-M. Default 1; a user group counts as one
	// approver.
	MinApprovals *int `yaml:"min_approvals"`
	// AllowSelfApproval lets a requester approve their own request.
	AllowSelfApproval bool `yaml:"allow_self_approval"`
	// AutoApprove lists requests that need no human decision.
	AutoApprove AutoApproveConfig `yaml:"auto_approve"`

	// DefaultDuration applies when a request names none; "permanent"
	// needs AllowPermanent. Empty: the requester must name a duration
	// (unless AllowPermanent, then the grant is permanent).
	DefaultDuration string `yaml:"default_duration"`
	// MaxDuration caps timed requests. Empty: no cap.
	MaxDuration string `yaml:"max_duration"`
	// AllowPermanent allows grants without an end. Default false.
	AllowPermanent bool `yaml:"allow_permanent"`
	// ApprovalTimeout is how long a request waits for decisions before
	// it expires. Default 72h.
	ApprovalTimeout string `yaml:"approval_timeout"`
	// ReminderInterval is how often approvers are reminded of a pending
	// request. Default 24h; "off" disables reminders.
	ReminderInterval string `yaml:"reminder_interval"`

	// Identity overrides adobe.identity for this package.
	Identity IdentityConfig `yaml:"identity"`

	// ApprovalChannel is the Slack channel id (C…/G…) that gets approval
	// cards. At least one of ApprovalChannel and DMApprovers is needed.
	ApprovalChannel string `yaml:"approval_channel"`
	// DMApprovers sends each approver the card in a direct message.
	DMApprovers bool `yaml:"dm_approvers"`
	// Language is the language of this package's channel cards when
	// their channel sets none (default: the top-level language).
	Language string `yaml:"language"`

	// DryRun makes this package's changes UMAPI testOnly calls and skips
	// Marketo writes.
	DryRun bool `yaml:"dry_run"`
	// OnPartialFailure is "rollback" (default) or "alert".
	OnPartialFailure string `yaml:"on_partial_failure"`
	// RemoveFromAllProfiles makes removals take the user out of every
	// Dynamic Chat profile, not only this package's. Default false.
	RemoveFromAllProfiles bool `yaml:"remove_from_all_profiles"`
	// Seats is what an add over a profile's licence quota does: "warn"
	// (default: the approvers see it on the card) or "refuse".
	Seats string `yaml:"seats"`
	// AllowGroupTargets lets a request name an Admin Console user group
	// as the target (default false); GroupTargets, when set, are the only
	// groups allowed.
	AllowGroupTargets bool     `yaml:"allow_group_targets"`
	GroupTargets      []string `yaml:"group_targets"`
}

// ProfileConfig names one Admin Console product profile.
type ProfileConfig struct {
	// Name is the profile's groupName in UMAPI, e.g. "Live Agent".
	Name string `yaml:"name"`
	// Product is the Admin Console product. Default "Dynamic Chat".
	Product string `yaml:"product"`
	// Subscription names the Marketo subscription (marketo.instances
	// key) the profile belongs to; empty: the default instance.
	Subscription string `yaml:"subscription"`
	// Role and Workspace override the package's marketo.role and
	// marketo.workspace on this profile's subscription.
	Role      RefConfig `yaml:"role"`
	Workspace RefConfig `yaml:"workspace"`
	// EngageProfile overrides the package's marketo.engage_profile on
	// this profile's subscription.
	EngageProfile string `yaml:"engage_profile"`
}

// MarketoRoleConfig names a Marketo role and workspace.
type MarketoRoleConfig struct {
	Role      RefConfig `yaml:"role"`
	Workspace RefConfig `yaml:"workspace"`
	// EngageProfile is the Marketo Engage product profile added with the
	// package's profiles, so a person new to Marketo is brought in.
	EngageProfile string `yaml:"engage_profile"`
}

// RefConfig points at a Marketo role or workspace by id, name or both.
type RefConfig struct {
	ID   int    `yaml:"id"`
	Name string `yaml:"name"`
}

// AutoApproveConfig lists requests approved without a decision.
type AutoApproveConfig struct {
	// Removals auto-approves every remove request of the package.
	Removals bool `yaml:"removals"`
	// Requesters whose add requests are approved at once (not "everyone").
	Requesters []string `yaml:"requesters"`
}

// IdentityConfig says how a user missing from the Admin Console is
// created.
type IdentityConfig struct {
	// Type is adobeID, enterpriseID or federatedID.
	Type string `yaml:"type"`
	// Country is the ISO 3166-1 alpha-2 code; required for federatedID.
	Country string `yaml:"country"`
}

// ReviewConfig is one scheduled access-review campaign.
type ReviewConfig struct {
	Name string `yaml:"name"`
	// Packages to review; empty means every package.
	Packages []string `yaml:"packages"`
	// Schedule is a 5-field cron spec or a descriptor such as @monthly.
	Schedule string `yaml:"schedule"`
	// TimeZone is an IANA name. Default UTC.
	TimeZone string `yaml:"time_zone"`
	// Reviewers decide; empty means each package's approvers.
	Reviewers []string `yaml:"reviewers"`
	// Deadline is how long reviewers have. Default 14d.
	Deadline string `yaml:"deadline"`
	// ReminderInterval between reminders. Default 24h; "off" disables.
	ReminderInterval string `yaml:"reminder_interval"`
	// OnNoResponse is keep, revoke or escalate (default).
	OnNoResponse string `yaml:"on_no_response"`
}

// SlackConfig holds the Slack settings that are not secrets.
type SlackConfig struct {
	// Enabled turns Slack off when false (a Teams-only install). Default true.
	Enabled *bool `yaml:"enabled"`
	// Command is the slash command. Default "/dynchat".
	Command string `yaml:"command"`
	// Mode is auto (default), socket or http.
	Mode string `yaml:"mode"`
	// AdminChannel (C…/G…) receives admin alerts. Required.
	AdminChannel string `yaml:"admin_channel"`
}

// ServerConfig is the HTTP listener (Slack HTTP mode, health, metrics).
type ServerConfig struct {
	// Listen is host:port. Default ":8080".
	Listen string `yaml:"listen"`
	// OpsListen, when set, is a second listener (host:port) for
	// /metrics, /healthz and /readyz, apart from the Slack-facing one.
	OpsListen string `yaml:"ops_listen"`
	// ShutdownTimeout bounds the whole teardown on SIGTERM: front doors
	// stop, running provisioning steps finish or are released to the
	// queue, the Adobe batcher sends what they queued. Default 30s.
	ShutdownTimeout string `yaml:"shutdown_timeout"`
}

// RedisConfig holds Redis settings other than the URL.
type RedisConfig struct {
	// Prefix starts every key. Default "chataccess:v1:".
	Prefix string `yaml:"prefix"`
	// RequirePersistence makes serve refuse a Redis that would lose the
	// ledger (no AOF, or an eviction policy other than noeviction)
	// instead of warning. A Redis that does not allow CONFIG GET is
	// still only a warning.
	RequirePersistence bool `yaml:"require_persistence"`
}

// AdobeConfig holds org-level Admin Console settings that are not
// secrets.
type AdobeConfig struct {
	ActionsPerMinute    *int   `yaml:"actions_per_minute"`
	UserReadsPerMinute  *int   `yaml:"user_reads_per_minute"`
	GroupReadsPerMinute *int   `yaml:"group_reads_per_minute"`
	BatchWindow         string `yaml:"batch_window"`
	MaxRetryAfter       string `yaml:"max_retry_after"`
	// Identity is the default for packages that set none.
	Identity IdentityConfig `yaml:"identity"`
	// DynamicChatUserGroups are the user groups used for Dynamic Chat
	// only: a review that revokes access held through one of them takes
	// the person out of the group. Access through any other group is
	// never edited; the review tells the admins which group to change.
	DynamicChatUserGroups []string `yaml:"dynamic_chat_user_groups"`
}

// MarketoConfig holds Marketo instance settings that are not secrets.
type MarketoConfig struct {
	CallsPer20s      *int   `yaml:"calls_per_20s"`
	MaxInFlight      *int   `yaml:"max_in_flight"`
	AddRolesBody     string `yaml:"add_roles_body"`
	DeleteRolesBody  string `yaml:"delete_roles_body"`
	UserPollInterval string `yaml:"user_poll_interval"`
	UserPollTimeout  string `yaml:"user_poll_timeout"`
	// EngageProfile names the default instance's Marketo Engage product
	// profile, for the sentence that tells an admin what to add.
	EngageProfile string `yaml:"engage_profile"`
	// Instances are Marketo subscriptions besides the default one.
	Instances map[string]MarketoInstanceConfig `yaml:"instances"`
}

// WorkersConfig tunes the background job workers.
type WorkersConfig struct {
	Concurrency   *int   `yaml:"concurrency"`
	MaxAttempts   *int   `yaml:"max_attempts"`
	MaxTotalTime  string `yaml:"max_total_time"`
	ExpiryWarning string `yaml:"expiry_warning"`
}
