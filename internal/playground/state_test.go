package playground

import (
	"context"
	"slices"
	"testing"

	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/internal/sandbox"
)

// TestPanelShowsEverySubscription: the side panel lists a second
// subscription's Dynamic Chat profile and the roles held on its Marketo
// instance, apart from the default instance's.
func TestPanelShowsEverySubscription(t *testing.T) {
	sb := sandbox.Start(sandbox.Options{Instances: []sandbox.Instance{{Name: "emea", Profiles: []string{"Live Agent (EMEA)"}}}})
	t.Cleanup(sb.Close)
	c, err := adobe.New(sb.AdobeConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(context.Background(), adobe.UserChange{User: adobe.UserSpec{Email: "ann@example.com", Type: adobe.FederatedID,
		Country: "FR", FirstName: "Ann", LastName: "E"}, Add: []string{"Live Agent (EMEA)"}, RequestID: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := sb.Instance("emea").AddUser(marketofake.User{UserID: "ann@example.com", EmailAddress: "ann@example.com",
		Roles: []marketofake.Assignment{{RoleID: sb.RoleID("DC Agent"), WorkspaceID: sb.WorkspaceID()}}}); err != nil {
		t.Fatal(err)
	}
	find := func(hs []holders, name string) []string {
		i := slices.IndexFunc(hs, func(h holders) bool { return h.Name == name })
		if i < 0 {
			t.Fatalf("no %q in %+v", name, hs)
		}
		return hs[i].Members
	}
	if got := find(adobeHolders(sb), "Live Agent (EMEA)"); !slices.Equal(got, []string{"ann@example.com"}) {
		t.Errorf("EMEA profile members %v", got)
	}
	mk := marketoHolders(sb)
	if got := find(mk, "DC Agent (emea)"); !slices.Equal(got, []string{"ann@example.com"}) {
		t.Errorf("emea role holders %v", got)
	}
	if got := find(mk, "DC Agent"); len(got) != 0 {
		t.Errorf("the default instance's role shows emea's holder: %v", got)
	}
}
