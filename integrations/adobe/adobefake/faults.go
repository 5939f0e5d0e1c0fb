package adobefake

import (
	"strings"
	"time"
)

type fault struct {
	kind       Kind
	count      int
	status     int
	retryAfter string
	drop       bool
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

// ClearFaults removes every pending fault, user error and added latency.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	clear(s.userErr)
	s.latency = s.opts.Latency
}
