package trace

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CSV import and export (also described in testdata/csv-format.md).
//
// One row per event, UTF-8 (a leading byte-order mark is ignored), RFC 4180
// quoting, a header row first. Columns are found by name, in any order; unknown or
// repeated names are an error, and the required columns are trace_code, event_id,
// type, at, node_code, node_name and node_type. WriteCSV writes all of them in
// this order:
//
//	trace_code         追溯码, in normal form (as Parse returns it)
//	code_kind          retail, batch, gs1, … (empty: inferred)
//	source_platform    platform the chain came from
//	synced_at          RFC 3339 time of the last sync
//	event_id           unique within the chain
//	type               slaughterEntry … retailSale (model.go EventType)
//	at                 RFC 3339 time with offset, e.g. 2024-03-15T09:12:00+08:00
//	node_code          9 digits
//	node_name, node_type (1–6), node_region (6 digits), node_address, node_phone
//	operator_code      13 digits; the operator columns are empty when there is none
//	operator_node, operator_name, operator_type (0–5), operator_nature (企业|个体户),
//	stall_no, operator_reg_id
//	goods_code, goods_name, category (meat|veg|other), part, unit
//	weight_kg, unit_price (元/kg), head_count   decimal numbers; empty = 0
//	input_refs         upstream voucher, batch or certificate numbers, '|'-separated
//	output_ref         this hop's voucher number
//	counterparty_code, counterparty_name
//	origin_region, origin_name, farm_name, vehicle_plate
//	cert_kind, cert_number, cert_issuer, cert_issued_at, cert_result
//	                   one item per certificate, '|'-separated, in parallel: the
//	                   i-th item of each column describes the i-th certificate;
//	                   cert_issuer and cert_issued_at may be left wholly empty
//	ear_tags           15-digit ear tags, '|'-separated
//
// The rows of one chain share trace_code, code_kind, source_platform and
// synced_at. ReadCSV groups rows into chains by trace_code wherever they are in
// the file; a CSVDecoder streams and so needs each chain's rows to be consecutive,
// as WriteCSV writes them. Complete and missing hops are not columns: they are
// computed (Chain.Normalise).
//
// Every row is checked. A bad row is reported with its line number and the
// column, e.g. `line 7: weight_kg: not a number: "abc"`; a chain with any bad row
// is left out whole.

// CSV columns, in WriteCSV order.
const (
	colTraceCode = iota
	colCodeKind
	colSourcePlatform
	colSyncedAt
	colEventID
	colType
	colAt
	colNodeCode
	colNodeName
	colNodeType
	colNodeRegion
	colNodeAddress
	colNodePhone
	colOperatorCode
	colOperatorNode
	colOperatorName
	colOperatorType
	colOperatorNature
	colStallNo
	colOperatorRegID
	colGoodsCode
	colGoodsName
	colCategory
	colPart
	colUnit
	colWeightKg
	colUnitPrice
	colHeadCount
	colInputRefs
	colOutputRef
	colCounterpartyCode
	colCounterpartyName
	colOriginRegion
	colOriginName
	colFarmName
	colVehiclePlate
	colCertKind
	colCertNumber
	colCertIssuer
	colCertIssuedAt
	colCertResult
	colEarTags
	numCols
)

