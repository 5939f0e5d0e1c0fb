package approvals

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRequestID(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"DC-1042", "DC-1042"}, {"dc-1042", "DC-1042"}, {"#DC-1042", "DC-1042"},
		{"1042", "DC-1042"}, {" DC-7 ", "DC-7"}, {"DC-007", "DC-7"},
		{"", ""}, {"DC-", ""}, {"DC-0", ""}, {"DC-12a", ""}, {"AB-12", ""},
		{"DC--1", ""}, {"DC-1234567890123", ""}, {"<@U123>", ""},
	} {
		got, err := ParseRequestID(tc.in)
		if tc.want == "" {
			if !errors.Is(err, ErrInvalidID) {
				t.Errorf("ParseRequestID(%q) = %q, %v; want ErrInvalidID", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRequestID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"alice@example.com", "alice@example.com"},
		{" Alice@Example.COM ", "alice@example.com"},
		{"a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk"},
		{"<mailto:bob@example.com|bob@example.com>", "bob@example.com"},
		{"bob@", ""}, {"@example.com", ""}, {"bob", ""}, {"bob@example", ""},
		{"bob@@example.com", ""}, {"b..ob@example.com", ""}, {".bob@example.com", ""},
		{"bob@-example.com", ""}, {"bob@example..com", ""}, {"Bob <bob@example.com>", ""},
		{"bob@exa mple.com", ""}, {"böb@example.com", ""}, {"|0@0.00", ""}, {"a|b@example.com", ""}, {"<!channel>@example.com", ""},
		{strings.Repeat("a", 65) + "@example.com", ""}, {"a@" + strings.Repeat("b", 250) + ".com", ""},
	} {
		got, err := ParseEmail(tc.in)
		if tc.want == "" {
			if !errors.Is(err, ErrInvalidEmail) {
				t.Errorf("ParseEmail(%q) = %q, %v; want ErrInvalidEmail", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		in   string
		want time.Duration
		perm bool
		bad  bool
	}{
		{in: "30d", want: 30 * day}, {in: "2w", want: 14 * day}, {in: "12h", want: 12 * time.Hour},
		{in: "90m", want: 90 * time.Minute}, {in: "1d12h", want: 36 * time.Hour}, {in: "30D", want: 30 * day},
		{in: "permanent", perm: true}, {in: "forever", perm: true},
		{in: "", bad: true}, {in: "30", bad: true}, {in: "d", bad: true}, {in: "30x", bad: true},
		{in: "-3d", bad: true}, {in: "0d", bad: true}, {in: "99999w", bad: true}, {in: "1.5d", bad: true},
		{in: "9999999d", bad: true},
	} {
		got, perm, err := ParseDuration(tc.in)
		if tc.bad {
			if !errors.Is(err, ErrInvalidDuration) {
				t.Errorf("ParseDuration(%q) = %v, %v, %v; want ErrInvalidDuration", tc.in, got, perm, err)
			}
			continue
		}
		if err != nil || got != tc.want || perm != tc.perm {
			t.Errorf("ParseDuration(%q) = %v, %v, %v; want %v, %v", tc.in, got, perm, err, tc.want, tc.perm)
		}
	}
}

func TestFormatDurationRoundTrips(t *testing.T) {
	for _, d := range []time.Duration{time.Minute, 90 * time.Minute, 36 * time.Hour, 30 * 24 * time.Hour, 14 * 24 * time.Hour} {
		got, _, err := ParseDuration(FormatDuration(d))
		if err != nil || got != d {
			t.Errorf("round trip %v -> %q -> %v, %v", d, FormatDuration(d), got, err)
		}
	}
}

func FuzzParseRequestID(f *testing.F) {
	for _, s := range []string{"DC-1042", "1042", "#dc-7", "", "DC-", "DC-99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseRequestID(s)
		if err != nil {
			return
		}
		again, err := ParseRequestID(id)
		if err != nil || again != id {
			t.Fatalf("canonical id %q does not reparse: %q, %v", id, again, err)
		}
		if !strings.HasPrefix(id, IDPrefix) {
			t.Fatalf("id %q lacks prefix", id)
		}
	})
}

func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{"alice@example.com", "<mailto:a@b.co|a@b.co>", "bob@", "a@b", "x@-y.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseEmail(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidEmail) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if e != strings.ToLower(e) || strings.ContainsAny(e, " <>|\"") || strings.Count(e, "@") != 1 {
			t.Fatalf("accepted unsafe email %q from %q", e, s)
		}
		if again, err := ParseEmail(e); err != nil || again != e {
			t.Fatalf("email %q does not reparse: %q, %v", e, again, err)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30d", "2w", "1d12h", "permanent", "", "-1d", "9999999w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, perm, err := ParseDuration(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidDuration) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if perm {
			if d != 0 {
				t.Fatalf("permanent with duration %v", d)
			}
			return
		}
		if d <= 0 || d > MaxParsedDuration {
			t.Fatalf("out of range %v from %q", d, s)
		}
		if again, _, err := ParseDuration(FormatDuration(d)); err != nil || again != d {
			t.Fatalf("%v does not round trip: %q -> %v, %v", d, FormatDuration(d), again, err)
		}
	})
}
