package teamsbot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/teamsbot"
	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

const (
	appID    = "5b4d0f5e-1c1e-4a55-9d7a-0a1b2c3d4e5f"
	tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	secret   = "s3cr3t-P@ssw0rd-never-logged"
)

var (
	alice = teamsfake.User{ObjectID: "aaaaaaaa-0000-4000-8000-000000000001", MRI: "29:alice-mri", Name: "Alice Smith",
		Email: "alice@example.com", UPN: "alice@example.com", Given: "Alice", Surname: "Smith"}
	bob = teamsfake.User{ObjectID: "bbbbbbbb-0000-4000-8000-000000000002", MRI: "29:bob-mri", Name: "Bob Jones",
		Email: "bob@example.com", UPN: "bob@example.com", Given: "Bob", Surname: "Jones"}
	carol = teamsfake.User{ObjectID: "cccccccc-0000-4000-8000-000000000003", MRI: "29:carol-mri", Name: "Carol Diaz",
		UPN: "carol@example.com", Given: "Carol", Surname: "Diaz"}
	channel  = teamsfake.Conversation{ID: "19:approvals@thread.tacv2", Type: "channel", Team: "19:team@thread.tacv2"}
	personal = teamsfake.Conversation{ID: "a:alice-personal", Type: "personal"}
	groupID  = "99999999-0000-4000-8000-00000000000f"
)

// recorder is a bot.Handler that records calls and answers with the
// replies a test sets.
type recorder struct {
	mu       sync.Mutex
	commands []bot.Command
	actions  []bot.Action
	subs     []bot.Submission
	homes    []bot.User
	reply    bot.Reply
	action   func(bot.Action) bot.ActionReply
	submit   func(bot.Submission) bot.SubmissionReply
	done     chan struct{}
}

func newRecorder() *recorder { return &recorder{done: make(chan struct{}, 64)} }

func (r *recorder) HandleCommand(_ context.Context, c bot.Command) bot.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.commands = append(r.commands, c)
	r.done <- struct{}{}
	return r.reply
}

func (r *recorder) HandleAction(_ context.Context, a bot.Action) bot.ActionReply {
	r.mu.Lock()
	r.actions = append(r.actions, a)
	fn := r.action
	r.mu.Unlock()
	if fn != nil {
		return fn(a)
	}
	return bot.ActionReply{}
}

func (r *recorder) HandleSubmission(_ context.Context, s bot.Submission) bot.SubmissionReply {
	r.mu.Lock()
	r.subs = append(r.subs, s)
	fn := r.submit
	r.mu.Unlock()
	if fn != nil {
		return fn(s)
	}
	return bot.SubmissionReply{}
}

func (r *recorder) HandleHomeOpened(_ context.Context, u bot.User) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.homes = append(r.homes, u)
	r.done <- struct{}{}
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.commands) + len(r.actions) + len(r.subs) + len(r.homes)
}

// wait waits for n command or home calls.
func (r *recorder) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			t.Fatal("handler not called")
		}
	}
}

type harness struct {
	fake    *teamsfake.Server
	srv     *httptest.Server
	adapter *teamsbot.Adapter
	h       *recorder
	rdb     redis.UniversalClient
	prefix  string
	store   *store.Store
	// memory is the adapter's memory: the store, whose reads can be
	// made to fail (down).
	memory  *flakyMemory
	now     time.Time
	clockMu sync.Mutex
}

func (h *harness) clock() time.Time {
	h.clockMu.Lock()
	defer h.clockMu.Unlock()
	if h.now.IsZero() {
		return time.Now()
	}
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.clockMu.Lock()
	defer h.clockMu.Unlock()
	h.now = time.Now().Add(d)
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessSaying(t, nil)
}

// newHarnessSaying is newHarness whose adapter and sender say their own
// words through p.
func newHarnessSaying(t *testing.T, p bot.Phrases) *harness {
	t.Helper()
	fake := teamsfake.New(teamsfake.Config{AppID: appID, AppPassword: secret, TenantID: tenantID,
		Users:         []teamsfake.User{alice, bob, carol},
		Conversations: map[string][]string{channel.ID: {alice.MRI, bob.MRI, carol.MRI}},
		Groups:        map[string][]string{groupID: {alice.ObjectID, bob.ObjectID}}, GraphPageSize: 1})
	t.Cleanup(fake.Close)
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	h := &harness{fake: fake, h: newRecorder(), rdb: rdb, prefix: prefix, store: st, memory: &flakyMemory{Store: st}}
	sender := teamsbot.NewSender(teamsbot.SenderConfig{AppID: appID, AppPassword: secret, TenantID: tenantID,
		LoginURL: fake.LoginURL(), ServiceURL: fake.ServiceURL(), GraphURL: fake.GraphURL(), Groups: true,
		Conversations: []string{channel.ID}, Memory: h.memory, HTTPClient: fake.Client(), MaxRetryWait: 2 * time.Second, Phrases: p})
	a, err := teamsbot.New(context.Background(), teamsbot.Config{AppID: appID, OpenIDURL: fake.OpenIDURL(), Handler: h.h,
		Sender: sender, Claims: st, Memory: h.memory, Command: "/dynchat", HTTPClient: fake.Client(),
		Logger: zerolog.Nop(), Now: h.clock, Phrases: p})
	if err != nil {
		t.Fatal(err)
	}
	h.adapter = a
	mux := http.NewServeMux()
	a.Register(mux)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Runner.Wait(ctx)
	})
	return h
}

// post sends an activity with a token and returns the status and body.
func (h *harness) post(t *testing.T, activity any, token string) (int, []byte) {
	t.Helper()
	resp, err := h.srv.Client().Do(teamsfake.Request(h.srv.URL+"/api/messages", activity, token))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func (h *harness) token() string { return h.fake.Token(appID) }

// keys lists every Redis key the test's store wrote.
func (h *harness) keys(t *testing.T) []string {
	t.Helper()
	keys, err := h.rdb.Keys(context.Background(), h.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// decode unmarshals an invoke answer.
func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
	return m
}

// flakyMemory is the store as the adapter's memory, whose reads fail
// while down is set (Redis unreachable).
type flakyMemory struct {
	*store.Store
	down atomic.Bool
}

func (m *flakyMemory) TeamsDoc(ctx context.Context, kind, key string) ([]byte, error) {
	if m.down.Load() {
		return nil, errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	}
	return m.Store.TeamsDoc(ctx, kind, key)
}