// csvColumns names each column and the model field (Validate's path) it holds.
var csvColumns = [numCols]struct{ name, path string }{
	colTraceCode:        {"trace_code", "traceCode"},
	colCodeKind:         {"code_kind", "codeKind"},
	colSourcePlatform:   {"source_platform", "sourcePlatform"},
	colSyncedAt:         {"synced_at", "syncedAt"},
	colEventID:          {"event_id", "eventId"},
	colType:             {"type", "type"},
	colAt:               {"at", "at"},
	colNodeCode:         {"node_code", "node.nodeCode"},
	colNodeName:         {"node_name", "node.name"},
	colNodeType:         {"node_type", "node.nodeType"},
	colNodeRegion:       {"node_region", "node.regionCode"},
	colNodeAddress:      {"node_address", "node.address"},
	colNodePhone:        {"node_phone", "node.servicePhone"},
	colOperatorCode:     {"operator_code", "operator.operatorCode"},
	colOperatorNode:     {"operator_node", "operator.nodeCode"},
	colOperatorName:     {"operator_name", "operator.name"},
	colOperatorType:     {"operator_type", "operator.operatorType"},
	colOperatorNature:   {"operator_nature", "operator.nature"},
	colStallNo:          {"stall_no", "operator.stallNo"},
	colOperatorRegID:    {"operator_reg_id", "operator.regId"},
	colGoodsCode:        {"goods_code", "goods.goodsCode"},
	colGoodsName:        {"goods_name", "goods.goodsName"},
	colCategory:         {"category", "goods.category"},
	colPart:             {"part", "goods.part"},
	colUnit:             {"unit", "goods.unit"},
	colWeightKg:         {"weight_kg", "weightKg"},
	colUnitPrice:        {"unit_price", "unitPrice"},
	colHeadCount:        {"head_count", "headCount"},
	colInputRefs:        {"input_refs", "inputRefs"},
	colOutputRef:        {"output_ref", "outputRef"},
	colCounterpartyCode: {"counterparty_code", "counterparty.code"},
	colCounterpartyName: {"counterparty_name", "counterparty.name"},
	colOriginRegion:     {"origin_region", "originRegion"},
	colOriginName:       {"origin_name", "originName"},
	colFarmName:         {"farm_name", "farmName"},
	colVehiclePlate:     {"vehicle_plate", "vehiclePlate"},
	colCertKind:         {"cert_kind", "certificates.kind"},
	colCertNumber:       {"cert_number", "certificates.number"},
	colCertIssuer:       {"cert_issuer", "certificates.issuer"},
	colCertIssuedAt:     {"cert_issued_at", "certificates.issuedAt"},
	colCertResult:       {"cert_result", "certificates.result"},
	colEarTags:          {"ear_tags", "earTags"},
}

var csvRequired = []int{colTraceCode, colEventID, colType, colAt, colNodeCode, colNodeName, colNodeType}

// CSVHeader returns the column names WriteCSV writes, in order.
func CSVHeader() []string {
	h := make([]string, numCols)
	for i, c := range csvColumns {
		h[i] = c.name
	}
	return h
}

