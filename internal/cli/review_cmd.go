package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/store"
)

// runReview is "chataccess review export <id> --format csv|json".
func runReview(ctx context.Context, env Env, args []string) error {
	return subcommand(ctx, env, args, "review", map[string]func(context.Context, Env, []string) error{
		"export": runReviewExport,
	})
}

func runReviewExport(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "review export", "review export <id> [--config FILE] [--format csv|json]")
	path := fs.String("config", DefaultConfigPath, "policy file (for the Redis key prefix)")
	format := fs.String("format", "csv", "output format: csv or json (one object per line)")
	// The id may come before or after the flags.
	var raw string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		raw, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if raw == "" && fs.NArg() == 1 {
		raw = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "chataccess review export: unexpected arguments %q\n", fs.Args())
		return errUsage
	}
	if raw == "" {
		fs.Usage()
		return errUsage
	}
	id, err := reviews.ParseID(raw)
	if err != nil {
		fmt.Fprintf(env.Stderr, "chataccess review export: %q is not a review id (want R-<number>)\n", raw)
		return errUsage
	}
	if *format != "csv" && *format != "json" {
		fmt.Fprintf(env.Stderr, "chataccess review export: --format must be csv or json, not %q\n", *format)
		return errUsage
	}
	st, closeFn, err := openStore(ctx, env, *path)
	if err != nil {
		return err
	}
	defer closeFn()
	return exportReview(ctx, st, id, *format, env.Stdout)
}

// reviewRow is one exported item: its decision, decider and time, and
// the evidence the reviewer saw.
type reviewRow struct {
	Review         string `json:"review"`
	Item           int    `json:"item"`
	Package        string `json:"package"`
	Email          string `json:"email"`
	Name           string `json:"name,omitempty"`
	Decision       string `json:"decision"`
	Decider        string `json:"decider,omitempty"`
	DecidedAt      string `json:"decided_at,omitempty"`
	Automatic      bool   `json:"automatic,omitempty"`
	RemoveRequest  string `json:"remove_request,omitempty"`
	RevokeFailure  string `json:"revoke_failure,omitempty"`
	Reviewers      string `json:"reviewers,omitempty"`
	Profiles       string `json:"admin_console_profiles,omitempty"`
	MarketoRole    bool   `json:"marketo_role"`
	MarketoAdmin   bool   `json:"marketo_admin"`
	LastLogin      string `json:"last_login,omitempty"`
	GrantedAt      string `json:"granted_at,omitempty"`
	GrantedUntil   string `json:"granted_until,omitempty"`
	ApprovedBy     string `json:"approved_by,omitempty"`
	RequestedBy    string `json:"requested_by,omitempty"`
	GrantRequest   string `json:"grant_request,omitempty"`
	Adopted        bool   `json:"adopted,omitempty"`
	Justification  string `json:"justification,omitempty"`
	Drift          string `json:"drift,omitempty"`
	Fix            string `json:"fix,omitempty"`
	FixBy          string `json:"fix_by,omitempty"`
	FixAt          string `json:"fix_at,omitempty"`
	FixRequest     string `json:"fix_request,omitempty"`
	CampaignStatus string `json:"campaign_status"`
}

var reviewColumns = []string{"review", "item", "package", "email", "name", "decision", "decider", "decided_at", "automatic",
	"remove_request", "revoke_failure", "reviewers", "admin_console_profiles", "marketo_role", "marketo_admin", "last_login",
	"granted_at", "granted_until", "approved_by", "requested_by", "grant_request", "adopted", "justification", "drift",
	"fix", "fix_by", "fix_at", "fix_request", "campaign_status"}

func (r reviewRow) record() []string {
	b := strconv.FormatBool
	return []string{r.Review, strconv.Itoa(r.Item), r.Package, r.Email, r.Name, r.Decision, r.Decider, r.DecidedAt, b(r.Automatic),
		r.RemoveRequest, r.RevokeFailure, r.Reviewers, r.Profiles, b(r.MarketoRole), b(r.MarketoAdmin), r.LastLogin,
		r.GrantedAt, r.GrantedUntil, r.ApprovedBy, r.RequestedBy, r.GrantRequest, b(r.Adopted), r.Justification, r.Drift,
		r.Fix, r.FixBy, r.FixAt, r.FixRequest, r.CampaignStatus}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func rowOf(c *reviews.Campaign, it reviews.Item) reviewRow {
	r := reviewRow{Review: c.ID, Item: it.Index, Package: it.Package, Email: it.Email, Name: it.Name, Decision: "unreviewed",
		Profiles: strings.Join(it.Profiles, "; "), MarketoRole: it.InMarketo, MarketoAdmin: it.MarketoAdmin,
		LastLogin: stamp(it.LastLogin), CampaignStatus: string(c.Status)}
	var who []string
	for _, a := range it.Assignees {
		if a >= 0 && a < len(c.Reviewers) {
			who = append(who, c.Reviewers[a].Label())
		}
	}
	r.Reviewers = strings.Join(who, "; ")
	if d := it.Decision; d != nil {
		r.Decision, r.Decider, r.DecidedAt, r.Automatic = string(d.Verdict), d.By.Label(), stamp(d.At), d.Auto
		r.RemoveRequest, r.RevokeFailure = d.RequestID, d.Failure
	}
	if g := it.Grant; g != nil {
		r.GrantedAt, r.GrantedUntil, r.ApprovedBy = stamp(g.Since), stamp(g.Until), strings.Join(g.ApprovedBy, "; ")
		r.RequestedBy, r.GrantRequest, r.Adopted, r.Justification = g.Requester, g.RequestID, g.Adopted, g.Justification
	}
	drift := make([]string, len(it.Findings))
	for i, k := range it.Findings {
		drift[i] = string(k)
	}
	r.Drift = strings.Join(drift, "; ")
	if f := it.Fix; f != nil {
		r.Fix, r.FixBy, r.FixAt, r.FixRequest = string(f.Action), f.By.Label(), stamp(f.At), f.RequestID
	}
	return r
}

// exportReview writes one row per item of campaign id.
func exportReview(ctx context.Context, st *store.Store, id, format string, w io.Writer) error {
	c, err := st.Review(ctx, id)
	if err != nil {
		return err
	}
	items, err := st.ReviewItems(ctx, id)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		for _, it := range items {
			if err := enc.Encode(rowOf(c, it)); err != nil {
				return err
			}
		}
		return nil
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(reviewColumns)
	for _, it := range items {
		if err := cw.Write(rowOf(c, it).record()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// reviewSchedules translates the config's review schedules for
// reviews.New (the composition root calls it).
func reviewSchedules(in []config.ReviewSchedule) []reviews.Schedule {
	out := make([]reviews.Schedule, len(in))
	for i, s := range in {
		out[i] = reviews.Schedule{
			Name: s.Name, Packages: s.Packages, Spec: s.Spec, Location: s.Location, Reviewers: s.Reviewers,
			Deadline: s.Deadline, ReminderInterval: s.ReminderInterval, OnNoResponse: reviews.NoResponse(s.OnNoResponse),
		}
	}
	return out
}
