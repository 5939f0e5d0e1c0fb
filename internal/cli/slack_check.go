package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/config"
)

// systemSlack is the SYSTEM column of the Slack rows.
const systemSlack = "slack"

// slackCheck is what the Slack rows need while they are added.
type slackCheck struct {
	c      *checker
	s      *slackbot.Sender
	bot    string // the bot's name, for "/invite @name"
	teams  bool   // Teams is on too: a person missing from Slack may use Teams
	scopes []string
}

// checkSlack adds the Slack rows to `chataccess check`: the bot token
// works (auth.test), it has every scope manifest.yaml asks for, every
// channel the policy names exists and the bot is in it, every user
// group exists, and every person named by email or Slack id is a member
// of the workspace. required (check --slack) makes a missing token a
// failure; plain check skips Slack without one.
func (c *checker) checkSlack(ctx context.Context, getenv func(string) string, s config.Settings, pol *approvals.Policy, timeout time.Duration, required bool) {
	if !s.Slack.Enabled {
		return
	}
	env, ok := c.slackEnv(getenv)
	if !ok {
		return
	}
	if !env.SlackBotToken.IsSet() {
		if required {
			c.need(systemSlack, envVar{name: config.EnvSlackBotToken})
		} else {
			c.add(allPackages, systemSlack, config.EnvSlackBotToken, statusSkip, "is not set: the Slack side is not checked (check --slack needs it)")
		}
		return
	}
	c.secrets = append(c.secrets, env.SlackBotToken.Reveal())
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sc := &slackCheck{c: c, teams: s.Teams.Enabled, s: slackbot.NewSender(slackbot.SenderConfig{
		BotToken: env.SlackBotToken.Reveal(), APIURL: env.SlackAPIURL,
		HTTPClient: &http.Client{Timeout: c.httpTimeout}, MaxRetryWait: 2 * time.Second, Logger: zerolog.Nop(),
	})}
	if !sc.token(ctx) {
		return
	}
	sc.checkScopes()
	sc.channels(ctx, s.Slack.AdminChannel, pol)
	sc.groups(ctx, pol)
	sc.people(ctx, pol)
}

// slackEnv reads SLACK_BOT_TOKEN (or _FILE) and SLACK_API_URL as serve
// does. A bad value is a FAIL row and no Slack call is made: a wrong
// SLACK_API_URL is never replaced by slack.com.
func (c *checker) slackEnv(getenv func(string) string) (config.Env, bool) {
	slackOnly := func(k string) string {
		switch strings.TrimSuffix(k, config.FileSuffix) {
		case config.EnvSlackBotToken, config.EnvSlackAPIURL:
			return getenv(k)
		}
		return ""
	}
	e, err := config.LoadEnv(slackOnly)
	var ve *config.ValidationError
	switch {
	case errors.As(err, &ve):
		for _, p := range ve.Problems {
			c.add(allPackages, systemSlack, p.Path, statusFail, p.Message)
		}
		return e, false
	case err != nil:
		c.add(allPackages, systemSlack, "environment", statusFail, err.Error())
		return e, false
	}
	return e, true
}

// token checks auth.test and remembers the bot's name and scopes.
func (sc *slackCheck) token(ctx context.Context) bool {
	id, err := sc.s.AuthTest(ctx)
	if err != nil {
		detail := slackDetail(err)
		var api *slackbot.APIError
		if errors.As(err, &api) && api.Class() == slackbot.ClassPermanent {
			detail = fmt.Sprintf("Slack refused SLACK_BOT_TOKEN (%s): copy the Bot User OAuth Token (xoxb-…) from the app's Install App page", api.Code)
		}
		sc.c.add(allPackages, systemSlack, "bot token (auth.test)", statusFail, detail)
		return false
	}
	sc.bot, sc.scopes = id.User, id.Scopes
	sc.c.add(allPackages, systemSlack, "bot token (auth.test)", statusOK,
		fmt.Sprintf("bot @%s (%s) in workspace %s (%s)", id.User, id.UserID, id.Team, id.TeamID))
	return true
}