// WriteCSV writes a header and one row per event. It fails on a chain without
// events (it would have no row) and on a list item containing '|'.
func WriteCSV(w io.Writer, chains iter.Seq[Chain]) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader()); err != nil {
		return fmt.Errorf("trace: write csv: %w", err)
	}
	rec := make([]string, numCols)
	for c := range chains {
		if len(c.Events) == 0 {
			return fmt.Errorf("trace: write csv: chain %s has no events", c.TraceCode)
		}
		for i := range c.Events {
			if err := eventRecord(rec, &c, &c.Events[i]); err != nil {
				return fmt.Errorf("trace: write csv: chain %s: events[%d]: %w", c.TraceCode, i, err)
			}
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("trace: write csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("trace: write csv: %w", err)
	}
	return nil
}

func eventRecord(rec []string, c *Chain, e *Event) error {
	clear(rec)
	rec[colTraceCode] = c.TraceCode
	rec[colCodeKind] = string(c.CodeKind)
	rec[colSourcePlatform] = c.SourcePlatform
	rec[colSyncedAt] = formatTime(c.SyncedAt)
	rec[colEventID] = e.ID
	rec[colType] = string(e.Type)
	rec[colAt] = formatTime(e.At)
	rec[colNodeCode] = e.Node.Code
	rec[colNodeName] = e.Node.Name
	rec[colNodeType] = formatInt(int(e.Node.Type))
	rec[colNodeRegion] = e.Node.RegionCode
	rec[colNodeAddress] = e.Node.Address
	rec[colNodePhone] = e.Node.ServicePhone
	if o := e.Operator; o != nil {
		rec[colOperatorCode] = o.Code
		rec[colOperatorNode] = o.NodeCode
		rec[colOperatorName] = o.Name
		rec[colOperatorType] = formatInt(int(o.Type))
		rec[colOperatorNature] = o.Nature
		rec[colStallNo] = o.StallNo
		rec[colOperatorRegID] = o.RegID
	}
	if g := e.Goods; g != nil {
		rec[colGoodsCode] = g.GoodsCode
		rec[colGoodsName] = g.GoodsName
		rec[colCategory] = string(g.Category)
		rec[colPart] = g.Part
		rec[colUnit] = g.Unit
	}
	rec[colWeightKg] = formatFloat(e.WeightKg)
	rec[colUnitPrice] = formatFloat(e.UnitPrice)
	rec[colHeadCount] = formatInt(e.HeadCount)
	rec[colOutputRef] = e.OutputRef
	if p := e.Counterparty; p != nil {
		rec[colCounterpartyCode] = p.Code
		rec[colCounterpartyName] = p.Name
	}
	rec[colOriginRegion] = e.OriginRegion
	rec[colOriginName] = e.OriginName
	rec[colFarmName] = e.FarmName
	rec[colVehiclePlate] = e.VehiclePlate
	var err error
	list := func(col int, items []string) {
		for _, it := range items {
			if err == nil && (it == "" || strings.ContainsRune(it, '|')) {
				err = fmt.Errorf("%s: item %q is empty or contains '|'", csvColumns[col].name, it)
			}
		}
		rec[col] = strings.Join(items, "|")
	}
	list(colInputRefs, e.InputRefs)
	list(colEarTags, e.EarTags)
	if n := len(e.Certificates); n > 0 {
		kinds, numbers, issuers, issued, results := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		anyIssuer, anyIssued := false, false
		for i, cert := range e.Certificates {
			kinds[i], numbers[i], results[i] = string(cert.Kind), cert.Number, string(cert.Result)
			issuers[i], issued[i] = cert.Issuer, formatTime(cert.IssuedAt)
			anyIssuer = anyIssuer || cert.Issuer != ""
			anyIssued = anyIssued || !cert.IssuedAt.IsZero()
			if strings.ContainsRune(cert.Issuer, '|') {
				return fmt.Errorf("cert_issuer: %q contains '|'", cert.Issuer)
			}
		}
		list(colCertKind, kinds)
		list(colCertNumber, numbers)
		list(colCertResult, results)
		if anyIssuer {
			rec[colCertIssuer] = strings.Join(issuers, "|")
		}
		if anyIssued {
			rec[colCertIssuedAt] = strings.Join(issued, "|")
		}
	}
	return err
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func formatInt(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func formatFloat(f float64) string {
	if f == 0 {
		return ""
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// csvRow is one parsed data row.
type csvRow struct {
	line                         int
	size                         int // bytes of the record in the file
	code, kind, platform, synced string
	syncedAt                     time.Time
	event                        Event
}

// csvReader turns records into rows, reporting bad ones.
type csvReader struct {
	cr   *csv.Reader
	lim  *lineLimiter // under cr: bounds what cr holds
	idx  [numCols]int // position of each column in the file, -1 if absent
	rec  []string
	n    int // number of columns in the header
	init bool
	done bool
}

func newCSVReader(r io.Reader) *csvReader {
	lim := newLineLimiter(r, MaxLineBytes)
	cr := csv.NewReader(lim)
	cr.ReuseRecord = true
	return &csvReader{cr: cr, lim: lim}
}

func (r *csvReader) get(col int) string {
	if i := r.idx[col]; i >= 0 && i < len(r.rec) {
		return r.rec[i]
	}
	return ""
}

// next returns the next data row. A bad row comes with a *RowError; row.code is
// still set when the trace code could be read, so its chain can be dropped. At the
// end err is io.EOF; other errors are final: a *LineTooLongError or a read error.
func (r *csvReader) next() (row csvRow, bad *RowError, err error) {
	if r.done {
		return row, nil, io.EOF
	}
	if !r.init {
		r.init = true
		if bad, err := r.header(); bad != nil || err != nil {
			r.done = true
			return row, bad, err
		}
	}
	before := r.cr.InputOffset()
	rec, err := r.cr.Read()
	r.lim.mark()
	row.size = int(r.cr.InputOffset() - before)
	var pe *csv.ParseError
	switch {
	case r.lim.err != nil:
		r.done = true
		return row, nil, r.lim.err
	case err == io.EOF:
		r.done = true
		return row, nil, io.EOF
	case errors.As(err, &pe) && errors.Is(err, csv.ErrFieldCount):
		r.rec = rec
		row.line = pe.StartLine
		row.code = r.get(colTraceCode)
		return row, &RowError{Line: pe.StartLine, Reason: fmt.Sprintf("%d fields, want %d as in the header", len(rec), r.n)}, nil
	case errors.As(err, &pe):
		if r.cr.InputOffset() == before {
			r.done = true // no progress: give up rather than loop
		}
		return row, &RowError{Line: pe.StartLine, Reason: "bad CSV: " + pe.Err.Error()}, nil
	case err != nil:
		r.done = true
		return row, nil, fmt.Errorf("trace: read csv: %w", err)
	}
	r.rec = rec
	row.line, _ = r.cr.FieldPos(0)
	return r.parseRow(row)
}

// header reads and checks the header row.
func (r *csvReader) header() (*RowError, error) {
	rec, err := r.cr.Read()
	r.lim.mark()
	if r.lim.err != nil {
		return nil, r.lim.err
	}
	if err == io.EOF {
		return nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &RowError{Line: pe.StartLine, Reason: "bad CSV header: " + pe.Err.Error()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("trace: read csv header: %w", err)
	}
	r.n = len(rec)
	for i := range r.idx {
		r.idx[i] = -1
	}
	var problems []string
	for i, name := range rec {
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF")
		}
		col := slices.IndexFunc(csvColumns[:], func(c struct{ name, path string }) bool { return c.name == name })
		switch {
		case col < 0:
			problems = append(problems, fmt.Sprintf("unknown column %q", name))
		case r.idx[col] >= 0:
			problems = append(problems, fmt.Sprintf("column %q appears twice", name))
		default:
			r.idx[col] = i
		}
	}
	for _, col := range csvRequired {
		if r.idx[col] < 0 {
			problems = append(problems, fmt.Sprintf("missing column %q", csvColumns[col].name))
		}
	}
	if len(problems) > 0 {
		return &RowError{Line: 1, Reason: "header: " + strings.Join(problems, "; ")}, nil
	}
	return nil, nil
}

// parseRow converts r.rec into row, collecting every field problem.
func (r *csvReader) parseRow(row csvRow) (csvRow, *RowError, error) {
	var problems []string
	bad := func(col int, format string, args ...any) {
		problems = append(problems, csvColumns[col].name+": "+fmt.Sprintf(format, args...))
	}
	timeField := func(col int) time.Time { return parseCell(r, col, bad, parseTimeCell) }
	intField := func(col int) int { return parseCell(r, col, bad, parseIntCell) }
	floatField := func(col int) float64 { return parseCell(r, col, bad, parseFloatCell) }
	listField := func(col int) []string {
		if s := r.get(col); s != "" {
			return strings.Split(s, "|")
		}
		return nil
	}
	str := r.get

	row.code = str(colTraceCode)
	if row.code == "" {
		bad(colTraceCode, "missing")
	}
	row.kind = str(colCodeKind)
	row.platform = str(colSourcePlatform)
	row.synced = str(colSyncedAt)
	row.syncedAt = timeField(colSyncedAt)

	e := &row.event
	e.ID = str(colEventID)
	e.Type = EventType(str(colType))
	e.At = timeField(colAt)
	e.Node = Node{Code: str(colNodeCode), Name: str(colNodeName), Type: NodeType(intField(colNodeType)),
		RegionCode: str(colNodeRegion), Address: str(colNodeAddress), ServicePhone: str(colNodePhone)}
	if anySet(r, colOperatorCode, colOperatorNode, colOperatorName, colOperatorType, colOperatorNature, colStallNo, colOperatorRegID) {
		e.Operator = &Operator{Code: str(colOperatorCode), NodeCode: str(colOperatorNode), Name: str(colOperatorName),
			Type: OperatorType(intField(colOperatorType)), Nature: str(colOperatorNature),
			StallNo: str(colStallNo), RegID: str(colOperatorRegID)}
	}
	if anySet(r, colGoodsCode, colGoodsName, colCategory, colPart, colUnit) {
		e.Goods = &Product{GoodsCode: str(colGoodsCode), GoodsName: str(colGoodsName),
			Category: Category(str(colCategory)), Part: str(colPart), Unit: str(colUnit)}
	}
	e.WeightKg = floatField(colWeightKg)
	e.UnitPrice = floatField(colUnitPrice)
	e.HeadCount = intField(colHeadCount)
	e.InputRefs = listField(colInputRefs)
	e.OutputRef = str(colOutputRef)
	if anySet(r, colCounterpartyCode, colCounterpartyName) {
		e.Counterparty = &Party{Code: str(colCounterpartyCode), Name: str(colCounterpartyName)}
	}
	e.OriginRegion = str(colOriginRegion)
	e.OriginName = str(colOriginName)
	e.FarmName = str(colFarmName)
	e.VehiclePlate = str(colVehiclePlate)
	e.EarTags = listField(colEarTags)

	numbers := listField(colCertNumber)
	parallel := func(col int) []string {
		items := listField(col)
		if len(numbers) == 0 || len(items) == 0 || len(items) == len(numbers) {
			return items
		}
		bad(col, "%d items, want %d (one per cert_number)", len(items), len(numbers))
		return nil
	}
	kinds, issuers, issued, results := parallel(colCertKind), parallel(colCertIssuer), parallel(colCertIssuedAt), parallel(colCertResult)
	if len(kinds) == 0 && len(numbers) > 0 {
		bad(colCertKind, "missing, want %d items (one per cert_number)", len(numbers))
	}
	for i, num := range numbers {
		c := Certificate{Number: num}
		if i < len(kinds) {
			c.Kind = CertKind(kinds[i])
		}
		if i < len(issuers) {
			c.Issuer = issuers[i]
		}
		if i < len(results) {
			c.Result = Result(results[i])
		}
		if i < len(issued) && issued[i] != "" {
			var problem string
			if c.IssuedAt, problem = parseTimeCell(issued[i]); problem != "" {
				bad(colCertIssuedAt, "item %d: %s: %q", i+1, problem, cut(issued[i]))
			}
		}
		e.Certificates = append(e.Certificates, c)
	}
	if len(numbers) == 0 {
		for _, col := range []int{colCertKind, colCertIssuer, colCertIssuedAt, colCertResult} {
			if r.get(col) != "" {
				bad(col, "set without cert_number")
			}
		}
	}
	if len(problems) > 0 {
		return row, &RowError{Line: row.line, Reason: strings.Join(problems, "; ")}, nil
	}
	return row, nil, nil
}

// parseCell parses column col of r's record with parse; an empty cell is the
// zero value. What parse finds wrong with a cell is reported through bad, and
// parse's value is returned all the same.
func parseCell[T any](r *csvReader, col int, bad func(col int, format string, args ...any), parse func(string) (T, string)) T {
	s := r.get(col)
	if s == "" {
		var zero T
		return zero
	}
	v, problem := parse(s)
	if problem != "" {
		bad(col, "%s: %q", problem, cut(s))
	}
	return v
}

// parseTimeCell is a cell parser for parseCell: the RFC 3339 time in s, and
// what is wrong with s ("" if nothing). parseIntCell and parseFloatCell are its
// like for numbers.
func parseTimeCell(s string) (time.Time, string) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, "not an RFC 3339 time"
	}
	return t, ""
}

func parseIntCell(s string) (int, string) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return n, "not a whole number"
	}
	return n, ""
}

func parseFloatCell(s string) (float64, string) {
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil:
		return f, "not a number"
	case math.IsNaN(f) || math.IsInf(f, 0):
		return f, "not a finite number"
	}
	return f, ""
}

