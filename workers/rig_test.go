package workers_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/internal/sandbox"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/vendormap"
	"github.com/chataccess/chataccess/workers"
)

var (
	lead = approvals.Actor{ID: "ULEAD", Email: "lead@example.com", Platform: "slack"}
	ann  = approvals.Actor{ID: "UANN", Email: "ann@example.com", Platform: "slack"}
	root = approvals.Actor{ID: "UROOT", Email: "root@example.com", Platform: "slack"}
)

// testPolicy has one package per saga behaviour under test.
func testPolicy() *approvals.Policy {
	pkg := func(name, profile, role string, mod func(*approvals.Package)) *approvals.Package {
		p := &approvals.Package{
			Name: name, Profiles: []approvals.ProductProfile{{Name: profile, Product: "Dynamic Chat"}},
			MarketoRole: approvals.MarketoRef{Name: role}, MarketoWorkspace: approvals.MarketoRef{Name: "Default"},
			Approvers: approvals.Audience{Emails: []string{"ann@example.com"}}, MinApprovals: 1,
			DefaultDuration: 30 * 24 * time.Hour, MaxDuration: 90 * 24 * time.Hour,
			Identity:         approvals.Identity{Type: approvals.FederatedID, Country: "US"},
			OnPartialFailure: approvals.CompensateRollback,
		}
		if mod != nil {
			mod(p)
		}
		return p
	}
	return &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true},
		Admins:     approvals.Audience{Emails: []string{"root@example.com"}},
		Packages: map[string]*approvals.Package{
			"agent":  pkg("agent", "Live Agent", "DC Agent", nil),
			"broken": pkg("broken", "Marketing User", "No Such Role", nil),
			"alerty": pkg("alerty", "Sales Admin", "No Such Role", func(p *approvals.Package) { p.OnPartialFailure = approvals.CompensateAlert }),
			"dry":    pkg("dry", "Calendar Agent", "DC Agent", func(p *approvals.Package) { p.DryRun = true }),
			"short": pkg("short", "Marketing Admin", "DC Admin", func(p *approvals.Package) {
				p.DefaultDuration, p.MaxDuration = 0, time.Hour
			}),
		},
	}
}

// recorder collects alerts and expiry warnings.
type recorder struct {
	mu       sync.Mutex
	alerts   []string
	said     []approvals.Sentence
	warnings []approvals.Grant
}

// AlertAdminsSentence records the sentence's English as an alert, and
// the sentence.
func (r *recorder) AlertAdminsSentence(ctx context.Context, s approvals.Sentence) error {
	r.mu.Lock()
	r.said = append(r.said, s)
	r.mu.Unlock()
	return r.AlertAdmins(ctx, s.Text)
}

// sentences are the alerts' sentences.
func (r *recorder) sentences() []approvals.Sentence {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]approvals.Sentence(nil), r.said...)
}

func (r *recorder) AlertAdmins(_ context.Context, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.alerts = append(r.alerts, text)
	return nil
}

func (r *recorder) WarnExpiry(_ context.Context, g approvals.Grant) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnings = append(r.warnings, g)
	return nil
}

func (r *recorder) snapshot() ([]string, []approvals.Grant) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.alerts...), append([]approvals.Grant(nil), r.warnings...)
}

