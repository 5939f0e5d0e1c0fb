package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Token is the bot token the fake accepts unless New is given another.
const Token = "xoxb-fake-token"

// Call is one recorded Web API call.
type Call struct {
	Method string
	// Form holds form fields (and query parameters) of form calls.
	Form url.Values
	// JSON holds the body of JSON calls (views.*), nil otherwise.
	JSON map[string]any
	// Status is the HTTP status the fake answered.
	Status int
	// Error is the "error" of an ok:false answer, "" when ok.
	Error string
	// Warnings are the response_metadata.warnings Slack would add, e.g.
	// "missing_charset" for a JSON body without charset=utf-8.
	Warnings []string
}

// User is a workspace member the fake knows.
type User struct {
	ID      string
	Name    string
	Email   string // empty: a user without email (bot, guest)
	Deleted bool
	IsBot   bool
	// Restricted is a multi-channel guest, UltraRestricted a
	// single-channel guest (users.info is_restricted,
	// is_ultra_restricted).
	Restricted, UltraRestricted bool
	// DisplayName is the profile's display name (default Name, which is
	// the real name); FirstName and LastName are the profile's name
	// fields, empty when the person never filled them in.
	DisplayName, FirstName, LastName string
	// Locale is the language the person uses Slack in ("fr-FR"),
	// returned by users.info with include_locale.
	Locale string
}

// Message is a posted message in its latest version.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string
	Text     string
	// Blocks is the raw blocks JSON ("" when none).
	Blocks string
	// Edits counts chat.update calls on it.
	Edits int
	// Identical counts chat.update calls that changed nothing.
	Identical int
}

// Ephemeral is a chat.postEphemeral message.
type Ephemeral struct {
	Channel, User, Text, Blocks string
}

// View is an opened, pushed, updated or published view.
type View struct {
	ID     string
	Method string
	User   string // views.publish
	View   map[string]any
}

type rate struct {
	n     int
	per   time.Duration
	times map[string][]time.Time
}

type failure struct {
	code       string
	retryAfter int
}

// Fake is the fake Slack Web API.
type Fake struct {
	srv   *httptest.Server
	token string

	mu         sync.Mutex
	calls      []Call
	users      map[string]User
	groups     map[string][]string
	messages   map[string]*Message // channel + "/" + ts
	order      []string
	ephemerals []Ephemeral
	views      []View
	homes      map[string]map[string]any
	usedTrig   map[string]bool
	expired    map[string]bool
	failures   map[string][]failure
	rates      map[string]*rate
	responses  []Response
	seq        int
	// The workspace around the bot (workspace.go): registered
	// channels, the token's scopes (nil: DefaultScopes), group details.
	channels  map[string]Channel
	scopes    []string
	groupMeta map[string]*groupMeta
}

// New starts a fake; Close it when done (t.Cleanup(f.Close)).
func New() *Fake {
	f := &Fake{
		token:    Token,
		users:    map[string]User{},
		groups:   map[string][]string{},
		messages: map[string]*Message{},
		homes:    map[string]map[string]any{},
		usedTrig: map[string]bool{},
		expired:  map[string]bool{},
		failures: map[string][]failure{},
		rates:    map[string]*rate{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// URL is the API base URL for slack.OptionAPIURL (ends in "/").
func (f *Fake) URL() string { return f.srv.URL + "/" }

// Close stops the server.
func (f *Fake) Close() { f.srv.Close() }

// AddUser registers a user.
func (f *Fake) AddUser(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.ID] = u
}

// AddGroup registers a user group and its members.
func (f *Fake) AddGroup(id string, members ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups[id] = members
}

// ExpireTrigger makes views.open/push with this trigger id fail with
// expired_trigger_id.
func (f *Fake) ExpireTrigger(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expired[id] = true
}

// FailNext makes the next call of method answer ok:false with code.
func (f *Fake) FailNext(method, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[method] = append(f.failures[method], failure{code: code})
}

// RateLimitNext makes the next call of method answer 429 with
// Retry-After: seconds.
func (f *Fake) RateLimitNext(method string, seconds int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[method] = append(f.failures[method], failure{code: "ratelimited", retryAfter: seconds})
}

// SetRate limits method to n calls per period (per channel for
// chat.postMessage, as Slack does); extra calls get 429 + Retry-After.
func (f *Fake) SetRate(method string, n int, per time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rates[method] = &rate{n: n, per: per, times: map[string][]time.Time{}}
}

// Calls returns the recorded calls, all of them or those of one method.
func (f *Fake) Calls(method string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the latest version of every message (replies
// included), in posting order.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Message, 0, len(f.order))
	for _, k := range f.order {
		out = append(out, *f.messages[k])
	}
	return out
}

// Message returns the latest version of one message.
func (f *Fake) Message(channel, ts string) (Message, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.messages[channel+"/"+ts]
	if !ok {
		return Message{}, false
	}
	return *m, true
}

// Replies returns the thread replies to a message, oldest first.
func (f *Fake) Replies(channel, ts string) []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Message
	for _, k := range f.order {
		if m := f.messages[k]; m.Channel == channel && m.ThreadTS == ts {
			out = append(out, *m)
		}
	}
	return out
}

// Ephemerals returns the ephemeral messages.
func (f *Fake) Ephemerals() []Ephemeral {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Ephemeral(nil), f.ephemerals...)
}

// Views returns the views opened, pushed, updated or published.
func (f *Fake) Views() []View {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]View(nil), f.views...)
}

