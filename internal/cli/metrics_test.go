package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/teamsbot"
	"github.com/chataccess/chataccess/commands"
	"github.com/chataccess/chataccess/internal/metrics"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/workers"
)

// TestServeMetrics scrapes /metrics of serve's app after a real request
// went through Slack, two approvals and provisioning: the scrape passes
// promlint, the counters moved with the right labels, and no label names
// a person, a request or free text.
func TestServeMetrics(t *testing.T) {
	w := newFieldWorld(t)
	ctx := context.Background()
	const target = "carol.metrics@example.com"
	if text, _ := w.command(fieldLead, "add "+target+" agent 30d \"covering EMEA\""); !strings.Contains(text, "sent") {
		t.Fatalf("command: %q", text)
	}
	r := w.lastRequest(ctx)
	w.click(fieldAnn, commands.ActionApprove, r.ID, w.card("D"+fieldAnn, r.ID))
	w.click(fieldBen, commands.ActionApprove, r.ID, w.card("D"+fieldBen, r.ID))
	w.wait(60*time.Second, r.ID+" completed", func() bool {
		got, err := w.st.Get(ctx, r.ID)
		if err == nil && got.State == approvals.StateFailed {
			t.Fatalf("%s failed: %s", r.ID, got.Failure)
		}
		return err == nil && got.State == approvals.StateCompleted
	})

	// The ledger gauges are read at most every few seconds; wait for a
	// scrape that has seen the completion.
	var mfs map[string]*dto.MetricFamily
	w.wait(15*time.Second, "a scrape that counts the completed request", func() bool {
		mfs = scrape(t, w.url+"/metrics")
		return value(mfs, "chataccess_requests", "state", "completed") >= 1
	})

	list := make([]*dto.MetricFamily, 0, len(mfs))
	for _, mf := range mfs {
		list = append(list, mf)
	}
	problems, err := promlint.NewWithMetricFamilies(list).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}

	for _, c := range []struct {
		name   string
		labels []string
		min    float64
	}{
		{"chataccess_build_info", nil, 1},
		{"chataccess_redis_up", nil, 1},
		{"chataccess_provisioning_steps_total", []string{"system", "adobe", "kind", "add", "result", "succeeded"}, 1},
		{"chataccess_provisioning_steps_total", []string{"system", "marketo", "kind", "add", "result", "succeeded"}, 1},
		{"chataccess_provisioning_executions_total", []string{"kind", "add", "outcome", "completed"}, 1},
		{"chataccess_vendor_calls_total", []string{"vendor", "adobe", "operation", "umapi.action", "outcome", "ok"}, 1},
		{"chataccess_vendor_calls_total", []string{"vendor", "marketo", "operation", "add_role", "outcome", "ok"}, 1},
		{"chataccess_ratelimit_slots_taken_total", []string{"vendor", "adobe", "limit", "action"}, 1},
		{"chataccess_ratelimit_slots_taken_total", []string{"vendor", "marketo", "limit", "calls"}, 1},
		{"chataccess_approvals_timeout_seconds", []string{"package", "agent"}, 1},
		{"chataccess_audit_entries", nil, 4}, // submitted, two approvals, started, completed
		{"chataccess_queue_processed_tasks_total", nil, 1},
		{"chataccess_slack_requests_total", []string{"endpoint", "commands", "outcome", "ok"}, 1},
	} {
		if got := value(mfs, c.name, c.labels...); got < c.min {
			t.Errorf("%s%v = %v, want at least %v", c.name, c.labels, got, c.min)
		}
	}
	for _, name := range []string{"chataccess_ready", "chataccess_outbox_lag_seconds", "chataccess_queue_tasks", "chataccess_approvals_oldest_pending_age_seconds",
		"chataccess_outbox_dead_letters", "chataccess_reviews_open", "go_goroutines", "process_resident_memory_bytes"} {
		if mfs[name] == nil {
			t.Errorf("the scrape has no %s", name)
		}
	}
	labelsBounded(t, mfs, []string{target, fieldLeadMail, "ann@example.com", "ben@example.com"}, r.ID)

	// Every family serve exposes is one the deploy files may name.
	known := registeredNames()
	for name := range mfs {
		if strings.HasPrefix(name, "chataccess_") && !known[name] {
			t.Errorf("%s is scraped but not in registeredNames: add its collector there", name)
		}
	}
}

