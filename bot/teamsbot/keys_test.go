package teamsbot_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot/teamsbot"
	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
)

// longLived makes a token valid for 30 hours, so it outlives keys gone
// stale (24 hours).
func longLived(c jwt.MapClaims) { c["exp"] = time.Now().Add(30 * time.Hour).Unix() }

// forged is a token naming the real msteams key id, signed with another
// key.
func forged(t *testing.T, h *harness) string {
	t.Helper()
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claimsWith(h, longLived))
	tok.Header["kid"] = teamsfake.KeyTeams
	raw, err := tok.SignedString(other)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestForgedTokensCannotHammerStaleKeys: once the keys are stale and
// the key endpoint is down, forged tokens naming a real key id start at
// most one fetch a minute (not one each), and a token already checked
// still works with the keys there are.
func TestForgedTokensCannotHammerStaleKeys(t *testing.T) {
	h := newHarness(t)
	good := h.fake.Sign(claimsWith(h, longLived))
	if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), good); s != http.StatusOK {
		t.Fatalf("status %d", s)
	}
	h.h.wait(t, 1)
	first := h.fake.KeyFetches()
	h.advance(25 * time.Hour)
	h.fake.KeysDown(true)
	for range 20 {
		if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), forged(t, h)); s != http.StatusForbidden {
			t.Fatalf("forged token: %d", s)
		}
	}
	if got := h.fake.KeyFetches() - first; got > 1 {
		t.Fatalf("forged tokens fetched the keys %d times within a minute", got)
	}
	if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), good); s != http.StatusOK {
		t.Fatalf("checked token refused while the key endpoint is down: %d", s)
	}
}

// TestKnownKeyNeverWaitsForAFetch: while a fetch of stale keys hangs
// (started by a token with an unknown key id, which waits for it),
// requests signed by a known key are answered with the keys there are.
func TestKnownKeyNeverWaitsForAFetch(t *testing.T) {
	h := newHarness(t)
	if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), h.fake.Sign(claimsWith(h, longLived))); s != http.StatusOK {
		t.Fatalf("status %d", s)
	}
	h.h.wait(t, 1)
	h.advance(25 * time.Hour)
	release := h.fake.HoldKeys()
	defer release()
	h.fake.RotateIn("late")
	first := h.fake.KeyFetches()
	waiting := make(chan int, 1)
	go func() {
		resp, err := h.srv.Client().Do(teamsfake.Request(h.srv.URL+"/api/messages", h.fake.Message(appID, alice, personal, "help"),
			h.fake.SignWith("late", claimsWith(h, longLived))))
		if err != nil {
			waiting <- 0
			return
		}
		resp.Body.Close()
		waiting <- resp.StatusCode
	}()
	deadline := time.Now().Add(10 * time.Second)
	for h.fake.KeyFetches() == first {
		if time.Now().After(deadline) {
			t.Fatal("the unknown key id started no fetch")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The fetch hangs; a new token signed by the known key is checked and
	// answered meanwhile.
	if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), h.fake.Sign(claimsWith(h, longLived))); s != http.StatusOK {
		t.Fatalf("known key while a fetch hangs: %d", s)
	}
	select {
	case s := <-waiting:
		t.Fatalf("the unknown key id was answered (%d) before its fetch", s)
	default:
	}
	release()
	if s := <-waiting; s != http.StatusOK {
		t.Fatalf("rotated key after its fetch: %d", s)
	}
}

// TestCachedTokenFollowsKeyChanges: a token checked once is checked
// again in full when its key changes in the key set: an endorsement
// withdrawn for msteams refuses it.
func TestCachedTokenFollowsKeyChanges(t *testing.T) {
	h := newHarness(t)
	good := h.token()
	if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), good); s != http.StatusOK {
		t.Fatalf("status %d", s)
	}
	h.h.wait(t, 1)
	h.fake.Endorse(teamsfake.KeyTeams, "skype")
	h.fake.RotateIn("rot2")
	h.advance(2 * time.Minute) // a fetch is due again
	if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), h.fake.SignWith("rot2", h.fake.Claims(appID))); s != http.StatusOK {
		t.Fatalf("rotated key: %d", s)
	}
	if s, _ := h.post(t, h.fake.Message(appID, alice, personal, "help"), good); s != http.StatusForbidden {
		t.Fatalf("token of a key no longer endorsed for msteams accepted from the cache: %d", s)
	}
}

// hangingClaims is a store whose claims never answer until the caller
// gives up (Redis hung).
type hangingClaims struct{}

func (hangingClaims) Claim(ctx context.Context, _, _ string, _ time.Duration) (bool, error) {
	<-ctx.Done()
	return false, ctx.Err()
}

func (hangingClaims) ClaimAll(ctx context.Context, names []string, _ string, _ time.Duration) ([]bool, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestStoppingDropsUnclaimedWork: messages acknowledged while their
// redelivery claims hang (Redis hung) are not run half-alive when the
// adapter stops: the claims give up with the stop, and the commands do
// not run with an ended context.
func TestStoppingDropsUnclaimedWork(t *testing.T) {
	fake := teamsfake.New(teamsfake.Config{AppID: appID, AppPassword: secret, TenantID: tenantID, Users: []teamsfake.User{alice}})
	defer fake.Close()
	rec := newRecorder()
	base, stop := context.WithCancel(context.Background())
	defer stop()
	sender := teamsbot.NewSender(teamsbot.SenderConfig{AppID: appID, AppPassword: secret, TenantID: tenantID,
		LoginURL: fake.LoginURL(), ServiceURL: fake.ServiceURL(), HTTPClient: fake.Client()})
	a, err := teamsbot.New(base, teamsbot.Config{AppID: appID, OpenIDURL: fake.OpenIDURL(), Handler: rec, Sender: sender,
		Claims: hangingClaims{}, Command: "/dynchat", HTTPClient: fake.Client(), Workers: 4, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for range 4 {
		resp, err := srv.Client().Do(teamsfake.Request(srv.URL+"/api/messages", fake.Message(appID, alice, personal, "help"), fake.Token(appID)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	time.Sleep(100 * time.Millisecond) // the claims are waiting on the store
	stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Runner.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rec.calls(); n != 0 {
		t.Fatalf("%d commands ran after the stop with their claims unanswered", n)
	}
}
