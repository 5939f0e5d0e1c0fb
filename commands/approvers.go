package commands

import (
	"context"
	"errors"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/logging"
)

// unreachableApprovers lists the package's approvers named by email
// that no configured chat platform has an account for. A failed lookup
// (not an answer) does not count: it is tried again on the next event.
func (h *Handler) unreachableApprovers(ctx context.Context, pkg *approvals.Package) []string {
	var out []string
	for _, e := range pkg.Approvers.Emails {
		known := false
		for _, bp := range h.chat.Platforms() {
			_, err := h.chat.On(bp).LookupUserByEmail(ctx, e)
			if err == nil || !(errors.Is(err, bot.ErrUserNotFound) || errors.Is(err, bot.ErrNoEmail)) {
				known = true
				break
			}
		}
		if !known {
			out = append(out, e)
		}
	}
	return out
}

func audienceMembers(ctx context.Context, s bot.Sender, a approvals.Audience, p approvals.Platform, log zerolog.Logger) ([]string, error) {
	ids := approvals.On(a.Users, p)
	var errs []error
	for _, e := range a.Emails {
		u, err := s.LookupUserByEmail(ctx, e)
		if errors.Is(err, bot.ErrUserNotFound) || errors.Is(err, bot.ErrNoEmail) {
			log.Warn().Str(logging.Approver, e).Str(logging.Platform, string(p)).Msg("approver has no chat account; cannot DM")
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, u.ID)
	}
	for _, g := range approvals.On(a.Groups, p) {
		members, err := s.GroupMembers(ctx, g)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, members...)
	}
	return ids, errors.Join(errs...)
}