// labelsBounded fails on any label value that names a person, a
// request or free text, and on any family with more than 200 series.
func labelsBounded(t *testing.T, mfs map[string]*dto.MetricFamily, emails []string, requestID string) {
	t.Helper()
	words := []string{requestID}
	for _, e := range emails {
		local, _, _ := strings.Cut(e, "@")
		words = append(words, e, local)
	}
	for name, mf := range mfs {
		if n := len(mf.GetMetric()); n > 200 {
			t.Errorf("%s has %d series", name, n)
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				v := lp.GetValue()
				if lp.GetName() == "version" || lp.GetName() == "goversion" || lp.GetName() == "revision" {
					continue
				}
				bad := strings.ContainsAny(v, "@ ") || len(v) > 48 || regexp.MustCompile(`^DC-\d+$`).MatchString(v)
				for _, w := range words {
					bad = bad || strings.Contains(strings.ToLower(v), strings.ToLower(w))
				}
				if bad {
					t.Errorf("%s{%s=%q}: a label that names a person, a request or free text", name, lp.GetName(), v)
				}
			}
		}
	}
}

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse the scrape: %v", err)
	}
	return mfs
}

// value sums the samples of name whose labels include labels.
func value(mfs map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	var sum float64
	for _, m := range mfs[name].GetMetric() {
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			ok = ok && slices.ContainsFunc(m.GetLabel(), func(lp *dto.LabelPair) bool {
				return lp.GetName() == labels[i] && lp.GetValue() == labels[i+1]
			})
		}
		if !ok {
			continue
		}
		sum += m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue() + float64(m.GetHistogram().GetSampleCount())
	}
	return sum
}

// describer is a Registerer that keeps the names of what is registered
// on it, series or not: the families a registry can expose.
type describer map[string]bool

var fqNameRE = regexp.MustCompile(`fqName: "([^"]+)"`)

func (d describer) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 64)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		if m := fqNameRE.FindStringSubmatch(desc.String()); m != nil {
			d[m[1]] = true
		}
	}
	return nil
}

func (d describer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = d.Register(c)
	}
}

func (d describer) Unregister(prometheus.Collector) bool { return false }

// registeredNames are the families serve registers (newApp, the Slack
// sender, the Teams adapter, watchState), whether or not they have
// series yet.
func registeredNames() map[string]bool {
	d := describer{}
	d.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(d, metrics.Options{})
	m.WatchLedger((*store.Store)(nil), metrics.LedgerConfig{})
	m.WatchQueue((*workers.Queue)(nil))
	m.WatchReady(func(context.Context) error { return nil })
	slackbot.NewMetrics(d)
	teamsbot.NewMetrics(d)
	return d
}

// ruleFile is the Prometheus rule file format, strictly.
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

var (
	metricNameRE = regexp.MustCompile(`\b((?:chataccess|go|process)_[a-z0-9_]+|chataccess:[a-z0-9_:]+)\b`)
	durationRE   = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)
	labelRefRE   = regexp.MustCompile(`\$labels\.([a-z_]+)`)
)

