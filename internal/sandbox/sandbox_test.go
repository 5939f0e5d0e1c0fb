package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/marketo"
)

func client(t *testing.T, sb *Sandbox) *adobe.Client {
	t.Helper()
	c, err := adobe.New(sb.AdobeConfig())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func add(t *testing.T, c *adobe.Client, email string, profiles ...string) {
	t.Helper()
	_, err := c.Apply(context.Background(), adobe.UserChange{
		User: adobe.UserSpec{Email: email, Type: adobe.FederatedID, Country: "US", FirstName: "T", LastName: "U"}, Add: profiles, RequestID: "t",
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEngageLink(t *testing.T) {
	sb := Start(Options{EngageLink: true, Instances: []Instance{{Name: "emea"}}})
	t.Cleanup(sb.Close)
	c := client(t, sb)
	ctx := context.Background()

	add(t, c, "dana@example.com", "Live Agent")
	if _, ok := sb.Marketo.User("dana@example.com"); ok {
		t.Fatal("a Dynamic Chat profile alone brought dana into Marketo")
	}
	add(t, c, "dana@example.com", EngageProfile("default"))
	if _, ok := sb.Marketo.User("dana@example.com"); !ok {
		t.Fatal("the Marketo Engage profile did not bring dana into the default instance")
	}
	if _, ok := sb.Instance("emea").User("dana@example.com"); ok {
		t.Fatal("the default instance's profile brought dana into emea")
	}

	// Through a user group: the group gets emea's profile, then a member joins.
	sb.Adobe.AddUserGroup("EMEA Chat Agents")
	add(t, c, "eli@example.com", "Live Agent")
	if err := sb.Adobe.AddMember("eli@example.com", "EMEA Chat Agents"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ChangeUserGroup(ctx, adobe.GroupChange{Group: "EMEA Chat Agents", AddProfiles: []string{EngageProfile("emea")}}, false); err != nil {
		t.Fatal(err)
	}
	if _, ok := sb.Instance("emea").User("eli@example.com"); !ok {
		t.Fatal("a profile given to eli's group did not bring eli into emea")
	}
	add(t, c, "fay@example.com", "Live Agent")
	if _, err := c.ChangeUserGroup(ctx, adobe.GroupChange{Group: "EMEA Chat Agents", AddUsers: []string{"fay@example.com"}}, false); err != nil {
		t.Fatal(err)
	}
	if _, ok := sb.Instance("emea").User("fay@example.com"); !ok {
		t.Fatal("joining the group did not bring fay into emea")
	}
	if _, ok := sb.Marketo.User("fay@example.com"); ok {
		t.Fatal("emea's profile brought fay into the default instance")
	}
}

func TestAnyProfileLinkWithoutEngageLink(t *testing.T) {
	sb := Start(Options{})
	t.Cleanup(sb.Close)
	add(t, client(t, sb), "gus@example.com", "Live Agent")
	if _, ok := sb.Marketo.User("gus@example.com"); !ok {
		t.Fatal("without EngageLink any add provisions the default instance")
	}
}

// TestSubscriptionProfilesWithoutEngageLink: a subscription's own
// Dynamic Chat profile brings a person into that instance only, the
// default profiles into the default one.
func TestSubscriptionProfilesWithoutEngageLink(t *testing.T) {
	sb := Start(Options{Instances: []Instance{{Name: "emea", Profiles: []string{"Live Agent (EMEA)"}}}})
	t.Cleanup(sb.Close)
	c := client(t, sb)
	add(t, c, "hal@example.com", "Live Agent (EMEA)")
	if _, ok := sb.Instance("emea").User("hal@example.com"); !ok {
		t.Fatal("the EMEA profile did not bring hal into emea")
	}
	if _, ok := sb.Marketo.User("hal@example.com"); ok {
		t.Fatal("the EMEA profile brought hal into the default instance")
	}
	add(t, c, "ivy@example.com", "Live Agent")
	if _, ok := sb.Instance("emea").User("ivy@example.com"); ok {
		t.Fatal("a default profile brought ivy into emea")
	}
	if got := sb.SubscriptionProfiles("emea"); len(got) != 1 || got[0] != "Live Agent (EMEA)" || sb.SubscriptionProfiles("default") != nil {
		t.Fatalf("subscription profiles %v", got)
	}
}

func TestInstancesHaveTheirOwnCredentials(t *testing.T) {
	sb := Start(Options{Instances: []Instance{{Name: "EMEA", MunchkinID: "222-BBB-222"}}, UserLag: time.Millisecond})
	t.Cleanup(sb.Close)
	if got := sb.Instances(); len(got) != 2 || got[1] != "emea" {
		t.Fatalf("instances %v", got)
	}
	def, emea := sb.MarketoConfigFor(""), sb.MarketoConfigFor("emea")
	if def.BaseURL == emea.BaseURL || def.ClientID == emea.ClientID || sb.Instance("emea").MunchkinID() != "222-BBB-222" {
		t.Fatalf("instances share %+v %+v", def, emea)
	}
	for _, cfg := range []marketo.Config{def, emea} {
		m, err := marketo.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		roles, err := m.ListRoles(context.Background())
		if err != nil || len(roles) == 0 {
			t.Fatalf("%s: %v %v", cfg.BaseURL, roles, err)
		}
	}
	crossed := emea
	crossed.ClientID, crossed.ClientSecret = def.ClientID, def.ClientSecret
	m, _ := marketo.New(crossed)
	if _, err := m.ListRoles(context.Background()); err == nil {
		t.Fatal("the default instance's credentials work on emea")
	}
	if sb.MarketoConfigFor("nope").BaseURL != "" || sb.Instance("nope") != nil {
		t.Fatal("an unknown instance answered")
	}
}

// TestSubscriptionProfile: a named subscription's profiles carry its
// name in capitals, as the docs and the demo name them.
func TestSubscriptionProfile(t *testing.T) {
	if got := SubscriptionProfile("Live Agent", "emea"); got != "Live Agent (EMEA)" {
		t.Errorf("got %q", got)
	}
	if got := SubscriptionProfile("Live Agent", DefaultInstance); got != "Live Agent" {
		t.Errorf("default: %q", got)
	}
	if got := SubscriptionProfilesOf("apac"); len(got) != len(Profiles) || got[0] != Profiles[0]+" (APAC)" {
		t.Errorf("got %q", got)
	}
}