func anySet(r *csvReader, cols ...int) bool {
	for _, c := range cols {
		if r.get(c) != "" {
			return true
		}
	}
	return false
}

// csvGroup gathers the rows of one chain.
type csvGroup struct {
	first  csvRow // chain-level values come from the first row
	lines  []int
	events []Event
	size   int  // bytes of the rows gathered, bounded by MaxLineBytes
	bad    bool // some row is bad: the chain is not returned
	tooBig bool // size ran over: rows are no longer gathered
}

// add appends row, checking that its chain-level columns agree with the first
// row. A chain whose rows add up to more than MaxLineBytes, the bound on a JSON
// Lines chain, is bad: its rows are dropped, so that one trace code on a
// million rows costs no more memory than one long line.
func (g *csvGroup) add(row csvRow) *RowError {
	if g.tooBig {
		return nil
	}
	if g.size += row.size; g.size > MaxLineBytes {
		g.bad, g.tooBig, g.lines, g.events = true, true, nil, nil
		return &RowError{Line: row.line, Reason: fmt.Sprintf("trace_code: the rows of %s add up to more than %d bytes (%d MiB), "+
			"the limit for one chain; the rest of its rows are skipped", cut(row.code), MaxLineBytes, MaxLineBytes>>20)}
	}
	if len(g.lines) == 0 {
		g.first = row
	} else {
		var problems []string
		for _, f := range []struct {
			col       int
			got, want string
		}{
			{colCodeKind, row.kind, g.first.kind},
			{colSourcePlatform, row.platform, g.first.platform},
			{colSyncedAt, row.synced, g.first.synced},
		} {
			if f.got != f.want {
				problems = append(problems, fmt.Sprintf("%s: %q differs from line %d (%q)",
					csvColumns[f.col].name, cut(f.got), g.first.line, cut(f.want)))
			}
		}
		if len(problems) > 0 {
			g.bad = true
			return &RowError{Line: row.line, Reason: strings.Join(problems, "; ")}
		}
	}
	g.lines = append(g.lines, row.line)
	g.events = append(g.events, row.event)
	return nil
}

