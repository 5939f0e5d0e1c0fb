package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/store"
)

func runAudit(ctx context.Context, env Env, args []string) error {
	return subcommand(ctx, env, args, "audit", map[string]func(context.Context, Env, []string) error{
		"verify":     runAuditVerify,
		"export":     runAuditExport,
		"checkpoint": runAuditCheckpoint,
	})
}

// auditKeyOption reads AUDIT_KEY (or AUDIT_KEY_FILE) for the store.
func auditKeyOption(env Env) (store.Option, error) {
	senv, err := config.LoadEnv(env.Getenv)
	if err != nil {
		return nil, err
	}
	return store.WithAuditKey(store.NewAuditKey([]byte(senv.AuditKey.Reveal()))), nil
}

func runAuditVerify(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "audit verify", "audit verify [--config FILE] [--checkpoint LINE|FILE]")
	path := fs.String("config", DefaultConfigPath, "policy file (for the Redis key prefix)")
	cpArg := fs.String("checkpoint", "", "a checkpoint line (chataccess-audit-checkpoint v1 …) or a file holding them (a saved log, a copied message); finds a cut or wiped trail")
	if err := parse(fs, args); err != nil {
		return err
	}
	var cps []store.Checkpoint
	if *cpArg != "" {
		var err error
		if cps, err = readCheckpoints(*cpArg); err != nil {
			return err
		}
	}
	keyOpt, err := auditKeyOption(env)
	if err != nil {
		return err
	}
	st, closeFn, err := openStore(ctx, env, *path, keyOpt)
	if err != nil {
		return err
	}
	defer closeFn()
	return verifyAudit(ctx, st, cps, env.Stdout)
}

// readCheckpoints takes the checkpoint flag: the line itself, or the
// path of a file that holds one or more.
func readCheckpoints(arg string) ([]store.Checkpoint, error) {
	text := arg
	if !strings.Contains(arg, store.CheckpointTag) {
		data, err := os.ReadFile(arg)
		if err != nil {
			return nil, fmt.Errorf("--checkpoint is neither a checkpoint line nor a readable file: %w", err)
		}
		text = string(data)
	}
	cps, err := store.ParseCheckpoints(text)
	if err != nil {
		return nil, fmt.Errorf("--checkpoint: %w", err)
	}
	return cps, nil
}

// verifyAudit checks the chain (against cps) and tells what was and was
// not proven. A broken chain exits 3; keyed entries without the key
// exit 1.
func verifyAudit(ctx context.Context, st *store.Store, cps []store.Checkpoint, w io.Writer) error {
	res, err := st.VerifyAudit(ctx, cps...)
	if err != nil {
		return err
	}
	switch {
	case res.NeedsKey:
		return fmt.Errorf("cannot verify the audit trail: %d unkeyed entries checked, then %s", res.Entries, res.Problem)
	case !res.OK() && res.BadEntry != "":
		return &exitError{code: 3, err: fmt.Errorf("audit trail BROKEN at entry %s after %s: %s", res.BadEntry, countOf(res.Entries, "entry", "entries"), res.Problem)}
	case !res.OK():
		return &exitError{code: 3, err: fmt.Errorf("audit trail BROKEN after %s: %s", countOf(res.Entries, "entry", "entries"), res.Problem)}
	}
	fmt.Fprintf(w, "audit trail OK: %d entries, chain intact\n", res.Entries)
	switch {
	case res.Entries == 0:
	case res.Keyed == 0:
		fmt.Fprintf(w, "  unkeyed chain: all %d entries are SHA-256 only, which shows order and accidental damage but not a rewrite by someone who can write to Redis; set AUDIT_KEY to key new entries\n", res.Unkeyed)
	case res.Unkeyed > 0:
		fmt.Fprintf(w, "  mixed chain: %d unkeyed entries (SHA-256 only, written before AUDIT_KEY was set), then %d keyed entries (HMAC-SHA256, key %s) from stream id %s\n",
			res.Unkeyed, res.Keyed, st.AuditKeyID(), res.FirstKeyed)
	default:
		fmt.Fprintf(w, "  keyed chain: all %d entries HMAC-SHA256 with key %s\n", res.Keyed, st.AuditKeyID())
	}
	if len(res.Checkpoints) == 0 {
		fmt.Fprintf(w, "  no checkpoint given: a cut tail or a wiped trail is found only with --checkpoint (the \"audit checkpoint\" lines of the log or the admin channel)\n")
		if res.Entries > 0 && res.Keyed == 0 && st.AuditKeyID() != "" {
			// With a key set, a trail with no keyed entry is either one
			// nothing was written to since, or one rewritten without
			// the key: only a checkpoint tells them apart.
			return &exitError{code: 1, err: fmt.Errorf("cannot tell whether the audit trail is intact: AUDIT_KEY is set but none of its %d entries is keyed, "+
				"so it was either not written to since the key was set or rewritten without the key; verify it with --checkpoint", res.Entries)}
		}
		return nil
	}
	newest := res.Checkpoints[0]
	for _, c := range res.Checkpoints {
		if c.Count > newest.Count {
			newest = c
		}
	}
	fmt.Fprintf(w, "  matches %d checkpoint(s), the newest of %s at %d entries; %d entries were added since\n",
		len(res.Checkpoints), newest.At.Format(time.RFC3339), newest.Count, int64(res.Entries)-newest.Count)
	return nil
}

func runAuditCheckpoint(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "audit checkpoint", "audit checkpoint [--config FILE]")
	path := fs.String("config", DefaultConfigPath, "policy file (for the Redis key prefix)")
	if err := parse(fs, args); err != nil {
		return err
	}
	keyOpt, err := auditKeyOption(env)
	if err != nil {
		return err
	}
	st, closeFn, err := openStore(ctx, env, *path, keyOpt)
	if err != nil {
		return err
	}
	defer closeFn()
	cp, err := st.AuditCheckpoint(ctx, time.Now())
	switch {
	case errors.Is(err, store.ErrNoAuditKey):
		return errors.New("a checkpoint is signed with the audit key: set AUDIT_KEY or AUDIT_KEY_FILE")
	case err != nil:
		return err
	case cp.Count == 0:
		return errors.New("the audit trail is empty: nothing to checkpoint")
	}
	fmt.Fprintln(env.Stdout, cp.String())
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

// auditColumns are the CSV columns; alg and kid are empty for unkeyed
// entries.
var auditColumns = []string{"stream_id", "at", "actor", "action", "request_id", "details", "prev", "hash", "alg", "kid"}

func exportAudit(ctx context.Context, st *store.Store, format string, w io.Writer) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		return st.AuditEntries(ctx, func(e store.AuditEntry) error { return enc.Encode(e) })
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(auditColumns)
	err := st.AuditEntries(ctx, func(e store.AuditEntry) error {
		return cw.Write([]string{e.StreamID, e.At, e.Actor, e.Action, e.RequestID, e.Details, e.Prev, e.Hash, e.Alg, e.KeyID})
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}
