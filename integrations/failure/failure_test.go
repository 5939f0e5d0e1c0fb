package failure

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEveryReasonHasOneClass(t *testing.T) {
	want := map[Reason]Class{
		ReasonRateLimited: RateLimited, ReasonQuota: RateLimited, ReasonMaintenance: RateLimited,
		ReasonUnavailable: Transient, ReasonTimeout: Transient, ReasonCanceled: Transient,
		ReasonAuth: Permanent, ReasonForbidden: Permanent, ReasonNotFound: Permanent, ReasonConflict: Permanent,
		ReasonInvalid: Permanent, ReasonConfig: Permanent,
		ReasonUnknown: Unknown,
	}
	if len(Reasons()) != len(want) {
		t.Fatalf("Reasons() has %d entries, the table %d", len(Reasons()), len(want))
	}
	for _, r := range Reasons() {
		c, ok := want[r]
		if !ok || r.Class() != c {
			t.Errorf("%s: class %s, want %s", r, r.Class(), c)
		}
		e := &Error{Vendor: "Adobe", Reason: r}
		if e.Retryable() != (c != Permanent) {
			t.Errorf("%s: Retryable %v", r, e.Retryable())
		}
		if h := e.Human(); h == "" || strings.Contains(h, "%") || strings.Contains(h, "the user") {
			t.Errorf("%s: Human() = %q", r, h)
		}
	}
	if Reason("made_up").Class() != Unknown {
		t.Error("a reason outside the set must be Unknown")
	}
}

type finalErr struct{}

func (finalErr) Error() string       { return "final" }
func (finalErr) FailureClass() Class { return Permanent }

func TestClassify(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		class Class
		delay time.Duration
	}{
		{"nil", nil, Permanent, 0},
		{"rate limited with Retry-After", &Error{Reason: ReasonRateLimited, RetryAfter: 38 * time.Second}, RateLimited, 38 * time.Second},
		{"wrapped quota", fmt.Errorf("step: %w", &Error{Reason: ReasonQuota, RetryAfter: time.Hour}), RateLimited, time.Hour},
		{"timeout", &Error{Reason: ReasonTimeout}, Transient, 0},
		{"permanent ignores RetryAfter", &Error{Reason: ReasonInvalid, RetryAfter: time.Minute}, Permanent, 0},
		{"config", &Error{Reason: ReasonConfig}, Permanent, 0},
		{"unknown", &Error{Reason: ReasonUnknown, Code: "error.internal.add"}, Unknown, 0},
		{"classed", fmt.Errorf("x: %w", finalErr{}), Permanent, 0},
		{"redis trouble", errors.New("dial tcp: connection refused"), Transient, 0},
		{"context", context.DeadlineExceeded, Transient, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, d := Classify(tt.err)
			if c != tt.class || d != tt.delay {
				t.Errorf("Classify = %s, %s; want %s, %s", c, d, tt.class, tt.delay)
			}
		})
	}
}

func TestErrorTextAndIs(t *testing.T) {
	e := &Error{Vendor: "Marketo", Op: "add role", User: "u", Reason: ReasonRateLimited, Status: 429, Code: "606",
		Message: "m", RetryAfter: 20 * time.Second, RetryAfterCapped: true}
	if got := e.Error(); got != "marketo: add role u: rate_limited (HTTP 429, code 606): m (retry in 20s, capped)" {
		t.Errorf("Error() = %q", got)
	}
	err := fmt.Errorf("worker: %w", e)
	for _, tt := range []struct {
		target *Error
		want   bool
	}{
		{&Error{Reason: ReasonRateLimited}, true},
		{&Error{Reason: ReasonRateLimited, Vendor: "Marketo", Code: "606"}, true},
		{&Error{Reason: ReasonRateLimited, Code: "615"}, false},
		{&Error{Vendor: "Adobe"}, false},
		{&Error{}, false},
	} {
		if errors.Is(err, tt.target) != tt.want {
			t.Errorf("errors.Is(%+v) = %v", tt.target, !tt.want)
		}
	}
	if ReasonOf(err) != ReasonRateLimited || ReasonOf(errors.New("x")) != "" {
		t.Error("ReasonOf")
	}
}