// alertsWithin waits up to d for a first alert and returns the alerts.
func (r *recorder) alertsWithin(d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		alerts, _ := r.snapshot()
		if len(alerts) > 0 || time.Now().After(deadline) {
			return alerts
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type rigOptions struct {
	sandbox    sandbox.Options
	saga       workers.SagaConfig
	warnBefore time.Duration
	// adobeLimit counts Adobe calls in Redis when set; maxLimitWait is
	// how long a call may wait for a slot before the task is rescheduled.
	adobeLimit   *adobe.Limits
	maxLimitWait time.Duration
	// adobeTimeout is the Adobe client's deadline per call (default 30 s).
	adobeTimeout time.Duration
	// batchWindow is the batcher's gathering window (default 20ms).
	batchWindow time.Duration
	// quiet drops the executor's logs even for warnings.
	quiet bool
}

// rig is a complete worker stack on real Redis and the emulators.
type rig struct {
	t       testing.TB
	ctx     context.Context
	rdb     redis.UniversalClient
	prefix  string
	st      *store.Store
	svc     *approvals.Service
	sb      *sandbox.Sandbox
	queue   *workers.Queue
	exec    *workers.Executor
	disp    *workers.Dispatcher
	rec     *recorder
	handler workers.Handlers
	batcher *adobe.Batcher
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ctx = zerolog.New(io.Discard).WithContext(ctx)
	rdb, prefix := redistest.Client(t)
	if o.sandbox.AdobeTimeScale == 0 {
		o.sandbox.AdobeTimeScale = 1.0 / 60 // Adobe's minute becomes a second
	}
	if o.sandbox.MarketoTimeScale == 0 {
		o.sandbox.MarketoTimeScale = 0.01
	}
	sb := sandbox.Start(o.sandbox)
	t.Cleanup(sb.Close)

	acfg := sb.AdobeConfig()
	acfg.HTTPTimeout = o.adobeTimeout
	var opts []adobe.Option
	if o.adobeLimit != nil {
		acfg.Limits = *o.adobeLimit
		acfg.MaxLimitWait = time.Minute
		if o.maxLimitWait > 0 {
			acfg.MaxLimitWait = o.maxLimitWait
		}
		opts = append(opts, adobe.WithLimiter(ratelimit.New(rdb, prefix+"rl:")))
	}
	acl, err := adobe.New(acfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if o.batchWindow == 0 {
		o.batchWindow = 20 * time.Millisecond
	}
	batcher := adobe.NewBatcher(acl, adobe.BatcherConfig{Window: o.batchWindow})
	go batcher.Run(ctx)
	t.Cleanup(batcher.Close)
	mcl, err := marketo.New(sb.MarketoConfig())
	if err != nil {
		t.Fatal(err)
	}

	st := store.New(rdb, prefix)
	clock := approvals.ClockFunc(time.Now)
	svc := approvals.NewService(testPolicy(), st, clock)
	queue := workers.NewQueue(rdb, "q"+redistest.Token())
	t.Cleanup(func() {
		_ = queue.Inspector().DeleteQueue(queue.Name(), true)
		_ = queue.Close()
	})
	rec := &recorder{}
	o.saga.ConfirmMembership = true
	if o.saga.UserPoll == 0 {
		o.saga.UserPoll = 100 * time.Millisecond
	}
	// One resolver for both sides, as the composition root shares one.
	mapping := vendormap.New(vendormap.Config{Adobe: acl, Marketo: map[string]vendormap.Lists{vendormap.DefaultInstance: mcl}})
	exec := workers.NewExecutor(svc, st, workers.AdobeConsole{Batcher: batcher, Client: acl, Snapshots: &workers.Snapshots{}, Resolver: mapping},
		&workers.MarketoUsers{Client: mcl, Resolver: mapping, DirectoryTTL: 10 * time.Millisecond}, rec, clock, o.saga)
	box, err := st.Outbox(ctx, "workers", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{
		t: t, ctx: ctx, rdb: rdb, prefix: prefix, st: st, svc: svc, sb: sb, queue: queue, exec: exec, rec: rec,
		disp:    workers.NewDispatcher(st, box, queue, clock, o.warnBefore, "c1"),
		handler: workers.Handlers{Executor: exec, Service: svc, Ledger: st, Notifier: rec, Logger: debugLogger()},
		batcher: batcher,
	}
}

// start runs the worker server and the dispatcher until the test ends.
func (r *rig) start(concurrency int) { r.serve(concurrency, true) }

// serve runs the worker server, and the dispatcher when asked, and stops
// them before the test's Redis client closes.
func (r *rig) serve(concurrency int, dispatch bool) {
	srv := workers.NewServer(r.rdb, workers.ServerConfig{Queue: r.queue.Name(), Concurrency: concurrency, PollInterval: 50 * time.Millisecond, ShutdownTimeout: time.Second}, r.handler)
	ctx, cancel := context.WithCancel(r.ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.Run(ctx) })
	if dispatch {
		wg.Go(func() { _ = r.disp.Run(ctx) })
	}
	r.t.Cleanup(func() { cancel(); wg.Wait() })
}

// approved submits and approves an add (or remove) and returns its id.
func (r *rig) approved(kind approvals.Kind, email, pkg string, dur time.Duration) string {
	r.t.Helper()
	req, err := r.svc.Submit(r.ctx, approvals.SubmitInput{
		Kind: kind, Target: approvals.Target{Email: email, FirstName: "Test", LastName: "User"}, Package: pkg,
		Justification: "covering EMEA", Duration: dur, Requester: lead,
	})
	if err != nil {
		r.t.Fatalf("submit: %v", err)
	}
	if req.State == approvals.StatePending {
		if _, err := r.svc.Approve(r.ctx, req.ID, ann, ""); err != nil {
			r.t.Fatalf("approve: %v", err)
		}
	}
	return req.ID
}

// waitState polls the ledger until the request reaches one of states.
func (r *rig) waitState(id string, timeout time.Duration, states ...approvals.State) *approvals.Request {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		req, err := r.st.Get(r.ctx, id)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, s := range states {
			if req.State == s {
				return req
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s is %s after %s (steps %+v), want %v", id, req.State, timeout, req.Steps, states)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// adobeChanges counts applied Admin Console changes per "op user profile".
func (r *rig) adobeChanges() map[string]int {
	out := map[string]int{}
	for _, c := range r.sb.Adobe.Applied() {
		out[fmt.Sprintf("%s %s %s", c.Op, c.User, c.Profile)]++
	}
	return out
}

// marketoChanges counts applied role changes per "op user role".
func (r *rig) marketoChanges() map[string]int {
	out := map[string]int{}
	for _, c := range r.sb.Marketo.Applied() {
		out[fmt.Sprintf("%s %s %d", c.Op, c.UserID, c.RoleID)]++
	}
	return out
}

func (r *rig) marketoID(email string) string {
	u, ok := r.sb.Marketo.User(email)
	if !ok {
		return ""
	}
	return u.UserID
}

// debugLogger writes the workers' logs to stderr when CHATACCESS_TEST_LOG
// names a level (e.g. debug), and nowhere otherwise.
func debugLogger() zerolog.Logger {
	lvl, err := zerolog.ParseLevel(os.Getenv("CHATACCESS_TEST_LOG"))
	if err != nil || os.Getenv("CHATACCESS_TEST_LOG") == "" {
		return zerolog.Nop()
	}
	return zerolog.New(os.Stderr).Level(lvl).With().Timestamp().Logger()
}
