package config

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	// The review time zones must resolve on hosts (and images) without a
	// zoneinfo database.
	_ "time/tzdata"

	"github.com/chataccess/chataccess/approvals"
)

// settings checks the runtime sections and applies their defaults.
func (r *problems) settings(c *Config) Settings {
	s := Settings{DryRun: c.DryRun}

	s.Slack.Command = strings.TrimSpace(c.Slack.Command)
	if s.Slack.Command == "" {
		s.Slack.Command = DefaultCommand
	} else if !commandRE.MatchString(s.Slack.Command) {
		r.add("slack.command", "%s must be / and up to 31 lower-case letters, digits, - or _", quote(truncate(c.Slack.Command, 40)))
	}
	s.Slack.Mode = r.oneOf("slack.mode", c.Slack.Mode, DefaultSlackMode, ModeAuto, ModeSocket, ModeHTTP)
	s.Slack.AdminChannel = strings.TrimSpace(c.Slack.AdminChannel)
	s.Slack.Enabled = c.Slack.Enabled == nil || *c.Slack.Enabled
	if s.Slack.AdminChannel == "" && s.Slack.Enabled {
		r.add("slack.admin_channel", "is required: the Slack channel id (C…) that receives admin alerts")
	} else if s.Slack.AdminChannel != "" {
		r.channel("slack.admin_channel", s.Slack.AdminChannel)
	}

	s.Listen = strings.TrimSpace(c.Server.Listen)
	if s.Listen == "" {
		s.Listen = DefaultListen
	} else if _, port, err := net.SplitHostPort(s.Listen); err != nil || !validPort(port) {
		r.add("server.listen", "%s is not host:port (e.g. :8080 or 127.0.0.1:8080)", quote(truncate(c.Server.Listen, 60)))
	}

	s.ShutdownTimeout = r.durationIn("server.shutdown_timeout", c.Server.ShutdownTimeout, DefaultShutdownTimeout, time.Second, 10*time.Minute)

	s.Redis.Prefix = c.Redis.Prefix
	s.Redis.RequirePersistence = c.Redis.RequirePersistence
	if s.Redis.Prefix == "" {
		s.Redis.Prefix = DefaultRedisPrefix
	} else if len(s.Redis.Prefix) > 64 || strings.ContainsFunc(s.Redis.Prefix, func(c rune) bool {
		return c <= ' ' || c >= 0x7f || c == '{' || c == '}'
	}) {
		r.add("redis.prefix", "must be at most 64 printable ASCII characters without spaces or braces (braces are Redis Cluster hash tags)")
	}

	const umapiLimit = "UMAPI's per-client limit"
	s.Adobe = AdobeSettings{
		ActionsPerMinute:    r.intIn("adobe.actions_per_minute", c.Adobe.ActionsPerMinute, DefaultActionsPerMinute, 1, DefaultActionsPerMinute, umapiLimit),
		UserReadsPerMinute:  r.intIn("adobe.user_reads_per_minute", c.Adobe.UserReadsPerMinute, DefaultUserReadsPerMinute, 1, DefaultUserReadsPerMinute, umapiLimit),
		GroupReadsPerMinute: r.intIn("adobe.group_reads_per_minute", c.Adobe.GroupReadsPerMinute, DefaultGroupReadsPerMinute, 1, DefaultGroupReadsPerMinute, umapiLimit),
		BatchWindow:         r.durationIn("adobe.batch_window", c.Adobe.BatchWindow, DefaultBatchWindow, time.Millisecond, time.Minute),
		MaxRetryAfter:       r.durationIn("adobe.max_retry_after", c.Adobe.MaxRetryAfter, DefaultMaxRetryAfter, time.Minute, 24*time.Hour),
	}

	s.Adobe.DynamicChatUserGroups = r.userGroupNames("adobe.dynamic_chat_user_groups", c.Adobe.DynamicChatUserGroups)
	const mktoLimit = "Marketo's per-instance limit"
	s.Marketo = MarketoSettings{
		CallsPer20s:      r.intIn("marketo.calls_per_20s", c.Marketo.CallsPer20s, DefaultMarketoCallsPer20s, 1, MaxMarketoCallsPer20s, mktoLimit),
		MaxInFlight:      r.intIn("marketo.max_in_flight", c.Marketo.MaxInFlight, DefaultMarketoMaxInFlight, 1, MaxMarketoMaxInFlight, mktoLimit),
		AddRolesBody:     RolesBody(r.oneOf("marketo.add_roles_body", c.Marketo.AddRolesBody, string(RolesBodyArray), string(RolesBodyArray), string(RolesBodyInput))),
		DeleteRolesBody:  RolesBody(r.oneOf("marketo.delete_roles_body", c.Marketo.DeleteRolesBody, string(RolesBodyArray), string(RolesBodyArray), string(RolesBodyInput))),
		UserPollInterval: r.durationIn("marketo.user_poll_interval", c.Marketo.UserPollInterval, DefaultUserPollInterval, 10*time.Second, time.Hour),
		UserPollTimeout:  r.durationIn("marketo.user_poll_timeout", c.Marketo.UserPollTimeout, DefaultUserPollTimeout, time.Minute, 7*24*time.Hour),
	}
	s.Marketo.EngageProfile = r.profileName("marketo.engage_profile", c.Marketo.EngageProfile)
	s.Marketo.Instances = r.marketoInstances(c, s.Marketo)
	if m := s.Marketo; m.UserPollInterval > 0 && m.UserPollTimeout > 0 && m.UserPollInterval > m.UserPollTimeout {
		r.add("marketo.user_poll_interval", "is %s, longer than user_poll_timeout (%s)", fmtDuration(m.UserPollInterval), fmtDuration(m.UserPollTimeout))
	}

	s.Workers = WorkerSettings{
		Concurrency:   r.intIn("workers.concurrency", c.Workers.Concurrency, DefaultWorkerConcurrency, 1, 256, ""),
		MaxAttempts:   r.intIn("workers.max_attempts", c.Workers.MaxAttempts, DefaultWorkerMaxAttempts, 1, 100, ""),
		MaxTotalTime:  r.durationIn("workers.max_total_time", c.Workers.MaxTotalTime, DefaultWorkerMaxTotal, time.Minute, 30*24*time.Hour),
		ExpiryWarning: r.durationIn("workers.expiry_warning", c.Workers.ExpiryWarning, DefaultExpiryWarning, time.Hour, 30*24*time.Hour),
	}
	r.ops(c, &s)
	return s
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535 && p != "" && p[0] != '+' && p[0] != '-'
}

