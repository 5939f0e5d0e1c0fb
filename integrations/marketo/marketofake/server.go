package marketofake

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Credentials the emulator accepts unless Options say otherwise.
const (
	DefaultClientID     = "chataccess-demo-client"
	DefaultClientSecret = "chataccess-demo-secret"
)

// Shape is a body shape of roles/create.json and roles/delete.json.
type Shape string

// Shapes. The guide's samples send a bare array; the OpenAPI file wants
// {"input":[...]}; which one Marketo accepts is UNCONFIRMED.
const (
	ShapeArray Shape = "array"
	ShapeInput Shape = "input"
	ShapeAny   Shape = "any"
)

// ErrorStyle is how the emulator answers a 6xx/7xx code.
type ErrorStyle string

// Error styles.
const (
	// StyleStatus answers like the user management guide: a non-200
	// status and {"errors":[{"code":606,"message":"…"}]} with int codes
	// (swagger-user.json). Which status goes with which code is
	// UNCONFIRMED; see StatusFor.
	StyleStatus ErrorStyle = "status"
	// StyleEnvelope answers like the rest of the REST API: HTTP 200 and
	// {"requestId":"…","success":false,"errors":[{"code":"606",…}]}
	// with quoted codes (error-codes.md).
	StyleEnvelope ErrorStyle = "envelope"
)

// Options configure a Server. The zero value is a working instance with
// the documented limits and the default credentials.
type Options struct {
	// ClientID and ClientSecret are the accepted LaunchPoint credentials.
	ClientID     string
	ClientSecret string
	// Scope is the API-only user that owns the service (token "scope").
	Scope string
	// MunchkinID names the instance, as in https://<munchkin-id>.mktorest.com
	// (default DefaultMunchkinID); see instances.go.
	MunchkinID string
	// TokenLifetime of a new token (documented: 3600 s).
	TokenLifetime time.Duration

	// RateLimit calls per RateWindow (documented: 100 per 20 s, code 606),
	// MaxConcurrent calls in flight (documented: 10, code 615).
	RateLimit     int
	RateWindow    time.Duration
	MaxConcurrent int
	// TimeScale multiplies RateWindow, so tests can run the limits fast
	// (0.01 makes the window 200 ms). Default 1.
	TimeScale float64
	// DailyQuota is the number of calls per day before 607 (0 = none).
	// The day ends at midnight US Central time.
	DailyQuota int

	// Latency is added to every call.
	Latency time.Duration
	// Clock drives token expiry, user lag and the daily quota.
	Clock func() time.Time
	// UserLag is how long after SyncFromAdobe a user appears.
	UserLag time.Duration
	// IMS makes the subscription Adobe-identity integrated: synced users
	// get generated ids, and invitations are for API-only users only.
	IMS bool

	// AddRolesBody and DeleteRolesBody are the body shapes accepted by
	// roles/create.json and roles/delete.json (default ShapeArray, the
	// documented sample). The other shape gets a 400 naming the setting.
	AddRolesBody    Shape
	DeleteRolesBody Shape
	// PageOffset is how allusers.json reads pageOffset: "records"
	// (default) or "pages". The real meaning is UNCONFIRMED.
	PageOffset string
	// Style is how errors are answered (default StyleStatus).
	Style ErrorStyle
	// RequireOneRole refuses to delete a user's last role (UNCONFIRMED).
	RequireOneRole bool
}

func (o Options) withDefaults() Options {
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = DefaultClientSecret
	}
	if o.Scope == "" {
		o.Scope = "chataccess-api@example.com"
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = 3600 * time.Second
	}
	if o.RateLimit <= 0 {
		o.RateLimit = 100
	}
	if o.RateWindow <= 0 {
		o.RateWindow = 20 * time.Second
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 10
	}
	if o.TimeScale <= 0 {
		o.TimeScale = 1
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.AddRolesBody == "" {
		o.AddRolesBody = ShapeArray
	}
	if o.DeleteRolesBody == "" {
		o.DeleteRolesBody = ShapeArray
	}
	if o.PageOffset == "" {
		o.PageOffset = "records"
	}
	if o.Style == "" {
		o.Style = StyleStatus
	}
	return o
}

// Server is the emulator. It is safe for concurrent use.
type Server struct {
	opt Options

	mu         sync.Mutex
	token      string    // the current token of the client id
	tokenExp   time.Time // its expiry
	oldTokens  map[string]time.Time
	nextID     int
	users      map[string]*user // key: lower-case userid
	invited    map[string]*invitedUser
	roles      map[int]*Role
	workspaces map[int]*Workspace
	pending    []pendingUser
	applied    []Change
	requests   []Recorded
	window     []time.Time // admitted calls inside the rate window
	inFlight   int
	quotaDay   string
	quotaUsed  int
	faults     faultState
	stats      Stats
}

// New returns an empty instance with the workspace "Default" (id 1) and
// the system roles "Admin" (id 1) and "Standard User" (id 2). LoadSeed
// adds more.
func New(opt Options) *Server {
	s := &Server{
		opt:        opt.withDefaults(),
		oldTokens:  map[string]time.Time{},
		nextID:     1000,
		users:      map[string]*user{},
		invited:    map[string]*invitedUser{},
		roles:      map[int]*Role{},
		workspaces: map[int]*Workspace{},
	}
	s.faults.user = map[string]Fault{}
	now := s.now()
	s.workspaces[1] = &Workspace{ID: 1, Name: "Default", Description: "Initial workspace for Marketing Activities, Design Studio, and so on.", CreatedAt: now}
	s.roles[1] = &Role{ID: 1, Name: "Admin", Description: "All permissions", Type: "system", Admin: true, OnlyAllZones: true, CreatedAt: now}
	s.roles[2] = &Role{ID: 2, Name: "Standard User", Description: "All permissions except Admin", Type: "system", CreatedAt: now}
	return s
}

func (s *Server) now() time.Time { return s.opt.Clock() }

// Options returns the options with defaults filled in.
func (s *Server) Options() Options { return s.opt }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newToken looks like the documented sample "cdf01657-110d-4155-99a7-f986b2ff13a0:int".
func newToken() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32] + ":fk"
}

const (
	identityPath = "/identity/oauth/token"
	umPrefix     = "/userservice/management/v1/users/"
)

// ServeHTTP routes identity and user management calls; anything else
// is answered 404 with code 610 ("Requested resource not found").
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == identityPath:
		s.serveIdentity(w, r)
	case strings.HasPrefix(r.URL.Path, umPrefix):
		s.serveUM(w, r)
	default:
		rec := s.record(r, nil)
		s.fail(w, rec, 610, "")
	}
}
