package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/teamsbot"
	"github.com/chataccess/chataccess/commands"
	"github.com/chataccess/chataccess/integrations/ratelimit"
)

// teamsParts is the Teams side of the process, present when the
// config's teams section is enabled.
type teamsParts struct {
	sender  *teamsbot.Sender
	adapter *teamsbot.Adapter
	metrics *teamsbot.Metrics
	stop    context.CancelFunc
}

// addTeamsSender builds the Bot Connector sender and adds it to the Mux
// when Teams is enabled, before the neutral parts are built.
func (a *app) addTeamsSender(w wiring) error {
	s := w.cfg.Settings()
	if !s.Teams.Enabled {
		return nil
	}
	if err := w.env.CheckTeams(s.Teams); err != nil {
		return fmt.Errorf("teams: %w", err)
	}
	a.teams.sender = teamsbot.NewSender(teamsbot.SenderConfig{
		AppID: w.env.TeamsAppID, AppPassword: w.env.TeamsAppPassword.Reveal(), TenantID: w.env.TeamsTenantID,
		LoginURL: w.env.TeamsLoginURL, ServiceURL: s.Teams.ServiceURL, Groups: s.Teams.GraphGroups,
		Conversations: s.Teams.ChannelIDs(), Memory: a.store, Anonymous: s.Teams.LocalDev,
		Pacer:   teamsPacer{lim: ratelimit.New(w.rdb, s.Redis.Prefix)},
		Metrics: a.teamsMetrics(), Logger: w.log, Phrases: adapterPhrases(s.Languages),
	})
	a.chat.Add(bot.Teams, a.teams.sender)
	return nil
}

func (a *app) teamsMetrics() *teamsbot.Metrics {
	if a.teams.metrics == nil {
		a.teams.metrics = teamsbot.NewMetrics(a.reg)
	}
	return a.teams.metrics
}

// teamsAdapter builds the Teams front door (POST /api/messages) around
// the neutral handler. Its post-ack work runs under a context of its
// own, ended after the work drained during shutdown.
func (a *app) teamsAdapter(w wiring, h bot.Handler) error {
	if a.teams.sender == nil {
		return nil
	}
	s := w.cfg.Settings()
	base, stop := context.WithCancel(context.Background())
	adapter, err := teamsbot.New(w.log.WithContext(base), teamsbot.Config{
		AppID: w.env.TeamsAppID, OpenIDURL: w.env.TeamsOpenIDURL, Handler: h, Sender: a.teams.sender,
		Claims: a.store, Memory: a.store, Command: s.Slack.Command, LocalDev: s.Teams.LocalDev, Listen: s.Listen,
		Viewers: approverView{svc: a.service, ledger: a.store, people: a.teams.sender},
		Metrics: a.teamsMetrics(), Logger: w.log, Phrases: adapterPhrases(s.Languages),
	})
	if err != nil {
		stop()
		return fmt.Errorf("teams: %w", err)
	}
	a.teams.adapter, a.teams.stop = adapter, stop
	adapter.Register(a.mux)
	return nil
}

// teamsRun is the Teams runner: it waits for ctx (the HTTP server
// serves /api/messages).
func (a *app) teamsRun(ctx context.Context) error {
	if a.teams.adapter == nil {
		<-ctx.Done()
		return nil
	}
	return a.teams.adapter.Run(ctx)
}

// drainTeams waits for the Teams post-ack work, then ends its context.
func (a *app) drainTeams(ctx context.Context) {
	if a.teams.adapter != nil {
		_ = a.teams.adapter.Runner.Wait(ctx)
	}
	if a.teams.stop != nil {
		a.teams.stop()
	}
}

// runSlack runs the Slack adapter, or waits for ctx when Slack is off
// (a Teams-only install).
func (a *app) runSlack(ctx context.Context) error {
	if a.slack == nil {
		<-ctx.Done()
		return nil
	}
	return a.slack.Run(ctx)
}

// closeTeams ends the Teams post-ack work without waiting.
func (a *app) closeTeams() {
	if a.teams.stop != nil {
		a.teams.stop()
	}
}

// teamsAdmins is the Teams admin channel, if configured.
func teamsAdmins(w wiring) []approvals.PlatformID {
	s := w.cfg.Settings().Teams
	if !s.Enabled || s.AdminChannel == "" {
		return nil
	}
	return []approvals.PlatformID{{Platform: approvals.PlatformTeams, ID: s.AdminChannel}}
}

// teamsPacer keeps Teams' per-conversation send limits (7 in 1 s, 8 in
// 2 s, 60 in 30 s, 1800 in an hour; msteams-docs bots/how-to/rate-limit.md)
// across every replica, counted in Redis: a bucket of 7 refilled at
// 1764 an hour. A wait over 5 s is returned so the caller leaves the
// work for redelivery.
type teamsPacer struct{ lim *ratelimit.Limiter }

// Wait takes the conversation's next slot.
func (p teamsPacer) Wait(ctx context.Context, conversation string) error {
	err := p.lim.Wait(ctx, "teams:post:"+conversation, ratelimit.Limit{Rate: 1764, Period: time.Hour, Burst: teamsbot.PaceBurst}, 5*time.Second)
	var long *ratelimit.WaitTooLongError
	if errors.As(err, &long) {
		return &bot.RateLimitError{Method: "teams send", RetryAfter: long.After}
	}
	return err
}

// approverView shows Approve and Deny only to the request's approvers
// when Teams refreshes a card; every other button to everyone (the
// service refuses whoever may not use it).
type approverView struct {
	svc    *approvals.Service
	ledger interface {
		Get(ctx context.Context, id string) (*approvals.Request, error)
	}
	people bot.Sender
}

// MayAct implements teamsbot.Viewers.
func (v approverView) MayAct(ctx context.Context, u bot.User, actionID, value string) bool {
	if actionID != "dc_approve" && actionID != "dc_deny" {
		return true
	}
	r, err := v.ledger.Get(ctx, commands.RequestOfButton(value))
	if err != nil {
		return true
	}
	pkg, err := v.svc.Policy().Package(r.Package)
	if err != nil {
		return true
	}
	full, err := v.people.LookupUser(ctx, u.ID)
	if err != nil {
		return false
	}
	full, err = bot.ResolveGroups(ctx, v.people, full, approvals.On(pkg.Approvers.Groups, approvals.PlatformTeams))
	if err != nil {
		return true
	}
	who := approvals.Actor{ID: full.ID, Email: strings.ToLower(full.Email), Platform: approvals.PlatformTeams, Groups: full.Groups}
	self := r.Requester.Same(who) || strings.EqualFold(who.Email, r.Target.Email)
	return pkg.Approvers.Contains(who) && (!self || pkg.AllowSelfApproval) && !r.DecidedBy(who)
}
