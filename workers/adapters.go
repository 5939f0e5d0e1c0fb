package workers

import (
	"context"
	"errors"
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

// Profiles reads the user's product profiles (one user read).
func (a AdobeConsole) Profiles(ctx context.Context, email string) ([]string, error) {
	u, err := a.Client.GetUser(ctx, email, "")
	var ae *adobe.Error
	if errors.As(err, &ae) && ae.Reason == adobe.ReasonNotFound {
		return nil, fmt.Errorf("%w: %s", ErrUserNotFound, email)
	}
	if err != nil {
		return nil, err
	}
	return u.Groups, nil
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
