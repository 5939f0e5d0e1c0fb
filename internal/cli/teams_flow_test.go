package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
	"github.com/chataccess/chataccess/commands"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/internal/sandbox"
	"github.com/chataccess/chataccess/store"
)

const (
	flowAppID  = "5b4d0f5e-1c1e-4a55-9d7a-0a1b2c3d4e5f"
	flowTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	flowSlack  = "C0DCAPPROV1"
	flowTeams  = "19:approvals@thread.tacv2"
)

var (
	flowAlice = teamsfake.User{ObjectID: "aaaaaaaa-0000-4000-8000-000000000001", MRI: "29:alice", Name: "Alice Lead", Email: "alice@example.com", UPN: "alice@example.com", Given: "Alice", Surname: "Lead"}
	flowBob   = teamsfake.User{ObjectID: "bbbbbbbb-0000-4000-8000-000000000002", MRI: "29:bob", Name: "Bob Approver", Email: "bob@example.com", UPN: "bob@example.com", Given: "Bob", Surname: "Approver"}
	flowCarol = teamsfake.User{ObjectID: "cccccccc-0000-4000-8000-000000000003", MRI: "29:carol", Name: "Carol New", Email: "carol@example.com", UPN: "carol@example.com", Given: "Carol", Surname: "New"}
	flowDave  = teamsfake.User{ObjectID: "dddddddd-0000-4000-8000-000000000004", MRI: "29:dave", Name: "Dave Outsider", Email: "dave@example.com", UPN: "dave@example.com", Given: "Dave", Surname: "Outsider"}
	flowDM    = teamsfake.Conversation{ID: "a:alice-personal", Type: "personal"}
	flowChan  = teamsfake.Conversation{ID: flowTeams, Type: "channel", Team: "19:team@thread.tacv2"}
)

func flowPolicy(prefix string, withSlack bool) string {
	slack, channel := "slack: {admin_channel: C0ADMINS001}", "\n    approval_channel: "+flowSlack
	if !withSlack {
		slack, channel = "slack: {enabled: false}", ""
	}
	return `
requesters: [everyone]
admins: [root@example.com]
adobe: {identity: {type: enterpriseID}}
redis: {prefix: "` + prefix + `"}
` + slack + `
packages:
  agent:
    profiles: [{name: Live Agent}]
    marketo: {role: {name: DC Agent}, workspace: {name: Default}}
    approvers: [bob@example.com]
    min_approvals: 1
    default_duration: 30d
    max_duration: 90d` + channel + `
teams:
  enabled: true
  channels: {agent: "` + flowTeams + `"}
`
}

// teamsWorld is serve's real composition root on real Redis, with the
// Adobe and Marketo emulators, a fake Slack and a fake Teams.
type teamsWorld struct {
	t     *testing.T
	teams *teamsfake.Server
	slack *slackfake.Fake
	sb    *sandbox.Sandbox
	st    *store.Store
	url   string
}