func TestHumanNeverAssemblesPlaceholders(t *testing.T) {
	tests := []struct {
		e    *Error
		want string
	}{
		{&Error{Vendor: "Adobe", Reason: ReasonNotFound}, "Adobe could not find what chataccess asked for."},
		{&Error{Vendor: "Adobe", Reason: ReasonNotFound, User: "a@x.com"}, "Adobe could not find a@x.com."},
		{&Error{Vendor: "Adobe", Reason: ReasonNotFound, Object: `product profile "P"`}, `Adobe could not find product profile "P".`},
		{&Error{Vendor: "Adobe", Reason: ReasonInvalid, Message: "Bad thing."}, "Adobe refused the change: Bad thing."},
		{&Error{Vendor: "Adobe", Reason: ReasonTimeout, Op: "umapi.action", Waited: 30 * time.Second},
			"Adobe did not answer within 30 seconds (umapi.action); chataccess will try again."},
		{&Error{Vendor: "Adobe", Reason: ReasonUnknown, Code: "error.internal.add", Message: "Operation failed for unknown reason"},
			"Adobe gave an answer chataccess does not recognise (error.internal.add: Operation failed for unknown reason); it is tried a few times, then an admin must look at it."},
		{&Error{Vendor: "Marketo", Reason: ReasonUnknown, Status: 418}, "Marketo gave an answer chataccess does not recognise (HTTP 418); it is tried a few times, then an admin must look at it."},
		{&Error{Vendor: "Marketo", Reason: ReasonQuota, RetryAfter: 15 * time.Hour}, "Marketo's daily API quota is used up; chataccess will try again in about 15 hours."},
		{&Error{Reason: ReasonAuth, Explain: func(*Error) string { return "own sentence" }}, "own sentence"},
		{&Error{Vendor: "Adobe", Reason: ReasonAuth, Explain: func(*Error) string { return "" }}, "Adobe refused chataccess's credentials."},
	}
	for _, tt := range tests {
		if got := tt.e.Human(); got != tt.want {
			t.Errorf("Human() = %q\n want %q", got, tt.want)
		}
	}
	if Human(fmt.Errorf("x: %w", tests[1].e)) != tests[1].want || Human(errors.New("plain")) != "plain" || Human(nil) != "" {
		t.Error("Human(err)")
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second: "1 second", 38 * time.Second: "38 seconds", 61 * time.Second: "2 minutes",
		90 * time.Minute: "90 minutes", 2 * time.Hour: "2 hours", 125 * time.Minute: "2 hours 5 minutes",
	} {
		if got := HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestFromContext(t *testing.T) {
	expired, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	live := context.Background()
	netTimeout := &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "dial", Err: timeoutErr{}}}
	tests := []struct {
		ctx  context.Context
		err  error
		want Reason
	}{
		{expired, errors.New("x"), ReasonTimeout},
		{cancelled, errors.New("x"), ReasonCanceled},
		{live, netTimeout, ReasonTimeout},
		{live, fmt.Errorf("read: %w", context.DeadlineExceeded), ReasonTimeout},
		{live, errors.New("connection reset by peer"), ReasonUnavailable},
	}
	for i, tt := range tests {
		if got := FromContext(tt.ctx, tt.err); got != tt.want {
			t.Errorf("%d: %s, want %s", i, got, tt.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string { return "i/o timeout" }
func (timeoutErr) Timeout() bool { return true }

// TestParseRetryAfter pins the one reading of Retry-After both clients use.
func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		h      string
		cap    time.Duration
		want   time.Duration
		capped bool
		ok     bool
	}{
		{"seconds", "38", 0, 38 * time.Second, false, true},
		{"spaces", "  120 ", 0, 2 * time.Minute, false, true},
		{"zero", "0", 0, 0, false, true},
		{"plus sign", "+7", 0, 7 * time.Second, false, true},
		{"negative means now", "-5", 0, 0, false, true},
		{"very negative", "-99999999999999999999999", 0, 0, false, true},
		{"huge saturates", "999999999999", 0, 1<<63 - 1, false, true},
		{"beyond int64 saturates", "99999999999999999999999", 0, 1<<63 - 1, false, true},
		{"capped", "86401", time.Hour, time.Hour, true, true},
		{"at the cap", "3600", time.Hour, time.Hour, false, true},
		{"huge capped", "999999999999", 2 * time.Hour, 2 * time.Hour, true, true},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 0, 90 * time.Second, false, true},
		{"rfc850 date", now.Add(time.Hour).Format("Monday, 02-Jan-06 15:04:05 GMT"), 0, time.Hour, false, true},
		{"date capped", now.Add(48 * time.Hour).Format(http.TimeFormat), time.Hour, time.Hour, true, true},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0, 0, false, true},
		{"missing", "", 0, 0, false, false},
		{"garbage", "soon", 0, 0, false, false},
		{"decimal", "1.5", 0, 0, false, false},
		{"sign only", "-", 0, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, capped, ok := ParseRetryAfter(tt.h, now, tt.cap)
			if got != tt.want || capped != tt.capped || ok != tt.ok {
				t.Errorf("ParseRetryAfter(%q, cap %s) = %v, %v, %v; want %v, %v, %v", tt.h, tt.cap, got, capped, ok, tt.want, tt.capped, tt.ok)
			}
		})
	}
}

func TestScrubAndClip(t *testing.T) {
	if got := Scrub("token abc and secret xyz", "abc", "", "xyz"); got != "token <secret> and secret <secret>" {
		t.Errorf("Scrub = %q", got)
	}
	if got := Clip("a\n  b\tc", 10); got != "a b c" {
		t.Errorf("Clip = %q", got)
	}
	if got := Clip("ééé", 3); got != "é…" {
		t.Errorf("Clip at rune boundary = %q", got)
	}
	if got := Clip("abcdef", 3); got != "abc…" {
		t.Errorf("Clip = %q", got)
	}
}

func TestBackoffBounds(t *testing.T) {
	for attempt := 1; attempt <= 70; attempt++ {
		want := min(5*time.Second<<min(attempt-1, 20), 10*time.Minute)
		for range 20 {
			d := Backoff(5*time.Second, 10*time.Minute, attempt)
			if d < want/2 || d > want {
				t.Fatalf("attempt %d: %s outside [%s, %s]", attempt, d, want/2, want)
			}
		}
	}
	if Backoff(0, time.Minute, 3) != 0 {
		t.Error("zero base must give zero")
	}
	if d := Backoff(time.Hour, 0, 80); d < 0 {
		t.Errorf("uncapped backoff overflowed: %s", d)
	}
}

func TestSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context = %v", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep = %v", err)
	}
}

func TestReadBodyDrainsAndCloses(t *testing.T) {
	body := &countingBody{r: strings.NewReader(strings.Repeat("x", MaxBody+100))}
	got, err := ReadBody(&http.Response{Body: body})
	if err != nil || len(got) != MaxBody {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
	if !body.closed || body.n != MaxBody+100 {
		t.Fatalf("closed %v, read %d of %d", body.closed, body.n, MaxBody+100)
	}
}

type countingBody struct {
	r      *strings.Reader
	n      int
	closed bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += n
	return n, err
}

func (b *countingBody) Close() error { b.closed = true; return nil }
