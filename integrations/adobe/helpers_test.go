package adobe

import (
	"errors"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/failure"
)

type env struct {
	fake   *adobefake.Server
	srv    *httptest.Server
	client *Client
	cfg    Config
}

// newEnv starts the emulator with the demo seed and a client pointed at it.
func newEnv(tb testing.TB, fo adobefake.Options, mod func(*Config), opts ...Option) *env {
	tb.Helper()
	if fo.ClientSecret == "" {
		fo.ClientSecret = "s3cr3t-VALUE-never-print"
	}
	fake := adobefake.New(fo)
	f, err := os.Open("adobefake/testdata/seed.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := fake.LoadSeed(f); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	tb.Cleanup(srv.Close)
	cfg := Config{
		IMSURL: srv.URL, UMAPIURL: srv.URL, OrgID: fake.OrgID(), ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		Version: "test", HTTPTimeout: 5 * time.Second, RetryBase: 10 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return &env{fake: fake, srv: srv, client: c, cfg: cfg}
}

func noLimits() adobefake.Options { return adobefake.Options{Limits: adobefake.Limits{Disabled: true}} }

func asErr(tb testing.TB, err error) *failure.Error {
	tb.Helper()
	if err == nil {
		tb.Fatal("want an error, got nil")
	}
	var e *failure.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %T %v is not a *failure.Error", err, err)
	}
	return e
}
