package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/internal/sandbox"
	"github.com/chataccess/chataccess/store"
)

// envServeChild makes TestServeProcess run `chataccess serve` with the
// process's real signal handling, as main does.
const envServeChild = "CHATACCESS_SERVE_CHILD"

// TestServeProcess is the serve process the lifecycle tests start and
// signal; run on its own it skips.
func TestServeProcess(t *testing.T) {
	args := os.Getenv(envServeChild)
	if args == "" {
		t.Skip("started by the lifecycle tests")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, strings.Split(args, "\x1f"), Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// rig is one real Redis prefix, the emulators, a fake Slack and a
// policy file: what a serve process needs.
type rig struct {
	t      *testing.T
	prefix string
	sb     *sandbox.Sandbox
	slack  *slackfake.Fake
	policy string
	cfg    *config.Config
	env    map[string]string
	st     *store.Store
	svc    *approvals.Service
}

func newRig(t *testing.T, latency time.Duration, yamlEdits ...string) *rig {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	return newRigOn(t, rdb, prefix, redistest.URL(), latency, yamlEdits...)
}

// newRigOn is newRig on a given Redis (url for the serve processes, rdb
// and prefix for the test's own reads).
func newRigOn(t *testing.T, rdb redis.UniversalClient, prefix, redisURL string, latency time.Duration, yamlEdits ...string) *rig {
	t.Helper()
	raw, err := os.ReadFile("../../chataccess.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte(`prefix: "chataccess:v1:"`), []byte(`prefix: "`+prefix+`"`), 1)
	for i := 0; i+1 < len(yamlEdits); i += 2 {
		if !bytes.Contains(raw, []byte(yamlEdits[i])) {
			t.Fatalf("policy has no %q", yamlEdits[i])
		}
		raw = bytes.Replace(raw, []byte(yamlEdits[i]), []byte(yamlEdits[i+1]), 1)
	}
	r := &rig{t: t, prefix: prefix, policy: filepath.Join(t.TempDir(), "chataccess.yaml")}
	if err := os.WriteFile(r.policy, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	r.sb = sandbox.Start(sandbox.Options{AdobeTimeScale: 1.0 / 60, MarketoTimeScale: 0.05, UserLag: 200 * time.Millisecond})
	t.Cleanup(r.sb.Close)
	r.sb.Adobe.SetLatency(latency)
	r.slack = slackfake.New()
	t.Cleanup(r.slack.Close)
	r.slack.AddUser(slackfake.User{ID: "U0HELPDESK1", Name: "IT Helpdesk", Email: "it-helpdesk@example.com"})
	r.env = map[string]string{
		"SLACK_BOT_TOKEN": slackfake.Token, "SLACK_SIGNING_SECRET": "lifecycle-signing-secret", "SLACK_API_URL": r.slack.URL(),
		"ADOBE_IMS_URL": r.sb.AdobeURL(), "ADOBE_UMAPI_URL": r.sb.AdobeURL(), "ADOBE_ORG_ID": r.sb.Adobe.OrgID(),
		"ADOBE_CLIENT_ID": r.sb.Adobe.ClientID(), "ADOBE_CLIENT_SECRET": r.sb.Adobe.ClientSecret(),
		"MARKETO_BASE_URL": r.sb.MarketoURL(), "MARKETO_CLIENT_ID": "chataccess-demo", "MARKETO_CLIENT_SECRET": "demo-secret",
		"REDIS_URL": redisURL,
	}
	r.cfg, err = config.Load(r.policy, func(k string) string { return r.env[k] })
	if err == nil {
		err = r.cfg.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	r.st = store.New(rdb, prefix)
	r.svc = approvals.NewService(r.cfg.Policy(), r.st, approvals.ClockFunc(time.Now))
	t.Cleanup(func() {
		_ = asynq.NewInspectorFromRedisClient(rdb).DeleteQueue(strings.TrimSuffix(prefix, ":")+":provision", true)
	})
	return r
}

// proc is one running serve process.
type proc struct {
	cmd  *exec.Cmd
	addr string
	logs *lockedBuffer
	done chan struct{} // closed when the process has exited
}

// serve starts a serve process and waits until it answers /readyz.
func (r *rig) serve() *proc {
	r.t.Helper()
	addr := freeAddr(r.t)
	args := strings.Join([]string{"serve", "--config", r.policy, "--listen", addr, "--log-level", "info"}, "\x1f")
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeProcess$", "-test.v")
	cmd.Env = append(os.Environ(), envServeChild+"="+args)
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{cmd: cmd, addr: addr, logs: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	r.t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.done })
	waitUntil(r.t, 20*time.Second, "serve ready", func() bool {
		select {
		case <-p.done:
			r.t.Fatalf("serve exited before it was ready; logs:\n%s", p.logs.String())
		default:
		}
		resp, err := readyClient.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// stop sends sig and waits for the process to exit within limit.
func (p *proc) stop(t *testing.T, sig os.Signal, limit time.Duration) (exitCode int, took time.Duration) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Fatalf("serve did not exit within %s of %s; logs:\n%s", limit, sig, p.logs.String())
	}
	return p.cmd.ProcessState.ExitCode(), time.Since(start)
}

// TestSIGTERMReleasesInFlightSagas is a rolling deploy: six approved
// adds are in flight when serve gets SIGTERM. Nothing may fail; after a
// restart every request completes and each change reaches Adobe and
// Marketo exactly once. In the first case the Admin Console answers in
// 1.5 s, well within the teardown; in the second it answers after 4 s
// while the teardown allows 3 s, so running steps are cut short and
// must go back to the queue.
func TestSIGTERMReleasesInFlightSagas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real serve processes")
	}
	t.Run("steps finish", func(t *testing.T) { rollingDeploy(t, newRig(t, 1500*time.Millisecond)) })
	t.Run("steps cut short", func(t *testing.T) {
		rollingDeploy(t, newRig(t, 4*time.Second, `# shutdown_timeout: 30s`, `shutdown_timeout: 3s`))
	})
}

func rollingDeploy(t *testing.T, r *rig) {
	ctx := context.Background()
	first := r.serve()
	helpdesk := approvals.Actor{ID: "U0HELPDESK1", Email: "it-helpdesk@example.com", Platform: approvals.PlatformSlack}
	var ids []string
	for i := range 6 {
		req, err := r.svc.Submit(ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Package: "agent",
			Target: approvals.Target{Email: fmt.Sprintf("user%d@example.com", i)}, Justification: "rolling deploy test",
			Requester: helpdesk, Origin: approvals.PlatformSlack})
		if err != nil {
			t.Fatal(err)
		}
		if req.State != approvals.StateApproved {
			t.Fatalf("%s is %s, want auto-approved", req.ID, req.State)
		}
		ids = append(ids, req.ID)
	}
	// SIGTERM once the first Adobe action call is on the wire.
	waitUntil(t, 20*time.Second, "an Adobe action call", func() bool { return r.sb.Adobe.Calls(adobefake.KindAction) > 0 })
	code, took := first.stop(t, syscall.SIGTERM, 40*time.Second)
	if code != 0 {
		t.Fatalf("serve exited %d after SIGTERM; logs:\n%s", code, first.logs.String())
	}
	if !strings.Contains(first.logs.String(), `"stopped_by":"signal"`) {
		t.Errorf("the shutdown line does not name the signal:\n%s", first.logs.String())
	}
	t.Logf("SIGTERM to exit: %s", took)
	for _, id := range ids {
		req, err := r.st.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if req.State == approvals.StateFailed {
			t.Fatalf("%s failed during shutdown: %s\nlogs:\n%s", id, req.Failure, first.logs.String())
		}
	}

	second := r.serve()
	waitUntil(t, 90*time.Second, "every request completed", func() bool {
		for _, id := range ids {
			req, err := r.st.Get(ctx, id)
			if err != nil || req.State != approvals.StateCompleted {
				return false
			}
		}
		return true
	})
	if code, _ := second.stop(t, syscall.SIGTERM, 40*time.Second); code != 0 {
		t.Fatalf("second serve exited %d; logs:\n%s", code, second.logs.String())
	}
	adds := map[string]int{}
	for _, c := range r.sb.Adobe.Applied() {
		if c.Op == adobefake.OpAdd {
			adds[c.User+"|"+c.Profile]++
		}
	}
	roles := map[string]int{}
	for _, c := range r.sb.Marketo.Applied() {
		roles[fmt.Sprint(c)]++
	}
	for i := range 6 {
		if n := adds[fmt.Sprintf("user%d@example.com|Live Agent", i)]; n != 1 {
			t.Errorf("user%d added to Live Agent %d times, want 1", i, n)
		}
	}
	for c, n := range roles {
		if n != 1 {
			t.Errorf("Marketo change %s applied %d times", c, n)
		}
	}
	if len(roles) < 6 {
		t.Errorf("Marketo changes %d, want at least 6 (one role each)", len(roles))
	}
}

// TestServeLeavesNoGoroutine runs serve in this process until its
// context ends and checks that no goroutine it started outlives it.
func TestServeLeavesNoGoroutine(t *testing.T) {
	r := newRig(t, 0)
	// The rig's servers and Redis clients are torn down by t.Cleanup,
	// after this check; they are the goroutines present before serve.
	opts := []goleak.Option{goleak.IgnoreCurrent()}
	ctx, cancel := context.WithCancel(context.Background())
	addr := freeAddr(t)
	done := make(chan int, 1)
	var logs lockedBuffer
	go func() {
		done <- Run(ctx, []string{"serve", "--config", r.policy, "--listen", addr},
			Env{Stdout: io.Discard, Stderr: &logs, Getenv: func(k string) string { return r.env[k] }})
	}()
	waitUntil(t, 20*time.Second, "serve ready", func() bool {
		resp, err := readyClient.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	http.DefaultClient.CloseIdleConnections()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d; logs:\n%s", code, logs.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatalf("serve did not return; logs:\n%s", logs.String())
	}
	// Connection pools close asynchronously; give them a moment.
	var err error
	for range 50 {
		if err = goleak.Find(opts...); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal(err)
}

// readyClient gives up on a readiness probe that does not answer.
var readyClient = &http.Client{Timeout: 2 * time.Second}

// waitUntil polls cond every 50 ms until it holds or limit passes.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
