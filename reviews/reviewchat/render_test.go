package reviewchat

import (
	"context"
	"encoding/json"
	goldenfile "github.com/chataccess/chataccess/internal/golden"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/reviews"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func golden(t *testing.T, name string, m bot.Message) {
	t.Helper()
	r, err := slackbot.RenderMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	goldenfile.JSON(t, name, r)
}

func sampleCampaign() (*reviews.Campaign, []reviews.Item) {
	c := &reviews.Campaign{
		ID: "R-12", Schedule: "quarterly", Packages: []string{"agent"}, CreatedAt: t0, RoundStart: t0,
		Deadline: t0.Add(14 * 24 * time.Hour), DeadlineAfter: 14 * 24 * time.Hour, OnNoResponse: reviews.NoResponseEscalate,
		Status: reviews.StatusOpen, Version: 1, Items: 4, MarketoAdmins: []string{"mo@example.com"},
		Reviewers: []approvals.Actor{{ID: "UANN", Email: "ann@example.com", Platform: "slack"}, {ID: "UROOT", Email: "root@example.com", Platform: "slack"}},
	}
	grant := &approvals.Grant{Email: "alice@example.com", Package: "agent", RequestID: "DC-1042", Since: t0.Add(-40 * 24 * time.Hour),
		Until: t0.Add(50 * 24 * time.Hour), ApprovedBy: []string{"ben@example.com"}, Requester: "lead@example.com",
		Justification: "covering EMEA *weekends* <@U123> & friends"}
	items := []reviews.Item{
		{Index: 1, Package: "agent", Email: "alice@example.com", Name: "Alice Smith", Profiles: []string{"Live Agent"}, InMarketo: true,
			LastLogin: t0.Add(-3 * 24 * time.Hour), Grant: grant, Assignees: []int{0}},
		{Index: 2, Package: "agent", Email: "carl@example.com", Profiles: []string{"Live Agent"}, InMarketo: true,
			Findings: []reviews.FindingKind{reviews.OutsideBot}, Assignees: []int{0}},
		{Index: 3, Package: "agent", Email: "dora@example.com", Grant: &approvals.Grant{Email: "dora@example.com", Package: "agent", Since: t0.Add(-400 * 24 * time.Hour), ApprovedBy: []string{"root@example.com"}, Requester: "root@example.com", Adopted: true},
			Findings: []reviews.FindingKind{reviews.MissingInAdobe}, Assignees: []int{0},
			Decision: &reviews.Decision{Verdict: reviews.Revoke, By: approvals.Actor{Email: "ann@example.com"}, At: t0.Add(time.Hour), RequestID: "DC-1050"}},
		{Index: 4, Package: "agent", Email: "ann@example.com", Profiles: []string{"Live Agent"}, InMarketo: true, MarketoAdmin: true,
			Findings: []reviews.FindingKind{reviews.MarketoAdmin}, Assignees: []int{1},
			Decision: &reviews.Decision{Verdict: reviews.Keep, By: approvals.Actor{Email: "root@example.com"}, At: t0.Add(2 * time.Hour)}},
	}
	return c, items
}

// lang is a language of the built-in catalog.
func lang(name string) *i18n.Lang { return builtinCatalog().Lang(name) }

// TestGoldenPages draws a reviewer's page, the drift report, a closed
// page, the summary and a reminder in English and in French.
func TestGoldenPages(t *testing.T) {
	for _, name := range []string{"en", "fr"} {
		prefix := ""
		if name != "en" {
			prefix = name + "_"
		}
		c, items := sampleCampaign()
		r := renderer{now: t0.Add(24 * time.Hour), loc: time.UTC, l: lang(name)}
		m, _ := r.Page(c, ReviewerView(0), items, 0)
		golden(t, prefix+"reviewer_page", m)
		m, _ = r.Page(c, ViewDrift, items, 0)
		golden(t, prefix+"drift_page", m)
		closed := *c
		closed.Status, closed.ClosedAt = reviews.StatusClosed, t0.Add(14*24*time.Hour)
		m, _ = r.Page(&closed, ReviewerView(0), items, 0)
		golden(t, prefix+"reviewer_page_closed", m)
		golden(t, prefix+"summary", r.Summary(&closed, reviews.Summarize(items)))
		golden(t, prefix+"reminder", r.Reminder(c, 2))
	}
}

