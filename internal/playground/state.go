//go:build !nodemo

package playground

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/sandbox"
)

// Records is the bot's ledger as the side panel reads it.
type Records interface {
	// Requests returns the newest requests, newest first.
	Requests(ctx context.Context, limit int) ([]*approvals.Request, error)
	// Request returns one request.
	Request(ctx context.Context, id string) (*approvals.Request, error)
	// AuditCount is the number of audit entries.
	AuditCount(ctx context.Context) (int, error)
	// Audit returns the last entries of the audit trail, oldest first.
	Audit(ctx context.Context, last int) ([]AuditLine, error)
}

// AuditLine is one audit entry as the side panel shows it.
type AuditLine struct {
	At        string `json:"at"`
	RequestID string `json:"request_id"`
	Action    string `json:"action"`
	Actor     string `json:"actor"`
	Detail    string `json:"detail"`
}

// item is one message in a conversation as one person sees it.
type item struct {
	Key    string          `json:"key"`
	TS     string          `json:"ts,omitempty"`
	Thread string          `json:"thread,omitempty"`
	Text   string          `json:"text"`
	Blocks json.RawMessage `json:"blocks,omitempty"`
	Edits  int             `json:"edits,omitempty"`
	// Reply is set on messages only this person sees.
	Reply string `json:"reply,omitempty"`
	order int
}

type conversation struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Kind  string `json:"kind"` // channel | dm
	Items []item `json:"items"`
}

type home struct {
	ID   string         `json:"id"`
	View map[string]any `json:"view"`
}

// snapshot is everything the page shows to one person.
type snapshot struct {
	Version       string         `json:"version"`
	Viewer        string         `json:"viewer"`
	Command       string         `json:"command"`
	People        []Person       `json:"people"`
	Conversations []conversation `json:"conversations"`
	Modal         *Modal         `json:"modal"`
	Home          *home          `json:"home"`
	Panel         panel          `json:"panel"`
	Scenario      scenarioState  `json:"scenario"`
}

// timeline orders what the fake Slack and the stand-in hold by when the
// watcher first saw it: messages, ephemeral messages and replies live
// in different lists with no common clock.
type timeline struct {
	mu    sync.Mutex
	next  int
	order map[string]int
}

func (t *timeline) at(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if o, ok := t.order[key]; ok {
		return o
	}
	if t.order == nil {
		t.order = map[string]int{}
	}
	t.next++
	t.order[key] = t.next
	return t.next
}

// conversations returns the channels and viewer's DM with what viewer
// sees in them, oldest first.
func (s *Server) conversations(viewer string) []conversation {
	byChannel := map[string][]item{}
	for _, m := range s.cfg.Fake.Messages() {
		it := item{Key: "m/" + m.Channel + "/" + m.TS, TS: m.TS, Thread: m.ThreadTS, Text: m.Text, Edits: m.Edits}
		if m.Blocks != "" {
			it.Blocks = json.RawMessage(m.Blocks)
		}
		it.order = s.line.at(it.Key)
		byChannel[m.Channel] = append(byChannel[m.Channel], it)
	}
	for i, e := range s.cfg.Fake.Ephemerals() {
		key := fmt.Sprintf("e/%d", i)
		o := s.line.at(key)
		if e.User != viewer {
			continue
		}
		it := item{Key: key, Text: e.Text, Reply: fmt.Sprintf("e%d", i), order: o}
		if e.Blocks != "" {
			it.Blocks = json.RawMessage(e.Blocks)
		}
		byChannel[e.Channel] = append(byChannel[e.Channel], it)
	}
	for _, r := range s.cfg.Slack.Replies() {
		o := s.line.at("r/" + r.ID)
		if r.User != viewer && !r.InChannel {
			continue
		}
		it := item{Key: "r/" + r.ID, Text: r.Text, Blocks: r.Blocks, Reply: r.ID, order: o}
		if r.InChannel {
			it.Reply = ""
		}
		byChannel[r.Channel] = append(byChannel[r.Channel], it)
	}
	var out []conversation
	for _, ch := range s.cfg.Cast.Channels {
		out = append(out, conversation{ID: ch.ID, Name: "#" + ch.Name, Kind: "channel", Items: sorted(byChannel[ch.ID])})
	}
	out = append(out, conversation{ID: "D" + viewer, Name: "chataccess", Kind: "dm", Items: sorted(byChannel["D"+viewer])})
	return out
}

func sorted(items []item) []item {
	sort.SliceStable(items, func(i, j int) bool { return items[i].order < items[j].order })
	if items == nil {
		return []item{}
	}
	return items
}

// observe gives everything new an order now, so that its place in the
// page does not depend on when the page asks.
func (s *Server) observe() {
	for _, m := range s.cfg.Fake.Messages() {
		s.line.at("m/" + m.Channel + "/" + m.TS)
	}
	for i := range s.cfg.Fake.Ephemerals() {
		s.line.at(fmt.Sprintf("e/%d", i))
	}
	for _, r := range s.cfg.Slack.Replies() {
		s.line.at("r/" + r.ID)
	}
}

