//go:build !nodemo

package playground

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxCommand is the longest command text accepted (Slack cuts a slash
// command's text well before this).
const maxCommand = 4000

type personBody struct {
	As string `json:"as"`
}

func (b personBody) person() string { return b.As }

type commandBody struct {
	personBody
	Channel string `json:"channel"`
	Text    string `json:"text"`
}

func (s *Server) command(w http.ResponseWriter, r *http.Request) {
	var b commandBody
	if !s.decode(w, r, &b) {
		return
	}
	text := strings.TrimSpace(b.Text)
	if c, ok := strings.CutPrefix(text, s.cfg.Command); ok {
		text = strings.TrimSpace(c)
	}
	if utf8.RuneCountInString(text) > maxCommand || !s.known(b.As, b.Channel) {
		writeJSON(w, http.StatusBadRequest, answer{Error: "no such channel, or the text is too long"})
		return
	}
	_, err := s.cfg.Slack.Command(r.Context(), b.As, b.Channel, text)
	s.done(w, err)
}

// known reports whether channel is one of the cast's channels or as's
// DM with the bot.
func (s *Server) known(as, channel string) bool {
	if channel == "D"+as {
		return true
	}
	for _, c := range s.cfg.Cast.Channels {
		if c.ID == channel {
			return true
		}
	}
	return false
}

type clickBody struct {
	personBody
	Target Target `json:"target"`
}

func (s *Server) click(w http.ResponseWriter, r *http.Request) {
	var b clickBody
	if !s.decode(w, r, &b) {
		return
	}
	s.done(w, s.cfg.Slack.Click(r.Context(), b.As, b.Target))
}

type submitBody struct {
	personBody
	View   string `json:"view"`
	Values Values `json:"values"`
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	var b submitBody
	if !s.decode(w, r, &b) {
		return
	}
	errs, err := s.cfg.Slack.Submit(r.Context(), b.As, b.View, b.Values)
	if err == nil && len(errs) > 0 {
		writeJSON(w, http.StatusOK, answer{OK: false, Errors: errs})
		return
	}
	s.done(w, err)
}

func (s *Server) closeModal(w http.ResponseWriter, r *http.Request) {
	var b personBody
	if !s.decode(w, r, &b) {
		return
	}
	s.cfg.Slack.CloseModal(b.As)
	s.done(w, nil)
}

func (s *Server) openHome(w http.ResponseWriter, r *http.Request) {
	var b personBody
	if !s.decode(w, r, &b) {
		return
	}
	s.done(w, s.cfg.Slack.OpenHome(r.Context(), b.As))
}

// stepState is one step of the scenario menu.
type stepState struct {
	Title  string `json:"title"`
	Actor  string `json:"actor"`
	Where  string `json:"where"`
	Status string `json:"status"` // todo | running | done | failed
	Error  string `json:"error,omitempty"`
}

type scenarioState struct {
	Steps   []stepState `json:"steps"`
	Next    int         `json:"next"`
	Running bool        `json:"running"`
}

func (s *Server) scenarioState() scenarioState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return scenarioState{Steps: append([]stepState(nil), s.steps...), Next: s.next, Running: s.running}
}

type scenarioBody struct {
	personBody
	// All plays every remaining step; otherwise only the next one.
	All bool `json:"all"`
}

func (b scenarioBody) person() string { return b.As }

// errStoryBusy says a step is running or the story is over.
var errStoryBusy = errors.New("a step is running, or the story is over")

func (s *Server) scenario(w http.ResponseWriter, r *http.Request) {
	var b scenarioBody
	if !s.decode(w, r, &b) {
		return
	}
	if err := s.play(b.All); err != nil {
		writeJSON(w, http.StatusConflict, answer{Error: err.Error()})
		return
	}
	s.done(w, nil)
}

// play starts the next step (or all remaining ones) in the background.
func (s *Server) play(all bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running || s.next >= len(s.cfg.Story) {
		return errStoryBusy
	}
	s.running = true
	go s.runSteps(s.base, all)
	return nil
}

// runSteps runs the next step, and with all the ones after it, stopping
// at the first that fails (it can be tried again).
func (s *Server) runSteps(ctx context.Context, all bool) {
	for {
		s.mu.Lock()
		i := s.next
		s.steps[i].Status, s.steps[i].Error = "running", ""
		s.local++
		s.mu.Unlock()

		err := s.cfg.Story[i].Run(ctx, s.stage)

		s.mu.Lock()
		s.local++
		if err != nil {
			s.steps[i].Status, s.steps[i].Error = "failed", err.Error()
			s.running = false
			s.mu.Unlock()
			s.cfg.Logger.Warn().Err(err).Int("script_step", i+1).Msg("playground step failed")
			return
		}
		s.steps[i].Status = "done"
		s.next++
		if !all || s.next >= len(s.cfg.Story) {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}
