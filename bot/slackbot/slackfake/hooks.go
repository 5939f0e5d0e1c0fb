package slackfake

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// HookPath is where the fake serves response_url posts: a test gives a
// payload response_url = f.URL() + "hooks/commands/T1/1/x" (the path
// shape of https://hooks.slack.com/commands/…).
const HookPath = "hooks/"

// hookUses is how often one response_url may be used: up to 5 posts
// within 30 minutes (Slack slash-command docs, reference §1.3).
const hookUses = 5

// Response is one post to a response_url.
type Response struct {
	// Path is the URL path after the host.
	Path string
	// Body is the posted JSON (text, blocks, response_type,
	// replace_original, delete_original).
	Body map[string]any
	// Status is the HTTP status the fake answered.
	Status int
}

// Responses returns the response_url posts, oldest first.
func (f *Fake) Responses() []Response {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Response(nil), f.responses...)
}

// hook answers a response_url post: no token (the URL is the secret),
// a JSON message whose blocks must pass the Block Kit checks, at most
// hookUses posts per URL.
func (f *Fake) hook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rec := Response{Path: r.URL.Path}
	answer := func(status int, text string) {
		rec.Status = status
		f.responses = append(f.responses, rec)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil || r.Method != http.MethodPost || json.Unmarshal(body, &rec.Body) != nil {
		answer(http.StatusBadRequest, "invalid_payload")
		return
	}
	used := 0
	for _, p := range f.responses {
		if p.Path == rec.Path && p.Status == http.StatusOK {
			used++
		}
	}
	if used >= hookUses {
		answer(http.StatusNotFound, "used_url")
		return
	}
	if blocks, ok := rec.Body["blocks"].([]any); ok {
		if errs := validateBlocks(blocks, false); len(errs) > 0 {
			answer(http.StatusBadRequest, "invalid_blocks: "+strings.Join(errs, "; "))
			return
		}
	}
	if text, _ := rec.Body["text"].(string); text == "" && rec.Body["blocks"] == nil && rec.Body["delete_original"] != true {
		answer(http.StatusBadRequest, "no_text")
		return
	}
	answer(http.StatusOK, "ok")
}
