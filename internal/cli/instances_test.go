package cli

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/metrics"
	"github.com/chataccess/chataccess/internal/redistest"
)

// TestMarketoClientsPerInstance: serve builds one Marketo client per
// instance, each with its own base URL, credentials and limits, and
// rate and concurrency keys of its own, so replicas share one budget
// per instance and two instances never share one.
func TestMarketoClientsPerInstance(t *testing.T) {
	policy := edit(t, exampleConfig(t),
		"  user_poll_timeout: 2h\n", "  user_poll_timeout: 2h\n  instances:\n    emea: {base_url: \"https://222-bbb-222.mktorest.com\", calls_per_20s: 20, max_in_flight: 2}\n",
		"      - name: Live Agent\n        product: Dynamic Chat\n", "      - name: Live Agent\n        product: Dynamic Chat\n      - {name: Live Agent (EMEA), subscription: emea}\n")
	env := map[string]string{"MARKETO_BASE_URL": "https://111-aaa-111.mktorest.com", "MARKETO_CLIENT_ID": "us", "MARKETO_CLIENT_SECRET": "us-secret",
		"MARKETO_EMEA_CLIENT_ID": "emea", "MARKETO_EMEA_CLIENT_SECRET": "emea-secret"}
	cfg, err := config.Parse([]byte(policy), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := redistest.Client(t)
	a := &app{metrics: metrics.New(prometheus.NewRegistry(), metrics.Options{})}
	cls, err := a.marketoClients(wiring{cfg: cfg, rdb: rdb, log: zerolog.Nop()}, ratelimit.New(rdb, prefix))
	if err != nil {
		t.Fatal(err)
	}
	us, emea := cls["default"], cls["emea"]
	if len(cls) != 2 || us == nil || emea == nil {
		t.Fatalf("clients %v", cls)
	}
	uc, ec := us.Config(), emea.Config()
	if uc.BaseURL != "https://111-aaa-111.mktorest.com" || uc.ClientID != "us" || ec.BaseURL != "https://222-bbb-222.mktorest.com" || ec.ClientID != "emea" {
		t.Fatalf("configs %v / %v", uc, ec)
	}
	if uc.Rate.Rate != 50 || ec.Rate.Rate != 20 || ec.MaxInFlight != 2 {
		t.Errorf("limits %v %d / %v %d", uc.Rate, uc.MaxInFlight, ec.Rate, ec.MaxInFlight)
	}
	if uc.RateKey() == ec.RateKey() || uc.SemaphoreKey(prefix) == ec.SemaphoreKey(prefix) {
		t.Errorf("instances share a budget: %s / %s", uc.RateKey(), ec.RateKey())
	}
}
