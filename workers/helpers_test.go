package workers_test

import (
	"strconv"

	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/store"
)

type (
	marketofakeAssignment = marketofake.Assignment
	storeEntry            = store.AuditEntry
)

func itoa(n int) string { return strconv.Itoa(n) }
