package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/internal/redistest"
)

// TestDemoEndToEnd runs the demo's story through the composition root
// that `serve` uses (build), against the real Redis server: a slash
// command over signed HTTP, cards in Slack, a refused click, an
// approval, the workers provisioning through the Adobe and Marketo
// emulators, an access review that finds access granted outside the bot
// and revokes it through the workers, an auto-approved removal, and an
// intact audit trail.
func TestDemoEndToEnd(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	policy, err := os.ReadFile("../../chataccess.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	policy = bytes.Replace(policy, []byte(`prefix: "chataccess:v1:"`), []byte(`prefix: "`+prefix+`"`), 1)
	if !bytes.Contains(policy, []byte(prefix)) {
		t.Fatal("could not point the policy at the test prefix")
	}
	var out bytes.Buffer
	errs := &lockedBuffer{}
	env := Env{Stdout: &out, Stderr: errs, DemoPolicy: policy}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Debug logs, so the secret check below covers every log line.
	d, err := startDemo(ctx, env, "debug", "", rdb)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = asynq.NewInspectorFromRedisClient(rdb).DeleteQueue(d.app.queueName, true)
	})
	err = d.script(ctx)
	d.stop()
	if err != nil {
		t.Fatalf("demo: %v\n%s\nlogs:\n%s", err, out.String(), errs.String())
	}
	for _, want := range []string{
		"Request `DC-1001` sent",
		"You are not an approver of *agent*",
		"*Approvals* 1 of 1",
		"waiting for the user to appear in Marketo",
		"Done: alice@example.com has *agent* until",
		`alice@example.com in "Live Agent": true`,
		`"DC Agent" in workspace Default`,
		"Review R-1 started for agent",
		"granted outside chataccess",
		"revoked in review R-1 by dana.lee@example.com",
		`bob@example.com in "Live Agent": false`,
		"was approved right away",
		`alice@example.com in "Live Agent": false`,
		"intact=true",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out.String())
	}
	if errs.Len() == 0 {
		t.Error("no debug logs were written; the secret check below would prove nothing")
	}
	for _, secret := range []string{demoSigningSecret, "demo-secret", slackfakeToken} {
		if strings.Contains(errs.String(), secret) || strings.Contains(out.String(), secret) {
			t.Errorf("secret %.6s… reached the output or the logs", secret)
		}
	}
}

const slackfakeToken = slackfake.Token

// lockedBuffer collects logs written from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}
