package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"

	"tracecall/trace"
)

// maxImport bounds an uploaded trace file.
const maxImport = 4 << 30

// handleTraceImport answers POST /api/trace/import?format=jsonl|csv&partial=0|1.
// The file is spooled to disk and validated whole first: with any bad row and
// partial unset, nothing is imported and every bad row is reported with its line
// number (422). With partial=1 the good chains go in and the bad rows are reported.
func (s *Server) handleTraceImport(w http.ResponseWriter, r *http.Request) {
	format := trace.Format(r.URL.Query().Get("format"))
	if format == "" {
		format = trace.FormatJSONL
	}
	if format != trace.FormatJSONL && format != trace.FormatCSV {
		writeError(w, http.StatusBadRequest, "bad_format", fmt.Sprintf("format %q: want jsonl or csv", format))
		return
	}
	partial := r.URL.Query().Get("partial") == "1" || r.URL.Query().Get("partial") == "true"
	spool, err := os.CreateTemp(s.deps.DataDir, "import-*.tmp")
	if err != nil {
		s.internal(w, "spool import", err)
		return
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	if _, err := io.Copy(spool, http.MaxBytesReader(w, r.Body, maxImport)); err != nil {
		writeError(w, http.StatusBadRequest, "bad_body", "reading the upload: "+err.Error())
		return
	}
	rewind := func() (io.Reader, error) {
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return bufio.NewReaderSize(spool, 1<<20), nil
	}
	in, err := rewind()
	if err != nil {
		s.internal(w, "spool import", err)
		return
	}
	valid, rows, err := trace.ValidateAll(in, format, s.deps.TraceOptions)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_file", err.Error())
		return
	}
	if rows == nil {
		rows = []trace.RowError{}
	}
	if len(rows) > 0 && !partial {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error":    fmt.Sprintf("%d bad rows; nothing imported (fix them, or import with partial=1)", len(rows)),
			"reason":   "bad_rows",
			"imported": 0,
			"rejected": len(rows),
			"rows":     rows,
		})
		return
	}
	if in, err = rewind(); err != nil {
		s.internal(w, "spool import", err)
		return
	}
	n, err := s.deps.Store.ImportChains(context.WithoutCancel(r.Context()), goodChains(in, format, s.deps.TraceOptions), 0)
	if err != nil {
		s.internal(w, "import chains", err)
		return
	}
	s.deps.Log.Info("trace data imported", "chains", n, "valid", valid, "rejected", len(rows), "format", format)
	writeJSON(w, http.StatusOK, map[string]any{"imported": n, "rejected": len(rows), "rows": rows})
}

// goodChains yields the valid chains of a file, skipping bad rows.
func goodChains(r io.Reader, f trace.Format, o trace.Options) iter.Seq[trace.Chain] {
	return func(yield func(trace.Chain) bool) {
		var all iter.Seq2[trace.Chain, error]
		if f == trace.FormatCSV {
			all = trace.NewCSVDecoder(r, o).All()
		} else {
			all = trace.NewDecoder(r, o).All()
		}
		for c, err := range all {
			if err != nil {
				continue
			}
			if !yield(c) {
				return
			}
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
