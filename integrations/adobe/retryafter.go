package adobe

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseRetryAfter reads a Retry-After header (RFC 7231 §7.1.3: delay-seconds
// or an HTTP-date; UMAPI sends seconds, umapi-doc partials/throttling.md).
// ok is false when the header is missing or unreadable. Negative values and
// dates in the past give 0 with ok true. Values too large for a Duration
// saturate at the largest Duration; callers cap them.
func ParseRetryAfter(h string, now time.Time) (d time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if isInteger(h) {
		n, err := strconv.ParseInt(h, 10, 64)
		if err != nil { // out of int64 range
			if h[0] == '-' {
				return 0, true
			}
			return time.Duration(math.MaxInt64), true
		}
		if n <= 0 {
			return 0, true
		}
		if n > int64(math.MaxInt64/time.Second) {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	d = t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

func isInteger(s string) bool {
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
