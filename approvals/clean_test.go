package approvals

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"covering EMEA", "covering EMEA"},
		{"invoice\u202Egpj.exe", "invoicegpj.exe"},
		{"ad\u200Bmin\u200C\u200D\u2060\uFEFF\u00AD", "admin"},
		{"\u2066a\u2069\u061C\u200E\u200Fb", "ab"},
		{"a\r\nb\rc\u2028d\u2029e\u0085f\vg\fh", "a\nb\nc\nd\ne\nf\ng\nh"},
		{"tab\there\x00\x1b[31m", "tab here[31m"},
		{"x\u3164y", "xy"},
		{"*bold* stays: the renderer makes it inert", "*bold* stays: the renderer makes it inert"},
	}
	for _, tc := range tests {
		if got := CleanText(tc.in); got != tc.want {
			t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := CleanName("  Ann\u202E \n\t Smith\u200B "); got != "Ann Smith" {
		t.Errorf("CleanName = %q", got)
	}
}

// FuzzCleanText: whatever comes in, nothing invisible and no line break
// other than "\n" comes out, and cleaning twice changes nothing.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"a\u202Eb", "x\r\ny", "\u200B\u200B", "\xff\xfe", "*APPROVED* https://evil.example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CleanText(s)
		for _, r := range c {
			if Invisible(r) || (lineBreak(r) && r != '\n') || r == '\t' {
				t.Fatalf("%q left in %q", r, c)
			}
		}
		if CleanText(c) != c {
			t.Fatalf("not idempotent: %q", s)
		}
		if utf8.ValidString(s) && utf8.RuneCountInString(c) > utf8.RuneCountInString(s) {
			t.Fatalf("grew: %q → %q", s, c)
		}
		if n := CleanName(s); strings.ContainsAny(n, "\n\t") || n != strings.TrimSpace(n) {
			t.Fatalf("name %q", n)
		}
	})
}
