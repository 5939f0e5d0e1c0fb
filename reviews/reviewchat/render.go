package reviewchat

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/reviews"
)

// Block Kit limits a page must respect: 50 blocks a message, 3000
// characters a section text, 25 elements an actions block
// (slack-teams-libraries.md §1.7, docs.slack.dev/reference/block-kit).
const (
	maxBlocks = 50
	// fixedBlocks are a page's header, intro, footer actions and context.
	fixedBlocks = 4
	// blocksPerItem: one evidence section and one actions row.
	blocksPerItem = 2
	// readablePage keeps a page short enough to read on a phone.
	readablePage = 10
	// PageSize is the number of items a page shows: the readable size,
	// never more than the block budget allows.
	PageSize = min(readablePage, (maxBlocks-fixedBlocks)/blocksPerItem)
)

// Text budgets of an item section, in characters. With every field at
// its cap a section stays far below Slack's 3000.
const (
	maxName          = 80
	maxEmail         = 120
	maxJustification = 600
	maxPeople        = 300
	maxListed        = 20 // Marketo admins named on the drift report
)

func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// viewItems returns the items a view lists, in index order.
func viewItems(view string, items []reviews.Item) []reviews.Item {
	var out []reviews.Item
	r := reviewerOf(view)
	for _, it := range items {
		switch {
		case view == ViewDrift && hasDrift(it):
		case view == ViewUnassigned && len(it.Assignees) == 0:
		case r >= 0 && it.AssignedTo(r):
		default:
			continue
		}
		out = append(out, it)
	}
	return out
}

func hasDrift(it reviews.Item) bool {
	for _, k := range it.Findings {
		if k != reviews.MarketoAdmin {
			return true
		}
	}
	return false
}

// pageCount is the number of pages of n items (at least one).
func pageCount(n int) int { return max(1, (n+PageSize-1)/PageSize) }

// renderer formats times and ages for people.
type renderer struct {
	now time.Time
	loc *time.Location
}

func (r renderer) date(t time.Time) string { return t.In(r.loc).Format("2006-01-02") }
func (r renderer) when(t time.Time) string { return t.In(r.loc).Format("2006-01-02 15:04 MST") }

func (r renderer) ago(t time.Time) string {
	d := int(r.now.Sub(t).Hours() / 24)
	switch {
	case d <= 0:
		return "today"
	case d == 1:
		return "1 day ago"
	}
	return strconv.Itoa(d) + " days ago"
}

// Page renders one page of a view of a campaign. items are all the
// campaign's items; the page is clamped to the view's pages.
func (r renderer) Page(c *reviews.Campaign, view string, items []reviews.Item, page int) (bot.Message, int) {
	list := viewItems(view, items)
	pages := pageCount(len(list))
	page = min(max(page, 0), pages-1)
	shown := list[min(page*PageSize, len(list)):min((page+1)*PageSize, len(list))]
	left := 0
	for _, it := range list {
		if !it.Decided() {
			left++
		}
	}
	title := "Access review " + c.ID
	if view == ViewDrift {
		title = "Access review " + c.ID + ": drift report"
	}
	blocks := []bot.Block{&bot.Header{BlockID: "review:head", Text: title}}
	blocks = append(blocks, &bot.Section{BlockID: "review:intro", Text: r.intro(c, view, len(list), left, page, pages)})
	var undecided []int
	for _, it := range shown {
		blocks = append(blocks, &bot.Section{BlockID: "review:item:" + strconv.Itoa(it.Index), Text: r.evidence(c, view, it)})
		if acts := r.itemActions(c, view, page, it); len(acts) > 0 {
			blocks = append(blocks, &bot.Actions{BlockID: "review:act:" + strconv.Itoa(it.Index), Elements: acts})
		}
		if !it.Decided() && view != ViewDrift {
			undecided = append(undecided, it.Index)
		}
	}
	var footer []bot.Element
	if c.Open() && len(undecided) > 0 {
		footer = append(footer, &bot.Button{ActionID: ActionKeepPage, Text: fmt.Sprintf("Keep all on this page (%d)", len(undecided)),
			Value: Value{Review: c.ID, View: view, Page: page, Items: undecided}.String()})
	}
	if page > 0 {
		footer = append(footer, &bot.Button{ActionID: ActionPage + ":prev", Text: "◀ Previous page", Value: Value{Review: c.ID, View: view, Page: page - 1}.String()})
	}
	if page < pages-1 {
		footer = append(footer, &bot.Button{ActionID: ActionPage + ":next", Text: "Next page ▶", Value: Value{Review: c.ID, View: view, Page: page + 1}.String()})
	}
	if len(footer) > 0 {
		blocks = append(blocks, &bot.Actions{BlockID: "review:nav", Elements: footer})
	}
	blocks = append(blocks, &bot.Context{BlockID: "review:foot", Elements: []bot.Text{r.footnote(c, view)}})
	fallback := bot.Textf("Access review %s: %d of %d items wait for a decision", bot.Plain(c.ID), left, len(list))
	return bot.Message{Text: fallback, Blocks: blocks}, page
}

