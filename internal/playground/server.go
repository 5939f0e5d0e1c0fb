//go:build !nodemo

package playground

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/internal/sandbox"
)

//go:embed assets
var assets embed.FS

// Config wires the page.
type Config struct {
	Slack   *Slack
	Fake    *slackfake.Fake
	Sandbox *sandbox.Sandbox
	Records Records
	Cast    Cast
	// Story is what the scenario menu plays (default Story()).
	Story []Step
	// Command is the slash command shown in the command box.
	Command string
	Logger  zerolog.Logger
}

// Server serves the page and its JSON API.
type Server struct {
	cfg   Config
	line  timeline
	stage *Stage

	mu      sync.Mutex
	base    context.Context // the Run context, for scenario steps
	steps   []stepState
	next    int
	running bool
	mark    string
	changed chan struct{} // closed when mark changes
	local   int           // bumped on scenario changes
}

// New returns the page server; Run must run for live updates.
func New(cfg Config) *Server {
	if cfg.Story == nil {
		cfg.Story = Story()
	}
	if cfg.Command == "" {
		cfg.Command = "/dynchat"
	}
	s := &Server{cfg: cfg, changed: make(chan struct{}), base: context.Background(),
		stage: &Stage{Slack: cfg.Slack, Fake: cfg.Fake, Records: cfg.Records, Cast: cfg.Cast}}
	for _, st := range cfg.Story {
		s.steps = append(s.steps, stepState{Title: st.Title, Actor: st.Actor, Where: st.Where, Status: "todo"})
	}
	return s
}

// Run watches Slack, the emulators and the ledger until ctx ends, and
// wakes the pages' event streams when something changed.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	s.base = ctx
	s.mu.Unlock()
	t := time.NewTicker(150 * time.Millisecond)
	defer t.Stop()
	for {
		s.observe()
		s.refresh(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// refresh recomputes the change mark and wakes the event streams.
func (s *Server) refresh(ctx context.Context) {
	audit, _ := s.cfg.Records.AuditCount(ctx)
	sb := s.cfg.Sandbox
	s.mu.Lock()
	defer s.mu.Unlock()
	m := fmt.Sprintf("%d.%d.%d.%d.%d.%d.%d", s.cfg.Fake.Version(), s.cfg.Slack.Changes(), len(sb.Adobe.Applied()),
		len(sb.Marketo.Applied()), len(sb.Marketo.Users()), audit, s.local)
	if m != s.mark {
		s.mark = m
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

func (s *Server) current() (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mark, s.changed
}

// Handler is the page and its API, for loopback clients only.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "index.html")
	})
	mux.HandleFunc("GET /api/state", s.state)
	mux.HandleFunc("GET /api/events", s.events)
	mux.HandleFunc("POST /api/command", s.command)
	mux.HandleFunc("POST /api/click", s.click)
	mux.HandleFunc("POST /api/submit", s.submit)
	mux.HandleFunc("POST /api/close", s.closeModal)
	mux.HandleFunc("POST /api/home", s.openHome)
	mux.HandleFunc("POST /api/scenario", s.scenario)
	return guard(mux)
}

// contentPolicy allows the page's own files and nothing else: no inline
// script, no other origin.
const contentPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// guard answers loopback clients that name a loopback host (a DNS
// rebinding page names its own), takes JSON bodies only on POST (a
// cross-site form cannot send them without a preflight nobody answers)
// and sets the page's security headers.
func guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackClient(r.RemoteAddr) || !loopbackHost(r.Host) {
			http.Error(w, "the playground answers on loopback only", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			http.Error(w, "JSON only", http.StatusUnsupportedMediaType)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", contentPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func loopbackClient(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// viewer is the person a request acts as, from ?as= or the body.
func (s *Server) viewer(id string) (string, error) {
	if _, ok := s.cfg.Cast.Person(id); !ok {
		return "", fmt.Errorf("unknown person %q", id)
	}
	return id, nil
}

func (s *Server) state(w http.ResponseWriter, r *http.Request) {
	as, err := s.viewer(r.URL.Query().Get("as"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, answer{Error: err.Error()})
		return
	}
	s.observe()
	mark, _ := s.current()
	snap := snapshot{Version: mark, Viewer: as, Command: s.cfg.Command, People: s.cfg.Cast.People,
		Conversations: s.conversations(as), Panel: s.panel(r.Context()), Scenario: s.scenarioState()}
	if m, ok := s.cfg.Slack.Modal(as); ok {
		snap.Modal = &m
	}
	if id, v, ok := s.cfg.Slack.Home(as); ok {
		snap.Home = &home{ID: id, View: v}
	}
	writeJSON(w, http.StatusOK, snap)
}

// events is a server-sent event stream: one "change" event whenever
// something the page shows may have changed.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	for {
		mark, changed := s.current()
		if _, err := fmt.Fprintf(w, "event: change\ndata: %s\n\n", mark); err != nil {
			return
		}
		fl.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-changed:
		case <-time.After(20 * time.Second):
		}
	}
}

// answer is every POST's answer.
type answer struct {
	OK     bool              `json:"ok"`
	Error  string            `json:"error,omitempty"`
	Errors map[string]string `json:"errors,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body of at most 64 KiB and checks its person.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v interface{ person() string }) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, answer{Error: "bad request: " + err.Error()})
		return false
	}
	if _, err := s.viewer(v.person()); err != nil {
		writeJSON(w, http.StatusBadRequest, answer{Error: err.Error()})
		return false
	}
	return true
}

// done answers a POST after the action ran.
func (s *Server) done(w http.ResponseWriter, err error) {
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, answer{OK: true})
	case errors.Is(err, errNoElement):
		writeJSON(w, http.StatusNotFound, answer{Error: err.Error()})
	default:
		s.cfg.Logger.Warn().Err(err).Msg("playground action failed")
		writeJSON(w, http.StatusBadGateway, answer{Error: err.Error()})
	}
}
