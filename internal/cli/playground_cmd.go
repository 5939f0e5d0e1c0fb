//go:build !nodemo

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/playground"
	"github.com/chataccess/chataccess/store"
)

// defaultPlaygroundAddr is where the page listens unless --listen says
// otherwise: loopback, a port easy to remember.
const defaultPlaygroundAddr = "127.0.0.1:8025"

func runPlayground(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "playground", "playground [--listen 127.0.0.1:8025] [--log-level LEVEL] [--policy FILE]")
	listen := fs.String("listen", defaultPlaygroundAddr, "loopback address of the page (port 0 picks a free one)")
	level := fs.String("log-level", "error", "log level of the bot's own logs (to stderr)")
	policy := fs.String("policy", "", "policy file (default: the embedded chataccess.example.yaml)")
	if err := parse(fs, args); err != nil {
		return err
	}
	ln, err := listenLoopback(*listen)
	if err != nil {
		return err
	}
	d, err := startDemo(ctx, env, *level, *policy, nil)
	if err != nil {
		ln.Close()
		return err
	}
	defer d.stop()
	page := d.playground(zerologFor(env, *level))
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(env.Stdout, "chataccess playground: %s\n", url)
	fmt.Fprintf(env.Stdout, "The bot as `serve` wires it, on an in-process Redis (non-durable: everything is gone when you stop it),\n"+
		"the Adobe Admin Console and Marketo emulators, and this page in place of Slack. Nothing leaves this machine.\n"+
		"Open the URL, pick who you are, type /dynchat help or play the scenario. Ctrl-C stops it.\n")
	return servePage(ctx, page, ln)
}

// listenLoopback listens on addr, which must be a loopback address: the
// page acts as anyone in the workspace, so nobody else may reach it.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("--listen %q: the playground listens on loopback only (127.0.0.1, ::1 or localhost)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("playground: %w (another one running? try --listen 127.0.0.1:0)", err)
	}
	return ln, nil
}

// servePage serves the page until ctx ends.
func servePage(ctx context.Context, page *playground.Server, ln net.Listener) error {
	srv := &http.Server{Handler: page.Handler(), ReadHeaderTimeout: 5 * time.Second}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = page.Run(rctx) }()
	go func() {
		<-rctx.Done()
		// Open event streams never go idle: after a short grace, close.
		sctx, done := context.WithTimeout(context.Background(), time.Second)
		defer done()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// records is the ledger as the playground's side panel reads it.
type records struct{ s *store.Store }

var _ playground.Records = records{}

func (r records) Requests(ctx context.Context, limit int) ([]*approvals.Request, error) {
	return r.s.List(ctx, approvals.AllRequests(), limit)
}

func (r records) Request(ctx context.Context, id string) (*approvals.Request, error) {
	return r.s.Get(ctx, id)
}

func (r records) AuditCount(ctx context.Context) (int, error) {
	n, _, err := r.s.AuditHead(ctx)
	return int(n), err
}

// Audit returns the last entries; the playground's trail is short, so
// reading it whole is fine.
func (r records) Audit(ctx context.Context, last int) ([]playground.AuditLine, error) {
	var out []playground.AuditLine
	err := r.s.AuditEntries(ctx, func(e store.AuditEntry) error {
		out = append(out, auditLine(e))
		if len(out) > last {
			out = out[1:]
		}
		return nil
	})
	return out, err
}

// auditLine says what an audit entry records: its detail, or the state
// change.
func auditLine(e store.AuditEntry) playground.AuditLine {
	var det struct {
		From, To, Detail string
	}
	_ = json.Unmarshal([]byte(e.Details), &det)
	what := det.Detail
	if what == "" && det.To != "" {
		what = fmt.Sprintf("%s → %s", det.From, det.To)
	}
	return playground.AuditLine{At: e.At, RequestID: e.RequestID, Action: e.Action, Actor: e.Actor, Detail: what}
}
