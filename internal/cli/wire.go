package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
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
	"github.com/chataccess/chataccess/internal/metrics"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/reviews/inventory"
	"github.com/chataccess/chataccess/reviews/reviewchat"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/vendormap"
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
	notify   time.Duration // notifier read block (default 1 s)
	sweep    time.Duration // reminder and timeout sweep interval (default 1 min)
	userLag  time.Duration // first wait for a user to appear in Marketo (default 1 min)
	minClaim time.Duration // how long an unacknowledged event waits before another replica takes it
}

func (w *wiring) defaults() {
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
	if w.notify <= 0 {
		// A blocking outbox read is not cut short by its context, so it
		// stays short: it bounds how long the notifier takes to stop.
		w.notify = time.Second
	}
}

// app is the wired process: every part built, nothing running yet.
type app struct {
	log     zerolog.Logger
	rdb     redis.UniversalClient
	store   *store.Store
	service *approvals.Service
	handler *commands.Handler
	reviews *reviews.Reviews
	chat    *bot.Mux
	slack   *slackbot.Adapter
	teams   teamsParts
	queue   *workers.Queue
	// stopRunner ends the Slack adapter's post-ack work; called after
	// the HTTP server stopped and the work drained.
	stopRunner context.CancelFunc
	// shutdown is the whole teardown budget (DefaultShutdownTimeout).
	shutdown  time.Duration
	reg       *prometheus.Registry
	metrics   *metrics.Metrics
	mux       *http.ServeMux
	ops       *http.ServeMux     // the operations listener's routes; nil without server.ops_listen
	ledger    *store.LedgerWatch // the ledger's identity as this replica knows it
	runners   []runner
	queueName string
}

// runner is one long-running part, started by app.run in order.
type runner struct {
	name string
	run  func(context.Context) error
}

// build is the composition root: config → store → service → vendor
// clients → the neutral chat parts (senders, handlers, reviews) → each
// platform adapter → workers → HTTP. Nothing runs until start.
func build(ctx context.Context, w wiring) (*app, error) {
	w.defaults()
	a := newApp(w)
	v, err := a.vendors(w)
	if err != nil {
		return nil, err
	}
	// Each platform's Sender first, so the neutral parts can post.
	slackSender := a.slackSender(w)
	if w.cfg.Settings().Slack.Enabled {
		a.chat.Add(bot.Slack, slackSender)
	}
	if err := a.addTeamsSender(w); err != nil {
		return nil, err
	}
	h := a.chatParts(w, v)
	if err := a.slackAdapter(w, slackSender, h); err != nil {
		return nil, err
	}
	if err := a.teamsAdapter(w, h); err != nil {
		return nil, err
	}
	wk, err := a.workerParts(ctx, w, v)
	if err != nil {
		return nil, err
	}
	scheduler, err := reviews.NewScheduler(a.reviews)
	if err != nil {
		return nil, err
	}
	a.watchState(w)
	a.opsRoutes(w.cfg.Settings().OpsListen != "")

	// Start order; shutdown runs in reverse: front doors first, then
	// the parts that post, the workers, and the batcher they use last.
	a.runners = append([]runner{{"adobe-batcher", v.batcher.Run}}, wk...)
	a.runners = append(a.runners,
		runner{"review-sweeper", a.reviews.Run},
		runner{"review-schedules", scheduler.Run},
		runner{"audit-checkpoints", a.store.NewCheckpointer(store.CheckpointConfig{Interval: w.cfg.Settings().Audit.CheckpointInterval,
			Poster: a.handler, Holder: w.replica, Logger: w.log}).Run},
		runner{"ledger", a.ledger.Run},
		runner{"slack", a.runSlack},
		runner{"teams", a.teamsRun},
	)
	return a, nil
}

// vendorParts are the Adobe and Marketo clients of the process.
type vendorParts struct {
	adobe   *adobe.Client
	batcher *adobe.Batcher
	marketo *marketo.Client // the default instance's; nil when no package uses it
	// marketos are every instance's clients, by name ("default" too).
	marketos map[string]*marketo.Client
	mapping  *vendormap.Resolver // packages → vendor objects, shared by workers and reviews
}

// newApp builds what every part shares: metrics, store, service.
func newApp(w wiring) *app {
	prefix := w.cfg.Settings().Redis.Prefix
	a := &app{log: w.log, rdb: w.rdb, reg: prometheus.NewRegistry(), mux: http.NewServeMux(), chat: bot.NewMux(),
		queueName: strings.TrimSuffix(prefix, ":") + ":provision", shutdown: w.cfg.Settings().ShutdownTimeout}
	if a.shutdown <= 0 {
		a.shutdown = DefaultShutdownTimeout
	}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.metrics = metrics.New(a.reg, metrics.Options{Version: Version})
	a.store = store.New(w.rdb, prefix, store.WithAuditKey(store.NewAuditKey([]byte(w.env.AuditKey.Reveal()))))
	a.service = approvals.NewService(w.cfg.Policy(), a.store, w.clock)
	return a
}

