//go:build !nodemo

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/internal/sandbox"
)

// demoSigningSecret signs the demo's own Slack requests; it protects
// nothing (everything runs in this process on loopback).
const demoSigningSecret = "demo-signing-secret-not-a-secret"

// Demo people: Slack ids and emails matching chataccess.example.yaml.
const (
	demoLead    = "U0DEMOLEAD1" // team lead, in the @dc-team-leads group (S0DCLEADS01)
	demoDana    = "U0DANALEE01" // dana.lee@example.com, an approver of "agent"
	demoEve     = "U0EVEDEMO01" // eve@example.com, not an approver
	demoAlice   = "U0ALICENG01" // alice@example.com, who needs access
	demoChannel = "C0DCAPPROV1" // the approval channel of "agent"
)

func runDemo(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "demo", "demo [--log-level LEVEL] [--policy FILE]")
	level := fs.String("log-level", "error", "log level of the bot's own logs (to stderr)")
	policy := fs.String("policy", "", "policy file (default: the embedded chataccess.example.yaml)")
	if err := parse(fs, args); err != nil {
		return err
	}
	d, err := startDemo(ctx, env, *level, *policy, nil)
	if err != nil {
		return err
	}
	defer d.stop()
	return d.script(ctx)
}

// demo is everything the demo runs: the bot wired exactly as `serve`
// wires it, on an in-process Redis, the Adobe and Marketo emulators and
// a fake Slack Web API.
type demo struct {
	out    io.Writer
	mr     *miniredis.Miniredis
	rdb    redis.UniversalClient
	sb     *sandbox.Sandbox
	slack  *slackfake.Fake
	app    *app
	url    string
	signer *slackbot.Verifier
	stop   func()
	shown  map[string]int      // message edits already printed
	lines  map[string][]string // last printed lines of each message
}

// startDemo starts the bot; rdb is the Redis to use, nil for an
// in-process one (the zero-setup default).
func startDemo(ctx context.Context, env Env, level, policyPath string, rdb redis.UniversalClient) (*demo, error) {
	d := &demo{out: env.Stdout, shown: map[string]int{}, lines: map[string][]string{}, signer: slackbot.NewVerifier(demoSigningSecret, nil)}
	var cleanups []func()
	d.stop = func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	defer func() {
		if d.app == nil || d.url == "" {
			d.stop()
		}
	}()
	var err error
	if cleanups, err = d.world(rdb, cleanups); err != nil {
		return nil, err
	}
	cfg, senv, err := d.config(env, policyPath)
	if err != nil {
		return nil, err
	}
	d.app, err = build(ctx, wiring{cfg: cfg, env: senv, rdb: d.rdb, log: zerologFor(env, level), replica: "demo",
		poll: 100 * time.Millisecond, notify: 100 * time.Millisecond, sweep: time.Minute, userLag: 500 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, d.app.close)
	stop, err := d.serve(ctx)
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, stop)
	return d, nil
}

// world starts what the bot talks to: Redis (in-process unless rdb is
// given), the Adobe and Marketo emulators with someone added by hand
// outside chataccess, and a fake Slack with the demo's people.
func (d *demo) world(rdb redis.UniversalClient, cleanups []func()) ([]func(), error) {
	d.rdb = rdb
	if rdb == nil {
		d.mr = miniredis.NewMiniRedis()
		if err := d.mr.Start(); err != nil {
			return cleanups, fmt.Errorf("in-process redis: %w", err)
		}
		cleanups = append(cleanups, d.mr.Close)
		d.rdb = redis.NewClient(&redis.Options{Addr: d.mr.Addr()})
		cleanups = append(cleanups, func() { _ = d.rdb.Close() })
	}
	d.sb = sandbox.Start(sandbox.Options{AdobeTimeScale: 1.0 / 60, MarketoTimeScale: 0.05, UserLag: 3 * time.Second})
	cleanups = append(cleanups, d.sb.Close)
	// Someone an admin added by hand in both consoles, outside chataccess:
	// the access review finds them.
	if err := d.sb.Adobe.AddUser(adobefake.UserSeed{Email: "bob@example.com", FirstName: "Bob", LastName: "Hand", Groups: []string{"Live Agent"}}); err != nil {
		return cleanups, err
	}
	if err := d.sb.Marketo.AddUser(marketofake.User{UserID: "bob@example.com", EmailAddress: "bob@example.com", FirstName: "Bob", LastName: "Hand",
		Roles: []marketofake.Assignment{{RoleID: d.sb.RoleID("DC Agent"), WorkspaceID: d.sb.WorkspaceID()}}}); err != nil {
		return cleanups, err
	}
	d.slack = slackfake.New()
	cleanups = append(cleanups, d.slack.Close)
	for _, u := range []slackfake.User{
		{ID: demoLead, Name: "Lea Lead", Email: "lea.lead@example.com"},
		{ID: demoDana, Name: "Dana Lee", Email: "dana.lee@example.com"},
		{ID: demoEve, Name: "Eve Stone", Email: "eve@example.com"},
		{ID: demoAlice, Name: "Alice Ng", Email: "alice@example.com"},
		{ID: "U0SUPPORT01", Name: "Support Lead", Email: "support.lead@example.com"},
		{ID: "U0ADMIN0001", Name: "Ada Admin", Email: "ada.admin@example.com"},
	} {
		d.slack.AddUser(u)
	}
	d.slack.AddGroup("S0DCLEADS01", demoLead)
	return cleanups, nil
}

