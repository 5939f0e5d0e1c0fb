package marketo

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/rs/zerolog"
)

func TestValidateListsEveryProblem(t *testing.T) {
	err := Config{BaseURL: "https://123-ABC-456.mktorest.com/rest", DeleteRolesBody: "list", PageOffset: "x",
		Rate: ratelimit.Per(200, InstanceRatePeriod), MaxInFlight: 11}.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"/rest", "MARKETO_CLIENT_ID", "MARKETO_CLIENT_SECRET", "delete roles body", "page offset", "instance limit of 100", "instance limit of 10"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	if err := (Config{BaseURL: "https://123-ABC-456.mktorest.com", ClientID: "id", ClientSecret: "s"}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestDefaults(t *testing.T) {
	c := Config{BaseURL: "https://123-ABC-456.mktorest.com/", ClientID: "id", ClientSecret: "s"}.withDefaults()
	if c.Rate != (ratelimit.Limit{Rate: 50, Period: InstanceRatePeriod, Burst: 1}) || c.MaxInFlight != 5 || c.DeleteRolesBody != BodyArray || c.AddRolesBody != BodyArray {
		t.Fatalf("defaults: %v", c)
	}
	if c.InstanceKey() != "123-abc-456.mktorest.com" || c.RateKey() != "marketo:123-abc-456.mktorest.com:calls" {
		t.Fatalf("keys: %s %s", c.InstanceKey(), c.RateKey())
	}
}

func TestConfigNeverPrintsSecret(t *testing.T) {
	c := Config{BaseURL: "https://x.mktorest.com", ClientID: "id", ClientSecret: testSecret}
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	log.Info().Object("marketo", c).Msg("config")
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c), fmt.Sprint(&c), c.String(), c.GoString(), buf.String()} {
		if strings.Contains(s, testSecret) {
			t.Fatalf("secret printed: %s", s)
		}
	}
	if !strings.Contains(c.String(), "<secret>") {
		t.Fatalf("String() = %s", c.String())
	}
}

// TestInstanceKeyIncludesPath: two instances behind one host (the
// emulator serves /emea beside /) never share a rate or in-flight
// budget; spellings of one base URL (host case, trailing slash, scheme
// default port) do, so replicas of one instance share one.
func TestInstanceKeyIncludesPath(t *testing.T) {
	key := func(base string) Config { return Config{BaseURL: base} }
	same := [][]string{
		{"http://127.0.0.1:9002", "http://127.0.0.1:9002/", "HTTP://127.0.0.1:9002//"},
		{"http://127.0.0.1:9002/emea", "http://127.0.0.1:9002/emea/", " http://127.0.0.1:9002/emea "},
		{"https://123-ABC-456.mktorest.com", "https://123-abc-456.mktorest.com:443/", "https://123-abc-456.MKTOREST.com"},
	}
	seen := map[string]int{}
	for i, urls := range same {
		for _, u := range urls {
			c := key(u)
			if c.RateKey() != key(urls[0]).RateKey() || c.SemaphoreKey("p:") != key(urls[0]).SemaphoreKey("p:") {
				t.Errorf("%q keys %s %s, want those of %q: %s", u, c.RateKey(), c.SemaphoreKey("p:"), urls[0], key(urls[0]).RateKey())
			}
		}
		k := key(urls[0]).RateKey()
		if j, dup := seen[k]; dup {
			t.Errorf("instances %q and %q share rate key %s", urls[0], same[j][0], k)
		}
		seen[k] = i
	}
	if got := key("http://127.0.0.1:9002/emea").RateKey(); got != "marketo:127.0.0.1:9002/emea:calls" {
		t.Errorf("rate key %s", got)
	}
	if key("http://127.0.0.1:9002/emea").SemaphoreKey("p:") == key("http://127.0.0.1:9002").SemaphoreKey("p:") {
		t.Error("two instances behind one host share a semaphore")
	}
}