// vendors builds the Adobe and Marketo clients; limits are counted in
// Redis across replicas.
func (a *app) vendors(w wiring) (vendorParts, error) {
	settings := w.cfg.Settings()
	prefix := settings.Redis.Prefix
	limiter := ratelimit.New(w.rdb, prefix)
	adobeClient, err := adobe.New(adobe.Config{
		IMSURL: w.env.AdobeIMSURL, UMAPIURL: w.env.AdobeUMAPIURL, OrgID: w.env.AdobeOrgID,
		ClientID: w.env.AdobeClientID, ClientSecret: w.env.AdobeClientSecret.Reveal(), Version: Version,
		Limits: adobe.Limits{
			ActionsPerMinute: settings.Adobe.ActionsPerMinute, UserReadsPerMinute: settings.Adobe.UserReadsPerMinute,
			GroupReadsPerMinute: settings.Adobe.GroupReadsPerMinute,
		},
		MaxRetryAfter: settings.Adobe.MaxRetryAfter,
	}, adobe.WithLimiter(a.metrics.Limiter("adobe", limiter)), adobe.WithObserver(a.metrics.Vendors), adobe.WithLogger(logging.WithComponent(w.log, "adobe")))
	if err != nil {
		return vendorParts{}, fmt.Errorf("adobe client: %w", err)
	}
	batcher := adobe.NewBatcher(adobeClient, adobe.BatcherConfig{Window: settings.Adobe.BatchWindow, Logger: w.log})

	// Marketo: one client per instance, each with the bot's share of its
	// instance's limits, counted in Redis.
	marketos, err := a.marketoClients(w, limiter)
	if err != nil {
		return vendorParts{}, err
	}
	mapping := vendormap.New(vendormap.Config{Adobe: adobeClient, Marketo: marketoLists(marketos)})
	return vendorParts{adobe: adobeClient, batcher: batcher, marketo: marketos[vendormap.DefaultInstance], marketos: marketos, mapping: mapping}, nil
}

// slackSender is Slack's Web API sender, paced per channel in Redis.
func (a *app) slackSender(w wiring) *slackbot.Sender {
	return slackbot.NewSender(slackbot.SenderConfig{
		BotToken: w.env.SlackBotToken.Reveal(), AppToken: w.env.SlackAppToken.Reveal(), APIURL: w.env.SlackAPIURL,
		Pacer:   slackPacer{lim: ratelimit.New(w.rdb, w.cfg.Settings().Redis.Prefix)},
		Metrics: slackbot.NewMetrics(a.reg), Logger: w.log, Rendered: a.store,
		Phrases: adapterPhrases(w.cfg.Settings().Languages),
	})
}

// chatParts builds the platform-neutral chat handlers over a.chat: the
// request handler, the reviews and their chat side. Every platform
// adapter gets the returned handler.
func (a *app) chatParts(w wiring, v vendorParts) bot.Handler {
	settings := w.cfg.Settings()
	var admins []approvals.PlatformID
	if settings.Slack.Enabled && settings.Slack.AdminChannel != "" {
		admins = append(admins, approvals.PlatformID{Platform: approvals.PlatformSlack, ID: settings.Slack.AdminChannel})
	}
	admins = append(admins, teamsAdmins(w)...)
	var reviewAdmin approvals.PlatformID
	if len(admins) > 0 {
		reviewAdmin = admins[0]
	}
	reviewMsgs := reviewchat.NewNotifier(reviewchat.Config{Senders: a.chat, Messages: a.store,
		AdminChannel: reviewAdmin, Clock: w.clock, Logger: w.log, Language: adminLanguage(settings.Languages, reviewAdmin)})
	reviewMarketo, reviewInstances := v.reviewMarketo()
	a.reviews = reviews.New(reviews.Deps{
		Access: a.service, Store: a.store, Notifier: reviewMsgs, Clock: w.clock, Logger: w.log, Holder: w.replica,
		Adobe: &inventory.Adobe{Client: v.adobe, Resolver: v.mapping}, Marketo: reviewMarketo, MarketoInstances: reviewInstances,
		DynamicChatGroups: settings.Adobe.DynamicChatUserGroups,
		Schedules:         reviewSchedules(w.cfg.ReviewSchedules()),
	})
	a.handler = commands.New(commands.Deps{
		Service: a.service, Ledger: a.store, Senders: a.chat, Clock: w.clock, Logger: w.log,
		Languages:   commandLanguages(settings.Languages),
		CommandName: settings.Slack.Command, AdminChannels: admins, Reviews: a.reviews, Gate: a.watchLedger(w),
	})
	return routed{Handler: a.handler, reviews: reviewchat.NewHandler(a.reviews, reviewMsgs)}
}