func (r renderer) intro(c *reviews.Campaign, view string, total, left, page, pages int) bot.Text {
	pkgs := bot.Bold(cut(strings.Join(c.Packages, ", "), 300))
	var lead bot.Text
	switch {
	case view == ViewDrift:
		lead = bot.Textf("Differences between the Admin Console, Marketo and the chataccess ledger for %s. Each has a suggested fix.", pkgs)
	case view == ViewUnassigned:
		lead = bot.Textf("These holders of %s had no reviewer other than themselves. Admins, please keep or revoke.", pkgs)
	case c.Escalated:
		lead = bot.Textf("Escalated: nobody decided these in time. Please keep or revoke each person's access to %s.", pkgs)
	default:
		lead = bot.Textf("Please keep or revoke each person's access to %s.", pkgs)
	}
	status := bot.Textf("Deadline %s. %d of %d waiting. Page %d of %d.", bot.Plain(r.when(c.Deadline)),
		left, total, page+1, pages)
	if view == ViewDrift {
		status = bot.Textf("%d findings. Page %d of %d.", total, page+1, pages)
	}
	if !c.Open() {
		status = bot.Textf("Closed %s. Page %d of %d.", bot.Plain(r.when(c.ClosedAt)), page+1, pages)
	}
	lines := []bot.Text{lead, status}
	if view == ViewDrift && len(c.MarketoAdmins) > 0 {
		names := c.MarketoAdmins
		more := ""
		if len(names) > maxListed {
			names, more = names[:maxListed], fmt.Sprintf(" and %d more", len(c.MarketoAdmins)-maxListed)
		}
		lines = append(lines, bot.Textf("Marketo admins (Dynamic Chat admin implicitly, outside any package): %s%s",
			bot.Plain(cut(strings.Join(names, ", "), 1000)), bot.Plain(more)))
	}
	if view == ViewDrift {
		for _, n := range c.Notes {
			lines = append(lines, bot.Textf("Note: %s", bot.Plain(cut(n, 300))))
		}
	}
	return bot.Lines(lines...)
}

