package bot

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestTextf(t *testing.T) {
	tests := []struct {
		name string
		got  Text
		want string
		n    int
	}{
		{"literal", Textf("hello"), "hello", 1},
		{"text args keep spans", Textf("%s asks for %s", Mention("U1"), Bold("agent")), "@U1 asks for agent", 3},
		{"other args plain", Textf("%d days, %q", 30, "x<y"), `30 days, "x<y"`, 1},
		{"percent", Textf("100%% of %s", Plain("a")), "100% of a", 2},
		{"missing", Textf("%s"), "%!s(MISSING)", 1},
		{"trailing percent", Textf("a %"), "a %", 1},
		{"link", Link("https://x.test", "site"), "site (https://x.test)", 1},
		{"lines", Lines(Plain("a"), Plain("b")), "a\nb", 3},
		{"empty", Plain(""), "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s := tc.got.String(); s != tc.want {
				t.Errorf("String() = %q, want %q", s, tc.want)
			}
			if n := len(tc.got.Spans()); n != tc.n {
				t.Errorf("spans = %d, want %d", n, tc.n)
			}
		})
	}
	if !Plain("").IsZero() || Bold("x").IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestValues(t *testing.T) {
	v := Values{"email": {"email_in": {Text: "a@b.c"}}, "pkg": {"pkg_in": {Selected: []string{"agent"}}}, "who": {"u": {Users: []string{"U1"}}}}
	if v.Block("email").String() != "a@b.c" || v.Get("pkg", "pkg_in").String() != "agent" || v.Block("who").String() != "U1" || v.Block("none").String() != "" {
		t.Errorf("values: %+v", v)
	}
}

type groupSender struct {
	Sender
	groups map[string][]string
}

func (g groupSender) GroupMembers(_ context.Context, id string) ([]string, error) {
	if id == "SLIMIT" {
		return nil, &RateLimitError{Method: "usergroups.users.list", RetryAfter: time.Minute}
	}
	m, ok := g.groups[id]
	if !ok {
		return nil, ErrNotFound
	}
	return m, nil
}

func TestResolveGroups(t *testing.T) {
	s := groupSender{groups: map[string][]string{"S1": {"U1", "U2"}, "S2": {"U3"}}}
	u, err := ResolveGroups(context.Background(), s, User{ID: "U1"}, []string{"S1", "S2"})
	if err != nil || len(u.Groups) != 1 || u.Groups[0] != "S1" {
		t.Fatalf("got %v %v", u.Groups, err)
	}
	// A group the platform does not have is skipped, not a lockout.
	if u, err := ResolveGroups(context.Background(), s, User{ID: "U1"}, []string{"S9", "S1"}); err != nil || len(u.Groups) != 1 {
		t.Fatalf("missing group: %v %v", u.Groups, err)
	}
	// Any other failure refuses: membership is unknown.
	if _, err := ResolveGroups(context.Background(), s, User{ID: "U1"}, []string{"SLIMIT"}); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
}

func TestRateLimitError(t *testing.T) {
	var err error = &RateLimitError{Method: "chat.postMessage", RetryAfter: time.Minute}
	if !errors.Is(err, ErrRateLimited) {
		t.Fatal("not ErrRateLimited")
	}
}
