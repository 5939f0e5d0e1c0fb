package adobefake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kind names a class of call, for counters, limits and faults.
type Kind string

// Kinds of call.
const (
	KindAny    Kind = "" // in faults: any UMAPI call
	KindToken  Kind = "token"
	KindAction Kind = "action"
	KindUser   Kind = "user"   // GET /organizations/{org}/users/{email}
	KindUsers  Kind = "users"  // GET /users/{org}/{page}[/{group}]
	KindGroups Kind = "groups" // GET /groups/{org}/{page}
	KindOther  Kind = "other"
)

// Limits are the per-client limits the emulator enforces, each as a token
// bucket of N calls refilled at N per Period. Zero fields take Adobe's
// values: action 10, user reads 25, group reads 5, global 100 a minute
// (umapi-doc:docs/en/api/partials/throttling.md). KindUser and KindUsers
// each have their own UserReads bucket, as each page lists 25.
type Limits struct {
	Actions, UserReads, GroupReads, Global int
	Period                                 time.Duration
	Disabled                               bool
}

// Options configure a Server. Zero values take the defaults shown.
type Options struct {
	OrgID         string        // default "DEMO0000000000000000@AdobeOrg"
	ClientID      string        // default "chataccess-demo"
	ClientSecret  string        // default "demo-secret"
	TokenLifetime time.Duration // default 24h (expires_in 86399, RefOverview.md)
	Limits        Limits
	// TimeScale, when Limits.Period is zero, sets Period to TimeScale
	// minutes (e.g. 1.0/60 makes "10 a minute" mean 10 a second).
	TimeScale float64
	Latency   time.Duration    // added to every call
	Now       func() time.Time // default time.Now
	// UserPageSize is 2000 and GroupPageSize 400, like Adobe's
	// (getUsersWithPage.md, group.md); tests shrink them.
	UserPageSize, GroupPageSize int
	// MaxStepsPerCommand rejects longer commands with list_too_long;
	// default 10 (the real limit is UNCONFIRMED).
	MaxStepsPerCommand int
	// Domains maps claimed domains to the identity type they take
	// ("enterpriseID" or "federatedID"), or to DomainIncomplete. Empty:
	// every domain is claimed and takes either type.
	Domains map[string]string
	// LowercaseHeaders sends the paging headers as x-current-page etc.,
	// which Adobe allows (RefOverview.md: header names are case-insensitive).
	LowercaseHeaders bool
	// OnChange is called (outside the lock) for every applied membership change.
	OnChange func(Change)
	// MemberCountDirect makes a product profile's memberCount count its
	// direct members only; by default it counts everyone who holds the
	// profile, through user groups too (group.md: "the count of all
	// members"; which one Adobe means is UNCONFIRMED).
	MemberCountDirect bool
}

// Recorded is one request as received, minus the Authorization header;
// client_secret in token bodies is replaced by "<redacted>".
type Recorded struct {
	Time   time.Time
	Kind   Kind
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
	Status int
}

// ChangeOp is "add" or "remove".
type ChangeOp string

// Change operations.
const (
	OpAdd    ChangeOp = "add"
	OpRemove ChangeOp = "remove"
)

// Change is one membership change that took effect.
type Change struct {
	Time      time.Time
	User      string // email
	Profile   string // group name
	Op        ChangeOp
	RequestID string // the command's requestID
	// Group is set when a product profile was added to or removed from a
	// user group (User is then empty; see groups.go).
	Group string
}

// Server is the emulator. It implements http.Handler.
type Server struct {
	opts Options

	mu       sync.Mutex
	users    map[string]*user  // by lower-case email
	groups   map[string]*group // by lower-case name
	nextID   int64
	tokens   map[string]time.Time
	buckets  map[Kind]*bucket
	requests []Recorded
	applied  []Change
	calls    map[Kind]int
	faults   []*fault
	userErr  map[string]issue // by lower-case email
	latency  time.Duration
}

