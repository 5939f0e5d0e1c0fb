package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/internal/redistest"
)

// aofRedis is a redis-server of the test's own with AOF persistence
// (appendfsync always), so the test can restart it.
type aofRedis struct {
	t    *testing.T
	port string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

func startAOFRedis(t *testing.T) *aofRedis {
	t.Helper()
	addr := freeAddr(t)
	r := &aofRedis{t: t, port: addr[strings.LastIndex(addr, ":")+1:], dir: t.TempDir()}
	r.start()
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *aofRedis) url() string { return "redis://127.0.0.1:" + r.port + "/0" }

func (r *aofRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", r.port, "--appendonly", "yes",
		"--appendfsync", "always", "--save", "", "--dir", r.dir, "--maxmemory-policy", "noeviction")
	r.done = make(chan struct{})
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("redis-server: %v", err)
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + r.port})
	defer c.Close()
	waitUntil(r.t, 10*time.Second, "redis-server up", func() bool { return c.Ping(context.Background()).Err() == nil })
}

// stop shuts the server down cleanly (it writes the AOF) and waits.
func (r *aofRedis) stop() {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + r.port})
	_ = c.Shutdown(context.Background()).Err()
	_ = c.Close()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

// replicas are the serve processes behind one "load balancer": a call
// goes to the replica named, and to the next ones when it is down.
type replicas struct {
	mu    sync.Mutex
	procs []*proc
}

func (rs *replicas) at(i int) *proc {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.procs[i%len(rs.procs)]
}

func (rs *replicas) set(i int, p *proc) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.procs[i] = p
}

