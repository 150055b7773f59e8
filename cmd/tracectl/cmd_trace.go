package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
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
	if len(args) == 0 {
		return usagef("trace", "missing subcommand (show, list, import, export, gen)")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprintf(c.stdout, "Usage: tracectl trace SUBCOMMAND [flags] [args]\n\nSubcommands:\n")
		tw := newTable(c.stdout)
		for _, v := range traceVerbs() {
			fmt.Fprintf(tw, "  %s\t%s\n", v.name, v.summary)
		}
		tw.Flush()
		fmt.Fprintf(c.stdout, "\nRun 'tracectl trace SUBCOMMAND -h' for its flags.\n")
		return flag.ErrHelp
	}
	for _, v := range traceVerbs() {
		if v.name == args[0] {
			return v.run(ctx, c, args[1:])
		}
	}
	return usagef("trace", "unknown subcommand %q (show, list, import, export, gen)", args[0])
}

func runTraceShow(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("trace show", "[--json] CODE", "Show the chain of one trace code: every hop from origin to retail sale and\nits certificates. A malformed code is answered with the reason.")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	fs.socketFlag()
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("trace show", "want one trace code, got %d arguments", len(pos))
	}
	code := pos[0]

	var ch trace.Chain
	raw, err := c.client().getJSON(ctx, "/api/trace/"+url.PathEscape(code), nil, &ch)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			switch ae.Status {
			case http.StatusBadRequest:
				return fmt.Errorf("trace show %s: malformed code: %w", code, err)
			case http.StatusNotFound:
				return fmt.Errorf("trace show %s: unknown code: %w", code, err)
			}
		}
		return fmt.Errorf("trace show %s: %w", code, err)
	}
	if *asJSON {
		return writeJSON(c.stdout, raw)
	}
	return c.printChain(&ch)
}

// printChain shows a chain for a person: a summary, the hops, the certificates.
func (c *cli) printChain(ch *trace.Chain) error {
	tw := newTable(c.stdout)
	fmt.Fprintf(tw, "trace code\t%s (%v)\n", ch.TraceCode, ch.CodeKind)
	fmt.Fprintf(tw, "product\t%s\n", dash(productName(ch)))
	if ch.Complete {
		fmt.Fprintf(tw, "complete\tyes\n")
	} else {
		missing := make([]string, len(ch.MissingHops))
		for i, h := range ch.MissingHops {
			missing[i] = string(h)
		}
		fmt.Fprintf(tw, "complete\tno, missing: %s\n", dash(strings.Join(missing, ", ")))
	}
	if ch.SourcePlatform != "" || !ch.SyncedAt.IsZero() {
		fmt.Fprintf(tw, "source\t%s, synced %s\n", dash(ch.SourcePlatform), c.fmtTime(ch.SyncedAt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(c.stdout)
	tw = newTable(c.stdout)
	fmt.Fprintln(tw, "WHEN\tHOP\tNODE\tOPERATOR\tDETAILS")
	for _, ev := range ch.Events {
		op := "-"
		if ev.Operator != nil {
			op = ev.Operator.Name
			if ev.Operator.StallNo != "" {
				op += " (stall " + ev.Operator.StallNo + ")"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.fmtTime(ev.At), ev.Type, dash(ev.Node.Name), op, dash(eventDetails(&ev)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	// A certificate travels with the goods; list it once, at the hop that
	// first shows it.
	var certs [][5]string
	seen := map[[2]string]bool{}
	for _, ev := range ch.Events {
		for _, ct := range ev.Certificates {
			key := [2]string{string(ct.Kind), ct.Number}
			if seen[key] {
				continue
			}
			seen[key] = true
			certs = append(certs, [5]string{string(ct.Kind), ct.Number, dash(ct.Issuer), string(ct.Result), string(ev.Type)})
		}
	}
	if len(certs) == 0 {
		return nil
	}
	fmt.Fprintln(c.stdout)
	tw = newTable(c.stdout)
	fmt.Fprintln(tw, "CERTIFICATE\tNUMBER\tISSUER\tRESULT\tHOP")
	for _, r := range certs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r[0], r[1], r[2], r[3], r[4])
	}
	return tw.Flush()
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
	asJSON := fs.Bool("json", false, "print the API's JSON")
	fs.socketFlag()
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("trace list", "unexpected argument %q", pos[0])
	}
	if *n <= 0 {
		return usagef("trace list", "-n must be positive")
	}

	q := url.Values{"limit": {strconv.Itoa(*n)}}
	if *after != "" {
		q.Set("after", *after)
	}
	var chains []trace.Chain
	raw, err := c.client().getJSON(ctx, "/api/trace", q, &chains)
	if err != nil {
		return fmt.Errorf("trace list: %w", err)
	}
	if *asJSON {
		return writeJSON(c.stdout, raw)
	}
	if len(chains) == 0 {
		_, err := fmt.Fprintln(c.stdout, "no chains")
		return err
	}
	tw := newTable(c.stdout)
	fmt.Fprintln(tw, "CODE\tKIND\tPRODUCT\tRETAILER\tHOPS\tCOMPLETE")
	for i := range chains {
		ch := &chains[i]
		complete := "yes"
		if !ch.Complete {
			complete = "no"
		}
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\t%d\t%s\n", ch.TraceCode, ch.CodeKind, dash(productName(ch)), dash(retailer(ch)), len(ch.Events), complete)
	}
	return tw.Flush()
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
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("trace import", "want one FILE, got %d arguments", len(pos))
	}
	name := pos[0]
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
	q := url.Values{"format": {*format}, "partial": {"0"}}
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
		var rep importReply
		_ = json.Unmarshal(ae.Body, &rep)
		for _, r := range rep.Rows {
			fmt.Fprintln(c.stderr, r.Error())
		}
		msg := plural(len(rep.Rows), "bad row")
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
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("trace export", "unexpected argument %q", pos[0])
	}
	if *format == "" {
		if *format = formatOf(*out); *format == "" {
			*format = string(trace.FormatJSONL)
		}
	}
	if err := checkFormat("trace export", *format); err != nil {
		return err
	}

	resp, err := c.client().do(ctx, http.MethodGet, "/api/trace/export", url.Values{"format": {*format}}, nil, "")
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
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("trace gen", "unexpected argument %q", pos[0])
	}
	if *n <= 0 || *n > trace.DemoMaxChains {
		return usagef("trace gen", "-n must be between 1 and %d", trace.DemoMaxChains)
	}
	if *format == "" {
		if *format = formatOf(*out); *format == "" {
			*format = string(trace.FormatJSONL)
		}
	}
	if err := checkFormat("trace gen", *format); err != nil {
		return err
	}
	chains := trace.NewGenerator(*seed).Chains(*n)
	return writeOutput(c.stdout, *out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := trace.WriteAll(bw, trace.Format(*format), chains); err != nil {
			return fmt.Errorf("trace gen: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("trace gen: %w", err)
		}
		return nil
	})
}
