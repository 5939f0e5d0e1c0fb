package teamsbot_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/teamsbot"
	"github.com/chataccess/chataccess/store"
)

// The store claims messages and installs in groups after the ack.
var _ teamsbot.BatchClaimer = (*store.Store)(nil)

// TestRedeliveredMessageRunsOnce: a message delivered again, while the
// first delivery's work may still be running or after it finished, is
// answered 200 each time and its command runs once. Messages are
// claimed after the ack, so this covers deliveries racing for the claim.
func TestRedeliveredMessageRunsOnce(t *testing.T) {
	h := newHarness(t)
	a := h.fake.Message(appID, alice, channel, `add bob@example.com agent 30d "covering EMEA"`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if status, _ := h.post(t, a, h.token()); status != http.StatusOK {
				t.Errorf("status %d", status)
			}
		})
	}
	wg.Wait()
	h.h.wait(t, 1)
	if status, _ := h.post(t, a, h.token()); status != http.StatusOK {
		t.Fatalf("late redelivery: status %d", status)
	}
	time.Sleep(200 * time.Millisecond)
	if n := h.h.calls(); n != 1 {
		t.Fatalf("command ran %d times, want once", n)
	}
	claims := 0
	for _, k := range h.keys(t) {
		if strings.Contains(k, "claim:teams:activity:") {
			claims++
		}
	}
	if claims != 1 {
		t.Fatalf("%d activity claims, want 1: %v", claims, h.keys(t))
	}
}

// TestRedeliveredInstallOpensHomeOnce: an installation delivered twice
// opens the Home once.
func TestRedeliveredInstallOpensHomeOnce(t *testing.T) {
	h := newHarness(t)
	a := h.fake.Activity(appID, alice, personal, "installationUpdate")
	a["action"] = "add"
	for range 2 {
		if status, _ := h.post(t, a, h.token()); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	h.h.wait(t, 1)
	time.Sleep(200 * time.Millisecond)
	if n := h.h.calls(); n != 1 {
		t.Fatalf("Home opened %d times, want once", n)
	}
}

// TestRedeliveredClickAlreadyDone: an invoke is claimed before it is
// answered, because the answer says what it did: a redelivered click
// does not run the action again and is answered "Already done.".
func TestRedeliveredClickAlreadyDone(t *testing.T) {
	h := newHarness(t)
	cardID := postCard(t, h, "DC-1")
	h.h.action = func(a bot.Action) bot.ActionReply {
		m := approvalCard(a.Value)
		return bot.ActionReply{Update: &m}
	}
	click := execute(h, bob, cardID, "dc_approve", map[string]any{"v": "DC-1", "b": "decide:DC-1"})
	if status, body := h.post(t, click, h.token()); status != http.StatusOK || strings.Contains(string(body), "Already done") {
		t.Fatalf("first delivery: status %d %s", status, body)
	}
	status, body := h.post(t, click, h.token())
	if status != http.StatusOK || !strings.Contains(string(body), "Already done.") {
		t.Fatalf("redelivery: status %d %s", status, body)
	}
	if n := h.h.calls(); n != 1 {
		t.Fatalf("action ran %d times, want once", n)
	}
}
