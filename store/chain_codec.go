package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"tracecall/trace"
)

// A value in the chains bucket is a format byte, chainFormatSnappy, followed by
// this block compressed with Snappy (compress.go):
//
//	uvarint n, n × (uvarint len, bytes)   distinct transaction refs, sorted
//	uvarint m, m × (uvarint len, bytes)   distinct certificate numbers, sorted
//	the chain's JSON document
//
// The ref lists are the chain's index entries, so that a replace or delete
// finds the stale entries by decompressing the old value, without decoding
// its JSON. The JSON is the document the API returns. Compression takes a
// typical 8-event chain from about 6 KB to under 2 KB, so that a bbolt page
// holds two chains instead of one chain taking two pages; the refs cost
// little because the JSON repeats them.
const chainFormatSnappy byte = 1

// maxKeyLen bounds trace codes, refs and certificate numbers. Real ones are
// at most 32 characters; the bound only keeps garbage out of the indexes.
const maxKeyLen = 256

// maxChainValue bounds a decompressed chain so that a damaged value cannot
// make a reader allocate without limit.
const maxChainValue = 64 << 20

// encodedChain is a chain ready to be written.
type encodedChain struct {
	code  string
	value []byte
	tran  []string // distinct OutputRef and InputRefs, sorted
	cert  []string // distinct Certificates[].Number, sorted
}

// encodeChain validates c's keys and encodes it.
func encodeChain(c *trace.Chain) (encodedChain, error) {
	if err := checkKey("trace code", c.TraceCode); err != nil {
		return encodedChain{}, err
	}
	var tran, cert []string
	for i := range c.Events {
		e := &c.Events[i]
		if e.OutputRef != "" {
			tran = append(tran, e.OutputRef)
		}
		for _, r := range e.InputRefs {
			if r != "" {
				tran = append(tran, r)
			}
		}
		for _, ct := range e.Certificates {
			if ct.Number != "" {
				cert = append(cert, ct.Number)
			}
		}
	}
	slices.Sort(tran)
	tran = slices.Compact(tran)
	slices.Sort(cert)
	cert = slices.Compact(cert)
	for _, r := range tran {
		if err := checkKey("ref", r); err != nil {
			return encodedChain{}, fmt.Errorf("chain %s: %w", c.TraceCode, err)
		}
	}
	for _, r := range cert {
		if err := checkKey("certificate number", r); err != nil {
			return encodedChain{}, fmt.Errorf("chain %s: %w", c.TraceCode, err)
		}
	}
	doc, err := json.Marshal(c)
	if err != nil {
		return encodedChain{}, fmt.Errorf("chain %s: encode: %w", c.TraceCode, err)
	}

	n := 2*binary.MaxVarintLen32 + len(doc)
	for _, s := range tran {
		n += binary.MaxVarintLen32 + len(s)
	}
	for _, s := range cert {
		n += binary.MaxVarintLen32 + len(s)
	}
	block := make([]byte, 0, n)
	block = appendStrings(block, tran)
	block = appendStrings(block, cert)
	block = append(block, doc...)
	v := make([]byte, 1, 1+len(block)/2)
	v[0] = chainFormatSnappy
	v = compressAppend(v, block)
	return encodedChain{code: c.TraceCode, value: v, tran: tran, cert: cert}, nil
}

// encodeChains encodes chains on all cores. On error it returns the first
// bad chain's.
func encodeChains(chains []trace.Chain) ([]encodedChain, error) {
	out := make([]encodedChain, len(chains))
	workers := runtime.GOMAXPROCS(0)
	if len(chains) < 64 || workers == 1 {
		for i := range chains {
			e, err := encodeChain(&chains[i])
			if err != nil {
				return nil, fmt.Errorf("%w (chain %d of %d)", err, i+1, len(chains))
			}
			out[i] = e
		}
		return out, nil
	}
	errs := make([]error, workers)
	per := (len(chains) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, len(chains))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				e, err := encodeChain(&chains[i])
				if err != nil {
					errs[w] = fmt.Errorf("%w (chain %d of %d)", err, i+1, len(chains))
					return
				}
				out[i] = e
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the earliest chunk's: the first bad chain in input order
		}
	}
	return out, nil
}

func checkKey(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	case len(s) > maxKeyLen:
		return fmt.Errorf("%w: %s longer than %d bytes", ErrInvalid, what, maxKeyLen)
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("%w: %s %q contains NUL", ErrInvalid, what, s)
	}
	return nil
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

var errBadValue = errors.New("damaged chain value")

// chainValue is a decompressed value.
type chainValue struct {
	tran []string
	cert []string
	doc  []byte // the JSON document
}

// openChainValue decompresses v and splits it, without decoding the JSON.
func openChainValue(v []byte) (chainValue, error) {
	if len(v) == 0 {
		return chainValue{}, errBadValue
	}
	if v[0] != chainFormatSnappy {
		return chainValue{}, fmt.Errorf("%w: unknown format %d", errBadValue, v[0])
	}
	block, err := decompress(v[1:], maxChainValue)
	if err != nil {
		return chainValue{}, fmt.Errorf("%w: %v", errBadValue, err)
	}
	var cv chainValue
	if cv.tran, block, err = readStrings(block); err != nil {
		return chainValue{}, err
	}
	if cv.cert, block, err = readStrings(block); err != nil {
		return chainValue{}, err
	}
	cv.doc = block
	return cv, nil
}

func readStrings(b []byte) ([]string, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, nil, errBadValue
	}
	b = b[k:]
	ss := make([]string, 0, n)
	for range n {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, nil, errBadValue
		}
		ss = append(ss, string(b[k:k+int(l)]))
		b = b[k+int(l):]
	}
	return ss, b, nil
}

// decodeChain decodes value v.
func decodeChain(v []byte) (trace.Chain, error) {
	cv, err := openChainValue(v)
	if err != nil {
		return trace.Chain{}, err
	}
	var c trace.Chain
	if err := json.Unmarshal(cv.doc, &c); err != nil {
		return trace.Chain{}, fmt.Errorf("%w: %v", errBadValue, err)
	}
	return c, nil
}
