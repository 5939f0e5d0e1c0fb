package commands

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
)

// Ledger is the part of the store the chat front end reads and writes
// besides the Service: request lists, grants and the references of every
// posted copy of a card. *store.Store satisfies it.
type Ledger interface {
	// Get returns a request or an error wrapping approvals.ErrNotFound.
	Get(ctx context.Context, id string) (*approvals.Request, error)
	// List returns up to limit requests of an index, newest first.
	List(ctx context.Context, ix approvals.Index, limit int) ([]*approvals.Request, error)
	// GrantsOf returns the live grants a user holds.
	GrantsOf(ctx context.Context, email string) ([]approvals.Grant, error)
	// AddMessageRef remembers a message about a request; adding the same
	// message twice keeps one copy.
	AddMessageRef(ctx context.Context, owner string, ref approvals.MessageRef) error
	// MessageRefs returns every message recorded for a request.
	MessageRefs(ctx context.Context, owner string) ([]approvals.MessageRef, error)
}

// Reviews starts access review campaigns. It is optional; without it
// "review start" says reviews are not configured.
type Reviews interface {
	// StartReview starts a campaign for one package ("" = every
	// package) on behalf of by and returns a sentence for people, such
	// as "Review R-12 started for agent: 14 holders to certify by …",
	// with its message id (see approvals.Sentence).
	StartReview(ctx context.Context, pkg string, by approvals.Actor) (approvals.Sentence, error)
}

// Deps is what the chat front end needs. Service, Ledger and Senders
// are required.
type Deps struct {
	Service *approvals.Service
	Ledger  Ledger
	// Senders reach every configured chat platform; each message goes
	// out on the platform of the user, channel or message it is for.
	Senders bot.Senders
	// Clock tells the time for cache expiry and "in 3 days" texts;
	// nil means the wall clock.
	Clock  approvals.Clock
	Logger zerolog.Logger
	// CommandName is the slash command with its slash ("/dynchat").
	CommandName string
	// AdminChannels receive admin alerts, one per platform at most;
	// none disables them.
	AdminChannels []approvals.PlatformID
	// Reviews is optional.
	Reviews Reviews
	// Gate, when set, puts the ledger's identity into request buttons
	// and pauses new requests after the ledger was lost.
	Gate LedgerGate
	// Location is the time zone of times shown to people (default UTC).
	Location *time.Location
	// Languages says which language messages seen by several people are
	// in (default English); DMs, answers and modals follow each
	// person's chat client where a catalog has its language.
	Languages Languages
	// Catalog is the message catalog (default: the built-in one).
	Catalog *i18n.Catalog
	// ActorTTL is how long a looked-up user and their groups are cached
	// in process for read paths (the App Home; default 1 minute). It is
	// a cache, not state: commands, clicks and submissions always read
	// the platform.
	ActorTTL time.Duration
}

func (d *Deps) defaults() {
	if d.Clock == nil {
		d.Clock = approvals.ClockFunc(time.Now)
	}
	if d.CommandName == "" {
		d.CommandName = "/dynchat"
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	if d.ActorTTL <= 0 {
		d.ActorTTL = time.Minute
	}
	if d.Catalog == nil {
		d.Catalog = builtinCatalog()
	}
}

// candidateGroups lists every platform group the policy mentions, so an
// actor's membership can be resolved once for every check.
func candidateGroups(p *approvals.Policy) []approvals.PlatformID {
	var out []approvals.PlatformID
	add := func(a approvals.Audience) { out = append(out, a.Groups...) }
	add(p.Requesters)
	add(p.Admins)
	for _, pkg := range p.Packages {
		add(pkg.Approvers)
		add(pkg.AutoApprove.Requesters)
	}
	slices.SortFunc(out, func(a, b approvals.PlatformID) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}

// actorCache keeps resolved actors for a short time for read paths (a
// burst of App Home opens costs one profile and group lookup). It never
// serves a decision: those resolve the actor fresh (and refresh the
// entry). It holds only actors the platform confirmed; a lookup that
// fails drops the entry. Bounded by maxCachedActors.
type actorCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]actorEntry
}

type actorEntry struct {
	actor   approvals.Actor
	locale  string
	expires time.Time
}

// maxCachedActors bounds the cache; when full it is emptied.
const maxCachedActors = 4096

func (c *actorCache) get(id string, now time.Time) (approvals.Actor, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || now.After(e.expires) {
		return approvals.Actor{}, "", false
	}
	a := e.actor
	a.Groups = slices.Clone(a.Groups)
	return a, e.locale, true
}

func (c *actorCache) put(id string, a approvals.Actor, locale string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedActors {
		c.entries = map[string]actorEntry{}
	}
	c.entries[id] = actorEntry{actor: a, locale: locale, expires: now.Add(c.ttl)}
}

// drop forgets id, after the platform no longer confirmed it.
func (c *actorCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}

type readPathKey struct{}

// readPath marks ctx as a read path (rendering the App Home): the actor
// may come from the actor cache and the platform's caches. Everything
// else (commands, clicks, submissions) decides something and resolves
// the actor from the platform itself.
func readPath(ctx context.Context) context.Context {
	return context.WithValue(ctx, readPathKey{}, true)
}

func isReadPath(ctx context.Context) bool {
	v, _ := ctx.Value(readPathKey{}).(bool)
	return v
}