func newTeamsWorld(t *testing.T, withSlack bool) *teamsWorld {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	w := &teamsWorld{t: t, st: store.New(rdb, prefix)}
	w.sb = sandbox.Start(sandbox.Options{AdobeTimeScale: 1.0 / 60, MarketoTimeScale: 0.05, UserLag: 200 * time.Millisecond})
	t.Cleanup(w.sb.Close)
	w.slack = slackfake.New()
	t.Cleanup(w.slack.Close)
	w.slack.AddUser(slackfake.User{ID: "U0BOBSLACK1", Name: "Bob Approver", Email: "bob@example.com"})
	w.teams = teamsfake.New(teamsfake.Config{AppID: flowAppID, AppPassword: "teams-flow-secret", TenantID: flowTenant,
		Users:         []teamsfake.User{flowAlice, flowBob, flowCarol, flowDave},
		Conversations: map[string][]string{flowTeams: {flowAlice.MRI, flowBob.MRI, flowCarol.MRI, flowDave.MRI}, flowDM.ID: {flowAlice.MRI}}})
	t.Cleanup(w.teams.Close)
	env := map[string]string{
		"SLACK_BOT_TOKEN": slackfake.Token, "SLACK_SIGNING_SECRET": "flow-signing-secret", "SLACK_API_URL": w.slack.URL(),
		"ADOBE_IMS_URL": w.sb.AdobeURL(), "ADOBE_UMAPI_URL": w.sb.AdobeURL(), "ADOBE_ORG_ID": w.sb.Adobe.OrgID(),
		"ADOBE_CLIENT_ID": w.sb.Adobe.ClientID(), "ADOBE_CLIENT_SECRET": w.sb.Adobe.ClientSecret(),
		"MARKETO_BASE_URL": w.sb.MarketoURL(), "MARKETO_CLIENT_ID": "chataccess-demo", "MARKETO_CLIENT_SECRET": "demo-secret",
		"TEAMS_APP_ID": flowAppID, "TEAMS_APP_PASSWORD": "teams-flow-secret", "TEAMS_TENANT_ID": flowTenant,
		"TEAMS_LOGIN_URL": w.teams.LoginURL(), "TEAMS_OPENID_URL": w.teams.OpenIDURL(), "REDIS_URL": redistest.URL(),
	}
	if !withSlack {
		for k := range env {
			if strings.HasPrefix(k, "SLACK_") {
				delete(env, k)
			}
		}
	}
	getenv := func(k string) string { return env[k] }
	if err := func() error {
		senv, err := config.LoadEnv(getenv)
		if err != nil {
			return err
		}
		return senv.CheckFor(map[bool]string{true: config.ModeAuto, false: config.ModeOff}[withSlack])
	}(); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(flowPolicy(prefix, withSlack)+"  service_url: \""+w.teams.ServiceURL()+"\"\n"), getenv)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	senv, err := config.LoadEnv(getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(context.Background(), wiring{cfg: cfg, env: senv, rdb: rdb, log: zerolog.Nop(), replica: "flow",
		poll: 100 * time.Millisecond, notify: 100 * time.Millisecond, sweep: time.Minute, userLag: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	w.serve(a)
	return w
}

func (w *teamsWorld) serve(a *app) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.t.Fatal(err)
	}
	w.url = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: a.mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	var g group
	g.addSignal(ctx)
	a.start(&g, srv, func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	done := make(chan struct{})
	go func() { _, _ = g.run(); close(done) }()
	w.t.Cleanup(func() { cancel(); <-done })
}

// send posts a signed activity to /api/messages.
func (w *teamsWorld) send(activity map[string]any) (int, string) {
	w.t.Helper()
	resp, err := http.DefaultClient.Do(teamsfake.Request(w.url+"/api/messages", activity, w.teams.Token(flowAppID)))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// post waits for a post or update matching cond.
func (w *teamsWorld) post(what string, cond func(teamsfake.Post) bool) teamsfake.Post {
	w.t.Helper()
	var found teamsfake.Post
	waitUntil(w.t, 20*time.Second, what, func() bool {
		for _, p := range w.teams.Posts() {
			if cond(p) {
				found = p
				return true
			}
		}
		return false
	})
	return found
}

func cardText(p teamsfake.Post) string { return string(p.Raw) }

// actionData finds the data of the card action titled title.
func actionData(t *testing.T, p teamsfake.Post, title string) map[string]any {
	t.Helper()
	var walk func(v any) map[string]any
	walk = func(v any) map[string]any {
		switch v := v.(type) {
		case map[string]any:
			if v["title"] == title {
				if d, ok := v["data"].(map[string]any); ok {
					return d
				}
			}
			for _, x := range v {
				if d := walk(x); d != nil {
					return d
				}
			}
		case []any:
			for _, x := range v {
				if d := walk(x); d != nil {
					return d
				}
			}
		}
		return nil
	}
	d := walk(p.Card())
	if d == nil {
		t.Fatalf("no %q action in %s", title, p.Raw)
	}
	return d
}

// TestTeamsFlowThroughServe: a request typed in Teams opens a dialog,
// the card reaches Teams and Slack, an outsider's click is refused, the
// approver's click in Teams updates the card on both platforms, the
// emulators are provisioned and the requester is told.
func TestTeamsFlowThroughServe(t *testing.T) { teamsFlow(t, true) }

// TestTeamsOnlyFlowThroughServe: the same with Slack turned off and no
// Slack variable set.
func TestTeamsOnlyFlowThroughServe(t *testing.T) { teamsFlow(t, false) }

func teamsFlow(t *testing.T, withSlack bool) {
	w := newTeamsWorld(t, withSlack)
	if status, body := w.send(w.teams.Message(flowAppID, flowAlice, flowDM, "add")); status != http.StatusOK {
		t.Fatalf("message: %d %s", status, body)
	}
	offer := w.post("dialog offer", func(p teamsfake.Post) bool {
		return p.Conversation == flowDM.ID && strings.Contains(cardText(p), "Open the form")
	})
	dlg := actionData(t, offer, "Open the form")["dlg"].(string)
	if _, body := w.send(w.teams.Invoke(flowAppID, flowAlice, flowDM, "task/fetch", teamsfake.TaskData(map[string]any{"dlg": dlg}), offer.ActivityID)); !strings.Contains(body, "in:package/package_in") {
		t.Fatalf("dialog: %s", body)
	}
	submit := map[string]any{"dlg": dlg, "in:email/email_in": flowCarol.Email, "in:package/package_in": "agent",
		"in:duration/duration_in": "30d", "in:justification/reason_in": "covering EMEA"}
	if _, body := w.send(w.teams.Invoke(flowAppID, flowAlice, flowDM, "task/submit", teamsfake.TaskData(submit), offer.ActivityID)); !strings.Contains(body, "sent") {
		t.Fatalf("submit: %s", body)
	}
	card := w.post("Teams approval card", func(p teamsfake.Post) bool {
		return p.Method == "POST" && p.Conversation == flowTeams && strings.Contains(cardText(p), "Approve")
	})
	value := actionData(t, card, "Approve")["v"].(string)
	id := commands.RequestOfButton(value)
	waitUntil(t, 20*time.Second, "Slack approval card", func() bool {
		if !withSlack {
			return true
		}
		for _, m := range w.slack.Messages() {
			if m.Channel == flowSlack && strings.Contains(mustJSON(m), id) {
				return true
			}
		}
		return false
	})
	click := func(u teamsfake.User) string {
		_, body := w.send(w.teams.Invoke(flowAppID, u, flowChan, "adaptiveCard/action",
			teamsfake.Execute("dc_approve", map[string]any{"v": value, "b": "decide:" + value}), card.ActivityID))
		return body
	}
	refresh := func(u teamsfake.User) string {
		_, body := w.send(w.teams.Invoke(flowAppID, u, flowChan, "adaptiveCard/action", teamsfake.Execute("refresh", nil), card.ActivityID))
		return body
	}
	if body := refresh(flowBob); !strings.Contains(body, `"dc_approve"`) || !strings.Contains(body, `"dc_deny"`) {
		t.Fatalf("the approver's refreshed card has no Approve and Deny: %s", body)
	}
	if body := refresh(flowDave); strings.Contains(body, `"dc_approve"`) || strings.Contains(body, `"dc_deny"`) || !strings.Contains(body, id) {
		t.Fatalf("an outsider's refreshed card shows Approve or Deny: %s", body)
	}
	if body := click(flowDave); !strings.Contains(body, "activity.message") {
		t.Fatalf("outsider's click: %s", body)
	}
	if r, _ := w.st.Get(context.Background(), id); r.State != approvals.StatePending {
		t.Fatalf("outsider changed the request: %s", r.State)
	}
	if body := click(flowBob); !strings.Contains(body, "card.adaptive") {
		t.Fatalf("approver's click: %s", body)
	}
	waitUntil(t, 30*time.Second, "request completed", func() bool {
		r, err := w.st.Get(context.Background(), id)
		return err == nil && r.State == approvals.StateCompleted
	})
	w.post("Teams card updated to done", func(p teamsfake.Post) bool {
		return p.Method == "PUT" && p.ActivityID == card.ActivityID && strings.Contains(cardText(p), "Done: carol@example.com has")
	})
	waitUntil(t, 20*time.Second, "Slack card updated to done", func() bool {
		if !withSlack {
			return len(w.slack.Messages()) == 0
		}
		for _, m := range w.slack.Messages() {
			if m.Channel == flowSlack && strings.Contains(mustJSON(m), "Done: carol@example.com has") {
				return true
			}
		}
		return false
	})
	if !containsString(w.sb.Adobe.Members("Live Agent"), flowCarol.Email) {
		t.Fatalf("carol not in Live Agent: %v", w.sb.Adobe.Members("Live Agent"))
	}
	if len(w.sb.Marketo.Roles(flowCarol.Email)) == 0 {
		t.Fatal("carol has no Marketo role")
	}
	w.post("requester told", func(p teamsfake.Post) bool {
		return p.Conversation == flowDM.ID && p.Method == "POST" && strings.Contains(cardText(p), "Your request "+id) && strings.Contains(cardText(p), "is done")
	})
}

func mustJSON(v any) string {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(v)
	return b.String()
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
