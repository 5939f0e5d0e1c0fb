package teamsbot

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"sync"
	"time"
)

// DefaultOpenIDURL is the Bot Framework OpenID metadata for tokens the
// Bot Connector sends to bots (MicrosoftDocs/bot-docs,
// rest-api/bot-framework-rest-connector-authentication.md, "Connector to
// your bot"). TEAMS_OPENID_URL overrides it for tests and sovereign clouds.
const DefaultOpenIDURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"

// signingKey is one RSA key of the JWKS with the channels it is endorsed
// for (the non-standard "endorsements" member).
type signingKey struct {
	pub          *rsa.PublicKey
	endorsements []string
}

// endorses reports whether the key may sign tokens for channel.
func (k signingKey) endorses(channel string) bool { return slices.Contains(k.endorsements, channel) }

// keySource fetches the OpenID metadata and its JWKS and caches the
// keys for ttl. Fetches are rate-limited whatever triggers them (keys
// gone stale, an unknown key id): at most one per minRefresh, so a stream
// of tokens with made-up key ids, or forged ones naming a real key id,
// costs one fetch a minute. A request whose key is known never waits on
// a fetch: when the keys are stale, the one that takes the fetch does it
// and the others go on with the keys there are.
type keySource struct {
	metadataURL string
	hc          *http.Client
	now         func() time.Time
	ttl         time.Duration
	minRefresh  time.Duration

	fetch sync.Mutex // one fetch at a time

	mu      sync.RWMutex // guards the fields below
	issuer  string
	keys    map[string]signingKey
	fetched time.Time // last successful fetch
	tried   time.Time // last attempt
}

// firstFetchRetry spaces the attempts while no key was ever fetched.
const firstFetchRetry = time.Second

// staleFetchBudget bounds the refresh of stale keys done on the way of a
// request whose key is known.
const staleFetchBudget = 3 * time.Second

// openIDMetadata is the part of the OpenID document the bot reads.
type openIDMetadata struct {
	Issuer  string   `json:"issuer"`
	JWKSURI string   `json:"jwks_uri"`
	Algs    []string `json:"id_token_signing_alg_values_supported"`
}

type jwk struct {
	Kty          string   `json:"kty"`
	Kid          string   `json:"kid"`
	Use          string   `json:"use"`
	N            string   `json:"n"`
	E            string   `json:"e"`
	X5c          []string `json:"x5c"`
	Endorsements []string `json:"endorsements"`
}

// current is the key with id kid as now published (without fetching).
func (s *keySource) current(kid string) (signingKey, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[kid]
	return k, ok
}

// errUnknownKey says the token's key id is not in the (refreshed) JWKS.
var errUnknownKey = errors.New("signing key not in the Bot Framework key set")

// key returns the key with id kid and the expected issuer. A known key
// is answered at once (stale keys are refreshed by whoever gets the
// fetch first, the others use what there is); an unknown one waits for
// a fetch in flight, or starts one when one is due.
func (s *keySource) key(ctx context.Context, kid string) (signingKey, string, error) {
	s.mu.RLock()
	k, known := s.keys[kid]
	issuer, stale := s.issuer, s.keys == nil || s.now().Sub(s.fetched) > s.ttl
	s.mu.RUnlock()
	switch {
	case known && !stale:
		return k, issuer, nil
	case known:
		if !s.fetch.TryLock() {
			return k, issuer, nil // someone is fetching; these keys serve meanwhile
		}
		// This request's key is known: it gives the fetch a short time
		// only, so its own answer is never late.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, staleFetchBudget)
		defer cancel()
	default:
		s.fetch.Lock() // a fetch in flight may bring the key
	}
	defer s.fetch.Unlock()
	if err := s.refreshIfDue(ctx); err != nil {
		return signingKey{}, "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if k, known = s.keys[kid]; !known {
		return signingKey{}, "", errUnknownKey
	}
	return k, s.issuer, nil
}

// refreshIfDue fetches the keys when the last attempt is old enough
// (minRefresh; firstFetchRetry while there are none). Called holding
// fetch. A failed fetch keeps the keys there are (they change rarely;
// the SDKs cache them for days) and is an error only while there are
// none.
func (s *keySource) refreshIfDue(ctx context.Context) error {
	s.mu.Lock()
	now, none := s.now(), s.keys == nil
	wait := s.minRefresh
	if none {
		wait = firstFetchRetry
	}
	due := s.tried.IsZero() || now.Sub(s.tried) >= wait
	if due {
		s.tried = now
	}
	s.mu.Unlock()
	if !due {
		if none {
			return errors.New("openid metadata: not fetched yet; retrying shortly")
		}
		return nil
	}
	if err := s.refresh(ctx); err != nil && none {
		return err
	}
	return nil
}

func (s *keySource) refresh(ctx context.Context) error {
	var md openIDMetadata
	if err := s.getJSON(ctx, s.metadataURL, &md); err != nil {
		return fmt.Errorf("openid metadata: %w", err)
	}
	if md.Issuer == "" || md.JWKSURI == "" {
		return errors.New("openid metadata: no issuer or jwks_uri")
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := s.getJSON(ctx, md.JWKSURI, &set); err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	keys := make(map[string]signingKey, len(set.Keys))
	for _, j := range set.Keys {
		pub, err := j.rsaKey()
		if err != nil || j.Kid == "" || (j.Use != "" && j.Use != "sig") {
			continue // skip what we cannot use; other keys still work
		}
		keys[j.Kid] = signingKey{pub: pub, endorsements: j.Endorsements}
	}
	if len(keys) == 0 {
		return errors.New("jwks: no usable RSA signing key")
	}
	s.mu.Lock()
	s.issuer, s.keys, s.fetched = md.Issuer, keys, s.now()
	s.mu.Unlock()
	return nil
}

// maxKeyDoc bounds the metadata and JWKS documents (a few KB in practice).
const maxKeyDoc = 1 << 20

func (s *keySource) getJSON(ctx context.Context, u string, v any) error {
	if _, err := serviceURL(u); err != nil {
		return fmt.Errorf("bad URL: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxKeyDoc)); resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, maxKeyDoc)).Decode(v)
}

// rsaKey reads the RSA public key from n and e, or from the first x5c
// certificate, and refuses keys under 2048 bits.
func (j jwk) rsaKey() (*rsa.PublicKey, error) {
	if j.Kty != "RSA" {
		return nil, errors.New("not an RSA key")
	}
	var pub *rsa.PublicKey
	if j.N != "" && j.E != "" {
		n, err1 := base64.RawURLEncoding.DecodeString(j.N)
		e, err2 := base64.RawURLEncoding.DecodeString(j.E)
		if err1 != nil || err2 != nil || len(e) > 4 {
			return nil, errors.New("bad n or e")
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
	} else if len(j.X5c) > 0 {
		der, err := base64.StdEncoding.DecodeString(j.X5c[0])
		if err != nil {
			return nil, err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		p, ok := cert.PublicKey.(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("certificate key is not RSA")
		}
		pub = p
	}
	if pub == nil || pub.N.BitLen() < 2048 || pub.E < 3 {
		return nil, errors.New("RSA key missing or too weak")
	}
	return pub, nil
}