// panel is the side panel: what the emulators and the ledger hold.
type panel struct {
	Adobe      []holders     `json:"adobe"`
	Marketo    []holders     `json:"marketo"`
	Requests   []requestView `json:"requests"`
	Audit      []AuditLine   `json:"audit"`
	AuditTotal int           `json:"audit_total"`
	Problems   []string      `json:"problems,omitempty"`
}

// holders are the members of an Admin Console profile or the holders of
// a Marketo role.
type holders struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

type requestView struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Package   string     `json:"package"`
	Target    string     `json:"target"`
	State     string     `json:"state"`
	Requester string     `json:"requester"`
	Reason    string     `json:"reason,omitempty"`
	Decisions []string   `json:"decisions,omitempty"`
	Steps     []stepView `json:"steps,omitempty"`
	Failure   string     `json:"failure,omitempty"`
}

type stepView struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// panel reads the side panel.
func (s *Server) panel(ctx context.Context) panel {
	p := panel{Adobe: adobeHolders(s.cfg.Sandbox), Marketo: marketoHolders(s.cfg.Sandbox)}
	rs, err := s.cfg.Records.Requests(ctx, 20)
	if err != nil {
		p.Problems = append(p.Problems, "requests: "+err.Error())
	}
	for _, r := range rs {
		p.Requests = append(p.Requests, requestOf(r))
	}
	if p.AuditTotal, err = s.cfg.Records.AuditCount(ctx); err != nil {
		p.Problems = append(p.Problems, "audit: "+err.Error())
	}
	if p.Audit, err = s.cfg.Records.Audit(ctx, 40); err != nil {
		p.Problems = append(p.Problems, "audit: "+err.Error())
	}
	return p
}

func requestOf(r *approvals.Request) requestView {
	v := requestView{ID: r.ID, Kind: string(r.Kind), Package: r.Package, Target: r.Target.Email, State: string(r.State),
		Requester: r.Requester.Label(), Reason: r.Reason, Failure: r.Failure}
	for _, d := range r.Decisions {
		verdict := "approved"
		if d.Verdict == approvals.Deny {
			verdict = "denied"
		}
		v.Decisions = append(v.Decisions, verdict+" by "+d.Approver.Label())
	}
	for _, st := range r.Steps {
		v.Steps = append(v.Steps, stepView{Name: st.Name, Status: string(st.Status), Detail: st.Detail})
	}
	return v
}

// adobeHolders are the members of each Dynamic Chat product profile,
// the default subscription's first, then each other subscription's.
func adobeHolders(sb *sandbox.Sandbox) []holders {
	profiles := slices.Clone(sandbox.Profiles)
	for _, in := range sb.Instances()[1:] {
		profiles = append(profiles, sb.SubscriptionProfiles(in)...)
	}
	out := make([]holders, 0, len(profiles))
	for _, p := range profiles {
		out = append(out, holders{Name: p, Members: nonNil(sb.Adobe.Members(p))})
	}
	return out
}

// marketoHolders are the holders of each role the policy assigns (with
// the workspace when it is not Default) and of the Admin role, on the
// default instance; on each other instance, the roles someone holds,
// named "<role> (<instance>)".
func marketoHolders(sb *sandbox.Sandbox) []holders {
	names := RoleNames(sb)
	var out []holders
	for i, inst := range sb.Instances() {
		byRole := map[int][]string{}
		for _, u := range sb.Instance(inst).Users() {
			for _, a := range u.Roles {
				who := u.EmailAddress
				if a.WorkspaceID != sb.WorkspaceID() {
					who += fmt.Sprintf(" (workspace %d)", a.WorkspaceID)
				}
				byRole[a.RoleID] = append(byRole[a.RoleID], who)
			}
		}
		for _, r := range append(slices.Clone(sandbox.Roles), "Admin") {
			m := byRole[roleID(names, r)]
			if i > 0 && len(m) == 0 {
				continue
			}
			if i > 0 {
				r += " (" + inst + ")"
			}
			sort.Strings(m)
			out = append(out, holders{Name: r, Members: nonNil(m)})
		}
	}
	return out
}

// RoleNames names the Marketo roles of the sandbox by id: the roles the
// example policy assigns and Marketo's two system roles.
func RoleNames(sb *sandbox.Sandbox) map[int]string {
	names := map[int]string{1: "Admin", 2: "Standard User"}
	for _, r := range sandbox.Roles {
		names[sb.RoleID(r)] = r
	}
	return names
}

func roleID(names map[int]string, name string) int {
	for id, n := range names {
		if strings.EqualFold(n, name) {
			return id
		}
	}
	return -1
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
