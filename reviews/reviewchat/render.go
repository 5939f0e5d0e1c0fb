package reviewchat

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
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

// renderer draws review messages in one language, with times in loc.
type renderer struct {
	now time.Time
	loc *time.Location
	l   *i18n.Lang
}

func (r renderer) date(t time.Time) bot.Text { return r.l.Time(t, r.loc, bot.TimeDay) }
func (r renderer) when(t time.Time) bot.Text { return r.l.Time(t, r.loc, bot.TimeDayAndClock) }

func (r renderer) ago(t time.Time) bot.Text {
	d := int(r.now.Sub(t).Hours() / 24)
	if d <= 0 {
		return r.l.T("reviewpage.today")
	}
	return r.l.N("reviewpage.days_ago", d)
}

// Page renders one page of a view of a campaign. items are all the
// campaign's items; the page is clamped to the view's pages.
func (r renderer) Page(c *reviews.Campaign, view string, items []reviews.Item, page int) (bot.Message, int) {
	l := r.l
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
	title := l.S("reviewpage.title", i18n.M{"ID": c.ID})
	if view == ViewDrift {
		title = l.S("reviewpage.title_drift", i18n.M{"ID": c.ID})
	}
	blocks := []bot.Block{&bot.Header{BlockID: "review:head", Text: title}}
	blocks = append(blocks, &bot.Section{BlockID: "review:intro", Text: r.intro(c, view, len(list), left, page, pages)})
	var undecided []int
	for _, it := range shown {
		blocks = append(blocks, &bot.Section{BlockID: "review:item:" + strconv.Itoa(it.Index), Text: r.evidence(view, it)})
		if acts := r.itemActions(c, view, page, it); len(acts) > 0 {
			blocks = append(blocks, &bot.Actions{BlockID: "review:act:" + strconv.Itoa(it.Index), Elements: acts})
		}
		if !it.Decided() && view != ViewDrift {
			undecided = append(undecided, it.Index)
		}
	}
	if footer := r.footer(c, view, page, pages, undecided); len(footer) > 0 {
		blocks = append(blocks, &bot.Actions{BlockID: "review:nav", Elements: footer})
	}
	blocks = append(blocks, &bot.Context{BlockID: "review:foot", Elements: []bot.Text{r.footnote(c, view)}})
	fallback := l.N("reviewpage.fallback", left, i18n.M{"ID": c.ID, "Total": len(list)})
	return bot.Message{Text: fallback, Blocks: blocks, Lang: l.Name()}, page
}

// footer is the page's navigation row: keep everything shown, previous
// and next page.
func (r renderer) footer(c *reviews.Campaign, view string, page, pages int, undecided []int) []bot.Element {
	var footer []bot.Element
	if c.Open() && len(undecided) > 0 {
		footer = append(footer, &bot.Button{ActionID: ActionKeepPage, Text: r.l.S("reviewpage.keep_page", i18n.M{"Count": len(undecided)}),
			Value: Value{Review: c.ID, View: view, Page: page, Items: undecided}.String()})
	}
	if page > 0 {
		footer = append(footer, &bot.Button{ActionID: ActionPage + ":prev", Text: r.l.S("reviewpage.previous"), Value: Value{Review: c.ID, View: view, Page: page - 1}.String()})
	}
	if page < pages-1 {
		footer = append(footer, &bot.Button{ActionID: ActionPage + ":next", Text: r.l.S("reviewpage.next"), Value: Value{Review: c.ID, View: view, Page: page + 1}.String()})
	}
	return footer
}

