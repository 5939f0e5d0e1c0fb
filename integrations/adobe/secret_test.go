package adobe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/rs/zerolog"
)

func TestConfigNeverPrintsSecret(t *testing.T) {
	cfg := Config{OrgID: "o@AdobeOrg", ClientID: "id", ClientSecret: "p4ssw0rd-SECRET"}
	js, _ := json.Marshal(cfg)
	var buf bytes.Buffer
	zl := zerolog.New(&buf)
	zl.Info().Interface("cfg", cfg).Msg("x")
	outs := []string{
		fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprintf("%s", cfg), fmt.Sprintf("%q", cfg), fmt.Sprintf("%x", cfg), fmt.Sprintf("%v", &cfg),
		string(js), buf.String(),
	}
	for _, o := range outs {
		if strings.Contains(o, "p4ssw0rd") {
			t.Errorf("secret printed: %s", o)
		}
	}
	if !strings.Contains(outs[0], "<secret>") {
		t.Errorf("String() = %s", outs[0])
	}
}

// TestSecretsNeverInErrorsOrLogs drives every failure path with a debug
// logger and checks neither the client secret nor any issued token shows up.
func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	var logs bytes.Buffer
	log := zerolog.New(&logs).Level(zerolog.DebugLevel)
	ctx := context.Background()
	var texts []string
	collect := func(err error) {
		if err == nil {
			return
		}
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		if ae, ok := err.(*failure.Error); ok {
			texts = append(texts, ae.Human())
		}
	}

	e := newEnv(t, noLimits(), nil, WithLogger(log))
	_, err := e.client.GetUser(ctx, "ana.admin@example.com", "")
	collect(err)
	e.fake.ThrottleNext(adobefake.KindAny, 1, "1")
	e.fake.FailNext(adobefake.KindAny, 1, 503)
	e.fake.DropNext(adobefake.KindAny, 3)
	for range 3 {
		_, err = e.client.GetUser(ctx, "ana.admin@example.com", "")
		collect(err)
	}
	e.fake.ExpireTokens()
	_, err = e.client.GetUser(ctx, "nobody@example.com", "")
	collect(err)
	_, err = e.client.Apply(ctx, UserChange{User: UserSpec{Email: "x@example.org", Type: FederatedID, Country: "US", FirstName: "a", LastName: "b"}, Add: []string{"Live Agent"}})
	collect(err)
	e.fake.ThrottleNext(adobefake.KindAny, 1, "600")
	_, err = e.client.GetUser(ctx, "ana.admin@example.com", "")
	collect(err)

	bad := newEnv(t, noLimits(), func(c *Config) { c.ClientSecret = "wrong-" + c.ClientSecret }, WithLogger(log))
	_, err = bad.client.GetUser(ctx, "ana.admin@example.com", "")
	collect(err)
	slow := newEnv(t, noLimits(), func(c *Config) { c.HTTPTimeout = 30 * time.Millisecond; c.MaxAttempts = 1 }, WithLogger(log))
	slow.fake.SetLatency(200 * time.Millisecond)
	_, err = slow.client.GetUser(ctx, "ana.admin@example.com", "")
	collect(err)

	var tokens []string
	for _, c := range []*Client{e.client, bad.client} {
		c.tokens.mu.Lock()
		if c.tokens.token != "" {
			tokens = append(tokens, c.tokens.token)
		}
		c.tokens.mu.Unlock()
	}
	if len(tokens) == 0 {
		t.Fatal("no token was issued; the test proves nothing")
	}
	all := strings.Join(texts, "\n") + "\n" + logs.String()
	if len(texts) < 10 || logs.Len() == 0 {
		t.Fatalf("too little output to check: %d error texts, %d log bytes", len(texts), logs.Len())
	}
	for _, secret := range append(tokens, e.cfg.ClientSecret, "s3cr3t-VALUE") {
		if strings.Contains(all, secret) {
			t.Errorf("secret %q leaked:\n%s", secret[:6]+"…", all)
		}
	}
	if strings.Contains(all, "Bearer ") {
		t.Error("an Authorization header value was printed")
	}
}