// checkScopes compares the token's scopes with manifest.yaml's.
func (sc *slackCheck) checkScopes() {
	missing := 0
	for _, want := range slackbot.Scopes {
		if slices.Contains(sc.scopes, want.Name) {
			continue
		}
		missing++
		status, effect := statusFail, "the bot cannot do without it"
		if want.CheckOnly {
			status, effect = statusWarn, "only this check uses it"
		}
		sc.c.add(allPackages, systemSlack, "scope "+want.Name, status, fmt.Sprintf("missing; needed for %s (%s): add it under OAuth & Permissions, "+
			"or update the app from manifest.yaml, then reinstall the app", want.For, effect))
	}
	if missing == 0 {
		sc.c.add(allPackages, systemSlack, "scopes", statusOK, fmt.Sprintf("all %d scopes of manifest.yaml", len(slackbot.Scopes)))
	}
}

// uses collects which packages name an item, for the PACKAGE column
// ("*" when several or none do) and the detail.
type uses struct {
	order []string
	by    map[string][]string
}

func (u *uses) add(item, use string) {
	if u.by == nil {
		u.by = map[string][]string{}
	}
	if _, ok := u.by[item]; !ok {
		u.order = append(u.order, item)
	}
	if !slices.Contains(u.by[item], use) {
		u.by[item] = append(u.by[item], use)
	}
}

