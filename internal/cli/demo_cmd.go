//go:build !nodemo

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/internal/playground"
	"github.com/chataccess/chataccess/internal/sandbox"
)

// demoSigningSecret signs the demo's own Slack requests; it protects
// nothing (everything runs in this process on loopback).
const demoSigningSecret = "demo-signing-secret-not-a-secret"

// demoAuditKey keys the demo's audit chain, as AUDIT_KEY does in
// production; it protects nothing either (the Redis is in-process).
const demoAuditKey = "demo-audit-key-not-a-secret-0123456789"

func runDemo(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "demo", "demo [--platform slack|teams|both] [--verbose] [--log-level LEVEL] [--policy FILE]")
	platform := fs.String("platform", platformSlack, "where the story is told: slack, teams (Slack off) or both (the story moves between them)")
	verbose := fs.Bool("verbose", false, "also print every message the bot posts or edits, line by line")
	level := fs.String("log-level", "error", "log level of the bot's own logs (to stderr)")
	policy := fs.String("policy", "", "policy file (default: the embedded chataccess.example.yaml)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !slices.Contains([]string{platformSlack, platformTeams, platformBoth}, *platform) {
		fmt.Fprintf(env.Stderr, "chataccess demo: --platform %q: use slack, teams or both\n", *platform)
		return errUsage
	}
	d, err := startDemoOn(ctx, env, demoSetup{level: *level, policy: *policy, platform: *platform})
	if err != nil {
		return err
	}
	defer d.stop()
	d.verbose = *verbose
	return d.script(ctx)
}

// Where the demo tells its story (--platform).
const (
	platformSlack = "slack"
	platformTeams = "teams"
	platformBoth  = "both"
)

// demo is everything the demo and the playground run: the bot wired
// exactly as `serve` wires it, on an in-process Redis, the Adobe and
// Marketo emulators, a fake Slack Web API and (with --platform teams or
// both) a fake Teams, and stand-ins for Slack and Teams that act as the
// story's people.
type demo struct {
	out      io.Writer
	verbose  bool
	platform string
	mr       *miniredis.Miniredis
	rdb      redis.UniversalClient
	sb       *sandbox.Sandbox
	slack    *slackfake.Fake
	app      *app
	url      string
	command  string
	prefix   string // Redis key prefix of the policy
	signer   *slackbot.Verifier
	cast     playground.Cast
	act      *playground.Slack
	stage    *playground.Stage
	stop     func()
	printed  map[string]int      // message edits already printed (--verbose)
	lines    map[string][]string // last printed lines of each message (--verbose)
	// teams is the fake Teams and teamsAct the stand-in acting in it,
	// with --platform teams or both.
	teams    *teamsfake.Server
	teamsAct *playground.Teams
	// twoSubs: the story's package spans two Marketo subscriptions
	// (demo_subscriptions.go).
	twoSubs bool
	// policyName says which policy runs: "the embedded example policy"
	// or the file given with --policy.
	policyName string
	// words are the card words the one-line summaries look for, in the
	// policy's language.
	words gistWords
}

// demoSetup is how to start the demo: the bot's log level, the policy
// file ("": the embedded one), the Redis to use (nil: an in-process
// one, the zero-setup default) and the platform.
type demoSetup struct {
	level, policy, platform string
	rdb                     redis.UniversalClient
}

// startDemo starts the bot on Slack; rdb is the Redis to use, nil for
// an in-process one.
func startDemo(ctx context.Context, env Env, level, policyPath string, rdb redis.UniversalClient) (*demo, error) {
	return startDemoOn(ctx, env, demoSetup{level: level, policy: policyPath, rdb: rdb, platform: platformSlack})
}

// startDemoOn starts the bot as setup says.
func startDemoOn(ctx context.Context, env Env, setup demoSetup) (*demo, error) {
	d := &demo{out: env.Stdout, platform: setup.platform, printed: map[string]int{}, lines: map[string][]string{},
		signer: slackbot.NewVerifier(demoSigningSecret, nil), cast: playground.DefaultCast()}
	var cleanups []func()
	d.stop = func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	defer func() {
		if d.app == nil || d.url == "" {
			d.stop()
		}
	}()
	var err error
	if cleanups, err = d.world(setup.rdb, cleanups); err != nil {
		return nil, err
	}
	d.policyName = "the embedded example policy"
	if setup.policy != "" {
		d.policyName = "the policy " + filepath.Base(setup.policy)
	}
	cfg, senv, err := d.config(env, setup.policy)
	if err != nil {
		return nil, err
	}
	d.app, err = build(ctx, wiring{cfg: cfg, env: senv, rdb: d.rdb, log: zerologFor(env, setup.level), replica: "demo",
		poll: 100 * time.Millisecond, notify: 100 * time.Millisecond, sweep: time.Minute, userLag: 500 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, d.app.close)
	stop, err := d.serve(ctx)
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, stop)
	d.command, d.prefix = cfg.Settings().Slack.Command, cfg.Settings().Redis.Prefix
	d.words = gistWordsIn(cfg.Settings().Languages.Default)
	d.act = playground.NewSlack(playground.SlackConfig{Fake: d.slack, BotURL: d.url, Sign: d.signer.Sign, Command: d.command, Cast: d.cast})
	d.stage = &playground.Stage{Slack: d.act, Fake: d.slack, Records: records{d.app.store}, Cast: d.cast}
	if d.teams != nil {
		d.teamsAct = playground.NewTeams(playground.TeamsConfig{Fake: d.teams, BotURL: d.url, AppID: demoTeamsAppID, Cast: d.cast})
		d.stage.Teams, d.stage.Quiet = d.teamsAct, teamsQuiet
	}
	return d, nil
}

