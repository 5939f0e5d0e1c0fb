package bot

import "context"

type freshKey struct{}

// Fresh marks ctx for a decision: a Sender given it answers LookupUser,
// LookupUserByEmail and GroupMembers from the platform itself, never
// from a cache, so a person deactivated or removed from a group a
// moment ago is seen as such. Clicks, submissions and review decisions
// use it; read paths (rendering names, the App Home) may be served from
// caches.
func Fresh(ctx context.Context) context.Context {
	return context.WithValue(ctx, freshKey{}, true)
}

// IsFresh reports whether ctx was marked by Fresh.
func IsFresh(ctx context.Context) bool {
	v, _ := ctx.Value(freshKey{}).(bool)
	return v
}