// TestPagesWithinBlockKitLimits renders every page of 300 items with
// 3000-character justifications and very long names, for a reviewer and
// for the drift report, and posts each to the fake Slack API, which
// rejects payloads over Block Kit limits.
func TestPagesWithinBlockKitLimits(t *testing.T) {
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	fake.AddUser(slackfake.User{ID: "UANN", Name: "Ann", Email: "ann@example.com"})
	sender := slackbot.NewSender(slackbot.SenderConfig{
		BotToken: slackfake.Token, APIURL: fake.URL(), MaxRetryWait: 2 * time.Second,
		Pacer: slackbot.NewChannelPacer(time.Millisecond, time.Second, nil), Metrics: slackbot.NewMetrics(nil), Logger: zerolog.Nop(),
	})
	c, _ := sampleCampaign()
	long := strings.Repeat("Ünïcode & <markup> *bold* ", 120)[:3000]
	var items []reviews.Item
	for i := 1; i <= 300; i++ {
		it := reviews.Item{Index: i, Package: "agent", Email: strings.Repeat("x", 200) + strconv.Itoa(i) + "@example.com",
			Name: strings.Repeat("Name ", 100), Profiles: []string{strings.Repeat("Profile ", 60), "Live Agent"},
			Grant: &approvals.Grant{Since: t0, ApprovedBy: []string{strings.Repeat("a", 500), strings.Repeat("b", 500)},
				Requester: strings.Repeat("r", 400), Justification: long, RequestID: "DC-" + strconv.Itoa(1000+i)},
			Findings:  []reviews.FindingKind{reviews.OutsideBot, reviews.ProfileWithoutRole, reviews.MarketoAdmin},
			Assignees: []int{0},
		}
		if i%3 == 0 {
			it.Decision = &reviews.Decision{Verdict: reviews.Revoke, By: approvals.Actor{Email: strings.Repeat("d", 300)}, At: t0, Failure: long}
		}
		items = append(items, it)
	}
	c.MarketoAdmins = make([]string, 500)
	for i := range c.MarketoAdmins {
		c.MarketoAdmins[i] = strings.Repeat("m", 100) + strconv.Itoa(i)
	}
	c.Notes = []string{long, long}
	c.Packages = []string{strings.Repeat("p", 40), strings.Repeat("q", 40)}
	ctx := context.Background()
	for _, lv := range []struct{ lang, view string }{{"en", ReviewerView(0)}, {"en", ViewDrift}, {"fr", ReviewerView(0)}, {"fr", ViewDrift}} {
		r, view := renderer{now: t0, loc: time.UTC, l: lang(lv.lang)}, lv.view
		pages := pageCount(len(viewItems(view, items)))
		if pages != 30 {
			t.Fatalf("%s: %d pages for 300 items", view, pages)
		}
		for p := range pages {
			m, got := r.Page(c, view, items, p)
			if got != p {
				t.Fatalf("page %d rendered as %d", p, got)
			}
			out, err := slackbot.RenderMessage(m)
			if err != nil {
				t.Fatalf("%s page %d: %v", view, p, err)
			}
			if len(out.Blocks) > maxBlocks {
				t.Fatalf("%s page %d: %d blocks", view, p, len(out.Blocks))
			}
			// A page must never lose blocks to the renderer's cap.
			if len(out.Blocks) != len(m.Blocks) {
				t.Fatalf("%s page %d: renderer dropped blocks (%d of %d)", view, p, len(out.Blocks), len(m.Blocks))
			}
			for _, b := range m.Blocks {
				if s, ok := b.(*bot.Section); ok && len([]rune(s.Text.String())) > 3000 {
					t.Fatalf("%s page %d: section of %d characters", view, p, len([]rune(s.Text.String())))
				}
				if a, ok := b.(*bot.Actions); ok {
					for _, e := range a.Elements {
						if btn, ok := e.(*bot.Button); ok {
							if _, err := ParseValue(btn.Value); err != nil {
								t.Fatalf("button value %q does not parse: %v", btn.Value, err)
							}
						}
					}
				}
			}
			if _, err := sender.Post(ctx, "CADMIN", m); err != nil {
				t.Fatalf("%s page %d refused by Slack: %v", view, p, err)
			}
		}
	}
	if n := len(fake.Messages()); n != 120 {
		t.Fatalf("fake accepted %d messages", n)
	}
}

