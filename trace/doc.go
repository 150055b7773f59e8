// Package trace holds the traceability records of the meat and vegetable
// circulation system (肉类蔬菜流通追溯体系) and everything that checks them: the
// parsing and validation of every code a caller or agent can enter, the GB/T 2260
// region names, the Chain model with its validation and normalisation, JSON Lines
// and CSV import and export, and a deterministic demo data generator. It does no
// I/O of its own beyond the readers and writers it is given; lookups against the
// store and refreshes from the city platform live with their callers.
//
// The formats come from ../shared/specs/trace-data.md (§2 identifiers, §4 model,
// §5 accepted input, §7 sample values).
//
// # Codes
//
// Parse normalises raw input (full-width characters to ASCII; spaces and '-'
// removed from digit codes) and checks it against one Kind, or infers the kind
// from its shape and length when asked for "" (see Parse for the precedence). The
// kinds are the retail trace code (20 digits in the main case, 16 to 24
// accepted), batch (16), operator (13), node (9), ear tag (15), GTIN-8/12/13/14,
// GS1 element strings and Digital Link URIs, certificate numbers and region codes.
// ParseTraceCode is what the IVR calls with the digits a caller keyed.
//
// A rejected code is a *CodeError whose Reason is stable: the IVR maps it to a
// spoken prompt and the HTTP API returns it as "reason". Real platform codes have
// no check digit, so Options.CheckDigit is off by default; the appliance's own demo
// codes (DemoCode: node(9) + YYMMDD + serial(4) + GS1 mod-10 check) turn it on.
// An unknown region in a retail or batch code is only a warning
// (Code.RegionKnown); node, operator and ear-tag codes must name a province.
//
// Candidates lists the store keys to try for a code: exact first, then the
// zero-padded and zero-stripped forms label scales produce.
//
// # Regions
//
// RegionName and RegionFullName read a built-in GB/T 2260 table. It is partial:
// all 34 provincial-level units, the prefecture-level units, and the counties used
// by the spec and the demo data. Retired codes are kept (RegionSuccessor), since
// old trace codes carry them. The names were written from memory; load the
// official table before go-live.
//
// # Chains
//
// A Chain is everything known about one trace code, denormalised so one store read
// answers one call. Validate names every bad field ("events[2].at: missing");
// Normalise sorts the events origin → retail and computes Complete and
// MissingHops. RetailSale, Product, Category, HasFailedResult and Certificates
// answer what the IVR reads back.
//
// # Import
//
// JSON Lines carry one Chain per line in the model's JSON; CSV carries one row per
// event (csv.go and testdata/csv-format.md describe the columns). Decoder and
// CSVDecoder stream a file of any size one chain at a time; ReadJSONL, ReadCSV
// and ReadAll collect everything. Every chain read is validated and normalised;
// every bad row is reported as a RowError with its line number, e.g.
// `line 7: weight_kg: not a number: "abc"`. A line longer than MaxLineBytes
// (or a CSV record running longer, as an unclosed quote does) ends the read
// with a *LineTooLongError naming the line and the limit, and a CSV chain whose
// rows add up to more is a bad row, so the decoders' memory is bounded by about
// one line whatever the input. CSVDecoder.SkipRepeatCheck hands the check for
// a repeated trace code to a caller that keeps the codes elsewhere (the store
// keeps them on disk during an import).
//
// The policy is the caller's, and the default is all or nothing: if any row is
// bad, import nothing and show the rows (the HTTP API's partial=0). ValidateAll
// makes that check without keeping the chains. Only on an explicit request
// (partial=1) should a caller import the chains that were returned; bad rows, and
// in CSV every chain with a bad row, are never among them (a CSV row without a
// trace code cannot be tied to its chain, which is then imported without it).
//
// # Demo data
//
// NewGenerator(seed).Chain(i) is a pure function of seed and i; DemoChains(n) uses
// DemoSeed. Even chains are pork (ear tags → slaughter entry → inspection →
// slaughter sale → wholesale entry → wholesale sale → retail entry → retail
// sale), odd chains vegetables (origin → wholesale entry → wholesale test →
// wholesale sale → market or supermarket entry → retail sale). Chains with
// i%20 == 4 or 13 are incomplete (10 %). Three chains are fixed for every seed:
//
//	i  trace code            what
//	0  11010600524031500425  DemoPorkCode: the §7 pork chain, 前腿肉 0.86 kg at 丰台区东安街菜市场 B-12
//	1  11010601224031500881  DemoVegCode: the §7 vegetable chain, 寿光 大白菜 at 佳和超市（丰台店）
//	7  31011502324052000078  DemoFailedCode: 芹菜 whose wholesale pesticide test failed (the only failure)
//
// All demo trace codes are DemoCodes, so read them with Options{CheckDigit: true}.
//
// # Concurrency
//
// Everything here is a pure function or works on values the caller owns. A
// Generator is safe for concurrent use; a Decoder or CSVDecoder is not.
package trace