// config loads the demo policy (embedded, or policyPath) and the
// environment pointing at the emulators and the fake Slack.
func (d *demo) config(env Env, policyPath string) (*config.Config, config.Env, error) {
	getenv := func(k string) string {
		return map[string]string{
			"SLACK_BOT_TOKEN": slackfake.Token, "SLACK_SIGNING_SECRET": demoSigningSecret, "SLACK_API_URL": d.slack.URL(),
			"ADOBE_IMS_URL": d.sb.AdobeURL(), "ADOBE_UMAPI_URL": d.sb.AdobeURL(), "ADOBE_ORG_ID": d.sb.Adobe.OrgID(),
			"ADOBE_CLIENT_ID": d.sb.Adobe.ClientID(), "ADOBE_CLIENT_SECRET": d.sb.Adobe.ClientSecret(),
			"MARKETO_BASE_URL": d.sb.MarketoURL(), "MARKETO_CLIENT_ID": "chataccess-demo", "MARKETO_CLIENT_SECRET": "demo-secret",
		}[k]
	}
	var cfg *config.Config
	var err error
	if policyPath != "" {
		cfg, err = config.Load(policyPath, getenv)
	} else {
		cfg, err = config.Parse(env.DemoPolicy, getenv)
	}
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return nil, config.Env{}, fmt.Errorf("demo policy: %w", err)
	}
	senv, err := config.LoadEnv(getenv)
	return cfg, senv, err
}

// serve runs the wired app on a loopback listener as serve runs it,
// and returns the function that stops it.
func (d *demo) serve(ctx context.Context) (func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.url = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: d.app.mux, ReadHeaderTimeout: 5 * time.Second}
	rctx, cancel := context.WithCancel(ctx)
	var g group
	g.addSignal(rctx)
	d.app.start(&g, srv, func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	done := make(chan struct{})
	go func() { _, _ = g.run(); close(done) }()
	return func() { cancel(); <-done }, nil
}

func zerologFor(env Env, level string) zerolog.Logger {
	return zerolog.New(zerolog.SyncWriter(zerolog.ConsoleWriter{Out: env.Stderr, TimeFormat: time.TimeOnly})).Level(parseLevel(level)).With().Timestamp().Logger()
}

func parseLevel(s string) zerolog.Level {
	l, err := zerolog.ParseLevel(s)
	if err != nil || s == "" {
		return zerolog.WarnLevel
	}
	return l
}

// say prints one narration line.
func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.out, format+"\n", args...) }

// post sends a signed Slack request to the bot's HTTP endpoint.
func (d *demo) post(path, body string) (string, error) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, d.url+path, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", d.signer.Sign(ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s answered %d: %s", path, resp.StatusCode, b)
	}
	return string(b), nil
}

// command types a slash command as user.
func (d *demo) command(user, text string) error {
	d.say("\n$ %s types:  /dynchat %s", d.name(user), text)
	form := url.Values{"team_id": {"T0DEMO"}, "channel_id": {"C0WORKROOM1"}, "user_id": {user}, "command": {"/dynchat"},
		"text": {text}, "trigger_id": {"trig-" + strconv.FormatInt(time.Now().UnixNano(), 36)}}
	body, err := d.post("/slack/commands", form.Encode())
	if err != nil {
		return err
	}
	if t := replyText(body); t != "" {
		d.say("  bot (only %s sees this): %s", d.name(user), t)
	}
	return nil
}