func TestPageClamps(t *testing.T) {
	c, items := sampleCampaign()
	r := renderer{now: t0, loc: time.UTC, l: lang("en")}
	if _, p := r.Page(c, ReviewerView(0), items, 99); p != 0 {
		t.Fatalf("page %d", p)
	}
	m, _ := r.Page(c, ReviewerView(7), items, 0)
	if !strings.Contains(m.Text.String(), "0 of 0") {
		t.Fatalf("empty view: %q", m.Text.String())
	}
	if PageSize*blocksPerItem+fixedBlocks > maxBlocks {
		t.Fatalf("page size %d breaks the block budget", PageSize)
	}
}

// TestRevokeFailureInTheReadersLanguage: why a revoke could not go
// ahead is shown in the page's language when the decision keeps its
// message id, and as recorded (English) for decisions stored before.
func TestRevokeFailureInTheReadersLanguage(t *testing.T) {
	c, items := sampleCampaign()
	it := &items[0]
	it.Decision = &reviews.Decision{Verdict: reviews.Revoke, By: approvals.Actor{Email: "ann@example.com"}, At: t0,
		Failure:     `gil@example.com holds agent through user group "All Staff", which is not marked as used for Dynamic Chat only; …`,
		FailureKey:  "reviewpage.failure.shared_group",
		FailureArgs: map[string]string{"Email": "gil@example.com", "Package": "agent", "Groups": `"All Staff"`}}
	page := func(name string) string {
		m, _ := renderer{now: t0, loc: time.UTC, l: lang(name)}.Page(c, ReviewerView(0), items, 0)
		r, err := slackbot.RenderMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(r)
		return string(data)
	}
	if got := page("fr"); !strings.Contains(got, "détient agent par le groupe d’utilisateurs") || strings.Contains(got, "which is not marked") {
		t.Fatalf("French page: %s", got)
	}
	if got := page("en"); !strings.Contains(got, "which is not marked as used for Dynamic Chat only") {
		t.Fatalf("English page: %s", got)
	}
	it.Decision.FailureKey, it.Decision.FailureArgs = "", nil
	if got := page("fr"); !strings.Contains(got, "which is not marked as used") {
		t.Fatalf("older decision: %s", got)
	}
}

// TestSnapshotNotesInTheReadersLanguage: a note taken with the
// snapshot (Marketo could not be read) is on the drift report in the
// reader's language, its vendor cause nested; a note stored before
// notes had ids keeps its English.
func TestSnapshotNotesInTheReadersLanguage(t *testing.T) {
	c, items := sampleCampaign()
	english := `Marketo (instance "emea") could not be read, so roles were not compared: Marketo did not answer`
	c.Notes = []string{english}
	c.NoteSentences = []approvals.Sentence{approvals.Say(english, "reviewnote.marketo_unreadable_on",
		map[string]string{"Instance": `"emea"`, "Cause": "Marketo did not answer"})}
	page := func(name string) string {
		m, _ := renderer{now: t0, loc: time.UTC, l: lang(name)}.Page(c, ViewDrift, items, 0)
		r, err := slackbot.RenderMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(r)
		return string(data)
	}
	if got := page("fr"); !strings.Contains(got, "n’a pas pu être lu, les rôles n’ont donc pas été comparés") || strings.Contains(got, "could not be read") {
		t.Fatalf("French drift report: %s", got)
	}
	if got := page("en"); !strings.Contains(got, "could not be read, so roles were not compared") {
		t.Fatalf("English drift report: %s", got)
	}
	c.NoteSentences = nil
	if got := page("fr"); !strings.Contains(got, "could not be read, so roles were not compared") {
		t.Fatalf("older campaign: %s", got)
	}
}