// pkg is the PACKAGE column of item: its one package, else "*".
func (u *uses) pkg(item string) string {
	var pkgs []string
	for _, use := range u.by[item] {
		if _, p, ok := strings.Cut(use, " of "); ok && !slices.Contains(pkgs, p) {
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) == 1 && len(u.by[item]) == 1 {
		return pkgs[0]
	}
	return allPackages
}

// say lists the uses of item, packages of one role together:
// "approvers of agent, sales-admin; admins".
func (u *uses) say(item string) string {
	var roles []string
	pkgs := map[string][]string{}
	for _, use := range u.by[item] {
		role, pkg, _ := strings.Cut(use, " of ")
		if !slices.Contains(roles, role) {
			roles = append(roles, role)
		}
		if pkg != "" {
			pkgs[role] = append(pkgs[role], pkg)
		}
	}
	parts := make([]string, 0, len(roles))
	for _, r := range roles {
		if len(pkgs[r]) == 0 {
			parts = append(parts, r)
			continue
		}
		parts = append(parts, r+" of "+strings.Join(pkgs[r], ", "))
	}
	return strings.Join(parts, "; ")
}

// channels checks each channel the policy names with conversations.info.
func (sc *slackCheck) channels(ctx context.Context, admin string, pol *approvals.Policy) {
	var u uses
	for _, name := range pol.PackageNames() {
		for _, ch := range approvals.On(pol.Packages[name].ApprovalChannels, approvals.PlatformSlack) {
			u.add(ch, "approval channel of "+name)
		}
	}
	if admin != "" {
		u.add(admin, "admin channel")
	}
	for _, ch := range u.order {
		status, detail := sc.channel(ctx, ch)
		sc.c.add(u.pkg(ch), systemSlack, "channel "+ch, status, detail+" ("+u.say(ch)+")")
	}
}

// channel is the row of one channel.
func (sc *slackCheck) channel(ctx context.Context, id string) (status, detail string) {
	info, err := sc.s.ConversationInfo(ctx, id)
	invite := fmt.Sprintf("invite the bot: /invite @%s in", sc.bot)
	switch code := slackCode(err); {
	case err == nil && info.Archived:
		return statusFail, fmt.Sprintf("#%s is archived: unarchive it, or name another channel", info.Name)
	case err == nil && !info.Member:
		return statusFail, fmt.Sprintf("the bot is not in #%s: %s #%s", info.Name, invite, info.Name)
	case err == nil:
		return statusOK, fmt.Sprintf("#%s, the bot is a member", info.Name)
	case code == "channel_not_found":
		return statusFail, fmt.Sprintf("no such channel, or a private channel the bot is not in: check the id (C…, see docs/slack.md), or %s it", invite)
	case code == "missing_scope":
		return statusWarn, "cannot tell whether the bot is in it: the token lacks channels:read (groups:read for a private channel)"
	}
	return statusFail, slackDetail(err)
}

// groups checks each user group the policy names against one
// usergroups.list.
func (sc *slackCheck) groups(ctx context.Context, pol *approvals.Policy) {
	var u uses
	addAll := func(a approvals.Audience, use string) {
		for _, g := range approvals.On(a.Groups, approvals.PlatformSlack) {
			u.add(g, use)
		}
	}
	addAll(pol.Requesters, "requesters")
	addAll(pol.Admins, "admins")
	for _, name := range pol.PackageNames() {
		addAll(pol.Packages[name].Approvers, "approvers of "+name)
		addAll(pol.Packages[name].AutoApprove.Requesters, "auto-approved requesters of "+name)
	}
	if len(u.order) == 0 {
		return
	}
	list, err := sc.s.UserGroups(ctx)
	if err != nil {
		sc.c.add(allPackages, systemSlack, "user group listing", statusFail, slackDetail(err))
		return
	}
	for _, id := range u.order {
		i := slices.IndexFunc(list, func(g slackbot.UserGroup) bool { return g.ID == id })
		status, detail := statusFail, "no such user group: check the id (S…; usergroups.list lists them, see docs/slack.md)"
		switch {
		case i < 0:
		case list[i].Disabled:
			detail = fmt.Sprintf("@%s is disabled: enable it in Slack, or take it out of the policy", list[i].Handle)
		case list[i].Users == 0:
			status, detail = statusWarn, fmt.Sprintf("@%s (%s) has no members: nobody counts through it", list[i].Handle, list[i].Name)
		default:
			status, detail = statusOK, fmt.Sprintf("@%s (%s), %d %s", list[i].Handle, list[i].Name, list[i].Users, members(list[i].Users))
		}
		sc.c.add(u.pkg(id), systemSlack, "user group "+id, status, detail+" ("+u.say(id)+")")
	}
}

// people checks each person the policy names by email
// (users.lookupByEmail) or by Slack user id (users.info).
func (sc *slackCheck) people(ctx context.Context, pol *approvals.Policy) {
	var u uses
	addAll := func(a approvals.Audience, use string) {
		for _, e := range a.Emails {
			u.add(strings.ToLower(e), use)
		}
		for _, id := range approvals.On(a.Users, approvals.PlatformSlack) {
			u.add(id, use)
		}
	}
	addAll(pol.Admins, "admins")
	for _, name := range pol.PackageNames() {
		addAll(pol.Packages[name].Approvers, "approver of "+name)
	}
	addAll(pol.Requesters, "requesters")
	for _, who := range u.order {
		status, detail := sc.person(ctx, who)
		sc.c.add(u.pkg(who), systemSlack, "person "+who, status, detail+" ("+u.say(who)+")")
	}
}

// person is the row of one email or user id.
func (sc *slackCheck) person(ctx context.Context, who string) (status, detail string) {
	var usr bot.User
	var err error
	byEmail := strings.Contains(who, "@")
	if byEmail {
		usr, err = sc.s.LookupUserByEmail(ctx, who)
	} else {
		usr, err = sc.s.LookupUser(ctx, who)
	}
	switch {
	case err == nil:
		return statusOK, fmt.Sprintf("%s (%s)", usr.ID, usr.Name)
	case errors.Is(err, bot.ErrNoEmail):
		return statusFail, "this member has no email in Slack (a bot or a guest), so the bot cannot identify them"
	case errors.Is(err, bot.ErrUserNotFound) && byEmail && sc.teams:
		return statusWarn, "no Slack member has this email: fine if they use Teams, otherwise use their Slack email"
	case errors.Is(err, bot.ErrUserNotFound) && byEmail:
		return statusFail, "no Slack member has this email: use the email of their Slack profile, or their member id (U…)"
	case errors.Is(err, bot.ErrUserNotFound):
		return statusFail, "no such member, or deactivated: check the id (U…, see docs/slack.md)"
	}
	return statusFail, slackDetail(err)
}

// slackCode is the Slack error code of err, "" when it has none.
func slackCode(err error) string {
	var api *slackbot.APIError
	if errors.As(err, &api) {
		return api.Code
	}
	return ""
}

// slackDetail names a Slack failure; a missing scope says which.
func slackDetail(err error) string {
	switch slackCode(err) {
	case "missing_scope":
		return "the bot token lacks a scope this needs (see the scope rows): " + err.Error()
	case "":
		if errors.Is(err, context.DeadlineExceeded) {
			return "no answer before --timeout ran out (" + err.Error() + ")"
		}
	}
	return err.Error()
}

func members(n int) string {
	if n == 1 {
		return "member"
	}
	return "members"
}