var noResponses = []string{string(NoResponseKeep), string(NoResponseRevoke), string(NoResponseEscalate)}

// reviews checks the review schedules against the packages in pol.
func (r *problems) reviews(in []ReviewConfig, pol *approvals.Policy) []ReviewSchedule {
	out := make([]ReviewSchedule, 0, len(in))
	firstName := map[string]int{}
	for i, rc := range in {
		path := index("reviews", i)
		at := func(key string) string { return join(path, key) }
		rs := ReviewSchedule{Name: strings.ToLower(strings.TrimSpace(rc.Name))}
		switch j, dup := firstName[rs.Name]; {
		case rs.Name == "":
			r.add(at("name"), "is required")
		case !packageNameRE.MatchString(rs.Name):
			r.add(at("name"), "%s must be 1-32 letters, digits, - or _, starting with a letter or digit", quote(truncate(rc.Name, 40)))
		case dup:
			r.add(at("name"), "%s is also the name of reviews[%d]", quote(rc.Name), j)
		default:
			firstName[rs.Name] = i
		}

		rs.Packages = r.reviewPackages(at("packages"), rc.Packages, pol)

		rs.Spec = strings.TrimSpace(rc.Schedule)
		if rs.Spec == "" {
			r.add(at("schedule"), "is required: a 5-field cron spec such as \"0 9 1 1,4,7,10 *\", or @monthly")
		} else if err := ValidateCronSpec(rs.Spec); err != nil {
			r.add(at("schedule"), "%v", err)
		}

		rs.Location = r.location(at("time_zone"), rc.TimeZone)
		rs.Reviewers = r.audience(at("reviewers"), rc.Reviewers, audienceRule{})
		rs.Deadline = r.durationIn(at("deadline"), rc.Deadline, DefaultReviewDeadline, time.Hour, 365*24*time.Hour)
		rs.ReminderInterval = r.reminder(at("reminder_interval"), rc.ReminderInterval, rs.Deadline, "deadline")
		rs.OnNoResponse = NoResponse(r.oneOf(at("on_no_response"), rc.OnNoResponse, string(NoResponseEscalate), noResponses...))
		out = append(out, rs)
	}
	return out
}

// reviewPackages resolves the package names of a review; none means all.
func (r *problems) reviewPackages(path string, names []string, pol *approvals.Policy) []string {
	if len(names) == 0 {
		return pol.PackageNames()
	}
	out := make([]string, 0, len(names))
	for j, n := range names {
		name := strings.ToLower(strings.TrimSpace(n))
		switch {
		case slices.Contains(out, name):
			r.add(index(path, j), "%s is listed twice", quote(name))
		case pol.Packages[name] == nil:
			r.add(index(path, j), "%s is not a package (known: %s)", quote(truncate(n, 40)), strings.Join(pol.PackageNames(), ", "))
		default:
			out = append(out, name)
		}
	}
	return out
}

// location loads an IANA time zone; empty means UTC. "Local" is refused:
// the schedule would move with the host.
func (r *problems) location(path, tz string) *time.Location {
	name := strings.TrimSpace(tz)
	if name == "" {
		name = DefaultReviewTimeZone
	}
	if strings.EqualFold(name, "local") {
		r.add(path, "%s depends on the host; name an IANA zone such as Europe/Berlin or UTC", quote(name))
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		r.add(path, "%s is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)", quote(truncate(tz, 60)))
		return time.UTC
	}
	return loc
}
