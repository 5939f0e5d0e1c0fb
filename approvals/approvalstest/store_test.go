package approvalstest_test

import (
	"testing"

	"github.com/chataccess/chataccess/approvals/approvalstest"
)

func TestStoreConformance(t *testing.T) {
	approvalstest.RunStore(t, func(*testing.T) approvalstest.Ledger { return approvalstest.NewStore() })
}