// finish validates the gathered chain; problems are reported on the line of the
// event they are in (chain-level ones on the first line).
func (g *csvGroup) finish(o Options) (Chain, []RowError, bool) {
	if g.bad || len(g.events) == 0 {
		return Chain{}, nil, false
	}
	c := Chain{TraceCode: g.first.code, CodeKind: Kind(g.first.kind), Events: g.events,
		SyncedAt: g.first.syncedAt, SourcePlatform: g.first.platform}
	ps := c.problems(o)
	if len(ps) == 0 {
		c.Normalise()
		return c, nil, true
	}
	byLine := map[int][]string{}
	var order []int
	for _, p := range ps {
		line := g.first.line
		if p.Event >= 0 && p.Event < len(g.lines) {
			line = g.lines[p.Event]
		}
		if _, ok := byLine[line]; !ok {
			order = append(order, line)
		}
		byLine[line] = append(byLine[line], csvProblem(p))
	}
	slices.Sort(order)
	rows := make([]RowError, 0, len(order))
	for _, line := range order {
		msgs := byLine[line]
		if len(msgs) > maxShownProblems {
			msgs = append(msgs[:maxShownProblems], fmt.Sprintf("and %d more", len(msgs)-maxShownProblems))
		}
		rows = append(rows, RowError{Line: line, Reason: strings.Join(msgs, "; ")})
	}
	return Chain{}, rows, false
}