func (r renderer) intro(c *reviews.Campaign, view string, total, left, page, pages int) bot.Text {
	l := r.l
	args := i18n.M{"Packages": bot.Bold(cut(strings.Join(c.Packages, ", "), 300)), "Page": page + 1, "Pages": pages}
	var lead bot.Text
	switch {
	case view == ViewDrift:
		lead = l.T("reviewpage.lead.drift", args)
	case view == ViewUnassigned:
		lead = l.T("reviewpage.lead.unassigned", args)
	case c.Escalated:
		lead = l.T("reviewpage.lead.escalated", args)
	default:
		lead = l.T("reviewpage.lead.reviewer", args)
	}
	args["Deadline"], args["Left"], args["Total"] = r.when(c.Deadline), left, total
	status := l.T("reviewpage.status.open", args)
	if view == ViewDrift {
		status = l.N("reviewpage.status.drift", total, args)
	}
	if !c.Open() {
		args["Closed"] = r.when(c.ClosedAt)
		status = l.T("reviewpage.status.closed", args)
	}
	lines := []bot.Text{lead, status}
	if view == ViewDrift && len(c.MarketoAdmins) > 0 {
		names := c.MarketoAdmins
		list := bot.Plain(cut(strings.Join(names, ", "), 1000))
		if len(names) > maxListed {
			list = l.N("reviewpage.and_more", len(c.MarketoAdmins)-maxListed, i18n.M{"Names": cut(strings.Join(names[:maxListed], ", "), 1000)})
		}
		lines = append(lines, l.T("reviewpage.marketo_admins", i18n.M{"Names": list}))
	}
	if view == ViewDrift {
		for i, n := range c.Notes {
			note := bot.Plain(cut(n, 300))
			if i < len(c.NoteSentences) && c.NoteSentences[i].Text == n {
				ns := c.NoteSentences[i]
				note = l.Sentence(ns.Key, ns.Args, cut(n, 300))
			}
			lines = append(lines, l.T("reviewpage.note", i18n.M{"Note": note}))
		}
	}
	return bot.Lines(lines...)
}

// evidence is an item's section: who, what, on whose word, since when,
// last login, drift, and the decision when there is one.
func (r renderer) evidence(view string, it reviews.Item) bot.Text {
	l := r.l
	who := bot.Bold(cut(it.Email, maxEmail))
	if it.Name != "" {
		who = l.T("reviewpage.who_named", i18n.M{"Email": who, "Name": cut(it.Name, maxName)})
	}
	lines := []bot.Text{l.T("reviewpage.item", i18n.M{"Who": who, "Package": bot.Code(it.Package), "Index": it.Index})}
	lines = append(lines, r.grantLines(it)...)
	profiles := l.T("reviewpage.access.profiles", i18n.M{"Profiles": cut(strings.Join(it.Profiles, ", "), 300)})
	if !it.InAdobe() {
		profiles = l.T("reviewpage.access.not_in_adobe")
	}
	role := l.T("reviewpage.access.role_no")
	if it.InMarketo {
		role = l.T("reviewpage.access.role_yes")
	}
	login := l.T("reviewpage.access.login_unknown")
	if !it.LastLogin.IsZero() {
		login = l.T("reviewpage.access.login", i18n.M{"Date": r.date(it.LastLogin), "Ago": r.ago(it.LastLogin)})
	}
	lines = append(lines, l.T("reviewpage.access.line", i18n.M{"Profiles": profiles, "Role": role, "Login": login}))
	lines = append(lines, viaLine(l, it)...)
	for _, k := range it.Findings {
		line := l.T("reviewpage.finding", i18n.M{"Finding": bot.Bold(findingLabel(l, k))})
		if view == ViewDrift {
			line = l.T("reviewpage.finding_fix", i18n.M{"Finding": bot.Bold(findingLabel(l, k)), "Fix": findingFix(l, k)})
		}
		lines = append(lines, line)
	}
	if d := it.Decision; d != nil && view != ViewDrift {
		lines = append(lines, r.decisionLine(d))
	}
	if f := it.Fix; f != nil && view == ViewDrift {
		args := i18n.M{"ID": f.RequestID, "By": f.By.Label(), "At": r.when(f.At)}
		key := "reviewpage.fixed.adopted"
		if f.Action == reviews.FixRemove {
			key = "reviewpage.fixed.remove"
		}
		lines = append(lines, l.T(key, args))
	}
	return bot.Lines(lines...)
}

