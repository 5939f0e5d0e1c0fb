package marketofake

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the daily quota ends at midnight America/Chicago
)

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// serveIdentity issues tokens: GET or POST /identity/oauth/token with
// grant_type, client_id and client_secret as query parameters
// (swagger-identity.json). Before expiry it returns the same token and
// its remaining life (authentication.md). Bad credentials get 401
// (error-codes.md); the OAuth-style body is UNCONFIRMED.
func (s *Server) serveIdentity(w http.ResponseWriter, r *http.Request) {
	idx := s.record(r, nil)
	s.mu.Lock()
	s.stats.TokenRequests++
	var f Fault
	faulted := len(s.faults.identity) > 0
	if faulted {
		f = s.faults.identity[0]
		s.faults.identity = s.faults.identity[1:]
		s.stats.Faults++
	}
	s.mu.Unlock()
	sleep(r.Context(), s.opt.Latency)
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		s.fail(w, idx, 605, "")
		return
	}
	if faulted {
		sleep(r.Context(), f.Latency)
		if f.Drop {
			panic(http.ErrAbortHandler)
		}
		if f.Code != 0 || f.Status != 0 {
			s.failWith(w, idx, f, "")
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		s.oauthError(w, idx, http.StatusBadRequest, "invalid_request", "Malformed request")
		return
	}
	if gt := r.Form.Get("grant_type"); gt != "client_credentials" {
		s.oauthError(w, idx, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+strconv.Quote(gt))
		return
	}
	if r.Form.Get("client_id") != s.opt.ClientID || r.Form.Get("client_secret") != s.opt.ClientSecret {
		s.oauthError(w, idx, http.StatusUnauthorized, "invalid_client", "Bad client credentials")
		return
	}
	s.mu.Lock()
	now := s.now()
	if s.token == "" || !now.Before(s.tokenExp) {
		if s.token != "" {
			s.oldTokens[s.token] = s.tokenExp
		}
		s.token, s.tokenExp = newToken(), now.Add(s.opt.TokenLifetime)
		s.stats.TokensIssued++
	}
	tok, left := s.token, int(s.tokenExp.Sub(now)/time.Second)
	s.mu.Unlock()
	s.finish(idx, http.StatusOK, "")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": left, "scope": s.opt.Scope})
}

func (s *Server) oauthError(w http.ResponseWriter, idx, status int, code, desc string) {
	s.finish(idx, status, code)
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// checkToken returns 0, or 601/602 with a message. Callers hold mu.
// The user management API takes the token only from the Authorization
// header: "You cannot pass the access token as a query string
// parameter" (user-management.md), so a query token is refused.
func (s *Server) checkToken(r *http.Request) (int, string) {
	if r.URL.Query().Has("access_token") {
		return 601, "Access token invalid: the User Management API accepts the token only in the Authorization header, not as the access_token query parameter"
	}
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return 601, "Access token invalid: no Authorization: Bearer header"
	}
	tok := strings.TrimSpace(h[7:])
	now := s.now()
	if tok == s.token && tok != "" {
		if !now.Before(s.tokenExp) {
			return 602, ""
		}
		return 0, ""
	}
	if _, ok := s.oldTokens[tok]; ok {
		return 602, ""
	}
	return 601, ""
}

// maxBody is Marketo's 1 MB payload limit (error-codes.md, HTTP 413).
const maxBody = 1 << 20

// serveUM runs a user management call: record, token, faults, limits
// (615 concurrency, 606 rate, 607 quota), processing latency, handler.
func (s *Server) serveUM(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	idx := s.record(r, body)
	if err != nil {
		s.fail(w, idx, 611, "")
		return
	}
	if len(body) > maxBody {
		s.finish(idx, http.StatusRequestEntityTooLarge, "")
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{})
		return
	}
	segs := splitPath(r.URL.EscapedPath())
	userID := ""
	if len(segs) >= 2 {
		userID = segs[0]
	}

	s.mu.Lock()
	s.stats.Calls++
	s.materialize()
	if code, msg := s.checkToken(r); code != 0 {
		s.stats.TokenRejected++
		s.mu.Unlock()
		s.fail(w, idx, code, msg)
		return
	}
	f, faulted := s.takeFault(userID)
	if faulted {
		s.stats.Faults++
	}
	s.mu.Unlock()
	if faulted {
		sleep(r.Context(), f.Latency)
		if f.Drop {
			s.finish(idx, 0, "dropped")
			panic(http.ErrAbortHandler)
		}
		if f.Code != 0 || f.Status != 0 {
			s.failWith(w, idx, f, "")
			return
		}
	}
	if code, msg := s.admit(); code != 0 {
		s.fail(w, idx, code, msg)
		return
	}
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	sleep(r.Context(), s.opt.Latency)
	s.route(w, r, idx, segs, body)
}

// admit applies the instance limits. Source: mkto-dev:help/rest-api/
// rest-api.md and error-codes.md: 606 "The number of calls in the past
// 20 seconds was greater than 100", 615 "requests are processed by any
// subscription 10 at a time", 607 daily quota, reset at 12:00AM CST.
// Refused calls are not counted against the rate or quota.
func (s *Server) admit() (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.inFlight >= s.opt.MaxConcurrent {
		s.stats.ConcurrencyLimited++
		return 615, ""
	}
	win := time.Duration(float64(s.opt.RateWindow) * s.opt.TimeScale)
	cut := 0
	for cut < len(s.window) && !s.window[cut].After(now.Add(-win)) {
		cut++
	}
	s.window = s.window[cut:]
	if len(s.window) >= s.opt.RateLimit {
		s.stats.RateLimited++
		return 606, "Max rate limit '" + strconv.Itoa(s.opt.RateLimit) + "' exceeded with in '" + strconv.Itoa(int(s.opt.RateWindow/time.Second)) + "' secs"
	}
	if day := centralDay(now); day != s.quotaDay {
		s.quotaDay, s.quotaUsed = day, 0
	}
	if s.opt.DailyQuota > 0 && s.quotaUsed >= s.opt.DailyQuota {
		s.stats.QuotaExceeded++
		return 607, ""
	}
	s.window = append(s.window, now)
	s.quotaUsed++
	s.stats.Admitted++
	s.inFlight++
	s.stats.MaxInFlight = max(s.stats.MaxInFlight, s.inFlight)
	return 0, ""
}

func centralDay(t time.Time) string {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		loc = time.FixedZone("CST", -6*3600)
	}
	return t.In(loc).Format("2006-01-02")
}

// splitPath returns the escaped segments after the users/ prefix.
func splitPath(escaped string) []string {
	rest := strings.TrimPrefix(escaped, umPrefix)
	if rest == escaped {
		if i := strings.Index(escaped, "/users/"); i >= 0 {
			rest = escaped[i+len("/users/"):]
		}
	}
	return strings.Split(rest, "/")
}
