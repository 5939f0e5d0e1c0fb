package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chataccess/chataccess/internal/redistest"
)

// TestDemoEndToEnd runs the demo's story through the composition root
// that `serve` uses (build), against the real Redis server: a slash
// command over signed HTTP, cards in Slack, a refused click, an
// approval, the workers provisioning through the Adobe and Marketo
// emulators, an auto-approved removal, and an intact audit trail.
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
	var out, errs bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errs, DemoPolicy: policy}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := startDemo(ctx, env, "error", "", rdb)
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
	for _, secret := range []string{demoSigningSecret, "demo-secret"} {
		if strings.Contains(errs.String(), secret) || strings.Contains(out.String(), secret) {
			t.Errorf("a secret reached the output or the logs")
		}
	}
}