// playground is the page standing in for Slack in front of this bot.
func (d *demo) playground(log zerolog.Logger) *playground.Server {
	return playground.New(playground.Config{Slack: d.act, Fake: d.slack, Sandbox: d.sb, Records: records{d.app.store},
		Cast: d.cast, Command: d.command, Logger: log})
}

// world starts what the bot talks to: Redis (in-process unless rdb is
// given), the Adobe and Marketo emulators with someone added by hand
// outside chataccess, and a fake Slack with the demo's people.
func (d *demo) world(rdb redis.UniversalClient, cleanups []func()) ([]func(), error) {
	d.rdb = rdb
	if rdb == nil {
		d.mr = miniredis.NewMiniRedis()
		if err := d.mr.Start(); err != nil {
			return cleanups, fmt.Errorf("in-process redis: %w", err)
		}
		cleanups = append(cleanups, d.mr.Close)
		d.rdb = redis.NewClient(&redis.Options{Addr: d.mr.Addr()})
		cleanups = append(cleanups, func() { _ = d.rdb.Close() })
	}
	d.sb = sandbox.Start(sandbox.Options{AdobeTimeScale: 1.0 / 60, MarketoTimeScale: 0.05, UserLag: 3 * time.Second,
		Instances: demoInstances(), EngageLink: true})
	cleanups = append(cleanups, d.sb.Close)
	// Someone an admin added by hand in both consoles, outside chataccess:
	// the access review finds them.
	if err := d.sb.Adobe.AddUser(adobefake.UserSeed{Email: "bob@example.com", FirstName: "Bob", LastName: "Hand",
		Groups: []string{"Live Agent", sandbox.EngageProfile(sandbox.DefaultInstance)}}); err != nil {
		return cleanups, err
	}
	if err := d.sb.Marketo.AddUser(marketofake.User{UserID: "bob@example.com", EmailAddress: "bob@example.com", FirstName: "Bob", LastName: "Hand",
		Roles: []marketofake.Assignment{{RoleID: d.sb.RoleID("DC Agent"), WorkspaceID: d.sb.WorkspaceID()}}}); err != nil {
		return cleanups, err
	}
	d.slack = slackfake.New()
	cleanups = append(cleanups, d.slack.Close)
	for _, p := range d.cast.People {
		first, last, _ := strings.Cut(p.Name, " ")
		d.slack.AddUser(slackfake.User{ID: p.ID, Name: p.Name, Email: p.Email, FirstName: first, LastName: last})
	}
	for g, members := range d.cast.Groups {
		d.slack.AddGroup(g, members...)
	}
	if d.platform != platformSlack {
		d.teams = teamsfake.New(d.cast.TeamsConfig(demoTeamsAppID, demoTeamsPassword, demoTeamsTenant))
		cleanups = append(cleanups, d.teams.Close)
	}
	return cleanups, nil
}

// config loads the demo policy (embedded, or policyPath) and the
// environment pointing at the emulators and the fake Slack.
func (d *demo) config(env Env, policyPath string) (*config.Config, config.Env, error) {
	vars := map[string]string{
		"SLACK_BOT_TOKEN": slackfake.Token, "SLACK_SIGNING_SECRET": demoSigningSecret, "SLACK_API_URL": d.slack.URL(),
		"ADOBE_IMS_URL": d.sb.AdobeURL(), "ADOBE_UMAPI_URL": d.sb.AdobeURL(), "ADOBE_ORG_ID": d.sb.Adobe.OrgID(),
		"ADOBE_CLIENT_ID": d.sb.Adobe.ClientID(), "ADOBE_CLIENT_SECRET": d.sb.Adobe.ClientSecret(),
		"MARKETO_BASE_URL": d.sb.MarketoURL(), "MARKETO_CLIENT_ID": "chataccess-demo", "MARKETO_CLIENT_SECRET": "demo-secret",
		"AUDIT_KEY": demoAuditKey,
	}
	d.teamsEnv(vars)
	d.subscriptionsEnv(vars)
	getenv := func(k string) string { return vars[k] }
	var cfg *config.Config
	var err error
	if policyPath != "" {
		cfg, err = config.Load(policyPath, getenv)
	} else {
		cfg, err = config.Parse(env.DemoPolicy, getenv)
	}
	if err == nil {
		d.teamsPolicy(cfg)
		d.twoSubs, err = d.subscriptionsPolicy(cfg, getenv)
		engagePolicy(cfg)
	}
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return nil, config.Env{}, fmt.Errorf("demo policy: %w", err)
	}
	senv, err := config.LoadEnv(getenv)
	return cfg, senv, err
}

// serve runs the wired app on a loopback listener as serve runs it,
// and returns the function that stops it.
func (d *demo) serve(ctx context.Context) (func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.url = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: d.app.mux, ReadHeaderTimeout: 5 * time.Second}
	rctx, cancel := context.WithCancel(ctx)
	var g group
	g.addSignal(rctx)
	d.app.start(&g, srv, func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	done := make(chan struct{})
	go func() { _, _ = g.run(); close(done) }()
	return func() { cancel(); <-done }, nil
}

func zerologFor(env Env, level string) zerolog.Logger {
	return zerolog.New(zerolog.SyncWriter(zerolog.ConsoleWriter{Out: env.Stderr, TimeFormat: time.TimeOnly})).Level(parseLevel(level)).With().Timestamp().Logger()
}

func parseLevel(s string) zerolog.Level {
	l, err := zerolog.ParseLevel(s)
	if err != nil || s == "" {
		return zerolog.WarnLevel
	}
	return l
}

// say prints one narration line.
func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.out, format+"\n", args...) }
