// Package teamsfake is an in-process Microsoft Teams for tests: a fake
// Bot Framework token issuer (OpenID metadata and a JWKS with
// endorsements, signed with its own RSA keys), a fake Entra ID token
// endpoint for the bot's client-credentials grant, a fake Bot Connector
// that records what the bot posts and enforces Teams' rules (a valid
// bot token, card attachments, the message size limit, scripted 429s
// with Retry-After), and a fake Microsoft Graph for group members.
package teamsfake

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Issuer is the Bot Framework token issuer the fake writes.
const Issuer = "https://api.botframework.com"

// Key ids in the fake JWKS.
const (
	// KeyTeams is endorsed for msteams.
	KeyTeams = "fake-msteams"
	// KeySkype is endorsed for skype only.
	KeySkype = "fake-skype"
)

// User is a Teams user the fake knows.
type User struct {
	ObjectID string
	MRI      string // "29:…"
	Name     string
	Email    string
	UPN      string
	Given    string
	Surname  string
}

// Config seeds the fake.
type Config struct {
	AppID, AppPassword, TenantID string
	Users                        []User
	// Conversations are conversation ids (channels, group chats) and the
	// MRIs of their members.
	Conversations map[string][]string
	// Personal are users' 1:1 chats with the bot (MRI → conversation
	// id), as if each had installed the app and written to it: a user has
	// one such chat, so creating a conversation with them returns it.
	Personal map[string]string
	// Groups are Entra group ids and the object ids of their users.
	Groups map[string][]string
	// GraphPageSize pages group members (default 999).
	GraphPageSize int
}

// Server is the fake. Its URL serves every part; point TEAMS_OPENID_URL
// at OpenIDURL, TEAMS_LOGIN_URL at LoginURL, the Graph base at
// GraphURL, and use ServiceURL as the activities' serviceUrl.
type Server struct {
	srv  *httptest.Server
	cfg  Config
	keys map[string]*rsa.PrivateKey

	mu          sync.Mutex
	tokens      map[string]string // access token → scope
	tokenCalls  int
	keyCalls    int
	posts       []Post
	convSeq     int
	failures    []Failure
	extraKeys   map[string]*rsa.PrivateKey
	endorse     map[string][]string // key id → endorsements, when changed
	keysDown    bool                // the JWKS answers 503
	keysHold    chan struct{}       // the JWKS waits until it is closed
	personal    map[string]string   // MRI → personal conversation id
	activitySeq int
}

// New starts a fake; Close it when done.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, keys: map[string]*rsa.PrivateKey{KeyTeams: newKey(), KeySkype: newKey()},
		tokens: map[string]string{}, personal: map[string]string{}, extraKeys: map[string]*rsa.PrivateKey{}}
	for mri, conv := range cfg.Personal {
		s.personal[mri] = conv
	}
	if s.cfg.GraphPageSize <= 0 {
		s.cfg.GraphPageSize = 999
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openid", s.openID)
	mux.HandleFunc("GET /keys", s.jwks)
	mux.HandleFunc("POST /login/{tenant}/oauth2/v2.0/token", s.token)
	s.connectorRoutes(mux)
	mux.HandleFunc("GET /graph/v1.0/groups/{id}/transitiveMembers/microsoft.graph.user", s.groupMembers)
	s.srv = httptest.NewServer(mux)
	return s
}

// Close stops the fake.
func (s *Server) Close() { s.srv.Close() }

// URL is the fake's base URL.
func (s *Server) URL() string { return s.srv.URL }

// OpenIDURL is the Bot Framework OpenID metadata URL.
func (s *Server) OpenIDURL() string { return s.srv.URL + "/openid" }

// LoginURL is the token authority (…/{tenant}/oauth2/v2.0/token hangs off it).
func (s *Server) LoginURL() string { return s.srv.URL + "/login" }

// GraphURL is the Microsoft Graph base.
func (s *Server) GraphURL() string { return s.srv.URL + "/graph" }

// ServiceURL is the Bot Connector serviceUrl, with its trailing slash.
func (s *Server) ServiceURL() string { return s.srv.URL + "/connector/" }

// Client is an HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

func newKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) openID(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"issuer": Issuer, "jwks_uri": s.srv.URL + "/keys",
		"id_token_signing_alg_values_supported": []string{"RS256"}})
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.keyCalls++
	hold, down := s.keysHold, s.keysDown
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	if down {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "unavailable"})
		return
	}
	s.mu.Lock()
	endorsed := func(kid string, def ...string) []string {
		if e, ok := s.endorse[kid]; ok {
			return e
		}
		return def
	}
	keys := []map[string]any{jwk(KeyTeams, &s.keys[KeyTeams].PublicKey, endorsed(KeyTeams, "msteams", "skype")...),
		jwk(KeySkype, &s.keys[KeySkype].PublicKey, endorsed(KeySkype, "skype")...)}
	for kid, k := range s.extraKeys {
		keys = append(keys, jwk(kid, &k.PublicKey, endorsed(kid, "msteams")...))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// Endorse changes the channels a key of the JWKS is endorsed for.
func (s *Server) Endorse(kid string, channels ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.endorse == nil {
		s.endorse = map[string][]string{}
	}
	s.endorse[kid] = channels
}

// KeysDown makes the JWKS answer 503 (down) or serve again.
func (s *Server) KeysDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keysDown = down
}

// HoldKeys makes every JWKS request wait until release is called (or
// the request is given up).
func (s *Server) HoldKeys() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.keysHold = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.keysHold = nil
			s.mu.Unlock()
			close(ch)
		})
	}
}

func jwk(kid string, pub *rsa.PublicKey, endorsements ...string) map[string]any {
	return map[string]any{"kty": "RSA", "use": "sig", "kid": kid, "x5t": kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()), "endorsements": endorsements}
}

// KeyFetches counts JWKS downloads.
func (s *Server) KeyFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keyCalls
}

// RotateIn adds a new msteams key under kid (as Microsoft does when it
// rotates keys) and returns it.
func (s *Server) RotateIn(kid string) *rsa.PrivateKey {
	k := newKey()
	s.mu.Lock()
	s.extraKeys[kid] = k
	s.mu.Unlock()
	return k
}

// token is the Entra ID v2 token endpoint for the client-credentials
// grant of one tenant's app.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	s.tokenCalls++
	s.mu.Unlock()
	scope := r.PostForm.Get("scope")
	switch {
	case r.PathValue("tenant") != s.cfg.TenantID:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."})
		return
	case r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != s.cfg.AppID ||
		r.PostForm.Get("client_secret") != s.cfg.AppPassword:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
		return
	case scope != "https://api.botframework.com/.default" && scope != "https://graph.microsoft.com/.default":
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_scope"})
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := "fake-" + hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = scope
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": tok})
}

// TokenRequests counts token endpoint calls.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls
}

// authorized checks the bearer token's scope.
func (s *Server) authorized(r *http.Request, scope string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[tok] == scope
}

// RevokeTokens forgets every issued token (the next call gets 401).
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	s.tokens = map[string]string{}
	s.mu.Unlock()
}
