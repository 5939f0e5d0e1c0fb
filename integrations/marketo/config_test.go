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