// csvProblem words a FieldError with the CSV column name: "cert_number item 2:
// too short: …".
func csvProblem(p *FieldError) string {
	path, item := p.Field, -1
	if i := strings.IndexByte(path, '['); i >= 0 {
		if j := strings.IndexByte(path[i:], ']'); j > 0 {
			item, _ = strconv.Atoi(path[i+1 : i+j])
			path = path[:i] + path[i+j+1:]
		}
	}
	name := path
	for _, c := range csvColumns {
		if c.path == path {
			name = c.name
			break
		}
	}
	if path == "events" {
		name = "trace_code"
	}
	if item >= 0 {
		name += " item " + strconv.Itoa(item+1)
	}
	return name + ": " + p.Problem
}

// ReadCSV reads every row of r and returns the valid chains, in order of their
// first row, and every bad row, in line order. Rows are grouped by trace_code
// wherever they are in the file, so the whole file is held in memory; use a
// CSVDecoder to stream a file whose chains are in consecutive rows. err is only a
// read error. See the package doc ("# Import") for the all-or-nothing policy.
func ReadCSV(r io.Reader, o Options) (chains []Chain, rows []RowError, err error) {
	rr := newCSVReader(r)
	groups := map[string]*csvGroup{}
	var order []*csvGroup
	for {
		row, bad, err := rr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, rows, err
		}
		if bad != nil {
			rows = append(rows, *bad)
		}
		if row.code == "" {
			continue
		}
		g := groups[row.code]
		if g == nil {
			g = &csvGroup{}
			groups[row.code] = g
			order = append(order, g)
		}
		if bad != nil {
			g.bad = true
			continue
		}
		if e := g.add(row); e != nil {
			rows = append(rows, *e)
		}
	}
	for _, g := range order {
		c, bad, ok := g.finish(o)
		rows = append(rows, bad...)
		if ok {
			chains = append(chains, c)
		}
	}
	slices.SortStableFunc(rows, func(a, b RowError) int { return a.Line - b.Line })
	return chains, rows, nil
}

