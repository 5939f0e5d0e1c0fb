package slackfake

import (
	"fmt"
	"unicode/utf8"
)

// Block Kit limits, from docs.slack.dev/reference/block-kit (blocks,
// block-elements, composition-objects) and the views reference. Written
// independently of the renderer's copy on purpose.
const (
	limitMessageBlocks = 50
	limitViewBlocks    = 100
	limitID            = 255
	limitMetadata      = 3000
	limitViewText      = 24
	limitText          = 3000
	limitFields        = 10
	limitField         = 2000
	limitHeader        = 150
	limitContextEls    = 10
	limitActionEls     = 25
	limitButtonText    = 75
	limitButtonValue   = 2000
	limitURL           = 3000
	limitOptions       = 100
	limitOptionText    = 75
	limitOptionValue   = 150
	limitOptionDesc    = 75
	limitPlaceholder   = 150
	limitLabel         = 2000
	limitInputLength   = 3000
	limitConfirmTitle  = 100
	limitConfirmText   = 300
	limitConfirmButton = 30
)

type obj = map[string]any

func str(o obj, k string) string { s, _ := o[k].(string); return s }

func arr(o obj, k string) []any { a, _ := o[k].([]any); return a }

func sub(o obj, k string) obj { m, _ := o[k].(obj); return m }

func n(s string) int { return utf8.RuneCountInString(s) }

type checker struct{ errs []string }

func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, args...))
}

func (c *checker) max(path, s string, limit int) {
	if n(s) > limit {
		c.fail(path, "%d characters, limit %d", n(s), limit)
	}
}

func (c *checker) text(path string, t obj, limit int, plainOnly bool) {
	if t == nil {
		c.fail(path, "missing text object")
		return
	}
	switch str(t, "type") {
	case "plain_text":
	case "mrkdwn":
		if plainOnly {
			c.fail(path, "must be plain_text")
		}
	default:
		c.fail(path, "bad text type %q", str(t, "type"))
	}
	s := str(t, "text")
	if s == "" {
		c.fail(path, "empty text")
	}
	c.max(path, s, limit)
}

// validateBlocks checks a blocks array; view says modal/home limits apply.
func validateBlocks(blocks []any, view bool) []string {
	c := &checker{}
	limit := limitMessageBlocks
	if view {
		limit = limitViewBlocks
	}
	if len(blocks) > limit {
		c.fail("blocks", "%d blocks, limit %d", len(blocks), limit)
	}
	ids := map[string]bool{}
	for i, raw := range blocks {
		p := fmt.Sprintf("blocks[%d]", i)
		b, ok := raw.(obj)
		if !ok {
			c.fail(p, "not an object")
			continue
		}
		if id := str(b, "block_id"); id != "" {
			c.max(p+".block_id", id, limitID)
			if ids[id] {
				c.fail(p+".block_id", "duplicate %q", id)
			}
			ids[id] = true
		}
		c.block(p, b, view)
	}
	return c.errs
}

func (c *checker) block(p string, b obj, view bool) {
	switch str(b, "type") {
	case "header":
		c.text(p+".text", sub(b, "text"), limitHeader, true)
	case "divider":
	case "section":
		t, fields := sub(b, "text"), arr(b, "fields")
		if t == nil && len(fields) == 0 {
			c.fail(p, "section needs text or fields")
		}
		if t != nil {
			c.text(p+".text", t, limitText, false)
		}
		if len(fields) > limitFields {
			c.fail(p+".fields", "%d fields, limit %d", len(fields), limitFields)
		}
		for i, f := range fields {
			fo, _ := f.(obj)
			c.text(fmt.Sprintf("%s.fields[%d]", p, i), fo, limitField, false)
		}
		if a := sub(b, "accessory"); a != nil {
			c.element(p+".accessory", a, false)
		}
	case "context":
		els := arr(b, "elements")
		if len(els) == 0 || len(els) > limitContextEls {
			c.fail(p+".elements", "%d elements, want 1..%d", len(els), limitContextEls)
		}
		for i, e := range els {
			eo, _ := e.(obj)
			c.text(fmt.Sprintf("%s.elements[%d]", p, i), eo, limitText, false)
		}
	case "actions":
		els := arr(b, "elements")
		if len(els) == 0 || len(els) > limitActionEls {
			c.fail(p+".elements", "%d elements, want 1..%d", len(els), limitActionEls)
		}
		seen := map[string]bool{}
		for i, e := range els {
			eo, _ := e.(obj)
			if id := str(eo, "action_id"); id != "" {
				if seen[id] {
					c.fail(fmt.Sprintf("%s.elements[%d]", p, i), "duplicate action_id %q", id)
				}
				seen[id] = true
			}
			c.element(fmt.Sprintf("%s.elements[%d]", p, i), eo, false)
		}
	case "input":
		if !view {
			c.fail(p, "input block outside a view")
		}
		c.text(p+".label", sub(b, "label"), limitLabel, true)
		if h := sub(b, "hint"); h != nil {
			c.text(p+".hint", h, limitLabel, true)
		}
		c.element(p+".element", sub(b, "element"), true)
	default:
		c.fail(p, "unsupported block type %q", str(b, "type"))
	}
}

