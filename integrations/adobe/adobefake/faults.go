package adobefake

import (
	"net/http"
	"strings"
	"time"
)

type fault struct {
	kind       Kind
	count      int
	status     int
	retryAfter string
	drop       bool
	delay      time.Duration // answer normally, this much later
}

// takeFault consumes the first matching fault. Caller holds mu. Faults
// with KindAny match every UMAPI call but not token requests.
func (s *Server) takeFault(k Kind) *fault {
	for i, f := range s.faults {
		if f.kind == k || (f.kind == KindAny && k != KindToken && k != KindOther) {
			f.count--
			if f.count <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func (s *Server) addFault(f *fault) {
	if f.count <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// FailNext answers the next n calls of kind k (KindAny: any UMAPI call)
// with status, e.g. 502, 503 or 504, and a non-JSON body.
func (s *Server) FailNext(k Kind, n, status int) {
	s.addFault(&fault{kind: k, count: n, status: status})
}

// FailNextRetryAfter is FailNext with a Retry-After header.
func (s *Server) FailNextRetryAfter(k Kind, n, status int, retryAfter string) {
	s.addFault(&fault{kind: k, count: n, status: status, retryAfter: retryAfter})
}

// ThrottleNext answers the next n calls of kind k with 429 and the given
// Retry-After header value (seconds, an HTTP date, garbage, or "" for none).
func (s *Server) ThrottleNext(k Kind, n int, retryAfter string) {
	s.addFault(&fault{kind: k, count: n, status: 429, retryAfter: retryAfter})
}

// DropNext closes the connection of the next n calls of kind k without answering.
func (s *Server) DropNext(k Kind, n int) { s.addFault(&fault{kind: k, count: n, drop: true}) }

// SlowNext answers the next n calls of kind k (KindAny: any UMAPI call)
// normally but only after d, like an Admin Console that takes 90 s to
// answer. The call completes (and its change is made) even when the
// client stops waiting first, as a real server would; the server's Close
// waits for it, so tests keep d short.
func (s *Server) SlowNext(k Kind, n int, d time.Duration) {
	s.addFault(&fault{kind: k, count: n, delay: d})
}

// SetLatency delays every following call by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// FailUser makes every action command for email fail at its first step
// with the UMAPI errorCode code (e.g. "error.domain.trust.nonexistent").
// An empty code clears it.
func (s *Server) FailUser(email, code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.userErr, strings.ToLower(email))
		return
	}
	if message == "" {
		message = "Injected failure: " + code
	}
	s.userErr[strings.ToLower(email)] = issue{code: code, message: message}
}

// SetDomain claims domain for the identity type typ ("enterpriseID",
// "federatedID", or DomainIncomplete for a directory that is not set up);
// "" forgets it. Once any domain is set, unlisted domains are unclaimed.
func (s *Server) SetDomain(domain, typ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Domains == nil {
		s.opts.Domains = map[string]string{}
	}
	if typ == "" {
		delete(s.opts.Domains, strings.ToLower(domain))
		return
	}
	s.opts.Domains[strings.ToLower(domain)] = typ
}

// ClearFaults removes every pending fault, user error and added latency.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	clear(s.userErr)
	s.latency = s.opts.Latency
}

// delayOrFault waits out the call's latency and applies its fault f, if
// any. It reports whether the call has been answered (or dropped).
func (s *Server) delayOrFault(sw *statusWriter, r *http.Request, f *fault, lat time.Duration) bool {
	if f != nil && f.delay > 0 {
		// A slow Adobe still does the work when the client has stopped
		// waiting: the call goes on and its change is made, so a client
		// that tries again must be idempotent.
		time.Sleep(f.delay)
		f = nil
	}
	if lat > 0 {
		t := time.NewTimer(lat)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if f == nil {
		return false
	}
	if f.drop {
		if hj, ok := sw.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				sw.status = -1
				return true
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.retryAfter != "" {
		sw.Header().Set("Retry-After", f.retryAfter)
	}
	if f.status == http.StatusTooManyRequests {
		writeJSON(sw, 429, map[string]string{"error_code": "429050", "message": "Too many requests"})
		return true
	}
	sw.Header().Set("Content-Type", "text/html")
	sw.WriteHeader(f.status)
	_, _ = sw.Write([]byte("<html><body>Service Unavailable</body></html>"))
	return true
}
