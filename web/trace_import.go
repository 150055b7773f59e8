package web

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"tracecall/store"
	"tracecall/trace"
)

// Import limits. An upload is spooled to disk, so its size costs disk, not
// memory; parsing streams it with lines bounded by trace.MaxLineBytes; only
// the first maxImportRows bad rows are listed (all are counted).
const (
	maxImport     = 4 << 30 // bytes of one upload; more is answered 413
	maxImportRows = 1000
	// spoolCheckEvery is how often (in bytes) spooling checks the free space.
	spoolCheckEvery = 64 << 20
	// freeAfter is the upload size from which the import hands the memory it
	// used back to the system when it ends, rather than leave that to the
	// runtime's scavenger, which keeps it for minutes: measured in
	// cmd/tracecalld/import_load_test.go.
	freeAfter = 32 << 20
)

// spoolDir is where uploads wait to be imported: DATA/spool, emptied when the
// server starts, since a file there belongs to an import a crash ended. With
// no data directory (tests), the system's temporary directory, never emptied.
func (s *Server) spoolDir() string {
	if s.deps.DataDir == "" {
		return os.TempDir()
	}
	return filepath.Join(s.deps.DataDir, "spool")
}

// cleanSpool removes what an earlier run left in the spool directory, and
// the import-*.tmp files that versions before it left in the data directory.
func (s *Server) cleanSpool() {
	if s.deps.DataDir == "" {
		return
	}
	dir := s.spoolDir()
	old, _ := filepath.Glob(filepath.Join(s.deps.DataDir, "import-*.tmp"))
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range append(old, left...) {
		if err := os.RemoveAll(f); err != nil {
			s.deps.Log.Warn("remove a spooled upload left by an earlier run", "file", f, "err", err)
			continue
		}
		s.deps.Log.Info("removed a spooled upload left by an earlier run", "file", f)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		s.deps.Log.Warn("create the spool directory", "dir", dir, "err", err)
	}
}

// handleTraceImport answers POST /api/trace/import?format=jsonl|csv&partial=0|1.
// The upload is spooled to disk (DATA/spool, at most maxImport bytes), then
// read once, each chain checked and staged in the store as it is read. With
// any bad row and partial unset nothing is imported, and the bad rows are
// listed with their line numbers (422). With partial=1 the good chains go in
// and the bad rows are listed. Either way the import is all or nothing across
// a crash (store.BeginImport), and one runs at a time (409).
func (s *Server) handleTraceImport(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(w, r)
	fail := func(code int, reason, key string, args ...any) {
		writeError(w, code, reason, fmt.Sprintf(messages[lang][key], args...))
	}
	format := trace.Format(r.URL.Query().Get("format"))
	if format == "" {
		format = trace.FormatJSONL
	}
	if format != trace.FormatJSONL && format != trace.FormatCSV {
		fail(http.StatusBadRequest, "bad_format", "msg_import_bad_format", string(format))
		return
	}
	partial := r.URL.Query().Get("partial") == "1" || r.URL.Query().Get("partial") == "true"
	if enc := r.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		fail(http.StatusUnsupportedMediaType, "compressed", "msg_import_compressed")
		return
	}
	if r.ContentLength > maxImport {
		fail(http.StatusRequestEntityTooLarge, "too_large", "msg_import_too_large", maxImport>>30)
		return
	}

	// The store's import slot is taken before the upload is read, so that two
	// uploads never fill the disk side by side.
	im, err := s.deps.Store.BeginImport(0)
	if errors.Is(err, store.ErrImportRunning) {
		fail(http.StatusConflict, "import_running", "msg_import_running")
		return
	}
	if err != nil {
		s.internal(w, "begin import", err)
		return
	}
	defer func() {
		if err := im.Abort(); err != nil {
			s.deps.Log.Error("drop a stopped import", "err", err)
		}
	}()

	spool, size, ok := s.spoolUpload(w, r, fail)
	if !ok {
		return
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	if size >= freeAfter {
		defer debug.FreeOSMemory() // once the answer is written and the import's buffers are garbage
	}
	s.deps.Log.Info("trace import spooled; reading", "bytes", size, "format", format, "partial", partial)

	in := bufio.NewReaderSize(spool, 1<<20)
	var dec interface {
		Next() (trace.Chain, error)
		Line() int
	}
	repeat := "traceCode: %s already on line %d"
	if format == trace.FormatCSV {
		d := trace.NewCSVDecoder(in, s.deps.TraceOptions)
		d.SkipRepeatCheck() // the store finds repeats, on disk
		dec = d
		repeat = "trace_code: rows of %s are not consecutive (its chain began on line %d); sort the file by trace_code"
	} else {
		dec = trace.NewDecoder(in, s.deps.TraceOptions)
	}
	rows := []trace.RowError{}
	rejected, valid := 0, 0
	reject := func(re trace.RowError) {
		rejected++
		if len(rows) < maxImportRows {
			rows = append(rows, re)
		}
	}
	for {
		c, err := dec.Next()
		var re *trace.RowError
		var long *trace.LineTooLongError
		switch {
		case err == io.EOF:
		case errors.As(err, &re):
			reject(*re)
			continue
		case errors.As(err, &long):
			key := "msg_import_line_too_long"
			if long.Record {
				key = "msg_import_record_too_long"
			}
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
				"error":  fmt.Sprintf(messages[lang][key], long.Line, long.Limit>>20, long.Limit),
				"reason": "line_too_long", "line": long.Line, "limit": long.Limit, "imported": 0,
			})
			return
		case err != nil:
			s.internal(w, "read the spooled upload", err)
			return
		default:
			first, err := im.Add(&c, dec.Line())
			switch {
			case first != 0:
				reject(trace.RowError{Line: dec.Line(), Reason: fmt.Sprintf(repeat, c.TraceCode, first)})
			case errors.Is(err, store.ErrInvalid):
				reject(trace.RowError{Line: dec.Line(), Reason: strings.TrimPrefix(err.Error(), "store: import: ")})
			case err != nil:
				s.importFailed(w, fail, err)
				return
			default:
				valid++
			}
			continue
		}
		break
	}
	if rejected > 0 && !partial {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error":    fmt.Sprintf(messages[lang]["msg_import_bad_rows"], rejected),
			"reason":   "bad_rows",
			"imported": 0,
			"rejected": rejected,
			"rows":     rows,
		})
		return
	}
	n, err := im.Commit(r.Context())
	if err != nil {
		s.importFailed(w, fail, err)
		return
	}
	s.deps.Log.Info("trace data imported", "chains", n, "valid", valid, "rejected", rejected, "format", format, "bytes", size)
	writeJSON(w, http.StatusOK, map[string]any{"imported": n, "rejected": rejected, "rows": rows})
}