// click presses a request card's button as user.
func (d *demo) click(user, action, id string, msg slackfake.Message) error {
	d.say("\n$ %s clicks %q on the card of %s", d.name(user), strings.TrimPrefix(action, "dc_"), id)
	return d.press(user, action, "decide:"+id, id, msg)
}

// press sends a block_actions interaction for one button.
func (d *demo) press(user, action, blockID, value string, msg slackfake.Message) error {
	before := len(d.slack.Ephemerals())
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": "T0DEMO"},
		"trigger_id": "trig-" + user, "channel": map[string]any{"id": msg.Channel},
		"container": map[string]any{"type": "message", "message_ts": msg.TS, "channel_id": msg.Channel},
		"actions":   []any{map[string]any{"action_id": action, "block_id": blockID, "type": "button", "value": value}},
	})
	if _, err := d.post("/slack/interactions", url.Values{"payload": {string(payload)}}.Encode()); err != nil {
		return err
	}
	d.waitFor(2*time.Second, func() bool { return len(d.slack.Ephemerals()) > before })
	for _, e := range d.slack.Ephemerals()[before:] {
		d.say("  bot (only %s sees this): %s", d.name(e.User), oneLine(e.Text))
	}
	return nil
}

func (d *demo) name(id string) string {
	switch id {
	case demoLead:
		return "Lea (team lead)"
	case demoDana:
		return "Dana (approver)"
	case demoEve:
		return "Eve (not an approver)"
	case "U0ADMIN0001":
		return "Ada (admin)"
	case "U0SUPPORT01":
		return "Sam (support lead, approver)"
	}
	return id
}

// waitFor polls cond until it holds or timeout passes.
func (d *demo) waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}

// card returns the approval card of id in the approval channel.
func (d *demo) card(id string) (slackfake.Message, bool) {
	for _, m := range d.slack.Messages() {
		if m.Channel == demoChannel && m.ThreadTS == "" && strings.Contains(m.Blocks, id) {
			return m, true
		}
	}
	return slackfake.Message{}, false
}

// showChanges prints what changed in Slack since the last call: a new
// channel card in full, then only the lines of it that change; a line
// for each DM copy; thread replies and other DMs in full.
func (d *demo) showChanges() {
	for _, m := range d.slack.Messages() {
		key := m.Channel + "/" + m.TS
		seen, ok := d.shown[key]
		if ok && seen == m.Edits {
			continue
		}
		d.shown[key] = m.Edits
		lines := blockLines(m.Blocks, m.Text)
		dm := strings.HasPrefix(m.Channel, "D")
		where := "#" + m.Channel
		if dm {
			where = "a DM to " + d.name(strings.TrimPrefix(m.Channel, "D"))
		}
		isCard := strings.Contains(m.Blocks, "Access request")
		switch {
		case dm && isCard:
			verb := "gets a copy of the card"
			if ok {
				verb = "sees the copy updated"
			}
			d.say("  Slack: %s %s (DM)", d.name(strings.TrimPrefix(m.Channel, "D")), verb)
		case m.ThreadTS != "":
			d.say("  Slack thread reply under the card: %s", strings.Join(lines, " "))
		case len(lines) == 1:
			d.say("  Slack %s: %s", where, lines[0])
		case !ok:
			d.say("  Slack message posted in %s:", where)
			for _, l := range lines {
				d.say("    | %s", l)
			}
		default:
			prev := d.lines[key]
			for _, l := range lines {
				if !slices.Contains(prev, l) {
					d.say("  Slack message in %s updated: | %s", where, l)
				}
			}
		}
		d.lines[key] = lines
	}
}

// follow prints Slack changes until the request reaches one of states.
func (d *demo) follow(ctx context.Context, id string, timeout time.Duration, states ...approvals.State) (*approvals.Request, error) {
	deadline := time.Now().Add(timeout)
	for {
		d.showChanges()
		r, err := d.app.store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, s := range states {
			if r.State == s {
				// Let the notifier redraw the card with the outcome.
				d.waitFor(5*time.Second, func() bool {
					m, ok := d.card(id)
					return ok && strings.Contains(m.Blocks, "Status* "+strings.ReplaceAll(string(s), "_", " "))
				})
				d.showChanges()
				return r, nil
			}
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("%s is still %s after %s", id, r.State, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lastRequest is the newest request in the ledger.
func (d *demo) lastRequest(ctx context.Context) (*approvals.Request, error) {
	rs, err := d.app.store.List(ctx, approvals.AllRequests(), 1)
	if err != nil || len(rs) == 0 {
		return nil, fmt.Errorf("no request was created: %v", err)
	}
	return rs[0], nil
}
