package adobefake

import (
	"net/http"
	"net/url"
	"strings"
)

// serveToken emulates POST /ims/token/v3 (and /v2): form fields client_id,
// client_secret, grant_type=client_credentials and a scope that includes
// user_management_sdk (Developer Console ServerToServerAuthentication/IMS;
// umapi-doc:docs/en/UM_Authentication.md). Like IMS it also reads the
// fields from the query string; tests check the client never does that.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed"})
		return
	}
	form, _ := url.ParseQuery(string(body))
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form = url.Values{}
	}
	for k, v := range r.URL.Query() {
		if !form.Has(k) {
			form[k] = v
		}
	}
	fail := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	switch {
	case form.Get("grant_type") != "client_credentials":
		fail(400, "unsupported_grant_type", "unsupported grant_type parameter")
	case form.Get("client_id") != s.opts.ClientID:
		fail(400, "invalid_client", "invalid client_id parameter")
	case form.Get("client_secret") != s.opts.ClientSecret:
		fail(401, "invalid_client", "invalid client_secret parameter")
	case !hasScope(form.Get("scope"), "user_management_sdk"):
		fail(400, "invalid_scope", "invalid scope")
	default:
		tok := "eyJ" + randomHex(32)
		s.mu.Lock()
		s.tokens[tok] = s.opts.Now().Add(s.opts.TokenLifetime)
		s.mu.Unlock()
		writeJSON(w, 200, map[string]any{"access_token": tok, "token_type": "bearer",
			"expires_in": int64(s.opts.TokenLifetime.Seconds()) - 1})
	}
}

func hasScope(scopes, want string) bool {
	for _, sc := range strings.Split(scopes, ",") {
		if strings.TrimSpace(sc) == want {
			return true
		}
	}
	return false
}

// ExpireTokens makes every issued token invalid, as if 24 h had passed.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}
