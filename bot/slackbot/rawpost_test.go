package slackbot

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

// postRaw posts hand-written blocks JSON to the fake, bypassing the
// renderer, and returns Slack's error code as an error.
func postRaw(f *slackfake.Fake, blocksJSON string) error {
	resp, err := http.PostForm(f.URL()+"chat.postMessage", url.Values{
		"token": {slackfake.Token}, "channel": {"C1"}, "text": {"x"}, "blocks": {blocksJSON},
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return err
	}
	if !r.OK {
		return errors.New(r.Error)
	}
	return nil
}
