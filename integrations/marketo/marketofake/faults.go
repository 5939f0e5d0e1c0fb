package marketofake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Fault is an injected failure.
type Fault struct {
	// Code is the Marketo code to answer (601, 602, 606, 607, 611, 615…).
	Code int
	// Status is the HTTP status; with Code 0 the answer is a bare HTTP
	// error (e.g. 503 or 429) with an empty JSON object; with a Code it
	// overrides the status the error style would use.
	Status int
	// RetryAfter sets a Retry-After header (whole seconds).
	RetryAfter time.Duration
	// Drop closes the connection without an answer.
	Drop bool
	// Latency delays the answer (the fault still applies after it).
	Latency time.Duration
}

type storm struct {
	until time.Time
	f     Fault
}

type faultState struct {
	next     []Fault
	storms   []storm
	user     map[string]Fault
	identity []Fault
}

// FailNext makes the next n user management calls fail with f.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults.next = append(s.faults.next, f)
	}
}

// FailFor makes every user management call fail with f for d (by the
// emulator's clock): a 429, 606 or 5xx storm.
func (s *Server) FailFor(d time.Duration, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.storms = append(s.faults.storms, storm{until: s.now().Add(d), f: f})
}

// FailUser makes every call about userID fail with f; a zero Fault clears it.
func (s *Server) FailUser(userID string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == (Fault{}) {
		delete(s.faults.user, lower(userID))
		return
	}
	s.faults.user[lower(userID)] = f
}

// FailIdentityNext makes the next n identity calls fail with f.
func (s *Server) FailIdentityNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults.identity = append(s.faults.identity, f)
	}
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultState{user: map[string]Fault{}}
}

// takeFault returns the fault for this call, if any. Callers hold mu.
func (s *Server) takeFault(userID string) (Fault, bool) {
	if len(s.faults.next) > 0 {
		f := s.faults.next[0]
		s.faults.next = s.faults.next[1:]
		return f, true
	}
	now := s.now()
	s.faults.storms = slices.DeleteFunc(s.faults.storms, func(st storm) bool { return !now.Before(st.until) })
	if len(s.faults.storms) > 0 {
		return s.faults.storms[0].f, true
	}
	if userID != "" {
		if f, ok := s.faults.user[lower(userID)]; ok {
			return f, true
		}
	}
	return Fault{}, false
}

// Stats counts what the emulator saw.
type Stats struct {
	// TokenRequests counts identity calls; TokensIssued the new tokens
	// among them (a call before expiry returns the same token).
	TokenRequests int
	TokensIssued  int
	// Calls counts user management calls; Admitted those counted
	// against the rate limit and quota.
	Calls    int
	Admitted int
	// Per code answered.
	RateLimited        int // 606
	ConcurrencyLimited int // 615
	QuotaExceeded      int // 607
	TokenRejected      int // 601 and 602
	Faults             int
	// MaxInFlight is the highest number of concurrent calls seen.
	MaxInFlight int
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Recorded is one request as the emulator saw it, without the
// Authorization header; the identity call's client_secret is redacted.
type Recorded struct {
	Time   time.Time
	Method string
	Path   string
	Query  string
	Body   string
	Header http.Header
	Status int
	Code   string
}

// Requests returns every recorded request, oldest first.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Recorded, len(s.requests))
	for i, r := range s.requests {
		out[i] = r
		out[i].Header = r.Header.Clone()
	}
	return out
}

// ResetRecords forgets recorded requests, applied changes and counters.
func (s *Server) ResetRecords() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.applied, s.stats = nil, nil, Stats{}
}

// maxRecorded keeps memory bounded in long demo runs.
const maxRecorded = 10000

// record stores the request and returns its index. Callers do not hold mu.
func (s *Server) record(r *http.Request, body []byte) int {
	h := r.Header.Clone()
	h.Del("Authorization")
	q := r.URL.Query()
	if q.Has("client_secret") {
		q.Set("client_secret", "<secret>")
	}
	if q.Has("access_token") {
		q.Set("access_token", "<token>")
	}
	rec := Recorded{Time: s.now(), Method: r.Method, Path: r.URL.Path, Query: q.Encode(), Body: string(body), Header: h}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) >= maxRecorded {
		s.requests = slices.Delete(s.requests, 0, maxRecorded/10)
	}
	s.requests = append(s.requests, rec)
	return len(s.requests) - 1
}

func (s *Server) finish(idx, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if idx >= 0 && idx < len(s.requests) {
		s.requests[idx].Status, s.requests[idx].Code = status, code
	}
}

// Messages of error-codes.md.
var codeMessages = map[int]string{
	601: "Access token invalid", 602: "Access token expired", 603: "Access denied", 604: "Request time-out",
	605: "HTTP Method not supported", 606: "Max rate limit '100' exceeded with in '20' secs", 607: "Daily quota reached",
	608: "API Temporarily Unavailable", 609: "Invalid JSON", 610: "Requested resource not found", 611: "System error",
	612: "Invalid Content Type", 614: "Invalid Subscription", 615: "Concurrent access limit reached",
	701: "cannot be blank", 709: "Business Rule Violation", 713: "Transient Error",
	1001: "Invalid value", 1003: "Invalid data", 1004: "User not found",
}

// StatusFor is the HTTP status the emulator uses for a code in
// StyleStatus. The documents list 200, 201, 401, 403, 404 for the user
// endpoints but not which code goes with which; this mapping is a guess.
func StatusFor(code int) int {
	switch {
	case code == 601 || code == 602:
		return http.StatusUnauthorized
	case code == 603 || code == 616:
		return http.StatusForbidden
	case code == 604:
		return http.StatusGatewayTimeout
	case code == 605:
		return http.StatusMethodNotAllowed
	case code == 606 || code == 607 || code == 615:
		return http.StatusTooManyRequests
	case code == 608 || code == 614 || code == 713:
		return http.StatusServiceUnavailable
	case code == 610 || code == 1004:
		return http.StatusNotFound
	case code == 611:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// fail answers a Marketo error code in the configured style. msg
// replaces the code's standard message when set.
func (s *Server) fail(w http.ResponseWriter, idx, code int, msg string) {
	s.failWith(w, idx, Fault{Code: code}, msg)
}

func (s *Server) failWith(w http.ResponseWriter, idx int, f Fault, msg string) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	w.Header().Set("Content-Type", "application/json")
	if f.Code == 0 {
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		s.finish(idx, status, "")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("{}"))
		return
	}
	if msg == "" {
		msg = codeMessages[f.Code]
	}
	if s.opt.Style == StyleEnvelope && f.Code < 1000 && f.Status == 0 {
		s.finish(idx, http.StatusOK, strconv.Itoa(f.Code))
		writeJSON(w, http.StatusOK, map[string]any{
			"requestId": randomHex(2) + "#" + randomHex(5), "success": false,
			"errors": []map[string]string{{"code": strconv.Itoa(f.Code), "message": msg}},
		})
		return
	}
	status := f.Status
	if status == 0 {
		status = StatusFor(f.Code)
	}
	s.finish(idx, status, strconv.Itoa(f.Code))
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{"code": f.Code, "message": msg}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"code":611,"message":"System error"}]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func lower(s string) string {
	u, err := url.PathUnescape(s)
	if err == nil {
		s = u
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
