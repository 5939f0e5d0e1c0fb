package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/store"
)

type posted struct {
	mu    sync.Mutex
	texts []string
	err   error
}

func (p *posted) AlertAdmins(_ context.Context, text string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.texts = append(p.texts, text)
	return p.err
}

// TestCheckpointerWritesWhenTheChainMoved: one checkpoint per slot
// across replicas, none when the chain has not moved, each in the log
// and the admin channel in a form audit verify reads back.
func TestCheckpointerWritesWhenTheChainMoved(t *testing.T) {
	l := newAuditLedger(t)
	st := l.store(store.WithAuditKey(auditKey))
	ctx := context.Background()
	var logs bytes.Buffer
	post := &posted{}
	now := auditTime
	cfg := store.CheckpointConfig{Interval: time.Hour, Poster: post, Holder: "r1", Now: func() time.Time { return now }, Logger: zerolog.New(&logs)}
	a := st.NewCheckpointer(cfg)
	cfg.Holder = "r2"
	b := l.store(store.WithAuditKey(auditKey)).NewCheckpointer(cfg)

	if _, wrote, err := a.Once(ctx); err != nil || wrote {
		t.Fatalf("empty trail: wrote %v, %v", wrote, err)
	}
	now = now.Add(time.Hour)
	l.write(st, 2)
	cp, wrote, err := a.Once(ctx)
	if err != nil || !wrote || cp.Count != 4 {
		t.Fatalf("first checkpoint: %+v wrote %v, %v", cp, wrote, err)
	}
	if _, wrote, _ := b.Once(ctx); wrote {
		t.Fatal("a second replica wrote the same slot")
	}
	now = now.Add(time.Hour)
	if _, wrote, _ := b.Once(ctx); wrote {
		t.Fatal("a checkpoint was written although the chain did not move")
	}
	l.write(st, 1)
	now = now.Add(time.Hour)
	if cp2, wrote, err := b.Once(ctx); err != nil || !wrote || cp2.Count != 6 {
		t.Fatalf("second checkpoint: %+v wrote %v, %v", cp2, wrote, err)
	}

	if len(post.texts) != 2 || !strings.Contains(post.texts[0], cp.String()) {
		t.Fatalf("admin channel got %q; want two posts, the first holding %q", post.texts, cp.String())
	}
	var fromLog []store.Checkpoint
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["message"] != "audit checkpoint" {
			continue
		}
		if rec["component"] != "audit" || rec["audit_entries"] == nil {
			t.Fatalf("checkpoint log line lacks its fields: %s", line)
		}
		cps, err := store.ParseCheckpoints(line)
		if err != nil {
			t.Fatal(err)
		}
		fromLog = append(fromLog, cps...)
	}
	if len(fromLog) != 2 {
		t.Fatalf("found %d checkpoints in the log; want 2:\n%s", len(fromLog), logs.String())
	}
	if res := verify(t, st, fromLog...); !res.OK() {
		t.Fatalf("the logged checkpoints do not verify: %+v", res)
	}
	wholeLog, _ := store.ParseCheckpoints(logs.String())
	postsText, _ := store.ParseCheckpoints(strings.Join(post.texts, "\n"))
	if len(wholeLog) != 2 || len(postsText) != 2 {
		t.Fatalf("parsed %d from the whole log and %d from the posts", len(wholeLog), len(postsText))
	}
}

// TestCheckpointerPostFailureKeepsTheLogLine: the log line is written
// even when the admin channel cannot be reached, and the error comes
// back to Run, which logs it.
func TestCheckpointerPostFailureKeepsTheLogLine(t *testing.T) {
	l := newAuditLedger(t)
	st := l.store(store.WithAuditKey(auditKey))
	l.write(st, 1)
	var logs bytes.Buffer
	post := &posted{err: errors.New("not_in_channel")}
	c := st.NewCheckpointer(store.CheckpointConfig{Poster: post, Holder: "r1", Now: func() time.Time { return auditTime }, Logger: zerolog.New(&logs)})
	_, wrote, err := c.Once(context.Background())
	if !wrote || err == nil || !strings.Contains(err.Error(), "not_in_channel") {
		t.Fatalf("wrote %v, err %v; want written with the post error", wrote, err)
	}
	if cps, err := store.ParseCheckpoints(logs.String()); err != nil || len(cps) != 1 {
		t.Fatalf("log holds %d checkpoints, %v:\n%s", len(cps), err, logs.String())
	}
}

