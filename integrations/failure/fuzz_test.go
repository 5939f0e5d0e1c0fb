package failure

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseRetryAfter: any header value gives a result within the cap,
// never negative, and ok false only with a zero duration.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"38", "0", "-5", "+7", "999999999999", "99999999999999999999999", "soon", "1.5", "-", "",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"} {
		f.Add(s, int64(time.Hour))
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, h string, ceiling int64) {
		d, capped, ok := ParseRetryAfter(h, now, time.Duration(ceiling))
		if d < 0 {
			t.Fatalf("negative %s", d)
		}
		if ceiling > 0 && d > time.Duration(ceiling) {
			t.Fatalf("%s above cap %s", d, time.Duration(ceiling))
		}
		if !ok && (d != 0 || capped) {
			t.Fatalf("not ok but %s capped=%v", d, capped)
		}
		if capped && d != time.Duration(ceiling) {
			t.Fatalf("capped at %s, cap %s", d, time.Duration(ceiling))
		}
	})
}

// FuzzClip: the result is one line, within n bytes plus the ellipsis,
// and valid UTF-8 whenever the input was.
func FuzzClip(f *testing.F) {
	for _, s := range []string{"", "a b", "ééé", "line\nbreak\ttab", strings.Repeat("x", 400)} {
		f.Add(s, 3)
		f.Add(s, 300)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = n % 1000
		got := Clip(s, n)
		if strings.ContainsAny(got, "\n\r\t") {
			t.Fatalf("Clip(%q, %d) = %q has a line break or tab", s, n, got)
		}
		if n >= 0 && len(strings.TrimSuffix(got, "…")) > n {
			t.Fatalf("Clip(%q, %d) = %q is too long", s, n, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Clip(%q, %d) = %q broke a rune", s, n, got)
		}
	})
}