// TestAlertRules checks deploy/prometheus/chataccess-rules.yaml: strict
// rule-file structure, expressions that name only metrics serve
// registers (or the file's own recording rules), balanced brackets,
// durations, a severity and the annotations an on-call person needs on
// every alert (its runbook link pointing at a section of
// docs/operations.md), and an alert for each failure the issue lists.
// `make lint-deploy` also runs promtool check rules and its unit tests.
func TestAlertRules(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/prometheus/chataccess-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	var f ruleFile
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("rule file: %v", err)
	}
	known, anchors := registeredNames(), docAnchors(t)
	records, alerts := map[string]bool{}, map[string]bool{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				records[r.Record] = true
			}
		}
	}
	for _, g := range f.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: a name and rules", g.Name)
		}
		for _, r := range g.Rules {
			name := r.Alert + r.Record
			if (r.Alert == "") == (r.Record == "") || strings.TrimSpace(r.Expr) == "" {
				t.Errorf("%s: one of alert or record, and an expr", name)
			}
			if !balanced(r.Expr) {
				t.Errorf("%s: unbalanced brackets in %q", name, r.Expr)
			}
			for _, m := range metricNameRE.FindAllString(r.Expr, -1) {
				if !known[baseName(m, known)] && !records[m] {
					t.Errorf("%s: %s is not a metric serve exposes", name, m)
				}
			}
			if r.For != "" && !durationRE.MatchString(r.For) {
				t.Errorf("%s: for %q is not a duration", name, r.For)
			}
			if r.Record != "" {
				if !strings.Contains(r.Record, ":") || r.For != "" || len(r.Annotations) > 0 {
					t.Errorf("%s: a recording rule is level:metric:operations, without for or annotations", name)
				}
				continue
			}
			if alerts[r.Alert] {
				t.Errorf("alert %s twice", r.Alert)
			}
			alerts[r.Alert] = true
			if !slices.Contains([]string{"critical", "warning", "info"}, r.Labels["severity"]) {
				t.Errorf("%s: severity %q", name, r.Labels["severity"])
			}
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("%s: no %s", name, a)
				}
			}
			if _, anchor, _ := strings.Cut(r.Annotations["runbook_url"], "docs/operations.md#"); !anchors[anchor] {
				t.Errorf("%s: runbook %q is not a section of docs/operations.md", name, r.Annotations["runbook_url"])
			}
			for _, a := range r.Annotations {
				for _, ref := range labelRefRE.FindAllStringSubmatch(a, -1) {
					if !strings.Contains(r.Expr, ref[1]) && !strings.Contains(r.Expr, "chataccess:") {
						t.Errorf("%s: the annotation uses $labels.%s, which the expression does not keep", name, ref[1])
					}
				}
			}
		}
	}
	for _, want := range []string{"ChataccessProvisioningFailed", "ChataccessDeadLetters", "ChataccessOutboxLagging", "ChataccessApprovalOverdue",
		"ChataccessRedisDown", "ChataccessNotReady", "ChataccessDown", "ChataccessVendor429Storm", "ChataccessAuditCheckpointMissing"} {
		if !alerts[want] {
			t.Errorf("no alert %s", want)
		}
	}

	// The unit test file names this rule file and tests every alert.
	raw, err = os.ReadFile("../../deploy/prometheus/chataccess-rules_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tests struct {
		RuleFiles []string `yaml:"rule_files"`
		Tests     []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(raw, &tests); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tests.RuleFiles, []string{"chataccess-rules.yaml"}) {
		t.Errorf("rule tests load %v", tests.RuleFiles)
	}
	tested := map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			tested[a.Alertname] = true
		}
	}
	for a := range alerts {
		if !tested[a] {
			t.Errorf("no unit test of %s in chataccess-rules_test.yaml", a)
		}
	}
}

// TestGrafanaDashboard checks deploy/grafana/chataccess.json: it parses,
// every panel queries the datasource variable with at least one
// expression, and every expression names only metrics serve registers.
func TestGrafanaDashboard(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/grafana/chataccess.json")
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	var dash struct {
		UID    string            `json:"uid"`
		Title  string            `json:"title"`
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Error("the dashboard needs a uid and a title")
	}
	known, ids, queries := registeredNames(), map[int]bool{}, 0
	var walk func([]json.RawMessage)
	walk = func(raws []json.RawMessage) {
		for _, r := range raws {
			var p panel
			if err := json.Unmarshal(r, &p); err != nil {
				t.Fatal(err)
			}
			if ids[p.ID] {
				t.Errorf("panel id %d twice", p.ID)
			}
			ids[p.ID] = true
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
				t.Errorf("panel %q: the ${datasource} variable and at least one query", p.Title)
			}
			for _, tg := range p.Targets {
				queries++
				names := metricNameRE.FindAllString(tg.Expr, -1)
				if len(names) == 0 || !balanced(tg.Expr) {
					t.Errorf("panel %q: %q names no metric or has unbalanced brackets", p.Title, tg.Expr)
				}
				for _, m := range names {
					if !known[baseName(m, known)] {
						t.Errorf("panel %q: %s is not a metric serve exposes", p.Title, m)
					}
				}
			}
		}
	}
	walk(dash.Panels)
	if queries < 30 {
		t.Errorf("%d queries; the dashboard lost panels", queries)
	}
}

// baseName strips a histogram's series suffix when the family is known.
func baseName(m string, known map[string]bool) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if b, ok := strings.CutSuffix(m, suffix); ok && known[b] {
			return b
		}
	}
	return m
}

// balanced reports whether (), [] and {} nest in s, outside quotes.
func balanced(s string) bool {
	var stack []rune
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'' || r == '`':
			quote = r
		case strings.ContainsRune("([{", r):
			stack = append(stack, r)
		case strings.ContainsRune(")]}", r):
			if len(stack) == 0 || stack[len(stack)-1] != map[rune]rune{')': '(', ']': '[', '}': '{'}[r] {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) == 0 && quote == 0
}

// docAnchors are the GitHub anchors of the headings of docs/operations.md.
func docAnchors(t *testing.T) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		h, ok := strings.CutPrefix(line, "#")
		if !ok {
			continue
		}
		h = strings.ToLower(strings.TrimSpace(strings.TrimLeft(h, "#")))
		var b strings.Builder
		for _, r := range h {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
				b.WriteRune(r)
			}
		}
		out[b.String()] = true
	}
	return out
}
