package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestCompressRoundTrip(t *testing.T) {
	for _, in := range []string{"", "a", strings.Repeat(`{"eventId":"e1","node":{"name":"丰台区东安街菜市场"}}`, 40)} {
		c := compressAppend([]byte("prefix"), []byte(in))
		if !bytes.HasPrefix(c, []byte("prefix")) {
			t.Fatal("compressAppend lost dst")
		}
		got, err := decompress(c[len("prefix"):], len(in))
		if err != nil || string(got) != in {
			t.Fatalf("round trip of %d bytes: %v", len(in), err)
		}
		if len(in) > 0 {
			if _, err := decompress(c[len("prefix"):], len(in)-1); !errors.Is(err, errCompressed) {
				t.Errorf("decompress past max: %v, want errCompressed", err)
			}
		}
	}
}

// FuzzDecodeChainValue checks that a damaged chains value gives an error,
// not a panic.
func FuzzDecodeChainValue(f *testing.F) {
	f.Add(compressAppend([]byte{chainFormatSnappy}, []byte("\x01\x02T1\x00{}")))
	f.Add(compressAppend([]byte{chainFormatSnappy}, []byte("\x00\x00")))
	f.Add([]byte{9})
	f.Fuzz(func(t *testing.T, v []byte) {
		if _, err := openChainValue(v); err != nil {
			return
		}
		_, _ = decodeChain(v)
	})
}