// importFailed answers an import that stopped on the store's side: nothing
// was imported.
func (s *Server) importFailed(w http.ResponseWriter, fail func(int, string, string, ...any), err error) {
	if errors.Is(err, syscall.ENOSPC) {
		s.deps.Log.Warn("trace import stopped: the data disk is too full", "err", err)
		fail(http.StatusInsufficientStorage, "disk_full", "msg_import_disk_full", store.ImportReserve>>20)
		return
	}
	s.internal(w, "import chains", err)
}

// spoolUpload copies the request body to a new file in the spool directory,
// refusing more than maxImport bytes (413) and stopping before the disk has
// less than store.ImportReserve free (507). When ok is false it has answered.
func (s *Server) spoolUpload(w http.ResponseWriter, r *http.Request, fail func(int, string, string, ...any)) (f *os.File, size int64, ok bool) {
	dir := s.spoolDir()
	roomy := func(more int64) bool {
		free, err := store.FreeSpace(dir)
		return err != nil || free-more >= store.ImportReserve // an unknown free space is not refused
	}
	if !roomy(max(r.ContentLength, 0)) {
		fail(http.StatusInsufficientStorage, "disk_full", "msg_import_disk_full", store.ImportReserve>>20)
		return nil, 0, false
	}
	file, err := os.CreateTemp(dir, "import-*.tmp")
	if err != nil {
		s.internal(w, "spool the upload", err)
		return nil, 0, false
	}
	defer func() {
		if !ok {
			file.Close()
			os.Remove(file.Name())
		}
	}()
	body := http.MaxBytesReader(w, r.Body, maxImport)
	buf := make([]byte, 256<<10)
	checked := int64(0)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, err := file.Write(buf[:n]); err != nil {
				if errors.Is(err, syscall.ENOSPC) {
					fail(http.StatusInsufficientStorage, "disk_full", "msg_import_disk_full", store.ImportReserve>>20)
				} else {
					s.internal(w, "spool the upload", err)
				}
				return nil, 0, false
			}
			size += int64(n)
		}
		if size-checked >= spoolCheckEvery {
			checked = size
			if !roomy(0) {
				fail(http.StatusInsufficientStorage, "disk_full", "msg_import_disk_full", store.ImportReserve>>20)
				return nil, 0, false
			}
		}
		var tooBig *http.MaxBytesError
		switch {
		case rerr == io.EOF:
			if _, err := file.Seek(0, io.SeekStart); err != nil {
				s.internal(w, "spool the upload", err)
				return nil, 0, false
			}
			return file, size, true
		case errors.As(rerr, &tooBig):
			fail(http.StatusRequestEntityTooLarge, "too_large", "msg_import_too_large", maxImport>>30)
			return nil, 0, false
		case rerr != nil:
			s.deps.Log.Warn("trace import: reading the upload", "err", rerr, "after_bytes", size)
			fail(http.StatusBadRequest, "bad_body", "msg_import_read")
			return nil, 0, false
		}
	}
}

// handleTraceExport answers GET /api/trace/export?format=jsonl|csv with every chain.
func (s *Server) handleTraceExport(w http.ResponseWriter, r *http.Request) {
	format := trace.Format(r.URL.Query().Get("format"))
	if format == "" {
		format = trace.FormatJSONL
	}
	ctype := map[trace.Format]string{trace.FormatJSONL: "application/x-ndjson", trace.FormatCSV: "text/csv; charset=utf-8"}[format]
	if ctype == "" {
		writeError(w, http.StatusBadRequest, "bad_format", fmt.Sprintf("format %q: want jsonl or csv", format))
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="trace.%s"`, format))
	var iterErr error
	chains := func(yield func(trace.Chain) bool) {
		stop := fmt.Errorf("stop")
		err := s.deps.Store.ForEachChain(r.Context(), func(c trace.Chain) error {
			if !yield(c) {
				return stop
			}
			return nil
		})
		if err != nil && err != stop {
			iterErr = err
		}
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := trace.WriteAll(bw, format, chains); err != nil {
		s.deps.Log.Warn("trace export", "err", err)
		return
	}
	if iterErr != nil {
		s.deps.Log.Warn("trace export", "err", iterErr)
		return
	}
	_ = bw.Flush()
}
