//go:build !nodemo

package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/playground"
	"github.com/chataccess/chataccess/store"
)

// script plays the story (playground.StoryOn, the same one the
// playground's scenario menu plays on Slack): one numbered line per
// step, then one line for each thing it set off, in a fixed order, and
// a summary.
func (d *demo) script(ctx context.Context) error {
	d.intro()
	var people []string
	for _, p := range d.cast.People {
		people = append(people, p.Name+" ("+p.Role+")")
	}
	d.say("People: %s.", strings.Join(people, ", "))
	d.waitStarted(ctx)
	for i, st := range playground.StoryOn(d.storyPlatforms()...) {
		before := d.snapshot()
		d.say("\n%d. %s", i+1, st.Title)
		err := st.Run(ctx, d.stage)
		d.report(ctx, before)
		if err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
	}
	return d.summary(ctx)
}

// intro says what runs and where the story happens.
func (d *demo) intro() {
	d.say("chataccess demo: the bot as `serve` wires it, on an in-process Redis (non-durable), the Adobe Admin Console")
	switch d.platform {
	case platformTeams:
		d.say("and Marketo emulators and a fake Microsoft Teams, with %s and Slack off. Nothing", d.policyName)
		d.say("leaves this machine. Every Teams activity carries a token of the fake Bot Framework issuer and is checked as")
		d.say("Teams' are. The policy's people and channels are named on Teams too (teams:<object id> beside each Slack id,")
		d.say("a Teams channel for each Slack channel).")
	case platformBoth:
		d.say("and Marketo emulators, a fake Slack and a fake Microsoft Teams, with %s. Nothing", d.policyName)
		d.say("leaves this machine. The policy names everyone on both platforms (teams:<object id> beside each Slack id, a")
		d.say("Teams channel beside each Slack channel): cards go to both, and the story moves between them.")
	default:
		d.say("and Marketo emulators and a fake Slack, with %s. Nothing leaves this machine.", d.policyName)
	}
	if d.twoSubs {
		d.say("The agent package spans two Marketo subscriptions, as Adobe's procedure allows: the profiles %q (default", demoProfile)
		d.say("subscription) and %q (subscription %s), each with the Marketo role %q; one approval executes on both.", demoEMEAProfile, demoInstance, demoRole)
	}
	d.say("The Admin Console is linked to Marketo as Adobe's is: someone new to a Marketo subscription is brought in by its")
	d.say("Marketo Engage product profile, which the demo's packages add with their own.")
	d.say("bob@example.com was given access by hand in both consoles, outside chataccess. To click through the same")
	d.say("story in a browser%s: chataccess playground. To see every card line as it changes: chataccess demo --verbose.",
		map[bool]string{true: " (on Slack)"}[d.platform != platformSlack])
}

