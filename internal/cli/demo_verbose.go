//go:build !nodemo

package cli

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/chataccess/chataccess/internal/playground"
)

// showChanges prints, for --verbose, what changed in Slack since the
// last call: a new message in full, then only the lines of it that
// change.
func (d *demo) showChanges() {
	for _, m := range d.slack.Messages() {
		key := m.Channel + "/" + m.TS
		seen, ok := d.shown[key]
		if ok && seen == m.Edits {
			continue
		}
		d.shown[key] = m.Edits
		lines := d.linesOf(m)
		where := d.cast.ChannelName(m.Channel)
		if owner, dm := playground.DMOwner(m.Channel); dm {
			where = "DM to " + d.cast.Name(owner)
		}
		if !ok {
			d.say("      | %s, posted:", where)
			for _, l := range lines {
				d.say("      |   %s", l)
			}
		} else {
			prev := d.lines[key]
			for _, l := range lines {
				if !slices.Contains(prev, l) {
					d.say("      | %s, changed: %s", where, l)
				}
			}
		}
		d.lines[key] = lines
	}
}

// blockLines renders Block Kit JSON as plain lines for the terminal.
func blockLines(blocks, fallback string) []string {
	var bs []map[string]any
	if blocks == "" || json.Unmarshal([]byte(blocks), &bs) != nil {
		return []string{oneLine(fallback)}
	}
	var out []string
	text := func(v any) string {
		if m, ok := v.(map[string]any); ok {
			s, _ := m["text"].(string)
			return s
		}
		return ""
	}
	for _, b := range bs {
		switch b["type"] {
		case "header", "section":
			if t := text(b["text"]); t != "" {
				out = append(out, strings.Split(unescape(t), "\n")...)
			}
			if fs, ok := b["fields"].([]any); ok {
				for _, f := range fs {
					out = append(out, strings.ReplaceAll(unescape(text(f)), "\n", " "))
				}
			}
		case "context":
			if es, ok := b["elements"].([]any); ok {
				var parts []string
				for _, e := range es {
					parts = append(parts, unescape(text(e)))
				}
				out = append(out, strings.Join(parts, " "))
			}
		case "actions":
			if es, ok := b["elements"].([]any); ok {
				var parts []string
				for _, e := range es {
					if m, ok := e.(map[string]any); ok {
						parts = append(parts, "["+text(m["text"])+"]")
					}
				}
				out = append(out, strings.Join(parts, " "))
			}
		}
	}
	return out
}

func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(unescape(s)), " ") }

func clipText(s string, n int) string {
	r := []rune(oneLine(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
