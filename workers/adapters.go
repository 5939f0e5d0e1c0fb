package workers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/marketo"
)

// AdobeConsole adapts the UMAPI client to the saga's AdminConsole port:
// membership changes go through the batcher, so concurrent executions
// share action calls of up to ten commands.
type AdobeConsole struct {
	Batcher *adobe.Batcher
	Client  *adobe.Client
	// Product names the product whose profiles count as Dynamic Chat
	// profiles (default adobe.DefaultProductName).
	Product string
	// Snapshots shares membership listings between confirmations.
	Snapshots *Snapshots
}

var _ AdminConsole = AdobeConsole{}

// AddToProfiles creates the user if needed and adds them to profiles.
func (a AdobeConsole) AddToProfiles(ctx context.Context, u NewUser, profiles []string, ref string, testOnly bool) error {
	spec := adobe.UserSpec{
		Email: u.Email, Type: adobe.IdentityType(u.Identity.Type), Country: u.Identity.Country,
		FirstName: u.FirstName, LastName: u.LastName,
	}
	_, err := a.Batcher.EnsureMember(ctx, spec, profiles, ref, testOnly)
	return err
}

// RemoveFromProfiles removes the user from profiles; an unknown user is
// already in the desired state.
func (a AdobeConsole) RemoveFromProfiles(ctx context.Context, email string, profiles []string, ref string, testOnly bool) error {
	_, err := a.Batcher.RemoveMember(ctx, email, profiles, ref, testOnly)
	return err
}

// Missing confirms membership from shared listings of each profile: a
// listing that started after since answers every confirmation waiting
// on that profile, at one user read per 2,000 members, where reading
// each user would spend one of Adobe's 25 user reads a minute per user.
func (a AdobeConsole) Missing(ctx context.Context, email string, profiles []string, since time.Time) ([]string, error) {
	var missing []string
	for _, p := range profiles {
		members, err := a.Snapshots.members(ctx, a.Client, p, since)
		if err != nil {
			return nil, err
		}
		if !members[strings.ToLower(email)] {
			missing = append(missing, p)
		}
	}
	return missing, nil
}

// Snapshots shares profile member listings between concurrent
// confirmations. The zero value is ready; share one between every
// AdobeConsole of a process.
type Snapshots struct {
	mu     sync.Mutex
	latest map[string]*snapshot // by lower-case profile name
}

type snapshot struct {
	started time.Time
	done    chan struct{}
	members map[string]bool
	err     error
}

