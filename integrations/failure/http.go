package failure

import (
	"context"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxBody is how much of a vendor response body ReadBody keeps: 8 MiB,
// far above any documented answer (a UMAPI page of 2,000 users, a
// Marketo page of 200).
const MaxBody = 8 << 20

// drainLimit is how much of an over-long body is read and thrown away
// so the connection can be reused; past it the connection is dropped.
const drainLimit = 1 << 20

// ReadBody reads at most MaxBody bytes of resp's body, drains up to
// another MiB so the connection goes back to the pool, and closes it.
// The error is the read error, if any.
func ReadBody(resp *http.Response) ([]byte, error) {
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
		_ = resp.Body.Close()
	}()
	return io.ReadAll(io.LimitReader(resp.Body, MaxBody))
}

// ParseRetryAfter reads a Retry-After header value (RFC 9110 §10.2.3:
// delay-seconds or an HTTP-date, e.g. "38" or "Wed, 21 Oct 2015 07:28:00
// GMT"; UMAPI sends seconds, umapi-doc partials/throttling.md). now is
// the base for dates. The result is capped at ceiling (ceiling <= 0: no
// cap) and capped says the header asked for more.
//
// ok is false when the header is missing or unreadable (decimals,
// words). A negative number or a date in the past gives 0 with ok true:
// "retry now". Numbers beyond a Duration saturate and then cap.
func ParseRetryAfter(h string, now time.Time, ceiling time.Duration) (d time.Duration, capped, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false, false
	}
	if neg, digits, isNum := splitSign(h); isNum {
		switch n, err := strconv.ParseInt(digits, 10, 64); {
		case neg:
			d = 0
		case err != nil || n > int64(math.MaxInt64/time.Second): // beyond int64 or Duration
			d = time.Duration(math.MaxInt64)
		default:
			d = time.Duration(n) * time.Second
		}
	} else {
		t, err := http.ParseTime(h)
		if err != nil {
			return 0, false, false
		}
		d = max0(t.Sub(now))
	}
	if ceiling > 0 && d > ceiling {
		return ceiling, true, true
	}
	return d, false, true
}

// splitSign says whether s is an optionally signed run of ASCII digits.
func splitSign(s string) (neg bool, digits string, ok bool) {
	digits = s
	if s[0] == '-' || s[0] == '+' {
		neg, digits = s[0] == '-', s[1:]
	}
	if digits == "" {
		return false, "", false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false, "", false
		}
	}
	return neg, digits, true
}

func max0(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}

// Scrub replaces every non-empty secret in s with "<secret>". Clients
// pass their client secret and current token; every vendor message and
// transport error goes through it before it is stored in an Error.
func Scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "<secret>")
		}
	}
	return s
}

// Clip makes s one line (runs of white space become one space) of at
// most n bytes, cut at a rune boundary and marked with "…" when cut.
// Invalid UTF-8 is kept as it is up to the cut.
func Clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// MessageLen is the longest vendor message an Error keeps.
const MessageLen = 300

// Backoff is the wait before try attempt+1 (attempt counts from 1):
// base·2^(attempt-1), at most ceiling, with equal jitter (half fixed,
// half random), so retries of many callers spread out.
func Backoff(base, ceiling time.Duration, attempt int) time.Duration {
	if base <= 0 {
		return 0
	}
	if ceiling <= 0 {
		ceiling = time.Duration(math.MaxInt64)
	}
	d := min(base, ceiling)
	for i := 1; i < attempt && d < ceiling; i++ {
		if d > ceiling/2 {
			d = ceiling
			break
		}
		d *= 2
	}
	return d/2 + rand.N(d/2+1)
}

// Sleep waits d or until ctx ends, whichever is first, and returns
// ctx.Err() in the latter case. d <= 0 returns at once.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
