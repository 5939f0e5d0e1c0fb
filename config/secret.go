package config

import "fmt"

// Redacted is what a set Secret prints as, in every format.
const Redacted = "<secret>"

// Secret holds a token, password or key. Every way of printing or
// encoding it (fmt with any verb, String, GoString, JSON, text, YAML,
// and so zerolog's Interface, Any, Stringer and Fields) gives
// "<secret>", or "" when it is empty; Reveal is the only way
// to the value. The value sits behind a pointer, so even fmt's
// reflection over a struct field it cannot call methods on (an
// unexported field) prints an address, never the text.
type Secret struct {
	v *string
}

// NewSecret wraps a value.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{v: &s}
}

// Reveal returns the value. Call it only where the value is sent to the
// service it belongs to.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsSet reports whether the secret holds a value.
func (s Secret) IsSet() bool { return s.v != nil && *s.v != "" }

// String returns "<secret>", or "" when empty.
func (s Secret) String() string {
	if !s.IsSet() {
		return ""
	}
	return Redacted
}

// GoString is String, for %#v.
func (s Secret) GoString() string { return s.String() }

// Format prints String for every verb; %q quotes it.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = fmt.Fprintf(f, "%q", s.String())
		return
	}
	_, _ = f.Write([]byte(s.String()))
}

// MarshalJSON encodes "<secret>" (or "").
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText encodes "<secret>" (or "").
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML encodes "<secret>" (or "").
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }
