package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"tracecall/trace"
)

// traceVerbs are the subverbs of `tracectl trace`, in the order -h lists them.
func traceVerbs() []command {
	return []command{
		{"show", "show the chain of one trace code", runTraceShow},
		{"list", "list chains in code order", runTraceList},
		{"import", "import chains from a JSON Lines or CSV file", runTraceImport},
		{"export", "export every chain as JSON Lines or CSV", runTraceExport},
		{"gen", "write deterministic demo chains (runs locally, no daemon)", runTraceGen},
	}
}

func runTrace(ctx context.Context, c *cli, args []string) error {
	return c.runSubverb(ctx, "trace", "[flags] [args]", traceVerbs(), args)
}

func runTraceShow(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("trace show", "[--json] CODE", "Show the chain of one trace code: every hop from origin to retail sale and\nits certificates. A malformed code is answered with the reason.")
	asJSON := fs.jsonFlag()
	fs.socketFlag()
	code, err := fs.parseOne(args, "trace code")
	if err != nil {
		return err
	}

	var ch trace.Chain
	done, err := c.getJSON(ctx, "trace show "+code, "/api/trace/"+url.PathEscape(code), nil, &ch, *asJSON)
	var ae *apiError
	if errors.As(err, &ae) {
		// A refused code: say what the refusal means, in place of getJSON's
		// plain "trace show CODE:" prefix.
		switch ae.Status {
		case http.StatusBadRequest:
			return fmt.Errorf("trace show %s: malformed code: %w", code, ae)
		case http.StatusNotFound:
			return fmt.Errorf("trace show %s: unknown code: %w", code, ae)
		}
	}
	if done || err != nil {
		return err
	}
	return c.printChain(&ch)
}

// printChain shows a chain for a person: a summary, the hops, the certificates.
func (c *cli) printChain(ch *trace.Chain) error {
	summary := [][]string{
		{"trace code", fmt.Sprintf("%s (%v)", ch.TraceCode, ch.CodeKind)},
		{"product", dash(productName(ch))},
	}
	if ch.Complete {
		summary = append(summary, []string{"complete", "yes"})
	} else {
		missing := make([]string, len(ch.MissingHops))
		for i, h := range ch.MissingHops {
			missing[i] = string(h)
		}
		summary = append(summary, []string{"complete", "no, missing: " + dash(strings.Join(missing, ", "))})
	}
	if ch.SourcePlatform != "" || !ch.SyncedAt.IsZero() {
		summary = append(summary, []string{"source", dash(ch.SourcePlatform) + ", synced " + c.fmtTime(ch.SyncedAt)})
	}
	if err := printTable(c.stdout, nil, summary); err != nil {
		return err
	}

	fmt.Fprintln(c.stdout)
	hops := make([][]string, len(ch.Events))
	for i := range ch.Events {
		ev := &ch.Events[i]
		op := "-"
		if ev.Operator != nil {
			op = ev.Operator.Name
			if ev.Operator.StallNo != "" {
				op += " (stall " + ev.Operator.StallNo + ")"
			}
		}
		hops[i] = []string{c.fmtTime(ev.At), string(ev.Type), dash(ev.Node.Name), op, dash(eventDetails(ev))}
	}
	if err := printTable(c.stdout, []string{"WHEN", "HOP", "NODE", "OPERATOR", "DETAILS"}, hops); err != nil {
		return err
	}

	// A certificate travels with the goods; list it once, at the hop that
	// first shows it.
	var certs [][]string
	seen := map[[2]string]bool{}
	for _, ev := range ch.Events {
		for _, ct := range ev.Certificates {
			key := [2]string{string(ct.Kind), ct.Number}
			if seen[key] {
				continue
			}
			seen[key] = true
			certs = append(certs, []string{string(ct.Kind), ct.Number, dash(ct.Issuer), string(ct.Result), string(ev.Type)})
		}
	}
	if len(certs) == 0 {
		return nil
	}
	fmt.Fprintln(c.stdout)
	return printTable(c.stdout, []string{"CERTIFICATE", "NUMBER", "ISSUER", "RESULT", "HOP"}, certs)
}

// productName is what the consumer bought, with the part: 猪肉 (前腿肉).
func productName(ch *trace.Chain) string {
	g := ch.Product()
	switch {
	case g == nil:
		return ""
	case g.Part != "":
		return g.GoodsName + " (" + g.Part + ")"
	}
	return g.GoodsName
}

// retailer is the node of the last retail hop.
func retailer(ch *trace.Chain) string {
	for i := len(ch.Events) - 1; i >= 0; i-- {
		switch ev := ch.Events[i]; ev.Type {
		case trace.EventRetailSale, trace.EventRetailEntry, trace.EventGroupEntry:
			return ev.Node.Name
		}
	}
	return ""
}

// eventDetails sums up the facts of one hop that have no column of their own.
func eventDetails(ev *trace.Event) string {
	var d []string
	if ev.OriginName != "" || ev.OriginRegion != "" {
		d = append(d, "origin "+firstOf(ev.OriginName, ev.OriginRegion))
	}
	if ev.FarmName != "" {
		d = append(d, "farm "+ev.FarmName)
	}
	if ev.HeadCount > 0 {
		d = append(d, strconv.Itoa(ev.HeadCount)+" head")
	}
	if ev.WeightKg > 0 {
		d = append(d, strconv.FormatFloat(ev.WeightKg, 'f', -1, 64)+" kg")
	}
	if ev.UnitPrice > 0 {
		d = append(d, strconv.FormatFloat(ev.UnitPrice, 'f', 2, 64)+" yuan/kg")
	}
	if ev.Counterparty != nil && ev.Counterparty.Name != "" {
		d = append(d, "party "+ev.Counterparty.Name)
	}
	if ev.OutputRef != "" {
		d = append(d, "voucher "+ev.OutputRef)
	}
	switch n := len(ev.EarTags); n {
	case 0:
	case 1:
		d = append(d, "ear tag "+ev.EarTags[0])
	default:
		d = append(d, strconv.Itoa(n)+" ear tags")
	}
	return strings.Join(d, "; ")
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func runTraceList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("trace list", "[-n N] [--after CODE] [--json]", "List chains in code order.")
	n := fs.Int("n", 20, "list at most `N` chains")
	after := fs.String("after", "", "start after this `CODE`")
	asJSON := fs.jsonFlag()
	fs.socketFlag()
	if err := fs.parseNone(args); err != nil {
		return err
	}
	if *n <= 0 {
		return usagef("trace list", "-n must be positive")
	}

	q := url.Values{"limit": {strconv.Itoa(*n)}}
	if *after != "" {
		q.Set("after", *after)
	}
	var chains []trace.Chain
	if done, err := c.getJSON(ctx, "trace list", "/api/trace", q, &chains, *asJSON); done || err != nil {
		return err
	}
	header := []string{"CODE", "KIND", "PRODUCT", "RETAILER", "HOPS", "COMPLETE"}
	return printList(c.stdout, "no chains", header, chains, func(ch *trace.Chain) []string {
		complete := "yes"
		if !ch.Complete {
			complete = "no"
		}
		return []string{ch.TraceCode, fmt.Sprint(ch.CodeKind), dash(productName(ch)), dash(retailer(ch)),
			strconv.Itoa(len(ch.Events)), complete}
	})
}

// formatOf infers a file format from its name: .jsonl, .ndjson and .json are
// JSON Lines, .csv is CSV.
func formatOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson", ".json":
		return string(trace.FormatJSONL)
	case ".csv":
		return string(trace.FormatCSV)
	}
	return ""
}

func checkFormat(verb, f string) error {
	if trace.Format(f) != trace.FormatJSONL && trace.Format(f) != trace.FormatCSV {
		return usagef(verb, "--format must be jsonl or csv, not %q", f)
	}
	return nil
}

// outputFormat is the format a verb writes FILE (out) in: format if given, else
// what the extension of out says, else JSON Lines.
func outputFormat(verb, format, out string) (trace.Format, error) {
	if format == "" {
		if format = formatOf(out); format == "" {
			format = string(trace.FormatJSONL)
		}
	}
	if err := checkFormat(verb, format); err != nil {
		return "", err
	}
	return trace.Format(format), nil
}

// importReply is the answer to POST /api/trace/import, both 200 and 422.
type importReply struct {
	Error    string           `json:"error"`
	Imported int              `json:"imported"`
	Rejected int              `json:"rejected"`
	Rows     []trace.RowError `json:"rows"`
}

