package adobe

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/failure"
)

func TestCommandJSON(t *testing.T) {
	groups := make([]string, 23)
	for i := range groups {
		groups[i] = fmt.Sprintf("P%02d", i)
	}
	cmd := NewCommand(UserSpec{Email: "jdoe@example.com", Type: FederatedID, Country: "us", FirstName: "John", LastName: "Doe"}, "req-1/adobe", groups, []string{"Old"})
	b, err := json.Marshal([]Command{cmd})
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	do := got[0]["do"].([]any)
	if len(do) != 5 { // create, 10+10+3 adds, remove
		t.Fatalf("steps = %d: %s", len(do), b)
	}
	create := do[0].(map[string]any)["createFederatedID"].(map[string]any)
	if create["country"] != "US" || create["option"] != "ignoreIfAlreadyExists" || create["email"] != "jdoe@example.com" {
		t.Errorf("create step %v", create)
	}
	if n := len(do[2].(map[string]any)["add"].(map[string]any)["group"].([]any)); n != 10 {
		t.Errorf("second add step has %d groups", n)
	}
	if got[0]["requestID"] != "req-1/adobe" || got[0]["user"] != "jdoe@example.com" {
		t.Errorf("command %v", got[0])
	}
	rm, _ := json.Marshal(Step{RemoveAll: true})
	if string(rm) != `{"remove":"all"}` {
		t.Errorf("remove all = %s", rm)
	}
	for _, tc := range []struct {
		typ  IdentityType
		want string
	}{{AdobeID, "addAdobeID"}, {EnterpriseID, "createEnterpriseID"}, {FederatedID, "createFederatedID"}} {
		b, _ := json.Marshal(CreateUser(UserSpec{Email: "a@b.c", Type: tc.typ}))
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if _, ok := m[tc.want]; !ok {
			t.Errorf("%s step = %s", tc.typ, b)
		}
	}
}

func TestActionAgainstEmulator(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, noLimits(), nil)
	c := e.client

	// testOnly: validated, nothing changes, completedInTestMode counts.
	r, err := c.Action(ctx, []Command{NewCommand(UserSpec{Email: "new.person@example.com", Type: FederatedID, Country: "US", FirstName: "New", LastName: "Person"}, "t1", []string{"Live Agent"}, nil)}, true)
	if err != nil || r.CompletedInTestMode != 1 || r.Completed != 0 || !r.TestOnly {
		t.Fatalf("testOnly: %+v %v", r, err)
	}
	if e.fake.HasUser("new.person@example.com") || len(e.fake.Applied()) != 0 {
		t.Fatal("testOnly changed state")
	}
	for _, rec := range e.fake.Requests() {
		if rec.Kind == adobefake.KindAction && rec.Query != "testOnly=true" {
			t.Errorf("query %q", rec.Query)
		}
	}

	// Real run: create + add; again: ignoreIfAlreadyExists and already a member.
	for i := range 2 {
		res, err := c.Apply(ctx, UserChange{User: UserSpec{Email: "new.person@example.com", Type: FederatedID, Country: "US", FirstName: "New", LastName: "Person"},
			Add: []string{"Live Agent", "Marketing User"}, RequestID: fmt.Sprintf("req-%d/adobe", i)})
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if res.RequestID != fmt.Sprintf("req-%d/adobe", i) {
			t.Errorf("result %+v", res)
		}
	}
	if got := len(e.fake.Applied()); got != 2 {
		t.Errorf("applied changes = %d, want 2 (the second run changed nothing)", got)
	}

	// Remove from every profile, twice: the second is a no-op success.
	for range 2 {
		if _, err := c.Apply(ctx, UserChange{User: UserSpec{Email: "new.person@example.com"}, Remove: []string{"Live Agent", "Marketing User"}}); err != nil {
			t.Fatal(err)
		}
	}
	if m := e.fake.Members("Live Agent"); fmt.Sprint(m) != "[lee.agent@example.com sam.sales@example.com]" {
		t.Errorf("Live Agent members %v", m)
	}

	// Removing someone Adobe does not know is the desired state.
	res, err := c.Apply(ctx, UserChange{User: UserSpec{Email: "ghost@example.com"}, Remove: []string{"Live Agent"}})
	if err != nil || !res.Absent {
		t.Errorf("remove unknown user: %+v %v", res, err)
	}

	// removeFromOrg always reports success, even for unknown users.
	r, err = c.Action(ctx, []Command{{User: "ghost@example.com", Do: []Step{{RemoveFromOrg: true}}}}, false)
	if err != nil || r.Result != "success" || r.Completed != 1 {
		t.Errorf("removeFromOrg unknown: %+v %v", r, err)
	}

	// A partial call maps each error to its own command.
	r, err = c.Action(ctx, []Command{
		NewCommand(UserSpec{Email: "lee.agent@example.com"}, "ok", []string{"Sales Admin"}, nil),
		NewCommand(UserSpec{Email: "ana.admin@example.com"}, "bad", []string{"Calendar Agent", "No Such Profile"}, nil),
	}, false)
	if err != nil || r.Result != "partial" || r.Completed != 1 || r.NotCompleted != 1 {
		t.Fatalf("partial: %+v %v", r, err)
	}
	if r.ErrorFor(0) != nil {
		t.Errorf("command 0 failed: %v", r.ErrorFor(0))
	}
	if e1 := r.ErrorFor(1); e1 == nil || e1.Code != "error.group.not_found" || e1.RequestID != "bad" || !strings.Contains(e1.Object, `"No Such Profile"`) {
		t.Errorf("command 1 error %+v", e1)
	}
	if len(r.Errors) != 1 || r.Errors[0].Index != 1 || r.Errors[0].Step != 0 {
		t.Errorf("errors %+v, want command 1 step 0", r.Errors)
	}
}

func TestValidationBeforeSending(t *testing.T) {
	c, err := New(Config{OrgID: "o@AdobeOrg", ClientID: "id", ClientSecret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cmds []Command
	}{
		{"none", nil},
		{"same user twice", []Command{NewCommand(UserSpec{Email: "a@x.com"}, "", []string{"P"}, nil), NewCommand(UserSpec{Email: "A@x.com"}, "", nil, []string{"P"})}},
		{"create not first", []Command{{User: "a@x.com", Do: []Step{{Add: []string{"P"}}, *CreateUser(UserSpec{Email: "a@x.com", Type: AdobeID})}}}},
		{"removeFromOrg not last", []Command{{User: "a@x.com", Do: []Step{{RemoveFromOrg: true}, {Add: []string{"P"}}}}}},
		{"11 groups in a step", []Command{{User: "a@x.com", Do: []Step{{Add: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}}}}}},
		{"too many steps", []Command{NewCommand(UserSpec{Email: "a@x.com"}, "", make101(), nil)}},
		{"empty steps", []Command{{User: "a@x.com"}}},
	}
	for _, tt := range tests {
		if err := c.validateCommands(tt.cmds); failure.ReasonOf(err) != failure.ReasonInvalid {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func make101() []string {
	out := make([]string, 101)
	for i := range out {
		out[i] = fmt.Sprint("P", i)
	}
	return out
}
