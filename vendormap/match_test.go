package vendormap_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/vendormap"
)

var (
	roles = []marketo.Role{
		{ID: 1, Name: "Admin", Type: "system", OnlyAllZones: true},
		{ID: 2, Name: "Standard User", Type: "system"},
		{ID: 101, Name: "DC Agent", Type: "custom"},
		{ID: 102, Name: "DC Admin", Type: "custom"},
		{ID: 201, Name: "Twin"},
		{ID: 202, Name: "twin "},
	}
	workspaces = []marketo.Workspace{{ID: 1, Name: "Default"}, {ID: 7, Name: "EMEA"}, {ID: 8, Name: "North  America"}}
)

func TestNameKey(t *testing.T) {
	for in, want := range map[string]string{
		"DC Agent": "dc agent", "  dc\tAGENT ": "dc agent", "DC  \n Agent": "dc agent", "": "", "   ": "",
	} {
		if got := vendormap.NameKey(in); got != want {
			t.Errorf("NameKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMatchRole is the one rule for roles, including the cases where
// check, the workers and the reviews used to disagree (each noted).
func TestMatchRole(t *testing.T) {
	tests := []struct {
		name    string
		ref     approvals.MarketoRef
		wantID  int
		wantErr error
		detail  string
	}{
		{name: "exact name", ref: approvals.MarketoRef{Name: "DC Agent"}, wantID: 101},
		// Case: the workers lower-cased, the reviews used EqualFold, check
		// lower-cased; now one key.
		{name: "other case", ref: approvals.MarketoRef{Name: "dc AGENT"}, wantID: 101},
		// Whitespace: the workers neither trimmed nor collapsed (a policy
		// name with a stray space failed to provision), the reviews
		// trimmed only, check collapsed: now all three trim and collapse.
		{name: "surrounding space", ref: approvals.MarketoRef{Name: "  DC Agent "}, wantID: 101},
		{name: "doubled inner space", ref: approvals.MarketoRef{Name: "dc  admin"}, wantID: 102},
		{name: "id only", ref: approvals.MarketoRef{ID: 102}, wantID: 102},
		{name: "id and agreeing name", ref: approvals.MarketoRef{ID: 102, Name: "DC ADMIN"}, wantID: 102},
		// Id and name disagreeing: check failed, the workers used the id
		// and ignored the name, the reviews matched by id only. Now an
		// error everywhere.
		{name: "id and other name", ref: approvals.MarketoRef{ID: 102, Name: "DC Agent"}, wantErr: vendormap.ErrMismatch,
			detail: `role id 102 is named "DC Admin", not "DC Agent"`},
		{name: "unknown id", ref: approvals.MarketoRef{ID: 999, Name: "DC Agent"}, wantErr: vendormap.ErrNotFound, detail: "no Marketo role has id 999"},
		{name: "unknown name", ref: approvals.MarketoRef{Name: "DC Agnet"}, wantErr: vendormap.ErrNotFound,
			detail: `no Marketo role is named "DC Agnet" (known: "Admin", "Standard User", "DC Agent"`},
		// Two roles with the same key: check warned and took the first,
		// the workers took the last listed. Now an error: set the id.
		{name: "ambiguous name", ref: approvals.MarketoRef{Name: "TWIN"}, wantErr: vendormap.ErrAmbiguous, detail: "(ids 201, 202); set its id"},
		{name: "ambiguous name, id given", ref: approvals.MarketoRef{ID: 202, Name: "twin"}, wantID: 202},
		{name: "nothing configured", ref: approvals.MarketoRef{Name: " "}, wantErr: vendormap.ErrUnset},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := vendormap.MatchRole(roles, tc.ref)
			if tc.wantErr == nil {
				if err != nil || got.ID != tc.wantID {
					t.Fatalf("MatchRole(%+v) = %d, %v; want %d", tc.ref, got.ID, err, tc.wantID)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("MatchRole(%+v) = %d, %v; want %v with %q", tc.ref, got.ID, err, tc.wantErr, tc.detail)
			}
			var me *vendormap.MatchError
			if !errors.As(err, &me) || me.Retryable() || me.Delay() != 0 || me.Human() == "" {
				t.Fatalf("error %#v is not a permanent match error", err)
			}
		})
	}
}

// TestMatchWorkspace: an unset workspace is "Default" (the workers
// defaulted to it, the reviews matched any workspace, check failed), and
// AllZones resolves though it is never listed (the workers failed it).
func TestMatchWorkspace(t *testing.T) {
	tests := []struct {
		ref     approvals.MarketoRef
		wantID  int
		wantErr error
	}{
		{approvals.MarketoRef{}, 1, nil},
		{approvals.MarketoRef{Name: "default"}, 1, nil},
		{approvals.MarketoRef{Name: "allzones"}, 0, nil},
		{approvals.MarketoRef{Name: "North America"}, 8, nil},
		{approvals.MarketoRef{ID: 7}, 7, nil},
		{approvals.MarketoRef{ID: 7, Name: "Default"}, -1, vendormap.ErrMismatch},
		{approvals.MarketoRef{Name: "APAC"}, -1, vendormap.ErrNotFound},
	}
	for _, tc := range tests {
		got, err := vendormap.MatchWorkspace(workspaces, tc.ref)
		switch {
		case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
			t.Errorf("MatchWorkspace(%+v) = %v, want %v", tc.ref, err, tc.wantErr)
		case tc.wantErr == nil && (err != nil || got.ID != tc.wantID):
			t.Errorf("MatchWorkspace(%+v) = %d, %v; want %d", tc.ref, got.ID, err, tc.wantID)
		}
	}
	_, err := vendormap.MatchWorkspace(workspaces, approvals.MarketoRef{Name: "APAC"})
	if !strings.Contains(err.Error(), `no Marketo workspace is named "APAC" (known: "AllZones", "Default", "EMEA"`) {
		t.Errorf("typo hint: %v", err)
	}
}

// TestTypoHintIsShort: a miss names at most eight known names.
func TestTypoHintIsShort(t *testing.T) {
	_, err := vendormap.MatchRole(nil, approvals.MarketoRef{Name: "x"})
	if !strings.Contains(err.Error(), "(known: none)") {
		t.Errorf("no roles: %v", err)
	}
	var many []marketo.Role
	for i := range 10 {
		many = append(many, marketo.Role{ID: i + 1, Name: "r" + string(rune('0'+i))})
	}
	_, err = vendormap.MatchRole(many, approvals.MarketoRef{Name: "x"})
	if !strings.Contains(err.Error(), `(known: "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", and 2 more)`) {
		t.Errorf("ten roles: %v", err)
	}
}

func TestCheckAssignment(t *testing.T) {
	allZones, _ := vendormap.MatchWorkspace(workspaces, approvals.MarketoRef{Name: "AllZones"})
	def, _ := vendormap.MatchWorkspace(workspaces, approvals.MarketoRef{})
	if err := vendormap.CheckAssignment(roles[0], allZones); err != nil {
		t.Errorf("Admin in AllZones: %v", err)
	}
	err := vendormap.CheckAssignment(roles[0], def)
	if !errors.Is(err, vendormap.ErrAllZonesOnly) || !strings.Contains(err.Error(), "id 1 can only be assigned in AllZones, but the package's workspace is Default") {
		t.Errorf("Admin in Default: %v", err)
	}
	if err := vendormap.CheckAssignment(roles[2], def); err != nil {
		t.Errorf("DC Agent in Default: %v", err)
	}
}

// TestMatchProfile: check compared profile names with EqualFold after
// trimming; the workers and the reviews sent the configured spelling to
// Adobe. Now every path uses Adobe's name of the one group that fits.
func TestMatchProfile(t *testing.T) {
	groups := []adobe.Group{
		{GroupName: "Live Agent", Type: adobe.GroupTypeProductProfile, ProductName: "Dynamic Chat"},
		{GroupName: "Prime  Agent", Type: adobe.GroupTypeProductProfile, ProductName: "Dynamic Chat (<Prime>)"},
		{GroupName: "Agents", Type: adobe.GroupTypeUserGroup},
		{GroupName: "Marketo Prod", Type: adobe.GroupTypeProductProfile, ProductName: "Marketo Engage"},
		{GroupName: "Twin", Type: adobe.GroupTypeProductProfile, ProductName: "Dynamic Chat"},
		{GroupName: "twin", Type: adobe.GroupTypeProductProfile, ProductName: "Dynamic Chat"},
	}
	tests := []struct {
		p       approvals.ProductProfile
		want    string
		wantErr error
		detail  string
	}{
		{p: approvals.ProductProfile{Name: " live agent", Product: "Dynamic Chat"}, want: "Live Agent"},
		{p: approvals.ProductProfile{Name: "prime agent", Product: "dynamic chat"}, want: "Prime  Agent"},
		{p: approvals.ProductProfile{Name: "Marketo Prod"}, want: "Marketo Prod"}, // no product: any
		{p: approvals.ProductProfile{Name: "Marketo Prod", Product: "Dynamic Chat"}, wantErr: vendormap.ErrWrongKind,
			detail: `a profile of "Marketo Engage", not of "Dynamic Chat"`},
		{p: approvals.ProductProfile{Name: "Agents"}, wantErr: vendormap.ErrWrongKind, detail: "USER_GROUP, not a product profile"},
		{p: approvals.ProductProfile{Name: "Sales Admin", Product: "Dynamic Chat"}, wantErr: vendormap.ErrNotFound,
			detail: "no Dynamic Chat product profile of this name"},
		{p: approvals.ProductProfile{Name: "TWIN"}, wantErr: vendormap.ErrAmbiguous},
		{p: approvals.ProductProfile{Name: ""}, wantErr: vendormap.ErrUnset},
	}
	for _, tc := range tests {
		got, err := vendormap.MatchProfile(groups, tc.p)
		switch {
		case tc.wantErr != nil && (!errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.detail)):
			t.Errorf("MatchProfile(%+v) = %v, want %v with %q", tc.p, err, tc.wantErr, tc.detail)
		case tc.wantErr == nil && (err != nil || got.GroupName != tc.want):
			t.Errorf("MatchProfile(%+v) = %q, %v; want %q", tc.p, got.GroupName, err, tc.want)
		}
	}
}

func TestHumanSentences(t *testing.T) {
	_, err := vendormap.MatchRole(roles, approvals.MarketoRef{Name: "No Such Role"})
	var me *vendormap.MatchError
	if !errors.As(err, &me) || !strings.HasPrefix(me.Human(), `Marketo has no role named "No Such Role"; create it with the "Access Dynamic Chat" permission`) {
		t.Errorf("role: %q", me.Human())
	}
	_, err = vendormap.MatchRole(roles, approvals.MarketoRef{ID: 102, Name: "DC Agent"})
	if !errors.As(err, &me) || me.Human() != `Role id 102 is named "DC Admin", not "DC Agent"; fix the policy file` {
		t.Errorf("mismatch: %q", me.Human())
	}
}

func TestInstanceKey(t *testing.T) {
	for in, want := range map[string]string{"": "default", " Default ": "default", "EMEA": "emea"} {
		if got := vendormap.InstanceKey(in); got != want {
			t.Errorf("InstanceKey(%q) = %q, want %q", in, got, want)
		}
	}
	if got := vendormap.InstanceOf(&approvals.Package{Name: "agent"}); got != vendormap.DefaultInstance {
		t.Errorf("InstanceOf = %q", got)
	}
}