// grantLines are the ledger's word on an item: how and when it was
// granted, by whom, and why.
func (r renderer) grantLines(it reviews.Item) []bot.Text {
	l := r.l
	g := it.Grant
	if g == nil {
		return []bot.Text{l.T("reviewpage.grant.none")}
	}
	by := bot.Plain(cut(strings.Join(g.ApprovedBy, ", "), maxPeople))
	if len(g.ApprovedBy) == 0 {
		by = l.T("reviewpage.grant.nobody")
	}
	until := l.T("reviewpage.grant.permanent")
	if !g.Until.IsZero() {
		until = l.T("reviewpage.grant.until", i18n.M{"Date": r.date(g.Until)})
	}
	key := "reviewpage.grant.granted"
	if g.Adopted {
		key = "reviewpage.grant.adopted"
	}
	lines := []bot.Text{l.T(key, i18n.M{"Since": r.date(g.Since), "Ago": r.ago(g.Since), "Until": until, "By": by,
		"Requester": cut(g.Requester, maxEmail), "Request": requestRef(g.RequestID)})}
	if j := cut(g.Justification, maxJustification); j != "" {
		lines = append(lines, l.T("reviewpage.grant.justification", i18n.M{"Justification": j}))
	}
	return lines
}

func requestRef(id string) string {
	if id == "" {
		return ""
	}
	return " (" + id + ")"
}

func (r renderer) decisionLine(d *reviews.Decision) bot.Text {
	l := r.l
	verb := l.S("reviewpage.decision.kept")
	if d.Verdict == reviews.Revoke {
		verb = l.S("reviewpage.decision.revoked")
	}
	by := bot.Plain(d.By.Label())
	if d.Auto {
		by = l.T("reviewpage.decision.deadline")
	}
	t := l.T("reviewpage.decision.line", i18n.M{"Verdict": bot.Bold(verb), "By": by, "At": r.when(d.At)})
	switch {
	case d.RequestID != "" && d.Failure == "":
		t = l.T("reviewpage.decision.with_request", i18n.M{"Line": t, "ID": bot.Code(d.RequestID)})
	case d.Failure != "":
		t = l.T("reviewpage.decision.with_failure", i18n.M{"Line": t, "Failure": l.Sentence(d.FailureKey, d.FailureArgs, cut(d.Failure, 300))})
	}
	return t
}

func (r renderer) itemActions(c *reviews.Campaign, view string, page int, it reviews.Item) []bot.Element {
	l := r.l
	val := Value{Review: c.ID, View: view, Page: page, Items: []int{it.Index}}.String()
	if view == ViewDrift {
		if it.Fix != nil || !it.Has(reviews.OutsideBot) {
			return nil
		}
		return []bot.Element{
			&bot.Button{ActionID: ActionAdopt, Text: l.S("reviewpage.adopt"), Value: val, Style: bot.StylePrimary},
			&bot.Button{ActionID: ActionRemove, Text: l.S("reviewpage.open_remove"), Value: val, Style: bot.StyleDanger},
		}
	}
	if it.Decided() || !c.Open() {
		return nil
	}
	return []bot.Element{
		&bot.Button{ActionID: ActionKeep, Text: l.S("reviewpage.keep"), Value: val, Style: bot.StylePrimary},
		&bot.Button{ActionID: ActionRevoke, Text: l.S("reviewpage.revoke"), Value: val, Style: bot.StyleDanger, Confirm: &bot.Confirm{
			Title: l.S("reviewpage.revoke_confirm.title"), Confirm: l.S("reviewpage.revoke"), Deny: l.S("reviewpage.revoke_confirm.cancel"), Danger: true,
			Text: l.T("reviewpage.revoke_confirm.text", i18n.M{"Email": cut(it.Email, maxEmail), "Package": it.Package}),
		}},
	}
}

// noResponseKeys say what happens to undecided items at the deadline.
var noResponseKeys = map[reviews.NoResponse]string{
	reviews.NoResponseKeep:     "reviewpage.foot.keep",
	reviews.NoResponseRevoke:   "reviewpage.foot.revoke",
	reviews.NoResponseEscalate: "reviewpage.foot.escalate",
}

func (r renderer) footnote(c *reviews.Campaign, view string) bot.Text {
	if view == ViewDrift {
		return r.l.T("reviewpage.foot.drift")
	}
	key, ok := noResponseKeys[c.OnNoResponse]
	if c.Escalated || !ok {
		key = "reviewpage.foot.reported"
	}
	return r.l.T(key)
}