// evidence is an item's section: who, what, on whose word, since when,
// last login, drift, and the decision when there is one.
func (r renderer) evidence(c *reviews.Campaign, view string, it reviews.Item) bot.Text {
	who := bot.Bold(cut(it.Email, maxEmail))
	if it.Name != "" {
		who = who.Append(bot.Plain(" (" + cut(it.Name, maxName) + ")"))
	}
	lines := []bot.Text{bot.Textf("%s · %s · item %d", who, bot.Code(it.Package), it.Index)}
	if g := it.Grant; g != nil {
		by := cut(strings.Join(g.ApprovedBy, ", "), maxPeople)
		if by == "" {
			by = "nobody recorded"
		}
		how := "Granted"
		if g.Adopted {
			how = "Adopted into the ledger"
		}
		until := "permanent"
		if !g.Until.IsZero() {
			until = "until " + r.date(g.Until)
		}
		lines = append(lines, bot.Textf("%s %s (%s), %s; approved by %s, requested by %s%s",
			bot.Plain(how), bot.Plain(r.date(g.Since)), bot.Plain(r.ago(g.Since)), bot.Plain(until),
			bot.Plain(by), bot.Plain(cut(g.Requester, maxEmail)), bot.Plain(requestRef(g.RequestID))))
		if j := cut(g.Justification, maxJustification); j != "" {
			lines = append(lines, bot.Textf("Justification: %s", bot.Plain(j)))
		}
	} else {
		lines = append(lines, bot.Plain("No grant in the chataccess ledger."))
	}
	access := "Admin Console: " + cut(strings.Join(it.Profiles, ", "), 300)
	if !it.InAdobe() {
		access = "Admin Console: not in the package's profiles"
	}
	if it.InMarketo {
		access += " · Marketo role: yes"
	} else {
		access += " · Marketo role: no"
	}
	login := "Last login: unknown"
	if !it.LastLogin.IsZero() {
		login = "Last login: " + r.date(it.LastLogin) + " (" + r.ago(it.LastLogin) + ")"
	}
	lines = append(lines, bot.Plain(access+" · "+login))
	for _, k := range it.Findings {
		line := bot.Textf("⚠ %s", bot.Bold(k.Label()))
		if view == ViewDrift {
			line = line.Append(bot.Plain(" — " + k.Suggestion()))
		}
		lines = append(lines, line)
	}
	if d := it.Decision; d != nil && view != ViewDrift {
		lines = append(lines, r.decisionLine(d))
	}
	if f := it.Fix; f != nil && view == ViewDrift {
		verb := "Adopted into the ledger"
		if f.Action == reviews.FixRemove {
			verb = "Remove request " + f.RequestID + " opened"
		}
		lines = append(lines, bot.Textf("✔ %s by %s at %s", bot.Plain(verb), bot.Plain(f.By.Label()), bot.Plain(r.when(f.At))))
	}
	return bot.Lines(lines...)
}

func requestRef(id string) string {
	if id == "" {
		return ""
	}
	return " (" + id + ")"
}

func (r renderer) decisionLine(d *reviews.Decision) bot.Text {
	verb := "✅ Kept"
	if d.Verdict == reviews.Revoke {
		verb = "🚫 Revoked"
	}
	by := d.By.Label()
	if d.Auto {
		by = "the deadline (no response)"
	}
	t := bot.Textf("%s by %s at %s", bot.Bold(verb), bot.Plain(by), bot.Plain(r.when(d.At)))
	switch {
	case d.RequestID != "" && d.Failure == "":
		t = t.Append(bot.Plain(" · remove request "), bot.Code(d.RequestID))
	case d.Failure != "":
		t = t.Append(bot.Plain(" · " + cut(d.Failure, 300)))
	}
	return t
}

func (r renderer) itemActions(c *reviews.Campaign, view string, page int, it reviews.Item) []bot.Element {
	val := Value{Review: c.ID, View: view, Page: page, Items: []int{it.Index}}.String()
	if view == ViewDrift {
		if it.Fix != nil || !it.Has(reviews.OutsideBot) {
			return nil
		}
		return []bot.Element{
			&bot.Button{ActionID: ActionAdopt, Text: "Adopt into ledger", Value: val, Style: bot.StylePrimary},
			&bot.Button{ActionID: ActionRemove, Text: "Open remove request", Value: val, Style: bot.StyleDanger},
		}
	}
	if it.Decided() || !c.Open() {
		return nil
	}
	return []bot.Element{
		&bot.Button{ActionID: ActionKeep, Text: "Keep", Value: val, Style: bot.StylePrimary},
		&bot.Button{ActionID: ActionRevoke, Text: "Revoke", Value: val, Style: bot.StyleDanger, Confirm: &bot.Confirm{
			Title: "Revoke access?", Confirm: "Revoke", Deny: "Cancel", Danger: true,
			Text: bot.Textf("%s loses %s. The removal runs through the usual workers.", bot.Plain(cut(it.Email, maxEmail)), bot.Plain(it.Package)),
		}},
	}
}

