package store

import (
	"errors"
	"fmt"
	"slices"

	"github.com/golang/snappy"
)

// Chain documents are stored Snappy-compressed. What makes chain JSON
// compressible is repetition (field names, node and operator objects repeated on
// every event), which Snappy's LZ77 takes at a few microseconds per chain;
// compress/flate gets a little smaller but its Huffman stage made encoding the
// bottleneck of a bulk import.

var errCompressed = errors.New("damaged compressed data")

// compressAppend appends src, compressed, to dst.
func compressAppend(dst, src []byte) []byte {
	n := snappy.MaxEncodedLen(len(src))
	dst = slices.Grow(dst, n)
	enc := snappy.Encode(dst[len(dst):len(dst)+n], src)
	return dst[:len(dst)+len(enc)]
}

// decompress reverses compressAppend, refusing data that would decode to more
// than max bytes, so that a damaged value cannot ask for a huge allocation.
func decompress(src []byte, max int) ([]byte, error) {
	n, err := snappy.DecodedLen(src)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCompressed, err)
	}
	if n > max {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", errCompressed, n, max)
	}
	out, err := snappy.Decode(nil, src)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCompressed, err)
	}
	return out, nil
}