func (c *checker) element(p string, e obj, input bool) {
	if e == nil {
		c.fail(p, "missing element")
		return
	}
	c.max(p+".action_id", str(e, "action_id"), limitID)
	if ph := sub(e, "placeholder"); ph != nil {
		c.text(p+".placeholder", ph, limitPlaceholder, true)
	}
	if cf := sub(e, "confirm"); cf != nil {
		c.text(p+".confirm.title", sub(cf, "title"), limitConfirmTitle, true)
		c.text(p+".confirm.text", sub(cf, "text"), limitConfirmText, false)
		c.text(p+".confirm.confirm", sub(cf, "confirm"), limitConfirmButton, true)
		if d := sub(cf, "deny"); d != nil {
			c.text(p+".confirm.deny", d, limitConfirmButton, true)
		}
	}
	switch t := str(e, "type"); t {
	case "button":
		if input {
			c.fail(p, "button is not an input element")
		}
		c.text(p+".text", sub(e, "text"), limitButtonText, true)
		c.max(p+".value", str(e, "value"), limitButtonValue)
		c.max(p+".url", str(e, "url"), limitURL)
		if s := str(e, "style"); s != "" && s != "primary" && s != "danger" {
			c.fail(p+".style", "bad style %q", s)
		}
	case "static_select", "multi_static_select":
		opts := arr(e, "options")
		if len(opts) == 0 || len(opts) > limitOptions {
			c.fail(p+".options", "%d options, want 1..%d", len(opts), limitOptions)
		}
		values := map[string]bool{}
		for i, o := range opts {
			oo, _ := o.(obj)
			values[str(oo, "value")] = true
			c.option(fmt.Sprintf("%s.options[%d]", p, i), oo)
		}
		if io := sub(e, "initial_option"); io != nil && !values[str(io, "value")] {
			c.fail(p+".initial_option", "not one of the options")
		}
		for _, o := range arr(e, "initial_options") {
			if oo, _ := o.(obj); !values[str(oo, "value")] {
				c.fail(p+".initial_options", "not one of the options")
			}
		}
	case "users_select":
	case "plain_text_input", "email_text_input":
		if !input {
			c.fail(p, "%s only in input blocks", t)
		}
		maxLen := limitInputLength
		if ml, ok := e["max_length"].(float64); ok {
			if ml < 1 || ml > limitInputLength {
				c.fail(p+".max_length", "%v out of 1..%d", ml, limitInputLength)
			}
			maxLen = int(ml)
		}
		c.max(p+".initial_value", str(e, "initial_value"), maxLen)
	default:
		c.fail(p, "unsupported element type %q", t)
	}
}

func (c *checker) option(p string, o obj) {
	c.text(p+".text", sub(o, "text"), limitOptionText, true)
	v := str(o, "value")
	if v == "" {
		c.fail(p+".value", "empty")
	}
	c.max(p+".value", v, limitOptionValue)
	if d := sub(o, "description"); d != nil {
		c.text(p+".description", d, limitOptionDesc, true)
	}
}

// validateView checks a modal or home view object.
func validateView(v obj) []string {
	if v == nil {
		return []string{"view: missing"}
	}
	c := &checker{}
	c.max("view.private_metadata", str(v, "private_metadata"), limitMetadata)
	c.max("view.callback_id", str(v, "callback_id"), limitID)
	c.max("view.external_id", str(v, "external_id"), limitID)
	blocks := arr(v, "blocks")
	switch str(v, "type") {
	case "modal":
		c.text("view.title", sub(v, "title"), limitViewText, true)
		hasInput := false
		for _, b := range blocks {
			if bo, _ := b.(obj); str(bo, "type") == "input" {
				hasInput = true
			}
		}
		if s := sub(v, "submit"); s != nil {
			c.text("view.submit", s, limitViewText, true)
		} else if hasInput {
			c.fail("view.submit", "required when the view has inputs")
		}
		if cl := sub(v, "close"); cl != nil {
			c.text("view.close", cl, limitViewText, true)
		}
	case "home":
	default:
		c.fail("view.type", "bad view type %q", str(v, "type"))
	}
	return append(c.errs, validateBlocks(blocks, true)...)
}
