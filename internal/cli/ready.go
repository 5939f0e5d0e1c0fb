package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
	"github.com/chataccess/chataccess/store"
)

// The outbox's consumer groups, as workerParts names them.
const (
	groupWorkers = "workers"
	groupNotify  = "notify"
)

// readyTimeout bounds one /readyz answer; probes usually give up after
// a few seconds.
const readyTimeout = 3 * time.Second

// opsRoutes registers /healthz, /readyz and /metrics. Without an
// operations listener they are all on the main one; with one
// (server.ops_listen), /metrics is served there only, and /healthz and
// /readyz on both.
func (a *app) opsRoutes(separate bool) {
	metrics := promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{})
	muxes := []*http.ServeMux{a.mux}
	if separate {
		a.ops = http.NewServeMux()
		a.ops.Handle("GET /metrics", metrics)
		muxes = append(muxes, a.ops)
	} else {
		a.mux.Handle("GET /metrics", metrics)
	}
	for _, m := range muxes {
		m.HandleFunc("GET /healthz", a.healthy)
		m.HandleFunc("GET /readyz", a.ready)
	}
}

// healthy answers 200 while the process serves HTTP: what a liveness
// probe needs to know. Everything that can recover by itself (Redis,
// Slack, the ledger) is for readiness.
func (a *app) healthy(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) }

// ready answers 200 when this replica can take work: Redis answers, the
// ledger is the one it knows (or its loss was acknowledged), the
// outbox's consumer groups exist, and each configured chat platform is
// connected. Otherwise 503, one line per failed check, the first one
// the root cause.
func (a *app) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	problems := a.readiness(ctx)
	if len(problems) > 0 {
		http.Error(w, strings.Join(problems, "\n"), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// readiness runs the checks of /readyz and returns what failed.
func (a *app) readiness(ctx context.Context) []string {
	var problems []string
	fail := func(what string, err error) { problems = append(problems, what+": "+oneLineText(err.Error(), 300)) }
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		fail("redis unavailable", err)
		return problems // the ledger and the outbox live there
	}
	if a.ledger != nil {
		if err := a.ledger.Ready(ctx); err != nil {
			fail("ledger", err)
		}
	}
	if missing, err := a.store.MissingOutboxGroups(ctx, groupWorkers, groupNotify); err != nil {
		fail("outbox", err)
	} else if len(missing) > 0 {
		fail("outbox", fmt.Errorf("consumer group %s missing (the readers create it again on their next read)", strings.Join(missing, ", ")))
	}
	if a.slack != nil {
		if err := a.slack.Ready(ctx); err != nil {
			fail("slack", err)
		}
	}
	if a.teams.sender != nil && a.teams.adapter != nil {
		if err := waitFor(ctx, a.teams.sender.CheckToken); err != nil {
			fail("teams", err)
		}
	}
	return problems
}

// waitFor runs fn, giving up at ctx's end even when fn does not.
func waitFor(ctx context.Context, fn func(context.Context) error) error {
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("no answer: %w", ctx.Err())
	}
}

// watchLedger builds the ledger watch: checked by /readyz, before new
// requests and on clicks (commands' gate), and every few seconds by its
// runner. Its alerts go to the admins through the handler built later.
func (a *app) watchLedger(w wiring) *store.LedgerWatch {
	a.ledger = a.store.NewLedgerWatch(store.LedgerWatchConfig{Poster: lateAdmins{a}, Holder: w.replica, Logger: w.log})
	return a.ledger
}

// lateAdmins posts admin alerts through the app's handler, which is
// built after the parts that need it.
type lateAdmins struct{ a *app }

// AlertAdmins implements store.AdminPoster.
func (l lateAdmins) AlertAdmins(ctx context.Context, text string) error {
	if l.a.handler == nil {
		return errors.New("no chat handler yet")
	}
	return l.a.handler.AlertAdmins(ctx, text)
}

// AlertAdminsSentence posts a sentence with its message id, in the
// language of each admin channel (what store's posters prefer).
func (l lateAdmins) AlertAdminsSentence(ctx context.Context, s approvals.Sentence) error {
	if l.a.handler == nil {
		return errors.New("no chat handler yet")
	}
	return l.a.handler.AlertAdminsSentence(ctx, s)
}

// The ledger watch's alerts reach the admins as sentences, as the
// checkpointer's do (store.AdminPoster's optional sentence part).
var _ interface {
	store.AdminPoster
	AlertAdminsSentence(context.Context, approvals.Sentence) error
} = lateAdmins{}

// checkLedger compares the ledger's identity with Redis once before
// serving, so the first cards carry it and a loss while no replica ran
// is logged at start; the ledger runner keeps checking.
func (a *app) checkLedger(ctx context.Context) {
	if _, err := a.ledger.Check(ctx); err != nil {
		a.log.Warn().Err(err).Str(logging.Component, "ledger").Msg("cannot check the ledger's identity; trying again")
	}
}

// serveOps starts the operations listener (server.ops_listen) in g when
// one is configured: /metrics, /healthz and /readyz. It is added before
// the other parts, so it stops last and answers probes during the
// teardown.
func (a *app) serveOps(g *group, addr string) error {
	if addr == "" || a.ops == nil {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s (server.ops_listen): %w", addr, err)
	}
	srv := &http.Server{Handler: a.ops, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	g.add("ops-http", func() error {
		a.log.Info().Str(logging.Component, "http").Str("ops_listen", ln.Addr().String()).Msg("operations listener serving /metrics, /healthz, /readyz")
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, func(error) {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	return nil
}
