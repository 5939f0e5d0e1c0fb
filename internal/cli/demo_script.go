//go:build !nodemo

package cli

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/internal/playground"
	"github.com/chataccess/chataccess/store"
)

// script plays the story (playground.Story, the same one the
// playground's scenario menu plays): one numbered line per step, then
// one line for each thing it set off, in a fixed order, and a summary.
func (d *demo) script(ctx context.Context) error {
	d.say("chataccess demo: the bot as `serve` wires it, on an in-process Redis (non-durable), the Adobe Admin Console")
	d.say("and Marketo emulators and a fake Slack, with the embedded example policy. Nothing leaves this machine.")
	d.say("bob@example.com was given access by hand in both consoles, outside chataccess. To click through the same")
	d.say("story in a browser: chataccess playground. To see every card line as it changes: chataccess demo --verbose.")
	var people []string
	for _, p := range d.cast.People {
		people = append(people, p.Name+" ("+p.Role+")")
	}
	d.say("People: %s.", strings.Join(people, ", "))
	d.waitStarted(ctx)
	for i, st := range playground.Story() {
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

// slackState is what a step may change.
type slackState struct {
	msgs    map[string]slackfake.Message
	eph     int
	replies int
	modals  map[string]string
	vendors string
	states  map[string]approvals.State
}

func (d *demo) snapshot() slackState {
	s := slackState{msgs: map[string]slackfake.Message{}, eph: len(d.slack.Ephemerals()), replies: len(d.act.Replies()),
		modals: map[string]string{}, vendors: d.vendors(), states: map[string]approvals.State{}}
	if rs, err := d.app.store.List(context.Background(), approvals.AllRequests(), 50); err == nil {
		for _, r := range rs {
			s.states[r.ID] = r.State
		}
	}
	for _, m := range d.slack.Messages() {
		s.msgs[m.Channel+"/"+m.TS] = m
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
func (d *demo) report(ctx context.Context, before slackState) {
	var only []string
	for _, r := range d.act.Replies()[before.replies:] {
		only = append(only, fmt.Sprintf("only %s sees: %s", d.cast.Name(r.User), d.readable(r.Text, 160)))
	}
	for _, e := range d.slack.Ephemerals()[before.eph:] {
		only = append(only, fmt.Sprintf("only %s sees: %s", d.cast.Name(e.User), d.readable(e.Text, 160)))
	}
	for _, p := range d.cast.People {
		if m, ok := d.act.Modal(p.ID); ok && before.modals[p.ID] != m.ID {
			title, _ := m.View["title"].(map[string]any)
			only = append(only, fmt.Sprintf("%s sees the form %q", p.Name, title["text"]))
		}
	}
	lines := append(only, d.channelLines(before)...)
	lines = append(lines, d.dmLines(before)...)
	lines = append(lines, d.workerLines(ctx, before)...)
	if v := d.vendors(); v != before.vendors {
		lines = append(lines, "now "+v)
	}
	for _, l := range lines {
		d.say("   → %s", l)
	}
	if d.verbose {
		d.showChanges()
	}
}

// channelLines describes new and edited channel messages, channel by
// channel, then thread replies.
func (d *demo) channelLines(before slackState) []string {
	var posts, threads []string
	msgs := d.slack.Messages()
	slices.SortStableFunc(msgs, func(a, b slackfake.Message) int {
		return strings.Compare(d.cast.ChannelName(a.Channel), d.cast.ChannelName(b.Channel))
	})
	for _, m := range msgs {
		if _, dm := playground.DMOwner(m.Channel); dm {
			continue
		}
		old, seen := before.msgs[m.Channel+"/"+m.TS]
		lines := d.linesOf(m)
		switch {
		case m.ThreadTS != "" && !seen:
			parent, _ := d.slack.Message(m.Channel, m.ThreadTS)
			threads = append(threads, fmt.Sprintf("%s, thread of %q: %s", d.cast.ChannelName(m.Channel), d.title(parent), strings.Join(lines, " ")))
		case !seen:
			posts = append(posts, fmt.Sprintf("%s: new %q%s", d.cast.ChannelName(m.Channel), d.title(m), d.gist(lines)))
		case old.Edits != m.Edits && m.ThreadTS == "":
			posts = append(posts, fmt.Sprintf("%s: %q updated%s", d.cast.ChannelName(m.Channel), d.title(m), d.gist(lines)))
		}
	}
	return append(posts, threads...)
}

// dmLines describes new and edited direct messages: a message with a
// header sent to several people on one line (by header), then the
// others person by person, oldest first.
func (d *demo) dmLines(before slackState) []string {
	shared := map[string][]string{}
	var single []slackfake.Message
	for _, m := range d.slack.Messages() {
		owner, dm := playground.DMOwner(m.Channel)
		if !dm {
			continue
		}
		old, seen := before.msgs[m.Channel+"/"+m.TS]
		h := d.headline(m)
		switch {
		case !seen && h != "":
			shared[fmt.Sprintf("DM %q to", h)] = append(shared[fmt.Sprintf("DM %q to", h)], d.cast.Name(owner))
		case !seen:
			single = append(single, m)
		case old.Edits != m.Edits && h != "":
			shared[fmt.Sprintf("DM %q updated for", h)] = append(shared[fmt.Sprintf("DM %q updated for", h)], d.cast.Name(owner))
		}
	}
	var out []string
	for what, who := range shared {
		slices.Sort(who)
		out = append(out, what+" "+strings.Join(slices.Compact(who), ", "))
	}
	slices.Sort(out)
	slices.SortStableFunc(single, func(a, b slackfake.Message) int {
		return strings.Compare(d.cast.ChannelName(a.Channel), d.cast.ChannelName(b.Channel))
	})
	for _, m := range single {
		owner, _ := playground.DMOwner(m.Channel)
		out = append(out, "DM to "+d.cast.Name(owner)+": "+d.readable(m.Text, 160))
	}
	return out
}

// workerLines says, for each request the step saw through to the end,
// what the workers did: its progress entries in the audit trail, each
// once, in order.
func (d *demo) workerLines(ctx context.Context, before slackState) []string {
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
	}
	status, detail, _ := strings.Cut(rest, " ")
	if detail == "" {
		detail = status
	}
	return name + ": " + detail
}

// linesOf is a message as plain readable lines.
func (d *demo) linesOf(m slackfake.Message) []string {
	var out []string
	for _, l := range blockLines(m.Blocks, m.Text) {
		if l = d.readable(l, 200); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// headline is the first line of a message with a header block, "" for
// one without.
func (d *demo) headline(m slackfake.Message) string {
	if !strings.Contains(m.Blocks, `"type":"header"`) {
		return ""
	}
	if ls := d.linesOf(m); len(ls) > 0 {
		return ls[0]
	}
	return ""
}

// title is a message's headline, or its first line.
func (d *demo) title(m slackfake.Message) string {
	if h := d.headline(m); h != "" {
		return h
	}
	if ls := d.linesOf(m); len(ls) > 0 {
		return clipText(ls[0], 100)
	}
	return ""
}

// gist is a card's status line and last sentence, or a report's first
// warning, when the message has them.
func (d *demo) gist(lines []string) string {
	var status, last, warning, item string
	for _, l := range lines {
		if s, ok := strings.CutPrefix(l, "Status "); ok {
			status = s
		}
		if who, _, ok := strings.Cut(l, " · "); ok && strings.Contains(l, " · item ") {
			item = who + ": "
		}
		if w, ok := strings.CutPrefix(l, "⚠ "); ok && warning == "" {
			warning = item + w
		}
		if !strings.HasPrefix(l, "[") {
			last = l
		}
	}
	switch {
	case status != "" && last != "" && !strings.HasPrefix(last, "Status "):
		return fmt.Sprintf(" (status: %s) %s", status, clipText(last, 120))
	case status != "":
		return fmt.Sprintf(" (status: %s)", status)
	case warning != "":
		return ": " + clipText(warning, 100)
	}
	return ""
}

var (
	mentionRE = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^>]*)?>`)
	channelRE = regexp.MustCompile(`<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>`)
	codeRE    = regexp.MustCompile("`([^`\n]+)`")
	markRE    = regexp.MustCompile(`(^|[^\pL\pN])[*_~]([^*_~\s](?:[^*_~\n]*[^*_~\s])?)[*_~]($|[^\pL\pN])`)
)

// readable is Slack text as a person reads it, on one line: names for
// user and channel ids, no formatting marks, cut at n characters.
func (d *demo) readable(s string, n int) string {
	s = mentionRE.ReplaceAllStringFunc(s, func(t string) string { return d.cast.Name(mentionRE.FindStringSubmatch(t)[1]) })
	s = channelRE.ReplaceAllStringFunc(s, func(t string) string { return d.cast.ChannelName(channelRE.FindStringSubmatch(t)[1]) })
	s = codeRE.ReplaceAllString(s, "$1")
	for range 2 { // adjacent runs share their edge characters
		s = markRE.ReplaceAllString(s, "$1$2$3")
	}
	return clipText(s, n)
}

// vendors says what the emulated consoles hold for the story's package.
func (d *demo) vendors() string {
	members := d.sb.Adobe.Members("Live Agent")
	var holders []string
	for _, u := range d.sb.Marketo.Users() {
		for _, a := range u.Roles {
			if a.RoleID == d.sb.RoleID("DC Agent") {
				holders = append(holders, u.EmailAddress)
			}
		}
	}
	slices.Sort(holders)
	list := func(s []string) string {
		if len(s) == 0 {
			return "nobody"
		}
		return strings.Join(s, ", ")
	}
	return fmt.Sprintf("Admin Console profile \"Live Agent\": %s; Marketo role \"DC Agent\": %s", list(members), list(holders))
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
	d.say("docs/slack.md to create the Slack app, and `make test` for the suite.")
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
		if dec.Approver.IsSystem() {
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
