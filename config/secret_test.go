package config_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/internal/logging"
)

const plain = "xoxb-1234-never-print-me"

// holder has the secret in exported, unexported, pointer and nested
// fields, the ways a struct ends up in a log line.
type holder struct {
	Token   config.Secret
	hidden  config.Secret
	Ptr     *config.Secret
	Env     config.Env
	Nested  struct{ S config.Secret }
	Slice   []config.Secret
	Mapping map[string]config.Secret
}

func newHolder() holder {
	s := config.NewSecret(plain)
	h := holder{Token: s, hidden: s, Ptr: &s, Slice: []config.Secret{s}, Mapping: map[string]config.Secret{"k": s}}
	h.Env.SlackBotToken = s
	h.Env.RedisURL = s
	h.Nested.S = s
	return h
}

func TestSecretNeverPrints(t *testing.T) {
	s := config.NewSecret(plain)
	h := newHolder()
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%T"} {
		out = append(out, fmt.Sprintf(verb, s), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h))
	}
	out = append(out, fmt.Sprint(s, h), fmt.Sprintln(s, h), s.String(), s.GoString())
	for _, v := range []any{s, h, &h, h.Env} {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		y, err := yaml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(j), string(y))
	}
	txt, _ := s.MarshalText()
	out = append(out, string(txt))

	// zerolog, as the rest of chataccess logs.
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	log.Info().Interface("holder", h).Any("env", h.Env).Stringer("token", s).Msgf("token %v holder %+v", s, h)
	log.Info().Fields(map[string]any{"token": s, "holder": h}).Msg("fields")
	log.Info().Object("ctx", zerologObj{h}).Msg("object")
	out = append(out, buf.String())

	all := strings.Join(out, "\n")
	if strings.Contains(all, "never-print-me") {
		t.Fatalf("secret printed:\n%s", all)
	}
	if !strings.Contains(all, config.Redacted) {
		t.Fatalf("no redaction marker:\n%s", all)
	}
	if s.Reveal() != plain {
		t.Fatal("Reveal lost the value")
	}
}

// TestSecretLoggedRedacted logs a Secret the ways chataccess's logger
// takes a value and decodes each JSON line: every field is "<secret>".
func TestSecretLoggedRedacted(t *testing.T) {
	s := config.NewSecret(plain)
	var buf bytes.Buffer
	log := logging.New(&buf, false, "debug")
	log.Info().Interface("v", s).Msg("interface")
	log.Info().Any("v", s).Msg("any")
	log.Info().Stringer("v", s).Msg("stringer")
	log.Info().Fields(map[string]any{"v": s}).Msg("fields map")
	log.Info().Fields([]any{"v", s}).Msg("fields list")
	log.Info().Str("v", fmt.Sprint(s)).Msg("sprint")
	withSecret := log.With().Interface("v", s).Logger()
	withSecret.Info().Msg("context")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	for _, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if m["v"] != config.Redacted {
			t.Errorf("%s: v = %v, want %q", m["message"], m["v"], config.Redacted)
		}
	}
	if strings.Contains(buf.String(), "never-print-me") {
		t.Fatalf("secret printed:\n%s", buf.String())
	}
}

type zerologObj struct{ h holder }

func (o zerologObj) MarshalZerologObject(e *zerolog.Event) {
	e.Interface("h", o.h).Str("s", o.h.Token.String())
}

func TestSecretEmpty(t *testing.T) {
	var s config.Secret
	if s.IsSet() || s.Reveal() != "" || s.String() != "" || fmt.Sprintf("%q", s) != `""` {
		t.Errorf("empty secret prints %q", s.String())
	}
	if j, _ := json.Marshal(s); string(j) != `""` {
		t.Errorf("json %s", j)
	}
	if config.NewSecret("").IsSet() {
		t.Error("NewSecret(\"\") is set")
	}
	if got := fmt.Sprintf("%v|%q", config.NewSecret("x"), config.NewSecret("x")); got != `<secret>|"<secret>"` {
		t.Errorf("got %s", got)
	}
}

// TestConfigPrintsNoSecret prints a loaded Config, env included.
func TestConfigPrintsNoSecret(t *testing.T) {
	file := writeFile(t, "tok", plain+"\n")
	cfg, err := config.Parse([]byte(minimal), envOf(map[string]string{
		"SLACK_BOT_TOKEN_FILE": file, "SLACK_SIGNING_SECRET": "sign-never-print-me",
		"REDIS_URL": "redis://:never-print-me@localhost:6379",
	}))
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(cfg)
	y, _ := yaml.Marshal(cfg)
	all := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg) + string(j) + string(y)
	if strings.Contains(all, "never-print-me") {
		t.Fatalf("secret printed:\n%s", all)
	}
	if cfg.Env.SlackBotToken.Reveal() != plain {
		t.Fatal("token not loaded")
	}
}