// signedPost sends a signed Slack request to replica i, moving on to the
// next replica (as a load balancer would) when one does not answer 200,
// for up to 30 s.
func (rs *replicas) signedPost(t *testing.T, i int, path, body string) string {
	t.Helper()
	signer := slackbot.NewVerifier("lifecycle-signing-secret", nil)
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for try := i; ; try++ {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, "http://"+rs.at(try).addr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", signer.Sign(ts, []byte(body)))
		resp, err := client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && !strings.Contains(string(b), "try again") {
				return string(b)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no replica answered for 30 s (last: %v)", path, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

var requestIDRE = regexp.MustCompile(`DC-\d+`)

// TestHASoak runs three serve processes on one Redis with AOF. Signed
// commands and clicks are spread over the replicas, each sent twice to
// two replicas; mid-run one replica is SIGKILLed, another gets SIGTERM
// and comes back (a rolling restart), and Redis itself restarts once.
// Afterwards every request is completed, every Admin Console and
// Marketo change was applied exactly once, every channel card shows the
// final state and the audit trail verifies.
func TestHASoak(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real serve processes and a Redis of its own")
	}
	red := startAOFRedis(t)
	opt, _ := redis.ParseURL(red.url())
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := "soak:" + redistest.Token() + ":"
	r := newRigOn(t, rdb, prefix, red.url(), 300*time.Millisecond)
	r.slack.AddUser(slackfake.User{ID: "U0DANA00001", Name: "Dana Lee", Email: "dana.lee@example.com"})
	rs := &replicas{procs: []*proc{r.serve(), r.serve(), r.serve()}}
	start := time.Now()

	const n = 12
	ids := make([]string, n)
	for i := range n {
		if i == n/2 { // a replica dies without warning
			_ = rs.at(0).cmd.Process.Kill()
			rs.set(0, r.serve())
		}
		text := fmt.Sprintf(`add soak%d@example.com marketing-user 30d "soak test %d"`, i, i)
		body := rs.signedPost(t, i, "/slack/commands", commandForm("U0HELPDESK1", text, i))
		ids[i] = requestIDRE.FindString(body)
		if ids[i] == "" {
			t.Fatalf("command %d: no request id in %s", i, body)
		}
		// The same command again through another replica: the open
		// request guard refuses it.
		dup := rs.signedPost(t, i+1, "/slack/commands", commandForm("U0HELPDESK1", text, i+1000))
		if id := requestIDRE.FindString(dup); id != "" && id != ids[i] {
			t.Fatalf("duplicate command %d made %s besides %s", i, id, ids[i])
		}
	}
	for i, id := range ids {
		switch i {
		case n / 3: // a rolling restart of one replica
			if code, _ := rs.at(1).stop(t, syscall.SIGTERM, 40*time.Second); code != 0 {
				t.Fatalf("replica exited %d on SIGTERM", code)
			}
			rs.set(1, r.serve())
		case 2 * n / 3: // Redis restarts; the AOF brings everything back
			red.stop()
			red.start()
		}
		card := waitForCard(t, r.slack, id)
		for _, at := range []int{i, i + 1} { // the click reaches two replicas
			rs.signedPost(t, at, "/slack/interactions", approveForm("U0DANA00001", id, card))
		}
	}
	ctx := context.Background()
	deadline := time.Now().Add(3 * time.Minute)
	for !allCompleted(ctx, r, ids) {
		if time.Now().After(deadline) {
			for _, id := range ids {
				req, err := r.st.Get(ctx, id)
				if err != nil {
					t.Logf("%s: %v", id, err)
					continue
				}
				t.Logf("%s: %s %s steps=%+v", id, req.State, req.Failure, req.Steps)
			}
			for i := range 3 {
				logs := rs.at(i).logs.String()
				t.Logf("replica %d logs (tail):\n%s", i, logs[max(0, len(logs)-6000):])
			}
			for _, e := range r.slack.Ephemerals() {
				t.Logf("ephemeral to %s: %s", e.User, e.Text)
			}
			for _, resp := range r.slack.Responses() {
				t.Logf("response_url answer: %+v", resp)
			}
			t.Fatal("not every request completed within 3 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("%d requests, 1 SIGKILL, 1 SIGTERM restart, 1 Redis restart: all completed %s after the first command",
		n, time.Since(start).Round(time.Second))
	checkAppliedOnce(t, r, n)
	cardsDone := func() []string {
		var notDone []string
		for _, id := range ids {
			if m, ok := cardOf(r.slack, id); !ok || !strings.Contains(m.Text+m.Blocks, "Done:") {
				notDone = append(notDone, fmt.Sprintf("%s: %q", id, m.Text))
			}
		}
		return notDone
	}
	// An event a killed replica had taken is taken over by another after
	// the outbox's 30 s idle time, so a card may need that long.
	for deadline := time.Now().Add(90 * time.Second); len(cardsDone()) > 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("cards not showing the final state after 90 s: %v", cardsDone())
		}
	}
	t.Logf("every card final %s after the first command", time.Since(start).Round(time.Second))
	if res, err := r.st.VerifyAudit(ctx); err != nil || res.BadEntry != "" {
		t.Fatalf("audit: %v %+v", err, res)
	}
	for _, id := range ids {
		if req, _ := r.st.Get(ctx, id); len(req.Decisions) != 1 {
			t.Errorf("%s has %d decisions, want 1", id, len(req.Decisions))
		}
	}
}

func allCompleted(ctx context.Context, r *rig, ids []string) bool {
	for _, id := range ids {
		if req, err := r.st.Get(ctx, id); err != nil || req.State != approvals.StateCompleted {
			return false
		}
	}
	return true
}

func commandForm(user, text string, n int) string {
	return url.Values{"team_id": {"T0DEMO"}, "channel_id": {"C0WORKROOM1"}, "user_id": {user}, "command": {"/dynchat"},
		"text": {text}, "trigger_id": {fmt.Sprintf("soak-trigger-%d-%d", n, time.Now().UnixNano())}}.Encode()
}

func approveForm(user, id string, card slackfake.Message) string {
	id = cardValue(card.Blocks, "dc_approve", id) // with the ledger's identity, as drawn
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": "T0DEMO"},
		"trigger_id": fmt.Sprintf("soak-click-%d", time.Now().UnixNano()), "channel": map[string]any{"id": card.Channel},
		"container": map[string]any{"type": "message", "message_ts": card.TS, "channel_id": card.Channel},
		"message":   map[string]any{"ts": card.TS, "text": card.Text, "blocks": json.RawMessage(orJSON(card.Blocks))},
		"actions":   []any{map[string]any{"action_id": "dc_approve", "block_id": "decide:" + id, "type": "button", "value": id}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

func orJSON(s string) string {
	if s == "" {
		return "[]"
	}
	return s
}

// cardOf finds the approval card of request id in the approval channel.
func cardOf(f *slackfake.Fake, id string) (slackfake.Message, bool) {
	for _, m := range f.Messages() {
		if m.Channel == "C0DCAPPROV1" && m.ThreadTS == "" && strings.Contains(m.Text+m.Blocks, id) {
			return m, true
		}
	}
	return slackfake.Message{}, false
}

func waitForCard(t *testing.T, f *slackfake.Fake, id string) slackfake.Message {
	t.Helper()
	var card slackfake.Message
	waitUntil(t, 60*time.Second, "the card of "+id, func() bool {
		var ok bool
		card, ok = cardOf(f, id)
		return ok
	})
	return card
}

// checkAppliedOnce: each soak user was added to its profile once in the
// Admin Console and got its Marketo role once.
func checkAppliedOnce(t *testing.T, r *rig, n int) {
	t.Helper()
	adds := map[string]int{}
	for _, c := range r.sb.Adobe.Applied() {
		if c.Op == adobefake.OpAdd {
			adds[c.User]++
		}
	}
	for i := range n {
		if got := adds[fmt.Sprintf("soak%d@example.com", i)]; got != 1 {
			t.Errorf("soak%d added %d times in the Admin Console, want 1", i, got)
		}
	}
	roles := map[string]int{}
	for _, c := range r.sb.Marketo.Applied() {
		roles[fmt.Sprint(c)]++
	}
	for c, k := range roles {
		if k != 1 {
			t.Errorf("Marketo change %s applied %d times", c, k)
		}
	}
	if len(roles) < n {
		t.Errorf("%d Marketo changes, want at least %d", len(roles), n)
	}
}
