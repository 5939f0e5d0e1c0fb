package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/commands"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/logging"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/reviews/inventory"
	"github.com/chataccess/chataccess/reviews/reviewchat"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/workers"
)

// wiring is what build needs: the validated config, the environment,
// Redis and the logger. Tests and the demo fill Clock and PollInterval.
type wiring struct {
	cfg      *config.Config
	env      config.Env
	rdb      redis.UniversalClient
	log      zerolog.Logger
	clock    approvals.Clock
	replica  string        // names this process in consumer groups
	poll     time.Duration // worker queue poll interval (default 1 s)
	notify   time.Duration // notifier and dispatcher read block (default 5 s)
	sweep    time.Duration // reminder and timeout sweep interval (default 1 min)
	userLag  time.Duration // first wait for a user to appear in Marketo (default 1 min)
	minClaim time.Duration // how long an unacknowledged event waits before another replica takes it
}

// app is the wired process: every part built, nothing running yet.
type app struct {
	log       zerolog.Logger
	rdb       redis.UniversalClient
	store     *store.Store
	service   *approvals.Service
	handler   *commands.Handler
	reviews   *reviews.Reviews
	slack     *slackbot.Adapter
	queue     *workers.Queue
	reg       *prometheus.Registry
	mux       *http.ServeMux
	runners   []runner
	queueName string
}

// runner is one long-running part, started by app.run in order.
type runner struct {
	name string
	run  func(context.Context) error
}