type user struct {
	id, email, username, domain, first, last, country, typ string
	groups                                                 map[string]bool // lower-case group names
}

type group struct {
	id                            int64
	name, typ, product, adminName string
	quota                         int
	members                       map[string]bool // lower-case emails
	profiles                      map[string]bool // user groups: lower-case names of the product profiles assigned
	readOnly                      bool            // a user group shared from another organization
}

type issue struct{ code, message string }

// New returns an emulator with no users or groups.
func New(o Options) *Server {
	if o.OrgID == "" {
		o.OrgID = "DEMO0000000000000000@AdobeOrg"
	}
	if o.ClientID == "" {
		o.ClientID = "chataccess-demo"
	}
	if o.ClientSecret == "" {
		o.ClientSecret = "demo-secret"
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.UserPageSize <= 0 {
		o.UserPageSize = 2000
	}
	if o.GroupPageSize <= 0 {
		o.GroupPageSize = 400
	}
	if o.MaxStepsPerCommand <= 0 {
		o.MaxStepsPerCommand = 10
	}
	l := &o.Limits
	if l.Period <= 0 {
		l.Period = time.Minute
		if o.TimeScale > 0 {
			l.Period = time.Duration(float64(time.Minute) * o.TimeScale)
		}
	}
	for _, f := range []struct {
		p *int
		v int
	}{{&l.Actions, 10}, {&l.UserReads, 25}, {&l.GroupReads, 5}, {&l.Global, 100}} {
		if *f.p <= 0 {
			*f.p = f.v
		}
	}
	s := &Server{opts: o, users: map[string]*user{}, groups: map[string]*group{}, tokens: map[string]time.Time{},
		calls: map[Kind]int{}, userErr: map[string]issue{}, nextID: 1000, latency: o.Latency}
	s.buckets = map[Kind]*bucket{
		KindAction: newBucket(l.Actions, l.Period), KindUser: newBucket(l.UserReads, l.Period),
		KindUsers: newBucket(l.UserReads, l.Period), KindGroups: newBucket(l.GroupReads, l.Period),
		KindAny: newBucket(l.Global, l.Period),
	}
	return s
}

// OrgID, ClientID and ClientSecret return the credentials the server accepts.
func (s *Server) OrgID() string        { return s.opts.OrgID }
func (s *Server) ClientID() string     { return s.opts.ClientID }
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// ServeHTTP serves IMS under /ims/ and UMAPI under /v2/usermanagement/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	k := kindOf(r.Method, r.URL.Path)
	rec := Recorded{Time: s.opts.Now(), Kind: k, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: redactBody(k, body)}
	rec.Header.Del("Authorization")
	if id := r.Header.Get("X-Request-Id"); id != "" {
		w.Header().Set("X-Request-Id", id) // echoed (partials/requestIdDescription.md)
	}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		rec.Status = sw.status
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
	}()

	s.mu.Lock()
	s.calls[k]++
	lat := s.latency
	f := s.takeFault(k)
	s.mu.Unlock()
	if s.delayOrFault(sw, r, f, lat) {
		return
	}
	if k == KindToken {
		s.serveToken(sw, r, body)
		return
	}
	if k == KindOther {
		noEndpoint(sw)
		return
	}
	if !s.authorize(sw, r) {
		return
	}
	if wait, ok := s.allow(k); !ok {
		sw.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeJSON(sw, 429, map[string]string{"error_code": "429050", "message": "Too many requests"})
		return
	}
	switch k {
	case KindAction:
		s.serveAction(sw, r, body)
	case KindUser:
		s.serveUser(sw, r)
	case KindUsers:
		s.serveUsers(sw, r)
	case KindGroups:
		s.serveGroups(sw, r)
	}
}