// Home returns the view last published to a user's Home tab.
func (f *Fake) Home(user string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.homes[user]
}

type reply map[string]any

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/"+HookPath) {
		f.hook(w, r)
		return
	}
	method := strings.TrimPrefix(r.URL.Path, "/")
	call := Call{Method: method}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		// Slack: JSON bodies must say charset=utf-8, else the answer
		// carries the warning missing_charset (api.slack.com/web, "JSON-encoded bodies").
		if ctParams["charset"] == "" {
			call.Warnings = []string{"missing_charset"}
		}
		if err := json.Unmarshal(body, &call.JSON); err != nil {
			f.finish(w, call, http.StatusOK, reply{"ok": false, "error": "invalid_json"}, 0)
			return
		}
	} else {
		call.Form, _ = url.ParseQuery(string(body))
		for k, v := range r.URL.Query() {
			call.Form[k] = v
		}
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" && call.Form != nil {
		tok = call.Form.Get("token")
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if tok != f.token {
		f.finish(w, call, http.StatusOK, reply{"ok": false, "error": "invalid_auth"}, 0)
		return
	}
	w.Header().Set("X-OAuth-Scopes", strings.Join(f.grantedScopes(), ","))
	if rep := f.needScope(method, call); rep != nil {
		f.finish(w, call, http.StatusOK, rep, 0)
		return
	}
	if q := f.failures[method]; len(q) > 0 {
		f.failures[method] = q[1:]
		if q[0].retryAfter > 0 {
			f.finish(w, call, http.StatusTooManyRequests, reply{"ok": false, "error": "ratelimited"}, q[0].retryAfter)
		} else {
			f.finish(w, call, http.StatusOK, reply{"ok": false, "error": q[0].code}, 0)
		}
		return
	}
	if wait := f.rateWait(method, call); wait > 0 {
		f.finish(w, call, http.StatusTooManyRequests, reply{"ok": false, "error": "ratelimited"}, wait)
		return
	}
	rep := f.handle(method, call)
	if len(call.Warnings) > 0 {
		rep["warning"] = strings.Join(call.Warnings, ",")
		rep["response_metadata"] = map[string]any{"warnings": call.Warnings}
	}
	f.finish(w, call, http.StatusOK, rep, 0)
}

func (f *Fake) finish(w http.ResponseWriter, call Call, status int, rep reply, retryAfter int) {
	call.Status = status
	if e, ok := rep["error"].(string); ok {
		call.Error = e
	}
	f.calls = append(f.calls, call)
	w.Header().Set("Content-Type", "application/json")
	if retryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(retryAfter))
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(rep)
}

// rateWait applies SetRate limits; it returns whole seconds to wait.
func (f *Fake) rateWait(method string, call Call) int {
	rt := f.rates[method]
	if rt == nil {
		return 0
	}
	key := method
	if method == "chat.postMessage" {
		key += "/" + param(call, "channel")
	}
	now := time.Now()
	var kept []time.Time
	for _, t := range rt.times[key] {
		if now.Sub(t) < rt.per {
			kept = append(kept, t)
		}
	}
	if len(kept) >= rt.n {
		rt.times[key] = kept
		return max(1, int(math.Ceil((rt.per - now.Sub(kept[0])).Seconds())))
	}
	rt.times[key] = append(kept, now)
	return 0
}

func param(c Call, k string) string {
	if c.JSON != nil {
		s, _ := c.JSON[k].(string)
		return s
	}
	return c.Form.Get(k)
}

func fail(code string, detail ...string) reply {
	r := reply{"ok": false, "error": code}
	if len(detail) > 0 {
		r["errors"] = detail
		r["response_metadata"] = map[string]any{"messages": detail}
	}
	return r
}

func (f *Fake) nextTS() string {
	f.seq++
	return fmt.Sprintf("%d.%06d", 1700000000+f.seq, f.seq)
}
