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

// keySource fetches the OpenID metadata and its JWKS, caches the keys for
// ttl, and refetches on an unknown key id at most once per minRefresh,
// so a stream of tokens with made-up key ids costs one fetch a minute.
type keySource struct {
	metadataURL string
	hc          *http.Client
	now         func() time.Time
	ttl         time.Duration
	minRefresh  time.Duration

	mu      sync.Mutex
	issuer  string
	keys    map[string]signingKey
	fetched time.Time // last successful fetch
	tried   time.Time // last attempt
}

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

// has reports whether the key set holds kid (without fetching).
func (s *keySource) has(kid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.keys[kid]
	return ok
}

// errUnknownKey says the token's key id is not in the (refreshed) JWKS.
var errUnknownKey = errors.New("signing key not in the Bot Framework key set")

// key returns the key with id kid and the expected issuer, refreshing
// stale keys and, rate-limited, on an unknown kid.
func (s *keySource) key(ctx context.Context, kid string) (signingKey, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	stale := s.keys == nil || now.Sub(s.fetched) > s.ttl
	k, known := s.keys[kid]
	if stale || (!known && now.Sub(s.tried) >= s.minRefresh) {
		s.tried = now
		if err := s.refresh(ctx); err != nil && s.keys == nil {
			return signingKey{}, "", err
		}
		// A failed refresh keeps the keys we have: they change rarely
		// (the SDKs cache them for days).
		k, known = s.keys[kid]
	}
	if !known {
		return signingKey{}, "", errUnknownKey
	}
	return k, s.issuer, nil
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
	s.issuer, s.keys, s.fetched = md.Issuer, keys, s.now()
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