// CSVDecoder streams chains from CSV whose chains are in consecutive rows (as
// WriteCSV writes them). A trace code whose rows reappear after another chain's
// is a bad row; the decoder has by then returned the chain built from its first
// rows, so treat that error as fatal for the file. It remembers each trace code it
// has seen (a few tens of bytes each) to detect it, unless told not to
// (SkipRepeatCheck). Apart from that, its memory is bounded by one chain
// (MaxLineBytes of rows) whatever the input.
type CSVDecoder struct {
	r        *csvReader
	o        Options
	cur      *csvGroup
	curCode  string
	finished map[string]int // trace code → first line of its group; nil: not checked
	queue    []csvItem      // results not yet returned, in order
	line     int            // Line's answer
	eof      bool
	err      error
}

// csvItem is a chain or a row error waiting to be returned by Next.
type csvItem struct {
	c    Chain
	line int // of the chain's first row
	bad  *RowError
}

// NewCSVDecoder returns a decoder reading r.
func NewCSVDecoder(r io.Reader, o Options) *CSVDecoder {
	return &CSVDecoder{r: newCSVReader(r), o: o, finished: map[string]int{}}
}

// SkipRepeatCheck makes the decoder forget each chain once returned: a trace
// code whose rows reappear later then comes back as a second chain, and the
// caller, which must find repeats itself (with Line, to name the first), keeps
// the memory that a file of millions of chains would otherwise cost here.
// Call it before the first Next.
func (d *CSVDecoder) SkipRepeatCheck() { d.finished = nil }

// Line returns the line of the first row of the chain Next last returned.
func (d *CSVDecoder) Line() int { return d.line }

// Next returns the next valid chain. A bad row gives a *RowError, after which
// Next may be called again; the end of input gives io.EOF; any other error is
// final: a *LineTooLongError, or a read error.
func (d *CSVDecoder) Next() (Chain, error) {
	for {
		if len(d.queue) > 0 {
			it := d.queue[0]
			d.queue = d.queue[1:]
			if it.bad != nil {
				return Chain{}, it.bad
			}
			d.line = it.line
			return it.c, nil
		}
		if d.err != nil {
			return Chain{}, d.err
		}
		if d.eof {
			if d.cur == nil {
				return Chain{}, io.EOF
			}
			d.flush()
			continue
		}
		row, bad, err := d.r.next()
		if err == io.EOF {
			d.eof = true
			continue
		}
		if err != nil {
			d.err = err
			continue
		}
		if row.code != "" && (d.cur == nil || row.code != d.curCode) {
			d.flush()
			d.cur, d.curCode = &csvGroup{}, row.code
			if first, seen := d.finished[row.code]; seen {
				d.cur.bad = true
				if bad == nil {
					bad = &RowError{Line: row.line, Reason: fmt.Sprintf("trace_code: rows of %s are not "+
						"consecutive (its chain began on line %d); sort the file or use ReadCSV", row.code, first)}
				}
			} else if d.finished != nil {
				d.finished[row.code] = row.line
			}
		}
		if bad != nil {
			d.queue = append(d.queue, csvItem{bad: bad})
			if row.code != "" {
				d.cur.bad = true
			}
			continue
		}
		if row.code == "" {
			continue
		}
		if e := d.cur.add(row); e != nil {
			d.queue = append(d.queue, csvItem{bad: e})
		}
	}
}

// flush finishes the current group, queueing its chain or its row errors.
func (d *CSVDecoder) flush() {
	if d.cur == nil {
		return
	}
	c, bad, ok := d.cur.finish(d.o)
	for i := range bad {
		d.queue = append(d.queue, csvItem{bad: &bad[i]})
	}
	if ok {
		d.queue = append(d.queue, csvItem{c: c, line: d.cur.first.line})
	}
	d.cur = nil
}

// All yields every chain and row error in order; it stops after a read error,
// which it yields last.
func (d *CSVDecoder) All() iter.Seq2[Chain, error] {
	return decodeAll(d.Next)
}
