package teamsbot

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token failure reasons; match with errors.Is. ErrNoToken is answered
// 401, ErrKeysUnreachable 503 (the Bot Connector retries), every other
// reason 403.
var (
	ErrNoToken         = errors.New("no bearer token")
	ErrBadToken        = errors.New("token rejected")
	ErrNotEndorsed     = errors.New("signing key not endorsed for the activity's channel")
	ErrServiceURL      = errors.New("serviceurl claim differs from the activity's serviceUrl")
	ErrKeysUnreachable = errors.New("bot framework keys unreachable")
)

// Bot Framework token rules. Source: MicrosoftDocs/bot-docs,
// rest-api/bot-framework-rest-connector-authentication.md, "Connector to
// your bot", steps 1 to 8, and botbuilder-js channelValidation.ts.
const (
	tokenLeeway   = 5 * time.Minute
	keyCacheTTL   = 24 * time.Hour // "refresh at least daily"
	keyMinRefresh = time.Minute
	maxTokenLen   = 16 << 10
)

// VerifierConfig configures a Verifier.
type VerifierConfig struct {
	// AppID is the bot's Microsoft App ID, the required audience.
	AppID string
	// OpenIDURL overrides DefaultOpenIDURL (TEAMS_OPENID_URL).
	OpenIDURL string
	// HTTPClient fetches the metadata and keys (default: 10 s timeout).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Verifier checks the Bot Framework JWT of inbound activities.
type Verifier struct {
	appID  string
	keys   *keySource
	now    func() time.Time
	parser *jwt.Parser
	seen   tokenCache
}

// NewVerifier returns a verifier; it fetches nothing until the first
// token arrives.
func NewVerifier(cfg VerifierConfig) *Verifier {
	if cfg.OpenIDURL == "" {
		cfg.OpenIDURL = DefaultOpenIDURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v := &Verifier{appID: cfg.AppID, now: cfg.Now,
		keys: &keySource{metadataURL: cfg.OpenIDURL, hc: cfg.HTTPClient, now: cfg.Now, ttl: keyCacheTTL, minRefresh: keyMinRefresh}}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithAudience(cfg.AppID),
		jwt.WithLeeway(tokenLeeway),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(cfg.Now),
	)
	return v
}

// Token is a verified token, not yet bound to an activity.
type Token struct {
	serviceURL string
	key        signingKey
	kid        string
	exp, nbf   time.Time
}

// BearerToken returns the token of an Authorization header, or
// ErrNoToken.
func BearerToken(header string) (string, error) {
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || len(tok) > maxTokenLen {
		return "", ErrNoToken
	}
	return strings.TrimSpace(tok), nil
}

// Verify checks a raw token: signature by a Bot Framework key (RS256
// only), issuer, audience, expiry (required) and not-before with 5
// minutes of leeway. Bind must then tie it to the activity.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Token, error) {
	if t, ok := v.seen.get(raw); ok && v.stillValid(t) {
		return t, nil
	}
	t, err := v.verify(ctx, raw)
	if err == nil {
		v.seen.put(raw, t)
	}
	return t, err
}

// stillValid re-checks what can change for a token verified before: its
// time window, and that its key is still published as it was when the
// token was checked (the same public key with the same endorsements);
// otherwise the token is checked again in full.
func (v *Verifier) stillValid(t *Token) bool {
	now := v.now()
	if now.After(t.exp.Add(tokenLeeway)) || (!t.nbf.IsZero() && now.Add(tokenLeeway).Before(t.nbf)) {
		return false
	}
	k, ok := v.keys.current(t.kid)
	return ok && k.pub.Equal(t.key.pub) && slices.Equal(k.endorsements, t.key.endorsements)
}

// verify checks a token in full.
func (v *Verifier) verify(ctx context.Context, raw string) (*Token, error) {
	var key signingKey
	var kidUsed string
	var issuer string
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no kid")
		}
		k, iss, err := v.keys.key(ctx, kid)
		if err != nil && !errors.Is(err, errUnknownKey) {
			return nil, fmt.Errorf("%w: %w", ErrKeysUnreachable, err)
		}
		if err != nil {
			return nil, err
		}
		key, issuer, kidUsed = k, iss, kid
		return k.pub, nil
	})
	if err != nil {
		if errors.Is(err, ErrKeysUnreachable) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrBadToken, err)
	}
	if iss, _ := claims["iss"].(string); iss != issuer {
		return nil, fmt.Errorf("%w: issuer is not %s", ErrBadToken, issuer)
	}
	su, _ := claims["serviceurl"].(string)
	if su == "" {
		// Older tokens spell it serviceUrl.
		su, _ = claims["serviceUrl"].(string)
	}
	t := &Token{serviceURL: su, key: key, kid: kidUsed}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		t.exp = exp.Time
	}
	if nbf, err := claims.GetNotBefore(); err == nil && nbf != nil {
		t.nbf = nbf.Time
	}
	return t, nil
}

// Bind checks that the token may carry this activity: its serviceurl
// claim equals the activity's serviceUrl and its signing key is
// endorsed for the activity's channel ("msteams").
func (t *Token) Bind(a *Activity) error {
	if !sameServiceURL(t.serviceURL, a.ServiceURL) {
		return ErrServiceURL
	}
	if !t.key.endorses(a.ChannelID) {
		return ErrNotEndorsed
	}
	return nil
}

func sameServiceURL(claim, activity string) bool {
	if claim == "" {
		return false
	}
	return strings.TrimRight(claim, "/") == strings.TrimRight(activity, "/")
}

// reason is the metric label of a verification error.
func reason(err error) string {
	switch {
	case errors.Is(err, ErrNoToken):
		return "missing"
	case errors.Is(err, ErrServiceURL):
		return "service_url"
	case errors.Is(err, ErrNotEndorsed):
		return "endorsement"
	case errors.Is(err, ErrKeysUnreachable):
		return "keys_unreachable"
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
		return "expired"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "audience"
	case errors.Is(err, errUnknownKey):
		return "unknown_key"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "signature"
	}
	return "invalid"
}

// tokenCache remembers verified tokens by their SHA-256, so the Bot
// Connector's token, reused for an hour across requests, is checked in
// full once: a later request with the very same token (signature
// included) only re-checks the time window and the key. Bounded; full
// means emptied.
type tokenCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*Token
}

const maxCachedTokens = 4096

func (c *tokenCache) get(raw string) (*Token, bool) {
	h := sha256.Sum256([]byte(raw))
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[h]
	return t, ok
}

func (c *tokenCache) put(raw string, t *Token) {
	h := sha256.Sum256([]byte(raw))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = map[[sha256.Size]byte]*Token{}
	}
	c.m[h] = t
}
