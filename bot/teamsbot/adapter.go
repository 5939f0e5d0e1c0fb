package teamsbot

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/postack"
	"github.com/chataccess/chataccess/internal/logging"
)

// Config is everything the composition root passes to New besides the
// Sender it built first with NewSender.
type Config struct {
	// AppID is the bot's Microsoft App ID (TEAMS_APP_ID), the audience
	// of inbound tokens.
	AppID string
	// OpenIDURL overrides DefaultOpenIDURL (TEAMS_OPENID_URL).
	OpenIDURL string
	// Handler gets every command, click, submission and install. Required.
	Handler bot.Handler
	// Sender is the Bot Connector sender built by NewSender. Required.
	Sender *Sender
	// Claims de-duplicates redelivered activities (the store); nil
	// disables de-duplication.
	Claims Claimer
	// Memory is the store's Teams memory; nil keeps nothing (tests only:
	// cards cannot be refreshed or clicked without it).
	Memory Memory
	// Command is the grammar's slash command ("/dynchat").
	Command string
	// Viewers hides buttons from people who may not press them; optional.
	Viewers Viewers
	// LocalDev turns the token check off for a local emulator such as
	// the Microsoft 365 Agents Playground. New refuses it unless Listen
	// is a loopback address; requests must then come from loopback and
	// name a loopback serviceUrl.
	LocalDev bool
	// Listen is the HTTP listener's host:port, checked for LocalDev.
	Listen string
	// HTTPClient fetches the Bot Framework keys (default 10 s timeout).
	HTTPClient *http.Client
	// Workers bounds post-ack work (default 16), each task limited to
	// TaskTimeout (default 30 s).
	Workers     int
	TaskTimeout time.Duration
	Metrics     *Metrics
	Logger      zerolog.Logger
	// Now is the clock of the token check (default time.Now).
	Now func() time.Time
	// Phrases say the adapter's own sentences (a form that expired, a
	// stale card, a failed handler) in each person's language; nil:
	// English. Give the Sender the same (SenderConfig.Phrases).
	Phrases bot.Phrases
}

// Adapter is the assembled Teams adapter.
type Adapter struct {
	Sender     *Sender
	Dispatcher *Dispatcher
	Runner     *postack.Runner
	HTTP       *HTTP
}

// Configuration errors.
var (
	ErrConfig   = errors.New("teams configuration incomplete")
	ErrLocalDev = errors.New("teams local development mode (no Bot Framework authentication) needs a loopback listener such as 127.0.0.1:3978")
)

// New assembles the adapter. base is the context post-ack work runs
// under; cancel it after Runner.Wait during shutdown.
func New(base context.Context, cfg Config) (*Adapter, error) {
	switch {
	case cfg.Handler == nil || cfg.Sender == nil:
		return nil, errors.Join(ErrConfig, errors.New("no handler or sender"))
	case cfg.AppID == "" && !cfg.LocalDev:
		return nil, errors.Join(ErrConfig, errors.New("TEAMS_APP_ID is not set"))
	case cfg.LocalDev && !loopbackListener(cfg.Listen):
		return nil, ErrLocalDev
	}
	log := logging.WithComponent(cfg.Logger, "teamsbot")
	workers := cfg.Workers
	if workers <= 0 {
		workers = 16
	}
	r := NewRunner(base, workers, cfg.TaskTimeout, log, cfg.Metrics)
	d := NewDispatcher(DispatcherConfig{Handler: cfg.Handler, Sender: cfg.Sender, Runner: r, Claims: cfg.Claims,
		Memory: cfg.Memory, Command: cfg.Command, Viewers: cfg.Viewers, Metrics: cfg.Metrics, Logger: cfg.Logger, Phrases: cfg.Phrases})
	v := NewVerifier(VerifierConfig{AppID: cfg.AppID, OpenIDURL: cfg.OpenIDURL, HTTPClient: cfg.HTTPClient, Now: cfg.Now})
	h := NewHTTP(v, d, r, cfg.Metrics)
	if cfg.LocalDev {
		h.insecure = true
		log.Warn().Str("listen", cfg.Listen).Msg("Teams local development mode: Bot Framework authentication is OFF (loopback only)")
	}
	return &Adapter{Sender: cfg.Sender, Dispatcher: d, Runner: r, HTTP: h}, nil
}

// loopbackListener reports whether host:port listens on loopback only.
func loopbackListener(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	return err == nil && host != "" && loopback(host)
}

// Register adds POST /api/messages to mux.
func (a *Adapter) Register(mux *http.ServeMux) { a.HTTP.Register(mux) }

// Run waits for ctx: the HTTP server runs elsewhere; it exists so the
// adapter is one runner among the others.
func (a *Adapter) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}