// slackAdapter builds the Slack front door around the neutral handler.
// Its post-ack work runs under a context of its own, ended only after
// the work drained during shutdown.
func (a *app) slackAdapter(w wiring, s *slackbot.Sender, h bot.Handler) error {
	if !w.cfg.Settings().Slack.Enabled {
		return nil
	}
	base, stop := context.WithCancel(context.Background())
	adapter, err := slackbot.New(w.log.WithContext(base), slackbot.Config{
		AppToken: w.env.SlackAppToken.Reveal(), SigningSecret: w.env.SlackSigningSecret.Reveal(),
		Claims: a.store, Handler: h, Sender: s, Logger: w.log, Phrases: adapterPhrases(w.cfg.Settings().Languages),
	})
	if err != nil {
		stop()
		return fmt.Errorf("slack: %w", err)
	}
	a.slack, a.stopRunner = adapter, stop
	adapter.Register(a.mux)
	return nil
}

// workerParts builds the provisioning workers and the outbox readers,
// in start order.
func (a *app) workerParts(ctx context.Context, w wiring, v vendorParts) ([]runner, error) {
	settings := w.cfg.Settings()
	a.queue = workers.NewQueue(w.rdb, a.queueName)
	saga := workers.SagaConfig{
		MaxAttempts: settings.Workers.MaxAttempts, MaxTotalTime: settings.Workers.MaxTotalTime,
		UserPoll: w.userLag, UserPollTimeout: settings.Marketo.UserPollTimeout, ConfirmMembership: true,
	}
	if settings.Marketo.UserPollInterval > 0 && w.userLag == 0 {
		saga.UserPoll = settings.Marketo.UserPollInterval
	}
	ports := v.marketoPorts()
	console := workers.AdobeConsole{Batcher: v.batcher, Client: v.adobe, Snapshots: &workers.Snapshots{}, Resolver: v.mapping}
	exec := workers.NewExecutor(a.service, a.store, console, ports[approvals.DefaultInstance], a.handler, w.clock, saga)
	a.service.WithInspector(&workers.Inspector{Adobe: console, Marketo: ports}, inspectTimeout)
	exec.WithObserver(a.metrics.Provisioning)
	attachInstances(exec, ports)
	// Running tasks get two thirds of the teardown; what is left is for
	// the batcher to send what they queued.
	server := workers.NewServer(w.rdb, workers.ServerConfig{Queue: a.queueName, Concurrency: settings.Workers.Concurrency,
		PollInterval: w.poll, ShutdownTimeout: a.shutdown * 2 / 3},
		workers.Handlers{Executor: exec, Service: a.service, Ledger: a.store, Notifier: a.handler, Logger: w.log})
	workBox, err := a.store.Outbox(ctx, "workers", w.minClaim)
	if err != nil {
		return nil, err
	}
	notifyBox, err := a.store.Outbox(ctx, "notify", w.minClaim)
	if err != nil {
		return nil, err
	}
	return []runner{
		{"workers", server.Run},
		{"dispatcher", workers.NewDispatcher(a.store, workBox, a.queue, w.clock, settings.Workers.ExpiryWarning, w.replica).Run},
		{"reconciler", workers.NewReconciler(a.store, a.queue, w.clock, time.Minute).WithGroups(exec, a.store).Run},
		{"notifier", commands.NewNotifier(a.handler, notifyBox, commands.NotifierConfig{Consumer: w.replica, Block: w.notify, Locks: a.store}).Run},
		{"sweeper", commands.NewSweeper(a.handler, commands.SweeperConfig{Interval: w.sweep}).Run},
	}, nil
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

// start adds every runner and the HTTP server to g. Each runner gets a
// context of its own (not the signal's), so the group stops them one by
// one in reverse order.
func (a *app) start(g *group, srv *http.Server, serve func() error) {
	g.timeout = a.shutdown
	for _, r := range a.runners {
		g.addContext(r.name, func(ctx context.Context) error {
			a.log.Debug().Str(logging.Component, r.name).Msg("starting")
			return r.run(a.log.WithContext(ctx))
		})
	}
	if srv != nil {
		g.add("http", serve, func(error) {
			// The HTTP server drains within half the teardown, then the
			// post-ack work it scheduled gets what remains of that half.
			sctx, cancel := context.WithTimeout(context.Background(), a.shutdown/2)
			defer cancel()
			_ = srv.Shutdown(sctx)
			if a.slack != nil {
				_ = a.slack.Runner.Wait(sctx)
				a.stopRunner()
			}
			a.drainTeams(sctx)
		})
	}
}

// close releases what build opened (not Redis, which the caller owns).
func (a *app) close() {
	if a.stopRunner != nil {
		a.stopRunner()
	}
	a.closeTeams()
	_ = a.queue.Close()
}
