package cli

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"time"

	"github.com/chataccess/chataccess/store"
)

// runAdminLedger prints the ledger's identity and whether a loss waits
// for an admin.
func runAdminLedger(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "admin ledger", "admin ledger [--config FILE]")
	path := fs.String("config", DefaultConfigPath, "policy file (redis.prefix)")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, closeFn, err := openStore(ctx, env, *path)
	if err != nil {
		return err
	}
	defer closeFn()
	id, err := st.LedgerIdentity(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "ledger %s, created %s\n", id.ID, id.CreatedAt.Format(time.RFC3339))
	switch {
	case id.LostFrom == "":
		fmt.Fprintln(env.Stdout, "no loss recorded")
	case id.Unacknowledged():
		fmt.Fprintf(env.Stdout, "it replaced ledger %s, which vanished from Redis (seen at %s by %s).\n"+
			"New requests are refused until an admin runs: chataccess admin ack-ledger\n", id.LostFrom, id.LostAt.Format(time.RFC3339), id.LostSeenBy)
	default:
		fmt.Fprintf(env.Stdout, "it replaced ledger %s, which vanished from Redis (seen at %s by %s); acknowledged by %s at %s\n",
			id.LostFrom, id.LostAt.Format(time.RFC3339), id.LostSeenBy, id.AckedBy, id.AckedAt.Format(time.RFC3339))
	}
	return nil
}

// runAdminAckLedger records that an admin knows the ledger was lost, so
// every replica takes new requests again.
func runAdminAckLedger(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "admin ack-ledger", "admin ack-ledger [--config FILE] [--by NAME]")
	path := fs.String("config", DefaultConfigPath, "policy file (redis.prefix)")
	by := fs.String("by", "", "who acknowledges (default: the operating-system user)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if *by == "" {
		*by = "operator"
		if u, err := user.Current(); err == nil {
			*by = u.Username
		}
	}
	st, closeFn, err := openStore(ctx, env, *path)
	if err != nil {
		return err
	}
	defer closeFn()
	id, now, err := st.AckIdentity(ctx, *by, time.Now())
	if errors.Is(err, store.ErrNoIdentity) {
		return fmt.Errorf("%w; nothing to acknowledge", err)
	}
	if err != nil {
		return err
	}
	switch {
	case id.LostFrom == "":
		fmt.Fprintf(env.Stdout, "nothing to acknowledge: ledger %s has not replaced a lost one\n", id.ID)
	case !now:
		fmt.Fprintf(env.Stdout, "the loss of ledger %s was acknowledged before, by %s at %s\n", id.LostFrom, id.AckedBy, id.AckedAt.Format(time.RFC3339))
	default:
		fmt.Fprintf(env.Stdout, "acknowledged: ledger %s vanished and %s replaced it; new requests are taken again.\n"+
			"Requests, grants and audit entries from before are not in it: see the operations guide (Backups and restores).\n", id.LostFrom, id.ID)
	}
	return nil
}
