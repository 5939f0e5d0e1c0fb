package slackbot

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
)

// Config is everything the composition root passes to New.
type Config struct {
	// BotToken (SLACK_BOT_TOKEN) is required.
	BotToken string
	// AppToken (SLACK_APP_TOKEN) selects Socket Mode when set.
	AppToken string
	// SigningSecret (SLACK_SIGNING_SECRET) is required in HTTP mode.
	SigningSecret string
	// APIURL (SLACK_API_URL) overrides the Web API base URL.
	APIURL string
	// Redis and KeyPrefix (e.g. "chataccess:v1:") hold event dedupe keys.
	Redis     redis.UniversalClient
	KeyPrefix string
	Handler   bot.Handler
	// NewHandler builds the handler from the adapter's own Sender, for
	// handlers that post through it (the usual case). Used when Handler
	// is nil.
	NewHandler func(*Sender) bot.Handler
	// Workers bounds post-ack work (default 16), each task limited to
	// TaskTimeout (default 30 s).
	Workers     int
	TaskTimeout time.Duration
	// Pacer spaces chat.postMessage per channel; nil means one message a
	// second per channel counted in this process. With several replicas,
	// pass one counted in Redis.
	Pacer      Pacer
	Registerer prometheus.Registerer
	Logger     zerolog.Logger
}

// Adapter is the assembled Slack adapter.
type Adapter struct {
	Sender     *Sender
	Dispatcher *Dispatcher
	Runner     *Runner
	// HTTP is set in HTTP mode, Socket in Socket Mode.
	HTTP   *HTTP
	Socket *Socket
}

// ErrConfig says the Slack configuration is incomplete.
var ErrConfig = errors.New("slack configuration incomplete")

// New assembles the adapter. base is the context post-ack work runs
// under; cancel it after Runner.Wait during shutdown.
func New(base context.Context, cfg Config) (*Adapter, error) {
	switch {
	case cfg.BotToken == "":
		return nil, errors.Join(ErrConfig, errors.New("SLACK_BOT_TOKEN is empty"))
	case cfg.AppToken == "" && cfg.SigningSecret == "":
		return nil, errors.Join(ErrConfig, errors.New("set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"))
	case cfg.Handler == nil && cfg.NewHandler == nil:
		return nil, errors.Join(ErrConfig, errors.New("no handler"))
	}
	m := NewMetrics(cfg.Registerer)
	log := cfg.Logger.With().Str("component", "slackbot").Logger()
	s := NewSender(SenderConfig{BotToken: cfg.BotToken, AppToken: cfg.AppToken, APIURL: cfg.APIURL, Pacer: cfg.Pacer, Metrics: m, Logger: log})
	if cfg.Handler == nil {
		cfg.Handler = cfg.NewHandler(s)
	}
	r := NewRunner(base, orInt(cfg.Workers, 16), cfg.TaskTimeout, log, m)
	var dd *Dedupe
	if cfg.Redis != nil {
		dd = NewDedupe(cfg.Redis, cfg.KeyPrefix, 0)
	}
	d := NewDispatcher(DispatcherConfig{Handler: cfg.Handler, Sender: s, Runner: r, Dedupe: dd, Metrics: m, Logger: cfg.Logger})
	a := &Adapter{Sender: s, Dispatcher: d, Runner: r}
	if cfg.AppToken != "" {
		a.Socket = NewSocket(s, d)
	} else {
		a.HTTP = NewHTTP(NewVerifier(cfg.SigningSecret, nil), d)
	}
	return a, nil
}

func orInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Register adds the HTTP-mode routes to mux; in Socket Mode it adds
// nothing.
func (a *Adapter) Register(mux *http.ServeMux) {
	if a.HTTP != nil {
		a.HTTP.Register(mux)
	}
}

// Run serves Socket Mode until ctx ends; in HTTP mode it just waits
// for ctx (the HTTP server runs elsewhere).
func (a *Adapter) Run(ctx context.Context) error {
	if a.Socket != nil {
		return a.Socket.Run(ctx)
	}
	<-ctx.Done()
	return nil
}