// waitStarted waits (2 s at most) for the bot's start-up work, so that
// the story's lines do not depend on what started first: the audit
// checkpointer claims its first slot on an empty trail and posts
// nothing, where after the first request it would post a checkpoint.
func (d *demo) waitStarted(ctx context.Context) {
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		it := d.rdb.Scan(ctx, 0, d.prefix+"*audit-checkpoint@*", 1000).Iterator()
		if it.Next(ctx) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// demoState is what a step may change.
type demoState struct {
	edits   map[string]int // message key → its updates
	eph     int
	replies int
	answers int // Teams answers to clicks
	modals  map[string]string
	vendors string
	states  map[string]approvals.State
}

func (d *demo) snapshot() demoState {
	s := demoState{edits: map[string]int{}, eph: len(d.slack.Ephemerals()), replies: len(d.act.Replies()),
		modals: map[string]string{}, vendors: d.vendors(), states: map[string]approvals.State{}}
	if d.teamsAct != nil {
		s.answers = len(d.teamsAct.Shown())
	}
	if rs, err := d.app.store.List(context.Background(), approvals.AllRequests(), 50); err == nil {
		for _, r := range rs {
			s.states[r.ID] = r.State
		}
	}
	for _, m := range d.messages() {
		s.edits[m.key] = m.edits
	}
	for _, p := range d.cast.People {
		if m, ok := d.act.Modal(p.ID); ok {
			s.modals[p.ID] = m.ID
		}
	}
	return s
}

// report prints what changed since before, one line each: answers only
// one person sees, forms opened, channel messages posted and updated,
// thread replies, direct messages, and what the consoles now hold.
func (d *demo) report(ctx context.Context, before demoState) {
	msgs := d.messages()
	lines := append(d.onlyLines(before), d.channelLines(msgs, before)...)
	lines = append(lines, d.dmLines(msgs, before)...)
	lines = append(lines, d.workerLines(ctx, before)...)
	if v := d.vendors(); v != before.vendors {
		lines = append(lines, "now "+v)
	}
	for _, l := range lines {
		d.say("   → %s", l)
	}
	if d.verbose {
		d.showChanges(msgs)
	}
}

// onlyLines are the answers only one person sees: Slack's replies to
// commands, ephemeral messages and forms opened, Teams' answers to
// clicks.
func (d *demo) onlyLines(before demoState) []string {
	var only []string
	if d.on(bot.Slack) {
		for _, r := range d.act.Replies()[before.replies:] {
			only = append(only, fmt.Sprintf("%sonly %s sees: %s", d.tag(bot.Slack), d.cast.Name(r.User), d.readable(r.Text, 160)))
		}
		for _, e := range d.slack.Ephemerals()[before.eph:] {
			only = append(only, fmt.Sprintf("%sonly %s sees: %s", d.tag(bot.Slack), d.cast.Name(e.User), d.readable(e.Text, 160)))
		}
		for _, p := range d.cast.People {
			if m, ok := d.act.Modal(p.ID); ok && before.modals[p.ID] != m.ID {
				title, _ := m.View["title"].(map[string]any)
				only = append(only, fmt.Sprintf("%s%s sees the form %q", d.tag(bot.Slack), p.Name, title["text"]))
			}
		}
	}
	if d.teamsAct != nil {
		for _, a := range d.teamsAct.Shown()[before.answers:] {
			only = append(only, fmt.Sprintf("%sonly %s sees: %s", d.tag(bot.Teams), d.cast.Name(a.User), d.teamsReadable(a.Text, 160)))
		}
	}
	return only
}

// workerLines says, for each request the step saw through to the end,
// what the workers did: its progress entries in the audit trail, each
// once, in order.
func (d *demo) workerLines(ctx context.Context, before demoState) []string {
	rs, err := d.app.store.List(ctx, approvals.AllRequests(), 50)
	if err != nil {
		return nil
	}
	slices.Reverse(rs)
	var out []string
	for _, r := range rs {
		if r.State == before.states[r.ID] || (r.State != approvals.StateCompleted && r.State != approvals.StateFailed) {
			continue
		}
		var steps []string
		_ = d.app.store.AuditEntries(ctx, func(e store.AuditEntry) error {
			if e.RequestID == r.ID && e.Action == string(approvals.EventProgress) {
				if l := progressText(auditLine(e).Detail); !slices.Contains(steps, l) {
					steps = append(steps, l)
				}
			}
			return nil
		})
		if len(steps) > 0 {
			out = append(out, fmt.Sprintf("workers on %s: %s", r.ID, strings.Join(steps, " → ")))
		}
	}
	return out
}

// stepNames are the workers' step names as people say them.
var stepNames = map[string]string{"admin_console": "Admin Console", "admin_console_sync": "Admin Console check", "marketo": "Marketo"}

// progressText turns a progress entry ("marketo: done role DC Agent
// assigned in Default") into "Marketo: role DC Agent assigned in
// Default".
func progressText(s string) string {
	name, rest, ok := strings.Cut(s, ": ")
	if !ok {
		return s
	}
	if n, ok := stepNames[name]; ok {
		name = n
	} else if inst, ok := strings.CutPrefix(name, "marketo:"); ok {
		name = "Marketo " + inst
	}
	status, detail, _ := strings.Cut(rest, " ")
	if detail == "" {
		detail = status
	}
	return name + ": " + detail
}

// summary prints every request in a table, what the consoles hold and
// whether the audit chain is intact.
func (d *demo) summary(ctx context.Context) error {
	rs, err := d.app.store.List(ctx, approvals.AllRequests(), 50)
	if err != nil {
		return err
	}
	slices.Reverse(rs)
	d.say("\nSummary")
	tw := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  request\tchange\tasked by\tdecided\tstate")
	for _, r := range rs {
		fmt.Fprintf(tw, "  %s\t%s %s for %s\t%s\t%s\t%s\n", r.ID, r.Kind, r.Package, r.Target.Email,
			d.actorName(r.Requester, r.Reason), d.decided(r), strings.ReplaceAll(string(r.State), "_", " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	d.say("  %s", d.vendors())
	res, err := d.app.store.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	intact := "intact"
	if !res.OK() {
		intact = "BROKEN"
	}
	d.say("  Audit trail: %d entries, chain %s (%d keyed with AUDIT_KEY); `chataccess audit verify` checks it.", res.Entries, intact, res.Keyed)
	d.say("\nNext: chataccess playground (the same story in a browser), `chataccess config check --config chataccess.example.yaml`,")
	d.say("%s, and `make test` for the suite.", map[string]string{platformSlack: "docs/slack.md to create the Slack app",
		platformTeams: "docs/teams.md to register the Teams bot", platformBoth: "docs/slack.md and docs/teams.md to connect Slack and Teams"}[d.platform])
	return nil
}

// actorName is a person's name, or what the system acted for.
func (d *demo) actorName(a approvals.Actor, reason string) string {
	if a.IsSystem() {
		if reason != "" {
			for _, p := range d.cast.People {
				reason = strings.ReplaceAll(reason, p.Email, p.Name)
			}
			return "chataccess (" + reason + ")"
		}
		return "chataccess"
	}
	for _, p := range d.cast.People {
		if strings.EqualFold(p.Email, a.Email) || p.ID == a.ID {
			if d.platform == platformBoth && a.Platform != "" {
				return p.Name + " in " + playground.PlatformName(bot.Platform(a.Platform))
			}
			return p.Name
		}
	}
	return a.Label()
}

// decided says who decided a request.
func (d *demo) decided(r *approvals.Request) string {
	var out []string
	for _, dec := range r.Decisions {
		who := d.actorName(dec.Approver, "")
		switch {
		case dec.Approver.IsSystem() && dec.CommentKey == "reason.system_request":
			who = "chataccess (its own request)"
		case dec.Approver.IsSystem():
			who = "policy"
		}
		verdict := "approved"
		if dec.Verdict == approvals.Deny {
			verdict = "denied"
		}
		out = append(out, verdict+" by "+who)
	}
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, ", ")
}
