package slackbot

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
)

// Config is everything the composition root passes to New besides the
// Sender it built first with NewSender.
type Config struct {
	// AppToken (SLACK_APP_TOKEN) selects Socket Mode when set; the
	// Sender must have been built with the same token.
	AppToken string
	// SigningSecret (SLACK_SIGNING_SECRET) is required in HTTP mode.
	SigningSecret string
	// Claims de-duplicates Events API deliveries across replicas (the
	// store); nil disables de-duplication.
	Claims Claimer
	// Handler gets every command, click, submission and event. Required.
	Handler bot.Handler
	// Sender is the Web API sender built by NewSender (built before the
	// handler, so the neutral parts can post through it). Required.
	Sender *Sender
	// Workers bounds post-ack work (default 16), each task limited to
	// TaskTimeout (default 30 s).
	Workers     int
	TaskTimeout time.Duration
	Logger      zerolog.Logger
	// Phrases say the adapter's own sentences (a failed handler, a form
	// that could not open) in each person's language; nil: English.
	Phrases bot.Phrases
}

// Adapter is the assembled Slack adapter.
type Adapter struct {
	Sender     *Sender
	Dispatcher *Dispatcher
	Runner     *Runner
	// HTTP is set in HTTP mode, Socket in Socket Mode.
	HTTP   *HTTP
	Socket *Socket

	auth authState // HTTP mode readiness (Ready)
}

// ErrConfig says the Slack configuration is incomplete.
var ErrConfig = errors.New("slack configuration incomplete")

// New assembles the adapter. base is the context post-ack work runs
// under; cancel it after Runner.Wait during shutdown.
func New(base context.Context, cfg Config) (*Adapter, error) {
	switch {
	case cfg.AppToken == "" && cfg.SigningSecret == "":
		return nil, errors.Join(ErrConfig, errors.New("set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"))
	case cfg.Handler == nil || cfg.Sender == nil:
		return nil, errors.Join(ErrConfig, errors.New("no handler or sender"))
	}
	m := cfg.Sender.metrics
	log := logging.WithComponent(cfg.Logger, "slackbot")
	s := cfg.Sender
	r := NewRunner(base, orInt(cfg.Workers, 16), cfg.TaskTimeout, log, m)
	var dd *Dedupe
	if cfg.Claims != nil {
		dd = NewDedupe(cfg.Claims, 0)
	}
	d := NewDispatcher(DispatcherConfig{Handler: cfg.Handler, Sender: s, Runner: r, Dedupe: dd, Metrics: m, Logger: cfg.Logger, Phrases: cfg.Phrases})
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
