package commands

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in   string
		want Parsed
		err  string // substring of the usage error; "" means success
	}{
		{"", Parsed{Verb: VerbHelp}, ""},
		{"  help ", Parsed{Verb: VerbHelp}, ""},
		{"add", Parsed{Verb: VerbAdd}, ""},
		{`add alice@example.com agent 30d "covering EMEA"`, Parsed{Verb: VerbAdd, User: UserRef{Email: "alice@example.com"}, Package: "agent", Duration: 30 * day, HasDuration: true, Reason: "covering EMEA"}, ""},
		{`ADD Alice@Example.com Agent 2w covering   EMEA for Q3`, Parsed{Verb: VerbAdd, User: UserRef{Email: "alice@example.com"}, Package: "agent", Duration: 14 * day, HasDuration: true, Reason: "covering   EMEA for Q3"}, ""},
		{`add <mailto:a@b.co|a@b.co> viewer permanent because`, Parsed{Verb: VerbAdd, User: UserRef{Email: "a@b.co"}, Package: "viewer", Permanent: true, HasDuration: true, Reason: "because"}, ""},
		{`add <@U123ABC> agent`, Parsed{Verb: VerbAdd, User: UserRef{MentionID: "U123ABC"}, Package: "agent"}, ""},
		{`add <@W9X1|bob> agent “curly quoted”`, Parsed{Verb: VerbAdd, User: UserRef{MentionID: "W9X1"}, Package: "agent", Reason: "curly quoted"}, ""},
		{`add agent 30d`, Parsed{Verb: VerbAdd, Package: "agent", Duration: 30 * day, HasDuration: true}, ""},
		{`add a@b.co 7d`, Parsed{Verb: VerbAdd, User: UserRef{Email: "a@b.co"}, Duration: 7 * day, HasDuration: true}, ""},
		{`add a@b.co "just a reason"`, Parsed{Verb: VerbAdd, User: UserRef{Email: "a@b.co"}, Reason: "just a reason"}, ""},
		{`add a@b.co agent it's needed`, Parsed{Verb: VerbAdd, User: UserRef{Email: "a@b.co"}, Package: "agent", Reason: "it's needed"}, ""},
		{`add a@b.co agent 30x`, Parsed{}, "not a duration"},
		{`add not-an-email@ agent`, Parsed{}, "not a valid email"},
		{`add <@bad> agent`, Parsed{}, "not a user mention"},
		{`add <!channel> agent`, Parsed{}, ""}, // not a user: "@channel agent", as typed, is the reason
		{`add agent a@b.co`, Parsed{}, "Give the user first"},
		{`remove a@b.co agent "left the team"`, Parsed{Verb: VerbRemove, User: UserRef{Email: "a@b.co"}, Package: "agent", Reason: "left the team"}, ""},
		{`remove a@b.co all`, Parsed{Verb: VerbRemove, User: UserRef{Email: "a@b.co"}, Package: "all"}, ""},
		{`remove`, Parsed{Verb: VerbRemove}, ""},
		{`status`, Parsed{Verb: VerbStatus}, ""},
		{`status dc-1042`, Parsed{Verb: VerbStatus, ID: "DC-1042"}, ""},
		{`status #1042`, Parsed{Verb: VerbStatus, ID: "DC-1042"}, ""},
		{`status nope`, Parsed{}, "not a request id"},
		{`status DC-1 extra`, Parsed{}, "did not expect"},
		{`list`, Parsed{Verb: VerbList}, ""},
		{`list me`, Parsed{}, "did not expect"},
		{`pending`, Parsed{Verb: VerbPending}, ""},
		{`cancel DC-7`, Parsed{Verb: VerbCancel, ID: "DC-7"}, ""},
		{`cancel`, Parsed{}, "Which request"},
		{`review start`, Parsed{Verb: VerbReview, Sub: "start"}, ""},
		{`review start Agent`, Parsed{Verb: VerbReview, Sub: "start", Package: "agent"}, ""},
		{`review stop`, Parsed{}, "review start"},
		{`review start a@b`, Parsed{}, "not a package"},
		{`frobnicate`, Parsed{}, "do not know"},
		{strings.Repeat("x", MaxCommandText+1), Parsed{}, "too long"},
		{"add \xff", Parsed{}, "not valid text"},
	}
	for _, tc := range tests {
		t.Run(clip(tc.in, 40), func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.err != "" {
				if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Parse(%q) error = %v, want usage error containing %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if tc.in == `add <!channel> agent` {
				if got.Reason != "@channel agent" || !got.User.IsZero() {
					t.Fatalf("got %+v", got)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("Parse(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestUsageMessage(t *testing.T) {
	_, err := Parse("cancel")
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatal(err)
	}
	m := usageMessage(english(nil), "/dynchat", ue)
	if s := m.Text.String(); !strings.Contains(s, "/dynchat cancel <id>") {
		t.Fatalf("usage = %q", s)
	}
}

// FuzzParse checks Parse never panics, and that what it returns is
// consistent: valid ids, lower-case packages, valid UTF-8 reasons.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "help", `add alice@example.com agent 30d "covering EMEA"`, "add <@U1|x> agent perm why",
		"remove <mailto:a@b.c|a@b.c> all", "status DC-1", "cancel #12", "review start agent",
		"add “x", `add "`, "add a@b.co agent 1d12h30m reason", "add \u00a0 a@b.co", "add <@U1",
		`add bob agent 30d "x"`, "add bob 30d", "add agnet", "add bob viewer",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("non-usage error %v", err)
			}
			return
		}
		if p.Verb == "" {
			t.Fatal("empty verb")
		}
		if p.ID != "" && !strings.HasPrefix(p.ID, "DC-") {
			t.Fatalf("id %q", p.ID)
		}
		if p.Package != strings.ToLower(p.Package) || len(p.Package) > maxPackageName {
			t.Fatalf("package %q", p.Package)
		}
		if !utf8.ValidString(p.Reason) {
			t.Fatalf("reason %q", p.Reason)
		}
		if p.User.MentionID != "" && !isUserID(p.User.MentionID) {
			t.Fatalf("mention %q", p.User.MentionID)
		}
		if p.Duration < 0 || (p.Permanent && p.Duration != 0) {
			t.Fatalf("duration %v permanent %v", p.Duration, p.Permanent)
		}
		k, err := ParseFor(s, func(name string) bool { return name == "agent" || name == "viewer" })
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("non-usage error %v", err)
			}
			return // the slots after a stray word can hold a bad duration
		}
		if k.Stray != "" && (k.Verb != VerbAdd || !k.User.IsZero() || p.Package != strings.ToLower(k.Stray)) {
			t.Fatalf("stray %q in %+v (Parse: %+v)", k.Stray, k, p)
		}
		if k.User.IsZero() && k.Verb == VerbAdd && k.Package != "" && k.Package != "agent" && k.Package != "viewer" {
			t.Fatalf("unknown package %q without a user", k.Package)
		}
	})
}