// build is the composition root: config → store → service → vendor
// clients → Slack adapter and chat handler → workers → HTTP.
func build(ctx context.Context, w wiring) (*app, error) {
	settings := w.cfg.Settings()
	if w.clock == nil {
		w.clock = approvals.ClockFunc(time.Now)
	}
	if w.replica == "" {
		host, _ := os.Hostname()
		w.replica = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if w.minClaim <= 0 {
		w.minClaim = 30 * time.Second
	}
	prefix := settings.Redis.Prefix
	a := &app{log: w.log, rdb: w.rdb, reg: prometheus.NewRegistry(), mux: http.NewServeMux(),
		queueName: strings.TrimSuffix(prefix, ":") + ":provision"}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.store = store.New(w.rdb, prefix)
	a.service = approvals.NewService(w.cfg.Policy(), a.store, w.clock, nil)
	limiter := ratelimit.New(w.rdb, prefix)

	// Adobe: one client per process; limits counted in Redis across replicas.
	adobeClient, err := adobe.New(adobe.Config{
		IMSURL: w.env.AdobeIMSURL, UMAPIURL: w.env.AdobeUMAPIURL, OrgID: w.env.AdobeOrgID,
		ClientID: w.env.AdobeClientID, ClientSecret: w.env.AdobeClientSecret.Reveal(), Version: Version,
		Limits: adobe.Limits{
			ActionsPerMinute: settings.Adobe.ActionsPerMinute, UserReadsPerMinute: settings.Adobe.UserReadsPerMinute,
			GroupReadsPerMinute: settings.Adobe.GroupReadsPerMinute,
		},
		MaxRetryAfter: settings.Adobe.MaxRetryAfter,
	}, adobe.WithLimiter(limiter), adobe.WithLogger(w.log))
	if err != nil {
		return nil, fmt.Errorf("adobe client: %w", err)
	}
	batcher := adobe.NewBatcher(adobeClient, adobe.BatcherConfig{Window: settings.Adobe.BatchWindow, Logger: w.log})

	// Marketo: the bot's share of the instance limits, counted in Redis.
	mcfg := marketo.Config{
		BaseURL: w.env.MarketoBaseURL, ClientID: w.env.MarketoClientID, ClientSecret: w.env.MarketoClientSecret.Reveal(),
		Rate:             ratelimit.Per(settings.Marketo.CallsPer20s, 20*time.Second),
		MaxInFlight:      settings.Marketo.MaxInFlight,
		AddRolesBody:     marketo.BodyShape(settings.Marketo.AddRolesBody),
		DeleteRolesBody:  marketo.BodyShape(settings.Marketo.DeleteRolesBody),
		UserAgentVersion: Version, Limiter: limiter, Logger: &w.log,
	}
	mcfg.Rate.Burst = 1
	mcfg.InFlight = ratelimit.NewSemaphore(w.rdb, mcfg.SemaphoreKey(prefix), max(settings.Marketo.MaxInFlight, 1), mcfg.SemaphoreLease())
	marketoClient, err := marketo.New(mcfg)
	if err != nil {
		return nil, fmt.Errorf("marketo client: %w", err)
	}

	// Slack: the adapter builds its Sender; the chat handler posts through it.
	adapter, err := slackbot.New(ctx, slackbot.Config{
		BotToken: w.env.SlackBotToken.Reveal(), AppToken: w.env.SlackAppToken.Reveal(),
		SigningSecret: w.env.SlackSigningSecret.Reveal(), APIURL: w.env.SlackAPIURL,
		Redis: w.rdb, KeyPrefix: prefix, Registerer: a.reg, Logger: w.log,
		Pacer: slackPacer{lim: limiter},
		NewHandler: func(s *slackbot.Sender) bot.Handler {
			slogger := slog.New(zerolog.NewSlogHandler(w.log))
			reviewMsgs := reviewchat.NewNotifier(reviewchat.Config{Sender: s, Messages: a.store,
				AdminChannel: settings.Slack.AdminChannel, Clock: w.clock, Logger: slogger})
			a.reviews = reviews.New(reviews.Deps{
				Access: a.service, Store: a.store, Notifier: reviewMsgs, Clock: w.clock, Logger: slogger, Holder: w.replica,
				Adobe: &inventory.Adobe{Client: adobeClient}, Marketo: &inventory.Marketo{Client: marketoClient},
				Schedules: reviewSchedules(w.cfg.ReviewSchedules()),
			})
			a.handler = commands.New(commands.Deps{
				Service: a.service, Ledger: a.store, Sender: s, Clock: w.clock, Logger: w.log,
				CommandName: settings.Slack.Command, AdminChannel: settings.Slack.AdminChannel, Reviews: a.reviews,
			})
			return routed{Handler: a.handler, reviews: reviewchat.NewHandler(a.reviews, reviewMsgs)}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("slack: %w", err)
	}
	a.slack = adapter
	adapter.Register(a.mux)

	// Workers.
	a.queue = workers.NewQueue(w.rdb, a.queueName)
	saga := workers.SagaConfig{
		MaxAttempts: settings.Workers.MaxAttempts, MaxTotalTime: settings.Workers.MaxTotalTime,
		UserPoll: w.userLag, UserPollTimeout: settings.Marketo.UserPollTimeout, ConfirmMembership: true,
	}
	if settings.Marketo.UserPollInterval > 0 && w.userLag == 0 {
		saga.UserPoll = settings.Marketo.UserPollInterval
	}
	exec := workers.NewExecutor(a.service, a.store,
		workers.AdobeConsole{Batcher: batcher, Client: adobeClient, Snapshots: &workers.Snapshots{}},
		&workers.MarketoUsers{Client: marketoClient}, a.handler, w.clock, saga)
	server := workers.NewServer(w.rdb, workers.ServerConfig{Queue: a.queueName, Concurrency: settings.Workers.Concurrency, PollInterval: w.poll},
		workers.Handlers{Executor: exec, Service: a.service, Ledger: a.store, Notifier: a.handler, Alerter: a.handler, Logger: w.log})
	workBox, err := a.store.Outbox(ctx, "workers", w.minClaim)
	if err != nil {
		return nil, err
	}
	dispatcher := workers.NewDispatcher(a.store, workBox, a.queue, w.clock, settings.Workers.ExpiryWarning, w.replica)
	reconciler := workers.NewReconciler(a.store, a.queue, w.clock, time.Minute)
	notifyBox, err := a.store.Outbox(ctx, "notify", w.minClaim)
	if err != nil {
		return nil, err
	}
	notifier := commands.NewNotifier(a.handler, notifyBox, commands.NotifierConfig{Consumer: w.replica, Block: w.notify, Locks: a.store})
	sweeper := commands.NewSweeper(a.handler, commands.SweeperConfig{Interval: w.sweep})
	scheduler, err := reviews.NewScheduler(a.reviews)
	if err != nil {
		return nil, err
	}

	// Operations endpoints.
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	a.mux.HandleFunc("GET /readyz", a.ready)
	a.mux.Handle("GET /metrics", promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{}))

	// Start order; shutdown runs in reverse (front doors first, batcher last).
	a.runners = []runner{
		{"adobe-batcher", batcher.Run},
		{"workers", server.Run},
		{"dispatcher", dispatcher.Run},
		{"reconciler", reconciler.Run},
		{"notifier", notifier.Run},
		{"sweeper", sweeper.Run},
		{"review-sweeper", a.reviews.Run},
		{"review-schedules", scheduler.Run},
		{"slack", adapter.Run},
	}
	return a, nil
}

// slackPacer spaces chat.postMessage to one a second per channel across
// every replica, counted in Redis (Slack: "1 message per second per
// channel", reference/slack-teams-libraries.md §1.6). A wait over 5 s is
// returned so the caller leaves the work for redelivery.
type slackPacer struct{ lim *ratelimit.Limiter }

// Wait takes the channel's next slot.
func (p slackPacer) Wait(ctx context.Context, channel string) error {
	err := p.lim.Wait(ctx, "slack:post:"+channel, ratelimit.Per(1, time.Second), 5*time.Second)
	var long *ratelimit.WaitTooLongError
	if errors.As(err, &long) {
		return &bot.RateLimitError{Method: "chat.postMessage", RetryAfter: long.After}
	}
	return err
}

// routed sends review buttons to the reviews' handler and everything
// else to the request handler.
type routed struct {
	*commands.Handler
	reviews *reviewchat.Handler
}

// HandleAction routes by action id.
func (r routed) HandleAction(ctx context.Context, a bot.Action) bot.ActionReply {
	if reviewchat.Handles(a.ActionID) {
		return r.reviews.HandleAction(ctx, a)
	}
	return r.Handler.HandleAction(ctx, a)
}

// ready answers 200 when Redis answers.
func (a *app) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		http.Error(w, "redis unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// start adds every runner and the HTTP server to g.
func (a *app) start(ctx context.Context, g *group, srv *http.Server, serve func() error) {
	ctx = a.log.WithContext(ctx)
	for _, r := range a.runners {
		g.addContext(ctx, r.name, func(ctx context.Context) error {
			a.log.Debug().Str(logging.Component, r.name).Msg("starting")
			return r.run(ctx)
		})
	}
	if srv != nil {
		g.add("http", serve, func(error) {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
			a.slack.Runner.Wait(sctx)
		})
	}
}

// close releases what build opened (not Redis, which the caller owns).
func (a *app) close() {
	_ = a.queue.Close()
}