// Summary renders the card posted to the admins when a campaign closes.
func (r renderer) Summary(c *reviews.Campaign, s reviews.Summary) bot.Message {
	l := r.l
	field := func(key string, value bot.Text) bot.Text { return bot.Lines(bot.Bold(l.S(key)), value) }
	fields := []bot.Text{
		field("reviewpage.summary.kept", bot.Plain(l.Int(s.Kept))), field("reviewpage.summary.revoked", bot.Plain(l.Int(s.Revoked))),
		field("reviewpage.summary.unreviewed", l.T("reviewpage.summary.unreviewed_value", i18n.M{"Count": s.Unreviewed, "Kept": s.AutoKept, "Revoked": s.AutoRevoked})),
		field("reviewpage.summary.drift", bot.Plain(l.Int(s.Drift))),
	}
	lines := []bot.Text{l.N("reviewpage.summary.closed", s.Items, i18n.M{"ID": bot.Code(c.ID),
		"Packages": bot.Bold(cut(strings.Join(c.Packages, ", "), 300)), "At": r.when(c.ClosedAt)})}
	for _, k := range []reviews.FindingKind{reviews.OutsideBot, reviews.MissingInAdobe, reviews.ProfileWithoutRole, reviews.RoleWithoutProfile, reviews.MarketoAdmin} {
		if n := s.ByKind[k]; n > 0 {
			lines = append(lines, l.T("reviewpage.summary.finding", i18n.M{"Finding": findingLabel(l, k), "Count": n}))
		}
	}
	if s.RevokeFailures > 0 {
		lines = append(lines, l.N("reviewpage.summary.revoke_failures", s.RevokeFailures))
	}
	return bot.Message{
		Text: l.T("reviewpage.summary.fallback", i18n.M{"ID": c.ID, "Kept": s.Kept, "Revoked": s.Revoked, "Unreviewed": s.Unreviewed, "Drift": s.Drift}),
		Blocks: []bot.Block{
			&bot.Header{BlockID: "review:head", Text: l.S("reviewpage.summary.title", i18n.M{"ID": c.ID})},
			&bot.Section{BlockID: "review:summary", Text: bot.Lines(lines...), Fields: fields},
			&bot.Context{BlockID: "review:foot", Elements: []bot.Text{l.T("reviewpage.summary.export", i18n.M{"Command": bot.Code("chataccess review export " + c.ID + " --format csv")})}},
		},
		Lang: l.Name(),
	}
}

// Reminder renders a reviewer's reminder.
func (r renderer) Reminder(c *reviews.Campaign, pending int) bot.Message {
	t := r.l.N("reviewpage.reminder", pending, i18n.M{"ID": c.ID, "Deadline": r.when(c.Deadline)})
	return bot.Message{Text: t, Blocks: []bot.Block{&bot.Section{BlockID: "review:remind", Text: t}}, Lang: r.l.Name()}
}

// Message ids of the drift findings, by kind.
var (
	findingLabels = map[reviews.FindingKind]string{
		reviews.OutsideBot: "reviewpage.findings.outside_bot.label", reviews.MissingInAdobe: "reviewpage.findings.missing_in_adobe.label",
		reviews.ProfileWithoutRole: "reviewpage.findings.profile_without_role.label", reviews.RoleWithoutProfile: "reviewpage.findings.role_without_profile.label",
		reviews.MarketoAdmin: "reviewpage.findings.marketo_admin.label",
	}
	findingFixes = map[reviews.FindingKind]string{
		reviews.OutsideBot: "reviewpage.findings.outside_bot.fix", reviews.MissingInAdobe: "reviewpage.findings.missing_in_adobe.fix",
		reviews.ProfileWithoutRole: "reviewpage.findings.profile_without_role.fix", reviews.RoleWithoutProfile: "reviewpage.findings.role_without_profile.fix",
		reviews.MarketoAdmin: "reviewpage.findings.marketo_admin.fix",
	}
)

// findingLabel names a finding for people, short.
func findingLabel(l *i18n.Lang, k reviews.FindingKind) string {
	if key, ok := findingLabels[k]; ok {
		return l.S(key)
	}
	return k.Label()
}

// findingFix is the suggested fix of a finding.
func findingFix(l *i18n.Lang, k reviews.FindingKind) string {
	if key, ok := findingFixes[k]; ok {
		return l.S(key)
	}
	return k.Suggestion()
}
