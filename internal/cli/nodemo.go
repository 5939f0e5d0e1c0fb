//go:build nodemo

package cli

import (
	"context"
	"errors"
)

// A production build (`make build`, the container image) is made with
// the nodemo tag: it links no emulator, fake Slack or in-process Redis.
// The zero-setup commands then only say where to find them.

var errNoDemo = errors.New("this build has no emulators; run it from the source tree (go run . playground, go run . demo) or a build without -tags nodemo")

func runDemo(context.Context, Env, []string) error    { return errNoDemo }
func runEmulate(context.Context, Env, []string) error { return errNoDemo }

func runPlayground(context.Context, Env, []string) error { return errNoDemo }