func runTraceImport(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("trace import", "[--format jsonl|csv] [--partial] FILE",
		"Import chains from FILE (\"-\" reads stdin). Every row is validated; by default\nnothing is imported if any row is bad, and every bad row is printed as\n\"line N: reason\". The format follows the extension (.jsonl, .csv) unless given.")
	format := fs.String("format", "", "file `FORMAT`: jsonl or csv (default: from the extension)")
	partial := fs.Bool("partial", false, "import the good rows even if some are bad")
	fs.socketFlag()
	name, err := fs.parseOne(args, "FILE")
	if err != nil {
		return err
	}
	if *format == "" {
		if *format = formatOf(name); *format == "" {
			return usagef("trace import", "cannot tell the format of %q from its extension; give --format jsonl or csv", name)
		}
	}
	if err := checkFormat("trace import", *format); err != nil {
		return err
	}

	var body io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("trace import: %w", err)
		}
		defer f.Close()
		body = f
	}
	// English, as everything tracectl prints; the daemon answers the panel's
	// users in Chinese unless asked.
	q := url.Values{"format": {*format}, "partial": {"0"}, "lang": {"en"}}
	ctype := "application/x-ndjson"
	if trace.Format(*format) == trace.FormatCSV {
		ctype = "text/csv"
	}
	if *partial {
		q.Set("partial", "1")
	}

	resp, err := c.client().do(ctx, http.MethodPost, "/api/trace/import", q, body, ctype)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity {
			return fmt.Errorf("trace import %s: %w", name, err)
		}
		if ae.Reason == "line_too_long" {
			return fmt.Errorf("trace import %s: %s", name, ae.Message)
		}
		var rep importReply
		_ = json.Unmarshal(ae.Body, &rep)
		for _, r := range rep.Rows {
			fmt.Fprintln(c.stderr, r.Error())
		}
		msg := plural(max(rep.Rejected, len(rep.Rows)), "bad row")
		if rep.Rejected > len(rep.Rows) {
			msg += fmt.Sprintf(" (the first %d shown)", len(rep.Rows))
		}
		if len(rep.Rows) == 0 {
			msg = ae.Error()
		}
		return fmt.Errorf("trace import %s: %s; nothing imported (--partial imports the good rows)", name, msg)
	}
	defer resp.Body.Close()
	var rep importReply
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		return fmt.Errorf("trace import %s: decode answer: %w", name, err)
	}
	for _, r := range rep.Rows {
		fmt.Fprintln(c.stderr, r.Error())
	}
	msg := "imported " + plural(rep.Imported, "chain")
	if rep.Rejected > 0 {
		msg += ", rejected " + plural(rep.Rejected, "bad row")
	}
	_, err = fmt.Fprintln(c.stdout, msg)
	return err
}

func runTraceExport(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("trace export", "[--format jsonl|csv] [-o FILE]",
		"Export every chain in code order, to stdout or FILE. The format follows the\nextension of FILE unless given, else JSON Lines.")
	format := fs.String("format", "", "`FORMAT`: jsonl or csv")
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	fs.socketFlag()
	if err := fs.parseNone(args); err != nil {
		return err
	}
	f, err := outputFormat("trace export", *format, *out)
	if err != nil {
		return err
	}

	resp, err := c.client().do(ctx, http.MethodGet, "/api/trace/export", url.Values{"format": {string(f)}}, nil, "")
	if err != nil {
		return fmt.Errorf("trace export: %w", err)
	}
	defer resp.Body.Close()
	return writeOutput(c.stdout, *out, func(w io.Writer) error {
		if _, err := io.Copy(w, resp.Body); err != nil {
			return fmt.Errorf("trace export: %w", err)
		}
		return nil
	})
}

// plural is "1 chain", "2 chains".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// writeOutput runs write on stdout, or on FILE through a temporary file that
// replaces FILE only once everything is written.
func writeOutput(stdout io.Writer, name string, write func(io.Writer) error) error {
	if name == "" || name == "-" {
		return write(stdout)
	}
	return writeFileAtomic(name, write)
}

// writeFileAtomic writes name through a temporary file in the same directory,
// so that a failure never leaves half a file under the name.
func writeFileAtomic(name string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

func runTraceGen(_ context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("trace gen", "-n N [--seed S] [--format jsonl|csv] [-o FILE]",
		"Write N deterministic demo chains, ready for 'trace import': JSON Lines unless\n"+
			"--format or the extension of FILE says CSV. The same seed always gives the\n"+
			"same chains; the default seed gives the chains tracecalld -demo loads.\n"+
			"Runs locally; no daemon needed.")
	n := fs.Int("n", 0, "write `N` chains (required)")
	seed := fs.Int64("seed", trace.DemoSeed, "generator `SEED`")
	format := fs.String("format", "", "`FORMAT`: jsonl or csv")
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	if err := fs.parseNone(args); err != nil {
		return err
	}
	if *n <= 0 || *n > trace.DemoMaxChains {
		return usagef("trace gen", "-n must be between 1 and %d", trace.DemoMaxChains)
	}
	f, err := outputFormat("trace gen", *format, *out)
	if err != nil {
		return err
	}
	chains := trace.NewGenerator(*seed).Chains(*n)
	return writeOutput(c.stdout, *out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := trace.WriteAll(bw, f, chains); err != nil {
			return fmt.Errorf("trace gen: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("trace gen: %w", err)
		}
		return nil
	})
}
