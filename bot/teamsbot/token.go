package teamsbot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Outbound token. Source: the project's Teams reference §3.3 and
// microsoft/botframework-sdk#6693: a single-tenant bot asks its own
// tenant's token endpoint for the Bot Connector scope with the client
// credentials grant, caches the token and refreshes it about 5 minutes
// before it expires.
const (
	// DefaultLoginURL is the token authority (TEAMS_LOGIN_URL overrides it).
	DefaultLoginURL = "https://login.microsoftonline.com"
	// DefaultGraphURL is Microsoft Graph.
	DefaultGraphURL = "https://graph.microsoft.com"
	botScope        = "https://api.botframework.com/.default"
	graphScope      = "https://graph.microsoft.com/.default"
	tokenEarly      = 5 * time.Minute
)

// ErrToken says no token could be had; the message never holds the
// secret or the token.
var ErrToken = errors.New("teams token unavailable")

// tokens caches one scope's token: concurrent callers share one fetch
// (oauth2.ReuseTokenSource holds a lock while it refreshes), and a 401
// from the API drops the cached token.
type tokens struct {
	mu   sync.Mutex
	src  oauth2.TokenSource
	make func() oauth2.TokenSource
}

func newTokens(hc *http.Client, loginURL, tenant, appID, secret, scope string) *tokens {
	cc := &clientcredentials.Config{
		ClientID: appID, ClientSecret: secret,
		TokenURL:  strings.TrimRight(orStr(loginURL, DefaultLoginURL), "/") + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/token",
		Scopes:    []string{scope},
		AuthStyle: oauth2.AuthStyleInParams,
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
	t := &tokens{}
	t.make = func() oauth2.TokenSource {
		return oauth2.ReuseTokenSourceWithExpiry(nil, fetcher{ctx: ctx, cc: cc}, tokenEarly)
	}
	t.src = t.make()
	return t
}

// fetcher asks the authority for a new token on every call; the reuse
// source in front of it decides when.
type fetcher struct {
	ctx context.Context
	cc  *clientcredentials.Config
}

func (f fetcher) Token() (*oauth2.Token, error) { return f.cc.Token(f.ctx) }

// token returns a valid access token.
func (t *tokens) token() (string, error) {
	t.mu.Lock()
	src := t.src
	t.mu.Unlock()
	tok, err := src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			code := re.ErrorCode
			if code == "" && re.Response != nil {
				code = http.StatusText(re.Response.StatusCode)
			}
			return "", fmt.Errorf("%w: the token endpoint answered %s", ErrToken, clip(inert(code), 80))
		}
		return "", fmt.Errorf("%w: %s", ErrToken, scrubURL(err))
	}
	return tok.AccessToken, nil
}

// drop forgets the cached token after the API refused it.
func (t *tokens) drop() {
	t.mu.Lock()
	t.src = t.make()
	t.mu.Unlock()
}

// scrubURL keeps a transport error's kind without its URL's query.
func scrubURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}
