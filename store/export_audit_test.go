package store

// RechainForTest re-signs es[from:] with k, linked to es[from-1]: what
// someone holding another key could write.
func RechainForTest(k AuditKey, es []AuditEntry, from int) []AuditEntry {
	out := append([]AuditEntry(nil), es...)
	prev := ""
	if from > 0 {
		prev = out[from-1].Hash
	}
	for i := from; i < len(out); i++ {
		out[i].Prev, out[i].Alg, out[i].KeyID = prev, AlgHMAC, k.ID()
		out[i].Hash = k.mac(out[i])
		prev = out[i].Hash
	}
	return out
}