func (r renderer) footnote(c *reviews.Campaign, view string) bot.Text {
	if view == ViewDrift {
		return bot.Plain("Adopting records the access as a grant on your word (audited). A remove request goes through approval like any other.")
	}
	what := map[reviews.NoResponse]string{
		reviews.NoResponseKeep:     "are kept",
		reviews.NoResponseRevoke:   "are revoked",
		reviews.NoResponseEscalate: "go to the admins",
	}[c.OnNoResponse]
	if c.Escalated || what == "" {
		what = "stay unreviewed and are reported"
	}
	return bot.Textf("Each item is decided once. Items nobody decides by the deadline %s.", bot.Plain(what))
}

// Summary renders the card posted to the admins when a campaign closes.
func (r renderer) Summary(c *reviews.Campaign, s reviews.Summary) bot.Message {
	field := func(label, value string) bot.Text { return bot.Lines(bot.Bold(label), bot.Plain(value)) }
	fields := []bot.Text{
		field("Kept", strconv.Itoa(s.Kept)), field("Revoked", strconv.Itoa(s.Revoked)),
		field("Unreviewed", fmt.Sprintf("%d (auto-kept %d, auto-revoked %d)", s.Unreviewed, s.AutoKept, s.AutoRevoked)),
		field("Drift", strconv.Itoa(s.Drift)),
	}
	lines := []bot.Text{bot.Textf("Review %s of %s closed %s with %d items.", bot.Code(c.ID),
		bot.Bold(cut(strings.Join(c.Packages, ", "), 300)), bot.Plain(r.when(c.ClosedAt)), s.Items)}
	for _, k := range []reviews.FindingKind{reviews.OutsideBot, reviews.MissingInAdobe, reviews.ProfileWithoutRole, reviews.RoleWithoutProfile, reviews.MarketoAdmin} {
		if n := s.ByKind[k]; n > 0 {
			lines = append(lines, bot.Textf("⚠ %s: %d", bot.Plain(k.Label()), n))
		}
	}
	if s.RevokeFailures > 0 {
		lines = append(lines, bot.Textf("%d revokes could not be submitted; see the export.", s.RevokeFailures))
	}
	return bot.Message{
		Text: bot.Textf("Review %s closed: %d kept, %d revoked, %d unreviewed, %d drift", bot.Plain(c.ID), s.Kept, s.Revoked, s.Unreviewed, s.Drift),
		Blocks: []bot.Block{
			&bot.Header{BlockID: "review:head", Text: "Access review " + c.ID + " closed"},
			&bot.Section{BlockID: "review:summary", Text: bot.Lines(lines...), Fields: fields},
			&bot.Context{BlockID: "review:foot", Elements: []bot.Text{bot.Textf("Export every decision with %s", bot.Code("chataccess review export "+c.ID+" --format csv"))}},
		},
	}
}

// Reminder renders a reviewer's reminder.
func (r renderer) Reminder(c *reviews.Campaign, pending int) bot.Message {
	t := bot.Textf("Reminder: %d items of access review %s wait for your decision by %s. Scroll up to the review message to keep or revoke.",
		pending, bot.Plain(c.ID), bot.Plain(r.when(c.Deadline)))
	return bot.Message{Text: t, Blocks: []bot.Block{&bot.Section{BlockID: "review:remind", Text: t}}}
}
