package ingress

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/internal/logging"
)

// Outcomes of ReadBody's refusals, as the adapters' request metrics
// name them.
const (
	TooLarge   = "too_large"
	BadRequest = "bad_request"
)

// ReadBody reads r's body, at most max bytes. A body that says or turns
// out to be larger is refused with 413 and TooLarge (one that says so in
// Content-Length before anything is read), an unreadable one with 400
// and BadRequest; status is 0 when the body was read. A body whose
// Content-Length is known is read into one buffer of that size.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) (body []byte, status int, outcome string) {
	if r.ContentLength > max {
		return nil, http.StatusRequestEntityTooLarge, TooLarge
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead) // room to see EOF without growing
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, max))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge, TooLarge
	case err != nil:
		return nil, http.StatusBadRequest, BadRequest
	}
	return buf.Bytes(), 0, ""
}

// Call runs fn, a call into the handler named what (HandleCommand, …),
// and turns a panic in it into an error, logged here once with the
// panic's value.
func Call(log zerolog.Logger, what string, fn func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error().Interface(logging.Panic, p).Str("call", what).Msg("handler panicked")
			err = fmt.Errorf("%s: handler panicked", what)
		}
	}()
	fn()
	return nil
}