// TestReasonAsTyped: with should_escape, Slack sends entities and tokens
// in the command text; the stored reason reads as the person typed it.
func TestReasonAsTyped(t *testing.T) {
	p, err := Parse(`add <mailto:carol@example.com|carol@example.com> agent 30d "R&amp;D &lt;team&gt; see <https://wiki.example.com/x> in <#C0ABC|general> for <!subteam^S0LEADS|@leads> &lt;@U0EVE&gt;"`)
	if err != nil {
		t.Fatal(err)
	}
	want := "R&D <team> see https://wiki.example.com/x in #general for @leads <@U0EVE>"
	if p.Reason != want || p.User.Email != "carol@example.com" {
		t.Fatalf("reason %q, user %+v; want %q", p.Reason, p.User, want)
	}
}

// TestParseForStrayWord: knowing the packages, an add's first word that
// is neither a user nor a package is stray, and the slots go on after
// it; after a user, an unknown package is still read as one (to be
// refused by name).
func TestParseForStrayWord(t *testing.T) {
	known := func(name string) bool { return name == "agent" }
	for _, tc := range []struct {
		text, stray, pkg, reason string
		dur                      time.Duration
	}{
		{"add bob", "bob", "", "", 0},
		{`add bob agent 30d "covering EMEA"`, "bob", "agent", "covering EMEA", 30 * 24 * time.Hour},
		{"add bob 2w", "bob", "", "", 14 * 24 * time.Hour},
		{"add Agent 2w why", "", "agent", "why", 14 * 24 * time.Hour},
		{"add alice@example.com bob 2w why", "", "bob", "why", 14 * 24 * time.Hour},
		{"add 2w why", "", "", "why", 14 * 24 * time.Hour},
		{`add "bob agent"`, "", "", "bob agent", 0},
	} {
		p, err := ParseFor(tc.text, known)
		if err != nil || p.Stray != tc.stray || p.Package != tc.pkg || p.Reason != tc.reason || p.Duration != tc.dur {
			t.Errorf("%q: %+v %v", tc.text, p, err)
		}
	}
	if p, err := ParseFor("remove bob", known); err != nil || p.Stray != "" || p.Package != "bob" {
		t.Errorf("remove bob: %+v %v", p, err)
	}
}

// TestAddStrayWordOpensTheForm: "add bob" opens the Add form instead of
// refusing a package named bob, and keeps the package, duration and
// reason that follow the stray word.
func TestAddStrayWordOpensTheForm(t *testing.T) {
	f := newFixture(t)
	if rep := f.command("ULEAD", "add bob"); rep.Modal == nil || rep.Message != nil {
		t.Fatalf("add bob: modal %v, message %q", rep.Modal != nil, text(rep.Message))
	}
	rep := f.command("ULEAD", `add bob agent 30d "covering EMEA"`)
	if rep.Modal == nil {
		t.Fatalf("add bob agent: %q", text(rep.Message))
	}
	s := mustJSON(t, rep.Modal)
	for _, want := range []string{`"Initial":"agent"`, `"Initial":"30d"`, `"Initial":"covering EMEA"`} {
		if !strings.Contains(s, want) {
			t.Errorf("no %s in %s", want, s)
		}
	}
	if rep := f.command("ULEAD", "add carol@example.com nope 30d why"); rep.Modal != nil {
		t.Fatal("an unknown package after a person opened the form")
	}
}
