package adobe

import (
	"math"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		h    string
		want time.Duration
		ok   bool
	}{
		{"seconds", "38", 38 * time.Second, true},
		{"spaces", "  120 ", 2 * time.Minute, true},
		{"zero", "0", 0, true},
		{"negative", "-5", 0, true},
		{"huge", "999999999999", time.Duration(math.MaxInt64), true},
		{"beyond int64", "99999999999999999999999", time.Duration(math.MaxInt64), true},
		{"very negative", "-99999999999999999999999", 0, true},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"rfc850 date", now.Add(time.Hour).Format("Monday, 02-Jan-06 15:04:05 GMT"), time.Hour, true},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"missing", "", 0, false},
		{"garbage", "soon", 0, false},
		{"decimal", "1.5", 0, false},
		{"sign only", "-", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseRetryAfter(tt.h, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.h, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRetryAfterCapAndDefault(t *testing.T) {
	c, err := New(Config{OrgID: "o@AdobeOrg", ClientID: "id", ClientSecret: "x", MaxRetryAfter: time.Hour, DefaultRetryAfter: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		status     int
		h          string
		min, max   time.Duration
		wantCapped bool
	}{
		{"honoured", 429, "38", 38 * time.Second, 38 * time.Second, false},
		{"capped", 429, "86401", time.Hour, time.Hour, true},
		{"absurd", 429, "999999999999", time.Hour, time.Hour, true},
		{"negative", 429, "-3", 0, 0, false},
		{"missing on 429 uses umapi-client backoff", 429, "", 15 * time.Second, 20 * time.Second, false},
		{"missing on 503 leaves it to backoff", 503, "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Error{Status: tt.status, Reason: reasonForStatus(tt.status)}
			c.setRetryAfter(e, tt.h, 1)
			if e.RetryAfter < tt.min || e.RetryAfter > tt.max || e.RetryAfterCapped != tt.wantCapped {
				t.Errorf("RetryAfter = %v capped=%v; want [%v,%v] capped=%v", e.RetryAfter, e.RetryAfterCapped, tt.min, tt.max, tt.wantCapped)
			}
		})
	}
}