// TestCheckpointerStartupWarnings: Run says what is wrong with the key
// once at start: none set, none set on a keyed chain, or a key other
// than the chain's.
func TestCheckpointerStartupWarnings(t *testing.T) {
	slot := auditTime
	run := func(t *testing.T, st *store.Store) string {
		t.Helper()
		slot = slot.Add(time.Hour) // each run its own checkpoint slot
		now := slot
		var logs bytes.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			done <- st.NewCheckpointer(store.CheckpointConfig{Holder: "r1", Now: func() time.Time { return now }, Logger: zerolog.New(&logs)}).Run(ctx)
		}()
		time.Sleep(200 * time.Millisecond)
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("run: %v", err)
		}
		return logs.String()
	}
	l := newAuditLedger(t)
	if got := run(t, l.store()); !strings.Contains(got, "AUDIT_KEY is not set") || !strings.Contains(got, `"level":"warn"`) {
		t.Fatalf("no key: %s", got)
	}
	l.write(l.store(store.WithAuditKey(auditKey)), 1)
	if got := run(t, l.store()); !strings.Contains(got, "the audit chain is keyed but AUDIT_KEY is not set") {
		t.Fatalf("keyed chain, no key: %s", got)
	}
	if got := run(t, l.store(store.WithAuditKey(otherKey))); !strings.Contains(got, "AUDIT_KEY differs") || !strings.Contains(got, otherKey.ID()) {
		t.Fatalf("other key: %s", got)
	}
	if got := run(t, l.store(store.WithAuditKey(auditKey))); strings.Contains(got, `"level":"error"`) || !strings.Contains(got, "audit checkpoint") {
		t.Fatalf("right key: %s", got)
	}
}

// sentencePosted records sentences, as the admin channel's poster in
// serve does (commands.Handler.AlertAdminsSentence).
type sentencePosted struct {
	posted
	sentences []approvals.Sentence
}

func (p *sentencePosted) AlertAdminsSentence(_ context.Context, s approvals.Sentence) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sentences = append(p.sentences, s)
	return nil
}

// TestCheckpointPostedInTheChannelsLanguage: the checkpoint goes to the
// admin channel as a sentence with its message id, so a French channel
// reads it in French, and the line admins keep still reads back.
func TestCheckpointPostedInTheChannelsLanguage(t *testing.T) {
	l := newAuditLedger(t)
	st := l.store(store.WithAuditKey(auditKey))
	ctx := context.Background()
	post := &sentencePosted{}
	now := auditTime
	c := st.NewCheckpointer(store.CheckpointConfig{Interval: time.Hour, Poster: post, Holder: "r1", Now: func() time.Time { return now }, Logger: zerolog.Nop()})
	l.write(st, 1)
	if _, wrote, err := c.Once(ctx); err != nil || !wrote {
		t.Fatalf("checkpoint: wrote %v, %v", wrote, err)
	}
	if len(post.sentences) != 1 || len(post.texts) != 0 {
		t.Fatalf("sentences %+v, texts %q", post.sentences, post.texts)
	}
	s := post.sentences[0]
	fr := i18n.MustLoad().Lang("fr").Sentence(s.Key, s.Args, s.Text).String()
	if !strings.Contains(fr, "point de contrôle de l’audit") {
		t.Fatalf("French checkpoint: %q", fr)
	}
	if cps, err := store.ParseCheckpoints(fr); err != nil || len(cps) != 1 {
		t.Fatalf("the French post does not read back: %v %v", cps, err)
	}
}
