package inventory_test

import (
	"context"
	"slices"
	"testing"

	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/internal/sandbox"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/reviews/inventory"
	"github.com/chataccess/chataccess/vendormap"
)

// TestProfileHolders: every holder of a profile with how they hold it:
// direct members, members of a user group that holds the profile (named
// through memberCount), and a person who holds it both ways. A group
// some of whose members do not hold the profile is not named. The reads
// are two walks of the profile and the group listing.
func TestProfileHolders(t *testing.T) {
	sb := sandbox.Start(sandbox.Options{})
	t.Cleanup(sb.Close)
	sb.Adobe.AddUserGroup("EMEA Chat Agents")
	sb.Adobe.AddUserGroup("All Staff")
	seed := []adobefake.UserSeed{
		{Email: "dee@example.com", Groups: []string{"Live Agent"}},
		{Email: "eve@example.com", Groups: []string{"Live Agent", "EMEA Chat Agents"}},
		{Email: "fox@example.com", Groups: []string{"EMEA Chat Agents", "All Staff"}},
		{Email: "gil@example.com", Groups: []string{"EMEA Chat Agents"}},
		{Email: "hal@example.com", Groups: []string{"All Staff"}},
	}
	for _, u := range seed {
		if err := sb.Adobe.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := sb.Adobe.AssignProfile("EMEA Chat Agents", "Live Agent"); err != nil {
		t.Fatal(err)
	}
	cl, err := adobe.New(sb.AdobeConfig())
	if err != nil {
		t.Fatal(err)
	}
	a := &inventory.Adobe{Client: cl, Resolver: vendormap.New(vendormap.Config{Adobe: cl})}
	got := map[string]reviews.Member{}
	if err := a.ProfileHolders(context.Background(), "Live Agent", func(m reviews.Member) error { got[m.Email] = m; return nil }); err != nil {
		t.Fatal(err)
	}
	want := map[string]reviews.Member{
		"dee@example.com": {Email: "dee@example.com"},
		"eve@example.com": {Email: "eve@example.com", Via: []string{"EMEA Chat Agents"}},
		"fox@example.com": {Email: "fox@example.com", Inherited: true, Via: []string{"EMEA Chat Agents"}},
		"gil@example.com": {Email: "gil@example.com", Inherited: true, Via: []string{"EMEA Chat Agents"}},
	}
	if len(got) != len(want) {
		t.Fatalf("holders %+v", got)
	}
	for e, w := range want {
		g := got[e]
		if g.Inherited != w.Inherited || !slices.Equal(g.Via, w.Via) {
			t.Errorf("%s: %+v, want %+v", e, g, w)
		}
	}
	if n := sb.Adobe.Calls(adobefake.KindUsers); n != 2 {
		t.Errorf("%d user reads, want 2 (one page of each walk)", n)
	}
	if n := sb.Adobe.Calls(adobefake.KindGroups); n != 1 {
		t.Errorf("%d group reads, want 1", n)
	}

	// Leaving a group used for Dynamic Chat only.
	if err := a.RemoveFromGroup(context.Background(), "EMEA Chat Agents", "gil@example.com", "R-1/3"); err != nil {
		t.Fatal(err)
	}
	if sb.Adobe.Holds("gil@example.com", "Live Agent") {
		t.Fatal("gil still holds Live Agent")
	}
}
