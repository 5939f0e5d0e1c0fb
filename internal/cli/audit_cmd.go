package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"github.com/chataccess/chataccess/store"
)

func runAudit(ctx context.Context, env Env, args []string) error {
	return subcommand(ctx, env, args, "audit", map[string]func(context.Context, Env, []string) error{
		"verify": runAuditVerify,
		"export": runAuditExport,
	})
}

func runAuditVerify(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "audit verify", "audit verify [--config FILE]")
	path := fs.String("config", DefaultConfigPath, "policy file (for the Redis key prefix)")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, closeFn, err := openStore(ctx, env, *path)
	if err != nil {
		return err
	}
	defer closeFn()
	res, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if !res.OK() {
		if res.BadEntry != "" {
			return &exitError{code: 3, err: fmt.Errorf("audit trail BROKEN at entry %s after %d entries: %s", res.BadEntry, res.Entries, res.Problem)}
		}
		return &exitError{code: 3, err: fmt.Errorf("audit trail BROKEN after %d entries: %s", res.Entries, res.Problem)}
	}
	fmt.Fprintf(env.Stdout, "audit trail OK: %d entries, chain intact\n", res.Entries)
	return nil
}

func runAuditExport(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "audit export", "audit export [--config FILE] [--format csv|json]")
	path := fs.String("config", DefaultConfigPath, "policy file (for the Redis key prefix)")
	format := fs.String("format", "csv", "output format: csv or json (one object per line)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "csv" && *format != "json" {
		fmt.Fprintf(env.Stderr, "chataccess audit export: --format must be csv or json, not %q\n", *format)
		return errUsage
	}
	st, closeFn, err := openStore(ctx, env, *path)
	if err != nil {
		return err
	}
	defer closeFn()
	return exportAudit(ctx, st, *format, env.Stdout)
}

func exportAudit(ctx context.Context, st *store.Store, format string, w io.Writer) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		return st.AuditEntries(ctx, func(e store.AuditEntry) error { return enc.Encode(e) })
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"stream_id", "at", "actor", "action", "request_id", "details", "prev", "hash"})
	err := st.AuditEntries(ctx, func(e store.AuditEntry) error {
		return cw.Write([]string{e.StreamID, e.At, e.Actor, e.Action, e.RequestID, e.Details, e.Prev, e.Hash})
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}
