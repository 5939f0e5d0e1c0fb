package marketo

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/rs/zerolog"
)

// TestSecretsNeverLeak runs the failure paths that could echo the client
// secret (it travels in the identity query string) or the token, and
// checks errors, Human texts and debug logs.
func TestSecretsNeverLeak(t *testing.T) {
	var logs bytes.Buffer
	logger := zerolog.New(&logs).Level(zerolog.DebugLevel)
	ctx := logger.WithContext(context.Background())
	var tokens []string
	collect := func(c *Client) {
		c.tokens.mu.Lock()
		if c.tokens.token != "" {
			tokens = append(tokens, c.tokens.token)
		}
		c.tokens.mu.Unlock()
	}
	var errs []error

	// 1. Wrong secret.
	p := newPair(t, marketofake.Options{}, Config{}, WithLogger(logger))
	good := p.client
	bad := p.client.Config()
	bad.ClientSecret = testSecret + "-wrong"
	bc, err := New(bad, WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bc.ListRoles(ctx)
	errs = append(errs, err)

	// 2. Tokens refused twice (601 then 601), and a 602 storm.
	if _, err := good.ListRoles(ctx); err != nil {
		t.Fatal(err)
	}
	collect(good)
	p.fake.FailNext(2, marketofake.Fault{Code: 601})
	_, err = good.ListRoles(ctx)
	errs = append(errs, err)
	collect(good)

	// 3. Transport failure on the identity call (its URL holds the secret).
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	cfg := p.client.Config()
	cfg.BaseURL = deadURL
	dc, err := New(cfg, WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	_, err = dc.ListRoles(ctx)
	errs = append(errs, err)

	// 4. A server that echoes the secret and the token in its messages.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/identity/") {
			if r.URL.Query().Get("client_secret") == testSecret && r.Header.Get("X-Fail") == "" {
				fmt.Fprintf(w, `{"access_token":"tok-echo-123456","token_type":"bearer","expires_in":3600,"scope":"x"}`)
				return
			}
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad secret %s"}`, r.URL.Query().Get("client_secret"))
			return
		}
		w.WriteHeader(403)
		fmt.Fprintf(w, `{"errors":[{"code":603,"message":"denied for %s and %s"}]}`, r.Header.Get("Authorization"), testSecret)
	}))
	defer echo.Close()
	tokens = append(tokens, "tok-echo-123456")
	cfg.BaseURL = echo.URL
	ec, err := New(cfg, WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ec.ListRoles(ctx)
	errs = append(errs, err)
	cfg.ClientSecret = testSecret + "x"
	ec2, _ := New(cfg, WithLogger(logger))
	_, err = ec2.ListRoles(ctx)
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Fatalf("scenario %d: no error", i+1)
		}
		e := err.(*failure.Error)
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v %#v", err, err), e.Human(), e.Message} {
			if strings.Contains(text, testSecret) {
				t.Errorf("scenario %d: secret in %q", i+1, text)
			}
			for _, tok := range tokens {
				if strings.Contains(text, tok) {
					t.Errorf("scenario %d: token in %q", i+1, text)
				}
			}
		}
	}
	if strings.Contains(logs.String(), testSecret) {
		t.Errorf("secret in logs: %s", logs.String())
	}
	for _, tok := range tokens {
		if strings.Contains(logs.String(), tok) {
			t.Errorf("token in logs")
		}
	}
	if logs.Len() == 0 {
		t.Error("no logs were written; the test proves nothing")
	}
	for _, r := range p.fake.Requests() {
		if strings.Contains(r.Query, testSecret) {
			t.Errorf("emulator recorded the secret")
		}
	}
}