func kindOf(method, path string) Kind {
	switch {
	case strings.HasPrefix(path, "/ims/token/"):
		return KindToken
	case method == http.MethodPost && strings.HasPrefix(path, "/v2/usermanagement/action/"):
		return KindAction
	case method == http.MethodGet && strings.HasPrefix(path, "/v2/usermanagement/organizations/"):
		return KindUser
	case method == http.MethodGet && strings.HasPrefix(path, "/v2/usermanagement/users/"):
		return KindUsers
	case method == http.MethodGet && strings.HasPrefix(path, "/v2/usermanagement/groups/"):
		return KindGroups
	}
	return KindOther
}

// authorize checks the bearer token (401 with WWW-Authenticate and an
// empty body, partials/unauthorized.md) and X-Api-Key (403, empty body,
// partials/forbidden.md).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, known := s.tokens[tok]
	valid := ok && known && s.opts.Now().Before(exp)
	s.mu.Unlock()
	if !valid {
		w.Header().Set("WWW-Authenticate", `Bearer realm="JIL", error="invalid_token", error_description="The access token is invalid"`)
		w.WriteHeader(http.StatusUnauthorized)
		return false
	}
	if r.Header.Get("X-Api-Key") != s.opts.ClientID {
		w.WriteHeader(http.StatusForbidden)
		return false
	}
	return true
}

// allow takes one call from k's bucket and the global bucket.
func (s *Server) allow(k Kind) (time.Duration, bool) {
	if s.opts.Limits.Disabled {
		return 0, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	g, b := s.buckets[KindAny], s.buckets[k]
	if w := g.wait(now); w > 0 {
		return w, false
	}
	if w := b.wait(now); w > 0 {
		return w, false
	}
	g.take(now)
	b.take(now)
	return 0, true
}

// bucket is a token bucket of size n refilled at n per period.
type bucket struct {
	n      float64
	period time.Duration
	tokens float64
	last   time.Time
}

func newBucket(n int, period time.Duration) *bucket {
	return &bucket{n: float64(n), period: period, tokens: float64(n)}
}

func (b *bucket) refill(now time.Time) {
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = math.Min(b.n, b.tokens+b.n*float64(now.Sub(b.last))/float64(b.period))
	}
	if b.last.IsZero() || now.After(b.last) {
		b.last = now
	}
}

func (b *bucket) wait(now time.Time) time.Duration {
	b.refill(now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.n * float64(b.period))
}

func (b *bucket) take(now time.Time) { b.refill(now); b.tokens-- }

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return w.ResponseWriter.Write(b)
}

// noEndpoint answers a path that is no UMAPI endpoint, e.g. one with
// /v2/usermanagement twice: 404 with a gateway body that is not UMAPI's
// {"result": ...} envelope. Adobe's exact body for an unknown path is
// UNCONFIRMED; the error_code style is the gateway's (the 429 body of
// partials/throttling.md), so a client must not read it as "not found".
func noEndpoint(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error_code": "404040", "message": "Resource not found"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func redactBody(k Kind, body []byte) []byte {
	if k != KindToken {
		return bytes.Clone(body)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return []byte("<unparsable form>")
	}
	if form.Has("client_secret") {
		form.Set("client_secret", "<redacted>")
	}
	return []byte(form.Encode())
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Requests returns every request received so far.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.requests...)
}

// Applied returns every membership change that took effect, in order.
func (s *Server) Applied() []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Change(nil), s.applied...)
}

// Calls counts requests of kind k (KindAny: all UMAPI and IMS requests).
func (s *Server) Calls(k Kind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k == KindAny {
		n := 0
		for _, v := range s.calls {
			n += v
		}
		return n
	}
	return s.calls[k]
}

// Members returns the sorted emails of profile's members.
func (s *Server) Members(profile string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[strings.ToLower(profile)]
	if g == nil {
		return nil
	}
	out := make([]string, 0, len(g.members))
	for k := range g.members {
		out = append(out, s.users[k].email)
	}
	sort.Strings(out)
	return out
}

// ListenAndServe serves the emulator on addr until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	return err
}