// members returns a listing of profile that started at or after since,
// starting one when there is none; callers that arrive while a fresh
// enough listing is under way wait for it instead of reading again.
func (s *Snapshots) members(ctx context.Context, c *adobe.Client, profile string, since time.Time) (map[string]bool, error) {
	key := strings.ToLower(profile)
	for {
		s.mu.Lock()
		cur := s.latest[key]
		inFlight := cur != nil && !closed(cur.done)
		if cur != nil && !cur.started.Before(since) || inFlight {
			s.mu.Unlock()
			select {
			case <-cur.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if !cur.started.Before(since) {
				return cur.members, cur.err
			}
			continue // that listing began before the change; take the next
		}
		next := &snapshot{started: time.Now(), done: make(chan struct{})}
		if s.latest == nil {
			s.latest = map[string]*snapshot{}
		}
		s.latest[key] = next
		s.mu.Unlock()
		// The listing serves other callers too: it must not die with the
		// first caller's context.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		set := map[string]bool{}
		next.err = c.GroupMembers(fctx, profile, func(u adobe.User) error {
			set[strings.ToLower(u.Email)] = true
			return nil
		})
		cancel()
		next.members = set
		close(next.done)
		if next.err != nil {
			s.mu.Lock()
			if s.latest[key] == next {
				delete(s.latest, key) // do not serve a failed listing
			}
			s.mu.Unlock()
		}
		return next.members, next.err
	}
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// DynamicChatProfiles lists the organization's Dynamic Chat profiles.
func (a AdobeConsole) DynamicChatProfiles(ctx context.Context) ([]string, error) {
	product := a.Product
	if product == "" {
		product = adobe.DefaultProductName
	}
	groups, err := a.Client.ProductProfiles(ctx, product)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.GroupName
	}
	return names, nil
}

// MarketoUsers adapts the Marketo client to the saga's Marketo port,
// resolving role and workspace names to ids once.
//
// Marketo has no find-by-email call: finding a user pages through every
// user. The adapter keeps one email → id directory, refreshed at most
// every DirectoryTTL and by one caller at a time, so a burst of 1,000
// executions costs a few list scans instead of 1,000, inside a call
// budget Marketo shares with every other integration.
type MarketoUsers struct {
	Client *marketo.Client
	// DirectoryTTL is the shortest time between two list scans (default
	// 5 s); a user missing from a fresher scan is reported not found.
	DirectoryTTL time.Duration

	mu         sync.Mutex
	roles      map[string]int
	workspaces map[string]int

	dirMu   sync.Mutex // held during a scan: one scan at a time
	dir     map[string]string
	dirTime time.Time
}

var _ Marketo = (*MarketoUsers)(nil)

// FindUser returns the Marketo user id for email.
func (m *MarketoUsers) FindUser(ctx context.Context, email string) (string, error) {
	email = strings.ToLower(email)
	asked := time.Now()
	m.dirMu.Lock()
	defer m.dirMu.Unlock()
	if id, ok := m.dir[email]; ok {
		return id, nil
	}
	ttl := m.DirectoryTTL
	if ttl <= 0 {
		ttl = 5 * time.Second
	}
	// A scan that started after this call began already answers it.
	if m.dirTime.Before(asked) && time.Since(m.dirTime) >= ttl || m.dir == nil {
		users, err := m.Client.ListUsers(ctx)
		if err != nil {
			return "", err
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
		m.dir, m.dirTime = dir, time.Now()
	}
	if id, ok := m.dir[email]; ok {
		return id, nil
	}
	return "", fmt.Errorf("%w: %s", ErrUserNotFound, email)
}

// AddRole assigns the role in the workspace.
func (m *MarketoUsers) AddRole(ctx context.Context, userID string, role, ws approvals.MarketoRef) error {
	roleID, wsID, err := m.resolve(ctx, role, ws)
	if err != nil {
		return err
	}
	_, err = m.Client.AddRole(ctx, userID, roleID, wsID)
	return err
}

// RemoveRole removes the role in the workspace.
func (m *MarketoUsers) RemoveRole(ctx context.Context, userID string, role, ws approvals.MarketoRef) error {
	roleID, wsID, err := m.resolve(ctx, role, ws)
	if err != nil {
		return err
	}
	_, err = m.Client.RemoveRole(ctx, userID, roleID, wsID)
	return err
}

// resolve turns role and workspace references into ids, reading
// Marketo's lists at most once per process for names.
func (m *MarketoUsers) resolve(ctx context.Context, role, ws approvals.MarketoRef) (int, int, error) {
	roleID, wsID := role.ID, ws.ID
	if roleID != 0 && wsID != 0 {
		return roleID, wsID, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if roleID == 0 {
		if m.roles == nil {
			roles, err := m.Client.ListRoles(ctx)
			if err != nil {
				return 0, 0, err
			}
			m.roles = map[string]int{}
			for _, r := range roles {
				m.roles[strings.ToLower(r.Name)] = r.ID
			}
		}
		id, ok := m.roles[strings.ToLower(role.Name)]
		if !ok {
			return 0, 0, &permanentError{fmt.Sprintf("Marketo has no role named %q; create it with the \"Access Dynamic Chat\" permission or fix the policy file", role.Name)}
		}
		roleID = id
	}
	if wsID == 0 {
		if m.workspaces == nil {
			list, err := m.Client.ListWorkspaces(ctx)
			if err != nil {
				return 0, 0, err
			}
			m.workspaces = map[string]int{}
			for _, w := range list {
				m.workspaces[strings.ToLower(w.Name)] = w.ID
			}
		}
		name := ws.Name
		if name == "" {
			name = "Default"
		}
		id, ok := m.workspaces[strings.ToLower(name)]
		if !ok {
			return 0, 0, &permanentError{fmt.Sprintf("Marketo has no workspace named %q", name)}
		}
		wsID = id
	}
	return roleID, wsID, nil
}
