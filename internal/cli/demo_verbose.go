//go:build !nodemo

package cli

import (
	"encoding/json"
	"slices"
	"strings"
)

// showChanges prints, for --verbose, what changed in the chats since
// the last call: a new message in full, then only the lines of it that
// change.
func (d *demo) showChanges(msgs []shown) {
	for _, m := range msgs {
		seen, ok := d.printed[m.key]
		if ok && seen == m.edits {
			continue
		}
		d.printed[m.key] = m.edits
		where := d.tag(m.platform) + d.cast.ChannelName(m.place)
		if m.personal {
			where = d.tag(m.platform) + dmWord(m.platform) + " to " + d.cast.Name(m.place)
		}
		if !ok {
			d.say("      | %s, posted:", where)
			for _, l := range m.lines {
				d.say("      |   %s", l)
			}
		} else {
			prev := d.lines[m.key]
			for _, l := range m.lines {
				if !slices.Contains(prev, l) {
					d.say("      | %s, changed: %s", where, l)
				}
			}
		}
		d.lines[m.key] = m.lines
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
