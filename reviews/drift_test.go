package reviews

import (
	"fmt"
	"slices"
	"testing"
)

// TestDriftEveryCombination covers every combination of the three
// ledgers (Admin Console, Marketo, grants), with and without the user
// being a Marketo admin, and with the Marketo side unchecked.
func TestDriftEveryCombination(t *testing.T) {
	const u = "alice@example.com"
	tests := []struct {
		adobe, marketo, ledger, admin bool
		want                          []FindingKind
	}{
		{false, false, false, false, nil},
		{true, false, false, false, []FindingKind{OutsideBot, ProfileWithoutRole}},
		{false, true, false, false, []FindingKind{RoleWithoutProfile}},
		{false, false, true, false, []FindingKind{MissingInAdobe}},
		{true, true, false, false, []FindingKind{OutsideBot}},
		{true, false, true, false, []FindingKind{ProfileWithoutRole}},
		{false, true, true, false, []FindingKind{MissingInAdobe, RoleWithoutProfile}},
		{true, true, true, false, nil},
		{false, false, false, true, []FindingKind{MarketoAdmin}},
		{true, false, false, true, []FindingKind{OutsideBot, ProfileWithoutRole, MarketoAdmin}},
		{false, true, false, true, []FindingKind{RoleWithoutProfile, MarketoAdmin}},
		{false, false, true, true, []FindingKind{MissingInAdobe, MarketoAdmin}},
		{true, true, false, true, []FindingKind{OutsideBot, MarketoAdmin}},
		{true, false, true, true, []FindingKind{ProfileWithoutRole, MarketoAdmin}},
		{false, true, true, true, []FindingKind{MissingInAdobe, RoleWithoutProfile, MarketoAdmin}},
		{true, true, true, true, []FindingKind{MarketoAdmin}},
	}
	set := func(in bool) Set {
		if in {
			return NewSet(" Alice@Example.com ")
		}
		return Set{}
	}
	for _, tc := range tests {
		name := fmt.Sprintf("adobe=%v/marketo=%v/ledger=%v/admin=%v", tc.adobe, tc.marketo, tc.ledger, tc.admin)
		t.Run(name, func(t *testing.T) {
			got := Drift(set(tc.adobe), set(tc.marketo), set(tc.ledger), set(tc.admin))
			if len(tc.want) == 0 {
				if len(got) != 0 {
					t.Fatalf("Drift = %+v, want no finding", got)
				}
				return
			}
			if len(got) != 1 || got[0].Email != u || !slices.Equal(got[0].Kinds, tc.want) {
				t.Fatalf("Drift = %+v, want %v", got, tc.want)
			}
			for _, k := range got[0].Kinds {
				if k.Label() == string(k) || k.Suggestion() == "" {
					t.Errorf("%s has no label or suggested fix", k)
				}
			}
		})
	}
}

// TestDriftMarketoUnchecked: without the Marketo side no role finding is
// made, whatever the other ledgers say.
func TestDriftMarketoUnchecked(t *testing.T) {
	for _, tc := range []struct {
		adobe, ledger bool
		want          []FindingKind
	}{
		{true, false, []FindingKind{OutsideBot}},
		{false, true, []FindingKind{MissingInAdobe}},
		{true, true, nil},
	} {
		a, l := Set{}, Set{}
		if tc.adobe {
			a.Add("bob@example.com")
		}
		if tc.ledger {
			l.Add("bob@example.com")
		}
		got := Drift(a, nil, l, nil)
		var kinds []FindingKind
		if len(got) == 1 {
			kinds = got[0].Kinds
		}
		if !slices.Equal(kinds, tc.want) {
			t.Errorf("adobe=%v ledger=%v: %v, want %v", tc.adobe, tc.ledger, kinds, tc.want)
		}
	}
}

func TestDriftSortsUsers(t *testing.T) {
	got := Drift(NewSet("c@x.io", "a@x.io"), Set{}, NewSet("b@x.io"), nil)
	var emails []string
	for _, f := range got {
		emails = append(emails, f.Email)
	}
	if !slices.Equal(emails, []string{"a@x.io", "b@x.io", "c@x.io"}) {
		t.Fatalf("order %v", emails)
	}
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]string{"R-12": "R-12", " r-7 ": "R-7", "R-0": "", "R-012": "", "R-": "", "DC-1": "", "R-1x": "", "R-99999999999999": ""} {
		got, err := ParseID(in)
		if want == "" {
			if err == nil {
				t.Errorf("ParseID(%q) = %q, want error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
