package workers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/vendormap"
)

// Defaults of MarketoUsers.
const (
	// DefaultDirectoryTTL is the shortest time between two user scans.
	DefaultDirectoryTTL = 5 * time.Second
	// DefaultDirectoryMaxAge is how long a scan answers "this is their id".
	DefaultDirectoryMaxAge = 10 * time.Minute
	// DefaultMaxDirectory bounds the kept directory: 200 users a page
	// times the client's 1,000 pages.
	DefaultMaxDirectory = 200000
)

// MarketoUsers adapts the Marketo client to the saga's Marketo port.
// Roles and workspaces are resolved by the Resolver (the matching rule
// check and the reviews use), on Instance.
//
// Marketo has no find-by-email call: finding a user pages through every
// user. The adapter keeps one email → id directory so a burst of 1,000
// executions costs a few list scans instead of 1,000, inside a call
// budget Marketo shares with every other integration. A found id is
// used for DirectoryMaxAge; "not there" is only ever answered by a scan
// that started after the question was asked, and scans are at least
// DirectoryTTL apart, so a user who appeared a second ago is found by
// the next attempt.
type MarketoUsers struct {
	Client *marketo.Client
	// Resolver resolves roles and workspaces; nil makes one over Client
	// on first use. Share the process's one.
	Resolver *vendormap.Resolver
	// Instance is the Marketo instance of Client ("" is the default).
	Instance string
	// DirectoryTTL is the shortest time between two list scans (default
	// DefaultDirectoryTTL); a lookup that misses waits for the next one.
	DirectoryTTL time.Duration
	// DirectoryMaxAge is how long a scan answers hits (default
	// DefaultDirectoryMaxAge).
	DirectoryMaxAge time.Duration
	// MaxDirectory bounds the kept directory (default DefaultMaxDirectory);
	// a longer scan answers its callers and is not kept.
	MaxDirectory int

	once     sync.Mutex // guards the lazy Resolver
	dirMu    sync.Mutex // held during a scan: one scan at a time
	dir      map[string]string
	dirTime  time.Time // when the scan behind dir started
	lastScan time.Time // when the last scan started, kept or not
}

var _ Marketo = (*MarketoUsers)(nil)

// FindUser returns the Marketo user id for email, or an error wrapping
// ErrUserNotFound when a scan started after this call does not list them.
func (m *MarketoUsers) FindUser(ctx context.Context, email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	asked := time.Now()
	m.dirMu.Lock()
	defer m.dirMu.Unlock()
	if id, ok := m.dir[email]; ok && time.Since(m.dirTime) < orDefault(m.DirectoryMaxAge, DefaultDirectoryMaxAge) {
		return id, nil
	}
	// Callers queued on dirMu during a scan that started after they
	// asked are answered by it; the others need a new one.
	dir := m.dir
	if dir == nil || m.dirTime.Before(asked) {
		if wait := time.Until(m.lastScan.Add(orDefault(m.DirectoryTTL, DefaultDirectoryTTL))); wait > 0 {
			if err := failure.Sleep(ctx, wait); err != nil {
				return "", err
			}
		}
		var err error
		if dir, err = m.scan(ctx); err != nil {
			return "", err
		}
	}
	if id, ok := dir[email]; ok {
		return id, nil
	}
	return "", fmt.Errorf("%w: %s", ErrUserNotFound, email)
}

// scan reads every user and keeps the directory unless it is longer
// than MaxDirectory. Callers hold dirMu.
func (m *MarketoUsers) scan(ctx context.Context) (map[string]string, error) {
	started := time.Now()
	m.lastScan = started
	users, err := m.Client.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	dir := make(map[string]string, len(users))
	for _, u := range users {
		if u.EmailAddress != "" && !u.APIOnly {
			dir[strings.ToLower(u.EmailAddress)] = u.UserID
		}
		if strings.Contains(u.UserID, "@") {
			dir[strings.ToLower(u.UserID)] = u.UserID
		}
	}
	if len(dir) > orDefault(m.MaxDirectory, DefaultMaxDirectory) {
		// Answer this caller, keep nothing: the next lookup scans.
		m.dir, m.dirTime = nil, time.Time{}
		return dir, nil
	}
	m.dir, m.dirTime = dir, started
	return dir, nil
}

// forgetUser drops every directory entry of a user id Marketo no longer
// knows, so the next lookup scans again.
func (m *MarketoUsers) forgetUser(userID string) {
	m.dirMu.Lock()
	defer m.dirMu.Unlock()
	for e, id := range m.dir {
		if strings.EqualFold(id, userID) {
			delete(m.dir, e)
		}
	}
}

// AddRole assigns the role in the workspace.
func (m *MarketoUsers) AddRole(ctx context.Context, userID string, role, ws approvals.MarketoRef) error {
	return m.resolver().WithMarketo(ctx, m.Instance, role, ws, func(a vendormap.Assignment) error {
		_, err := m.Client.AddRole(ctx, userID, a.Role.ID, a.Workspace.ID)
		m.contradicted(userID, err)
		return err
	})
}

var _ RoleEnsurer = (*MarketoUsers)(nil)

// EnsureRole implements RoleEnsurer: the client reads the user's roles
// and assigns the role only when it is missing.
func (m *MarketoUsers) EnsureRole(ctx context.Context, userID string, role, ws approvals.MarketoRef) (changed bool, err error) {
	err = m.resolver().WithMarketo(ctx, m.Instance, role, ws, func(a vendormap.Assignment) error {
		var cerr error
		changed, cerr = m.Client.AddRole(ctx, userID, a.Role.ID, a.Workspace.ID)
		m.contradicted(userID, cerr)
		return cerr
	})
	return changed, err
}

// RemoveRole removes the role in the workspace.
func (m *MarketoUsers) RemoveRole(ctx context.Context, userID string, role, ws approvals.MarketoRef) error {
	return m.resolver().WithMarketo(ctx, m.Instance, role, ws, func(a vendormap.Assignment) error {
		_, err := m.Client.RemoveRole(ctx, userID, a.Role.ID, a.Workspace.ID)
		m.contradicted(userID, err)
		return err
	})
}

// contradicted forgets the user when Marketo says they do not exist.
func (m *MarketoUsers) contradicted(userID string, err error) {
	if failure.ReasonOf(err) == failure.ReasonNotFound {
		m.forgetUser(userID)
	}
}

func (m *MarketoUsers) resolver() *vendormap.Resolver {
	m.once.Lock()
	defer m.once.Unlock()
	if m.Resolver == nil {
		m.Resolver = vendormap.New(vendormap.Config{Marketo: map[string]vendormap.Lists{m.Instance: m.Client}})
	}
	return m.Resolver
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
