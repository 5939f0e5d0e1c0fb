package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// decideButton is the Approve button of a card and its block.
func decideButton(t *testing.T, m bot.Message) (blockID, value string) {
	t.Helper()
	for _, b := range m.Blocks {
		if a, ok := b.(*bot.Actions); ok && strings.HasPrefix(a.BlockID, "decide:") {
			return a.BlockID, a.Elements[0].(*bot.Button).Value
		}
	}
	t.Fatalf("no Approve button in %+v", m.Blocks)
	return "", ""
}

// TestLedgerGate: request buttons carry the ledger's identity. After the
// ledger vanished, new requests are paused with a sentence and nothing
// is written; once an admin acknowledged it, request ids start again at
// DC-1001 and an Approve left in a card of the old DC-1001 names no
// request here: it is refused as unknown and the new DC-1001 stays as
// it was.
func TestLedgerGate(t *testing.T) {
	f := newFixture(t)
	rdb, prefix := redistest.Client(t)
	f.st = store.New(rdb, prefix)
	f.svc = approvals.NewService(testPolicy(), f.st, f.clock)
	gate := f.st.NewLedgerWatch(store.LedgerWatchConfig{Holder: "test"})
	deps := f.h.deps
	deps.Service, deps.Ledger, deps.Gate = f.svc, f.st, gate
	f.h = New(deps)

	old := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	tag := gate.Tag()
	block, value := decideButton(t, f.h.card(english(nil), old, cardView{}))
	if old.ID != "DC-1001" || value != old.ID+"@"+tag || block != "decide:"+value || len(tag) != 12 {
		t.Fatalf("button of %s: block %q, value %q (ledger %q)", old.ID, block, value, tag)
	}
	if rep := f.click("UANN", ActionApprove, value); rep.Ephemeral != nil {
		t.Fatalf("approve with the current ledger's button: %s", text(rep.Ephemeral))
	}

	redistest.Purge(rdb, prefix) // Redis comes back empty under the bot
	for _, cmd := range []string{`add bob@example.com agent 30d "new hire"`, `remove alice@example.com agent "left"`} {
		if got := text(f.command("ULEAD", cmd).Message); !strings.Contains(got, "New requests are paused") {
			t.Fatalf("%s after the loss: %q", cmd, got)
		}
	}
	sub := f.h.HandleSubmission(f.ctx, bot.Submission{User: user("ULEAD"), CallbackID: CallbackAdd})
	if sub.Update == nil || !strings.Contains(sub.Update.Blocks[0].(*bot.Section).Text.String(), "New requests are paused") {
		t.Fatalf("add form after the loss: %+v", sub)
	}
	if n, err := f.st.Count(f.ctx, approvals.AllRequests()); err != nil || n != 0 {
		t.Fatalf("%d requests written while paused (%v)", n, err)
	}

	if _, _, err := f.st.AckIdentity(f.ctx, "root@example.com", time.Now()); err != nil {
		t.Fatal(err)
	}
	fresh := f.add("ULEAD", `add bob@example.com agent 30d "new hire"`)
	_, freshValue := decideButton(t, f.h.card(english(nil), fresh, cardView{}))
	if fresh.ID != old.ID || freshValue == value {
		t.Fatalf("the new ledger's %s has the button value %q of the old one", fresh.ID, freshValue)
	}
	for _, stale := range []string{value, old.ID} {
		if got := text(f.click("UANN", ActionApprove, stale).Ephemeral); !strings.Contains(got, "does not name a request I know") {
			t.Errorf("click with %q after the loss: %q", stale, got)
		}
	}
	if got := text(f.click("ULEAD", ActionCancel, value).Ephemeral); !strings.Contains(got, "does not name a request I know") {
		t.Errorf("cancel from an old card: %q", got)
	}
	if r, err := f.st.Get(f.ctx, fresh.ID); err != nil || len(r.Decisions) != 0 || r.State != approvals.StatePending || r.Version != fresh.Version {
		t.Fatalf("the new %s changed: %+v, %v", fresh.ID, r, err)
	}
	if rep := f.click("UANN", ActionApprove, freshValue); rep.Ephemeral != nil {
		t.Fatalf("approve with the new card's button: %s", text(rep.Ephemeral))
	}

	// The expiry warning's Extend carries the identity too.
	warning := f.h.tagged(ExpiryWarning(approvals.Grant{RequestID: fresh.ID, Email: "bob@example.com", Package: "agent"}, nil, t0, nil))
	var extend string
	for _, b := range warning.Blocks {
		if a, ok := b.(*bot.Actions); ok {
			extend = a.Elements[0].(*bot.Button).Value
			if a.BlockID != "extend:"+extend {
				t.Errorf("extend block %q, value %q", a.BlockID, extend)
			}
		}
	}
	if extend != freshValue {
		t.Errorf("Extend value %q, want %q", extend, freshValue)
	}
	if rep := f.click("ULEAD", ActionExtend, extend); rep.Modal == nil {
		t.Errorf("Extend of the new ledger: %+v", rep)
	}
	if got := text(f.click("ULEAD", ActionExtend, old.ID+"@"+tag).Ephemeral); !strings.Contains(got, "does not name a request I know") {
		t.Errorf("Extend from an old warning: %q", got)
	}
}
