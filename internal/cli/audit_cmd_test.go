package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

const (
	testAuditKey  = "0123456789abcdef0123456789abcdef-audit-key"
	otherAuditKey = "fedcba9876543210fedcba9876543210-other-key"
)

// auditFixture is a ledger under its own prefix, a policy file naming
// that prefix, and a way to run audit subcommands against it.
type auditFixture struct {
	t      *testing.T
	rdb    redis.UniversalClient
	prefix string
	policy string
	n      int
}

func newAuditFixture(t *testing.T) *auditFixture {
	rdb, prefix := redistest.Client(t)
	policy := filepath.Join(t.TempDir(), "chataccess.yaml")
	yaml := `requesters: [everyone]
admins: [admin@example.com]
slack: {admin_channel: C0ADMINS001}
adobe: {identity: {type: enterpriseID}}
redis: {prefix: "` + prefix + `"}
packages:
  agent:
    profiles: [{name: Live Agent}]
    marketo: {role: {name: DC Agent}}
    approvers: [lead@example.com]
    approval_channel: C0APPROVE01
`
	if err := os.WriteFile(policy, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return &auditFixture{t: t, rdb: rdb, prefix: prefix, policy: policy}
}

// write adds n submitted and approved requests, keyed with key ("" for
// an unkeyed store).
func (f *auditFixture) write(key string, n int) {
	f.t.Helper()
	st := store.New(f.rdb, f.prefix, store.WithAuditKey(store.NewAuditKey([]byte(key))))
	pol := &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true},
		Admins:     approvals.Audience{Emails: []string{"admin@example.com"}},
		Packages: map[string]*approvals.Package{"agent": {Name: "agent", Approvers: approvals.Audience{Emails: []string{"lead@example.com"}},
			MinApprovals: 1, AllowPermanent: true, ApprovalTimeout: time.Hour}},
	}
	svc := approvals.NewService(pol, st, approvals.ClockFunc(time.Now))
	ctx := context.Background()
	for range n {
		f.n++
		r, err := svc.Submit(ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Package: "agent", Permanent: true,
			Target: approvals.Target{Email: fmt.Sprintf("u%d@example.com", f.n)}, Justification: "covering EMEA",
			Requester: approvals.Actor{ID: "UREQ", Email: "req@example.com", Platform: "slack"}})
		if err != nil {
			f.t.Fatal(err)
		}
		if _, err := svc.Approve(ctx, r.ID, approvals.Actor{ID: "ULEAD", Email: "lead@example.com", Platform: "slack"}, ""); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *auditFixture) run(key string, args ...string) (code int, stdout, stderr string) {
	f.t.Helper()
	vars := map[string]string{"REDIS_URL": redistest.URL(), "AUDIT_KEY": key}
	var out, errb bytes.Buffer
	args = append(append([]string{"audit"}, args...), "--config", f.policy)
	code = Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }})
	return code, out.String(), errb.String()
}

func (f *auditFixture) streamIDs() []string {
	msgs, err := f.rdb.XRange(context.Background(), f.prefix+"{ledger}:audit", "-", "+").Result()
	if err != nil {
		f.t.Fatal(err)
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	return ids
}

func TestAuditVerifyCommand(t *testing.T) {
	f := newAuditFixture(t)
	f.write("", 1)
	if code, out, errs := f.run("", "verify"); code != 0 || !strings.Contains(out, "unkeyed chain: all 2 entries are SHA-256 only") {
		t.Fatalf("old unkeyed chain: exit %d\n%s%s", code, out, errs)
	}
	// With a key set, a trail of unkeyed entries only (as one rewritten
	// without the key would be) cannot pass without a checkpoint.
	if code, _, errs := f.run(testAuditKey, "verify"); code != 1 || !strings.Contains(errs, "none of its 2 entries is keyed") {
		t.Fatalf("unkeyed chain with a key set: exit %d, stderr %s", code, errs)
	}
	f.write(testAuditKey, 2)

	code, line, errs := f.run(testAuditKey, "checkpoint")
	if code != 0 || !strings.HasPrefix(line, store.CheckpointTag+" v1 count=6 ") {
		t.Fatalf("checkpoint: exit %d %q %s", code, line, errs)
	}
	line = strings.TrimSpace(line)
	code, out, errs := f.run(testAuditKey, "verify", "--checkpoint", line)
	if code != 0 || !strings.Contains(out, "mixed chain: 2 unkeyed entries") || !strings.Contains(out, "matches 1 checkpoint(s)") {
		t.Fatalf("mixed chain with its checkpoint: exit %d\n%s%s", code, out, errs)
	}

	t.Run("wrong key names the first keyed entry", func(t *testing.T) {
		code, _, errs := f.run(otherAuditKey, "verify")
		if first := f.streamIDs()[2]; code != 3 || !strings.Contains(errs, "BROKEN at entry "+first) {
			t.Fatalf("exit %d, stderr %s; want exit 3 naming %s", code, errs, first)
		}
	})
	t.Run("no key", func(t *testing.T) {
		code, _, errs := f.run("", "verify")
		if code != 1 || !strings.Contains(errs, "cannot verify") || !strings.Contains(errs, "AUDIT_KEY") {
			t.Fatalf("exit %d, stderr %s", code, errs)
		}
	})
	t.Run("checkpoint from a saved log file", func(t *testing.T) {
		log := filepath.Join(t.TempDir(), "chataccess.log")
		_ = os.WriteFile(log, []byte(`{"level":"info","component":"audit","checkpoint":"`+line+`","message":"audit checkpoint"}`+"\n"), 0o600)
		if code, out, errs := f.run(testAuditKey, "verify", "--checkpoint", log); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
	})
	t.Run("not a checkpoint", func(t *testing.T) {
		if code, _, errs := f.run(testAuditKey, "verify", "--checkpoint", "no-such-file"); code != 1 || !strings.Contains(errs, "neither a checkpoint line nor a readable file") {
			t.Fatalf("exit %d, stderr %s", code, errs)
		}
	})
	t.Run("export carries alg and kid", func(t *testing.T) {
		code, out, _ := f.run(testAuditKey, "export")
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if code != 0 || err != nil || len(rows) != 7 || rows[0][8] != "alg" || rows[1][8] != "" || rows[3][8] != store.AlgHMAC {
			t.Fatalf("export: exit %d %v %v", code, err, rows)
		}
	})
	t.Run("wiped trail against the checkpoint", func(t *testing.T) {
		redistest.Purge(f.rdb, f.prefix)
		if code, out, _ := f.run(testAuditKey, "verify"); code != 0 || !strings.Contains(out, "no checkpoint given") {
			t.Fatalf("an empty trail without a checkpoint: exit %d %s", code, out)
		}
		code, _, errs := f.run(testAuditKey, "verify", "--checkpoint", line)
		if code != 3 || !strings.Contains(errs, "wiped") {
			t.Fatalf("exit %d, stderr %s", code, errs)
		}
	})
}

func TestAuditCheckpointNeedsKey(t *testing.T) {
	f := newAuditFixture(t)
	f.write("", 1)
	if code, _, errs := f.run("", "checkpoint"); code != 1 || !strings.Contains(errs, "AUDIT_KEY") {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
}
