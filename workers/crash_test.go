package workers_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/internal/sandbox"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/workers"
)

// Environment of the worker process the crash test starts.
const (
	envCrashWorker = "CHATACCESS_CRASH_WORKER"
	envPrefix      = "CHATACCESS_CRASH_PREFIX"
	envQueue       = "CHATACCESS_CRASH_QUEUE"
	envAdobe       = "CHATACCESS_CRASH_ADOBE"
	envMarketo     = "CHATACCESS_CRASH_MARKETO"
)

// TestWorkerProcess is the worker process TestCrashRecovery starts and
// kills; run on its own it skips.
func TestWorkerProcess(t *testing.T) {
	if os.Getenv(envCrashWorker) == "" {
		t.Skip("started by TestCrashRecovery")
	}
	ctx := zerolog.New(os.Stderr).Level(zerolog.WarnLevel).WithContext(context.Background())
	opt, err := redis.ParseURL(redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	st := store.New(rdb, os.Getenv(envPrefix))
	clock := approvals.ClockFunc(time.Now)
	svc := approvals.NewService(testPolicy(), st, clock)
	acfg := adobe.Config{IMSURL: os.Getenv(envAdobe), UMAPIURL: os.Getenv(envAdobe), OrgID: "DEMO0000000000000000@AdobeOrg",
		ClientID: "chataccess-demo", ClientSecret: "demo-secret"}
	acl, err := adobe.New(acfg)
	if err != nil {
		t.Fatal(err)
	}
	batcher := adobe.NewBatcher(acl, adobe.BatcherConfig{Window: 20 * time.Millisecond})
	go batcher.Run(ctx)
	mcl, err := marketo.New(marketo.Config{BaseURL: os.Getenv(envMarketo), ClientID: "chataccess-demo", ClientSecret: "demo-secret"})
	if err != nil {
		t.Fatal(err)
	}
	queue := workers.NewQueue(rdb, os.Getenv(envQueue))
	exec := workers.NewExecutor(svc, st, workers.AdobeConsole{Batcher: batcher, Client: acl, Snapshots: &workers.Snapshots{}},
		&workers.MarketoUsers{Client: mcl, DirectoryTTL: 10 * time.Millisecond}, nil, clock,
		workers.SagaConfig{ConfirmMembership: true, UserPoll: 100 * time.Millisecond})
	box, err := st.Outbox(ctx, "workers", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	srv := workers.NewServer(rdb, workers.ServerConfig{Queue: queue.Name(), Concurrency: 2, PollInterval: 100 * time.Millisecond},
		workers.Handlers{Executor: exec, Service: svc, Ledger: st})
	go func() { _ = workers.NewDispatcher(st, box, queue, clock, 0, fmt.Sprintf("p%d", os.Getpid())).Run(ctx) }()
	go func() { _ = workers.NewReconciler(st, queue, clock, 500*time.Millisecond).Run(ctx) }()
	_ = srv.Run(ctx) // until killed
}

// TestCrashRecovery runs the worker as a real process and kills it with
// SIGKILL at random points, 50 times, while 40 adds and 20 removals are
// in flight (two at a time, every vendor call slowed to 150 ms so most
// kills land mid-saga); then one last worker finishes the work. Every request must
// end completed, and the emulators must show every membership and role
// change applied exactly once.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test takes minutes")
	}
	rdb, prefix := redistest.Client(t)
	sb := sandbox.Start(sandbox.Options{AdobeTimeScale: 1.0 / 60, MarketoTimeScale: 0.01, UserLag: time.Second, Latency: 150 * time.Millisecond})
	defer sb.Close()
	ctx := context.Background()
	st := store.New(rdb, prefix)
	svc := approvals.NewService(testPolicy(), st, approvals.ClockFunc(time.Now))
	queue := workers.NewQueue(rdb, "crash"+redistest.Token())
	defer func() { _ = queue.Inspector().DeleteQueue(queue.Name(), true); _ = queue.Close() }()

	// Holders granted earlier (adopted into the ledger) to remove, and new adds.
	const removals, adds = 20, 40
	agentRole := sb.RoleID("DC Agent")
	var ids []string
	for i := range removals {
		email := fmt.Sprintf("old%02d@example.com", i)
		if err := sb.Adobe.AddUser(adobefake.UserSeed{Email: email, Groups: []string{"Live Agent"}}); err != nil {
			t.Fatal(err)
		}
		if err := sb.Marketo.AddUser(marketofake.User{UserID: email, EmailAddress: email, Roles: []marketofake.Assignment{{RoleID: agentRole, WorkspaceID: sb.WorkspaceID()}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Adopt(ctx, email, "agent", root, time.Time{}, "seeded"); err != nil {
			t.Fatal(err)
		}
		r, err := svc.Revoke(ctx, email, "agent", root, "crash test")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	for i := range adds {
		r, err := svc.Submit(ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Package: "agent",
			Target: approvals.Target{Email: fmt.Sprintf("new%02d@example.com", i)}, Justification: "crash test", Requester: lead})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Approve(ctx, r.ID, ann, ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}

	var logs bytes.Buffer
	var logMu sync.Mutex
	startWorker := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), envCrashWorker+"=1", envPrefix+"="+prefix, envQueue+"="+queue.Name(),
			envAdobe+"="+sb.AdobeURL(), envMarketo+"="+sb.MarketoURL(), "REDIS_URL="+redistest.URL())
		w := &lockedWriter{mu: &logMu, w: &logs}
		cmd.Stdout, cmd.Stderr = w, w
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	terminal := func() (int, map[approvals.State]int) {
		n, states := 0, map[approvals.State]int{}
		for _, id := range ids {
			r, err := st.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			states[r.State]++
			if r.State.Terminal() {
				n++
			}
		}
		return n, states
	}

	const runs = 50
	midSaga := 0
	for i := range runs {
		cmd := startWorker()
		time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond)
		_, before := terminal()
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		if before[approvals.StateExecuting] > 0 {
			midSaga++
		}
		if i%10 == 9 {
			n, states := terminal()
			t.Logf("after %d kills: %d/%d terminal %v", i+1, n, len(ids), states)
		}
	}
	t.Logf("%d of %d kills landed while requests were executing", midSaga, runs)
	if midSaga < runs/2 {
		t.Fatalf("only %d kills landed mid-saga; the test no longer exercises crashes", midSaga)
	}
	final := startWorker()
	defer func() { _ = final.Process.Signal(syscall.SIGKILL); _ = final.Wait() }()
	// Tasks active in a killed worker come back when their lease ends (30 s)
	// and the queue's recoverer next looks (every minute).
	deadline := time.Now().Add(4 * time.Minute)
	for {
		n, states := terminal()
		if n == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			logMu.Lock()
			t.Fatalf("after %d kills and 4 minutes: %d/%d terminal %v\nworker logs:\n%s", runs, n, len(ids), states, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, states := terminal()
	if states[approvals.StateCompleted] != len(ids) {
		for _, id := range ids {
			if r, _ := st.Get(ctx, id); r.State != approvals.StateCompleted {
				t.Errorf("%s %s %s: %s (steps %+v)", id, r.Kind, r.Target.Email, r.Failure, r.Steps)
			}
		}
		t.Fatalf("states %v, want all completed", states)
	}
	adobeApplied := map[string]int{}
	for _, c := range sb.Adobe.Applied() {
		adobeApplied[fmt.Sprintf("%s %s %s", c.Op, c.User, c.Profile)]++
	}
	mktoApplied := map[string]int{}
	for _, c := range sb.Marketo.Applied() {
		mktoApplied[fmt.Sprintf("%s %s %d", c.Op, c.UserID, c.RoleID)]++
	}
	for i := range removals {
		email := fmt.Sprintf("old%02d@example.com", i)
		if adobeApplied["remove "+email+" Live Agent"] != 1 || mktoApplied[fmt.Sprintf("remove %s %d", email, agentRole)] != 1 {
			t.Errorf("%s: adobe removes %d, marketo removes %d; want 1 each", email,
				adobeApplied["remove "+email+" Live Agent"], mktoApplied[fmt.Sprintf("remove %s %d", email, agentRole)])
		}
	}
	for i := range adds {
		email := fmt.Sprintf("new%02d@example.com", i)
		u, ok := sb.Marketo.User(email)
		if adobeApplied["add "+email+" Live Agent"] != 1 || !ok || mktoApplied[fmt.Sprintf("add %s %d", u.UserID, agentRole)] != 1 {
			t.Errorf("%s: adobe adds %d, marketo adds %d; want 1 each", email,
				adobeApplied["add "+email+" Live Agent"], mktoApplied[fmt.Sprintf("add %s %d", u.UserID, agentRole)])
		}
	}
	if len(adobeApplied) != removals+adds || len(mktoApplied) != removals+adds {
		t.Errorf("unexpected extra changes: adobe %v marketo %v", adobeApplied, mktoApplied)
	}
	if res, err := st.VerifyAudit(ctx); err != nil || !res.OK() {
		t.Fatalf("audit after crashes: %+v %v", res, err)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
