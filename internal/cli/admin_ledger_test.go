package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// TestAdminLedgerCommands: admin ledger shows the identity and whether
// a loss waits; admin ack-ledger records the acknowledgement once and
// says so when there is nothing (more) to acknowledge.
func TestAdminLedgerCommands(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	policy := writeFile(t, "policy.yaml", edit(t, exampleConfig(t), `prefix: "chataccess:v1:"`, `prefix: "`+prefix+`"`))
	vars := map[string]string{"REDIS_URL": redistest.URL()}
	ctx := context.Background()
	run := func(args ...string) (int, string) {
		code, out, errOut := runCLI(t, ctx, vars, append(args, "--config", policy)...)
		return code, out + errOut
	}
	if code, out := run("admin", "ledger"); code != 1 || !strings.Contains(out, "the ledger has no identity yet") {
		t.Fatalf("before any serve: exit %d %s", code, out)
	}
	st := store.New(rdb, prefix)
	first, _, err := st.EnsureIdentity(ctx, "", "r1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code, out := run("admin", "ack-ledger"); code != 0 || !strings.Contains(out, "nothing to acknowledge: ledger "+first.ID) {
		t.Fatalf("ack without a loss: exit %d %s", code, out)
	}
	redistest.Purge(rdb, prefix)
	lost, _, _ := st.EnsureIdentity(ctx, first.ID, "replica-7", time.Now())
	if code, out := run("admin", "ledger"); code != 0 || !strings.Contains(out, "it replaced ledger "+first.ID) ||
		!strings.Contains(out, "by replica-7") || !strings.Contains(out, "New requests are refused until an admin runs: chataccess admin ack-ledger") {
		t.Fatalf("after the loss: exit %d %s", code, out)
	}
	if code, out := run("admin", "ack-ledger", "--by", "ops@example.com"); code != 0 ||
		!strings.Contains(out, "acknowledged: ledger "+first.ID+" vanished and "+lost.ID+" replaced it") {
		t.Fatalf("ack: exit %d %s", code, out)
	}
	if code, out := run("admin", "ack-ledger"); code != 0 || !strings.Contains(out, "acknowledged before, by ops@example.com") {
		t.Fatalf("second ack: exit %d %s", code, out)
	}
	if code, out := run("admin", "ledger"); code != 0 || !strings.Contains(out, "acknowledged by ops@example.com") {
		t.Fatalf("after the ack: exit %d %s", code, out)
	}
	if code, _ := run("admin", "ack-ledger", "extra"); code != 2 {
		t.Errorf("extra argument: exit %d, want 2", code)
	}
}
