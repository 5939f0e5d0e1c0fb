package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/approvals/approvalstest"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

// TestStoreConformance runs the approvals.Store conformance suite, the
// one the in-memory double passes, against Redis.
func TestStoreConformance(t *testing.T) {
	approvalstest.RunStore(t, func(t *testing.T) approvalstest.Ledger {
		rdb, prefix := redistest.Client(t)
		return outboxLedger{store.New(rdb, prefix)}
	})
}

// outboxLedger reads the records back from the durable outbox.
type outboxLedger struct{ *store.Store }

// Records reads the whole outbox through a consumer group of its own,
// so every call starts at the oldest event.
func (l outboxLedger) Records(ctx context.Context) ([]approvals.Record, error) {
	ob, err := l.Outbox(ctx, "conformance-"+redistest.Token(), time.Hour)
	if err != nil {
		return nil, err
	}
	var out []approvals.Record
	for {
		batch, err := ob.Read(ctx, "reader", 1000, -1) // -1: do not block
		if err != nil {
			return nil, err
		}
		if len(batch) == 0 {
			return out, nil
		}
		for _, e := range batch {
			out = append(out, e.Record)
		}
	}
}
