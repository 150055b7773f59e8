// Package store is tracecall's embedded database: the trace chain cache,
// call detail records and small state such as sync cursors, in one bbolt
// file. It is the only package that imports bbolt; everything else sees
// typed operations on a Tx and a few one-call helpers on DB.
//
//	db, err := store.Open("/var/lib/tracecall/tracecall.db", store.Options{Logger: log})
//	...
//	err = db.Update(func(tx *store.Tx) error {
//		return tx.PutCall(&rec)
//	})
//	c, ok, err := db.Chain("11010600524031500017")
//
// # Buckets
//
// Open creates these buckets and records SchemaVersion in meta:
//
//	chains/<traceCode>           → chain value (below)
//	idx_tran/<ref> NUL <code>    → empty; ref is any event's OutputRef or InputRefs
//	idx_cert/<certNo> NUL <code> → empty; from every event's Certificates[].Number
//	calls/<id>                   → CallRecord as JSON
//	calls_by_start/<start><id>   → empty; start is big-endian Unix nanoseconds
//	calls_open/<id>              → empty while the call is InProgress
//	calls_by_caller/<caller>\x00<start><id> → empty (customer_calls.go)
//	call_notes/<id>              → the agents' notes on a call, apart from it
//	customers/<id>, customers_by_number/<number> → the CRM (customer.go)
//	audit/<seq>                  → who read which personal data, append-only
//	                               and bounded (audit.go)
//	import/<code>                → while an import is staged or applied: the
//	                               line it came from (uvarint) and the chain
//	                               value; meta/store.import marks the switch
//	meta/<key>                   → caller state (PutMeta) or a JSON document
//	                               (PutDoc); "store." keys are ours: store.schema,
//	                               store.chains (chain count), except the
//	                               documents store.acd and store.acd.file, kept
//	                               there for the ACD (acd/acdstore) since before
//	                               PutDoc
//
// and the first PutSIPPhone creates sip_phones/<user> → SIPPhone as JSON
// (sip_phone.go): SIP phones added at run time, read by the SIP registrar.
//
// A chain value starts with a format byte and the chain's distinct refs and
// certificate numbers, followed by its JSON document compressed with Snappy
// (see chain_codec.go). The JSON is what json.Marshal gives for a
// trace.Chain, so ChainJSON and ForEachChainJSON can hand it out without
// decoding. The ref lists let PutChain and DeleteChain remove stale index
// entries without decoding the old chain. The indexes are updated in the
// same transaction as the chain, so they never disagree with it.
//
// Keys are stored as given: the trace package normalises codes before they
// get here. Codes, refs and certificate numbers must be 1–256 bytes without
// NUL (ErrInvalid otherwise).
//
// # Concurrency
//
// A DB is safe for concurrent use. Any number of View transactions run at
// once, each on a consistent snapshot, alongside at most one writer (Update
// or Batch); writers queue. Batch lets many small concurrent writers, such
// as CDR updates, share one transaction and one fsync; its function may run
// twice and must be idempotent. A Tx must not be used outside its function
// or from another goroutine. Values returned by the store are copies.
//
// Keep View transactions short. bbolt must wait for every open read
// transaction before it can grow the file's memory map, so a reader that
// runs for seconds stalls the writer that needs more room. That is why
// ForEachChain and DeleteCallsBefore work in pages, and why DB.Chain
// decodes after its transaction ends.
//
// # Crash guarantees
//
// Update and Batch return only after the commit is on disk (fsync): a CDR
// acknowledged by the cdr package survives a power cut, and a transaction
// is either wholly there after a crash or not at all. Options.NoSync drops
// that guarantee and is for benchmarks only. An import (BeginImport,
// ImportChains) is all or nothing across a crash: it is staged in an import
// bucket batch by batch, switched on by one commit, then applied batch by
// batch; Open drops a staged import that never switched and finishes the
// apply of one that did, so after a restart the chains are exactly as before
// the import or exactly as after it (chain_import.go says why not one
// transaction). While an import applies, for a few seconds, readers see some
// of its chains before others. One import runs at a time (ErrImportRunning),
// and it stops, leaving the store as it was, rather than leave less than
// ImportReserve free on the disk.
// Calls still marked InProgress after a restart were interrupted; cdr finds
// them with OpenCalls and closes them.
//
// # Schema
//
// meta/store.schema holds the layout version. Open upgrades older files in
// its first transaction and refuses newer ones with ErrSchema, so a
// downgrade cannot damage data written by a newer build.
//
// # Performance
//
// Figures for a million synthetic 8-event chains are in the package's
// benchmarks (chain_bench_test.go, which says how to run them). Bulk loads
// should use an import, which encodes the next batch while staging one,
// applies in code order and packs pages full when codes come after the
// stored ones.
// CountChains reads a counter, not the bucket.
//
// # Testing
//
// storetest.Open(t) opens a store under t.TempDir() and closes it when the
// test ends.
package store
