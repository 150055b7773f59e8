package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password length limits for new passwords. Old hashes are checked whatever
// the password's length was.
const (
	MinPasswordLen = 8   // characters
	MaxPasswordLen = 256 // bytes
)

// Params are argon2id's cost parameters.
type Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
	Threads   uint8
	SaltLen   uint32 // bytes of random salt
	KeyLen    uint32 // bytes of hash
}

// DefaultParams are the parameters new hashes get: OWASP's argon2id
// minimum (19 MiB, two passes, one thread), about 50 ms on one core of the
// appliance.
func DefaultParams() Params {
	return Params{Time: 2, MemoryKiB: 19 * 1024, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// TestParams are cheap parameters for tests: hashing takes well under a
// millisecond. Never use them for real passwords.
func TestParams() Params {
	return Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters read from a stored hash, so that a damaged or hostile
// value cannot make CheckPassword take the machine's memory or minutes.
const (
	maxTime      = 16
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxThreads   = 64
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 64
)

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding

// HashPassword hashes password with argon2id and a fresh random salt, and
// returns the PHC string: $argon2id$v=19$m=<KiB>,t=<time>,p=<threads>$<salt>$<hash>.
// A zero p means DefaultParams.
func HashPassword(password string, p Params) (string, error) {
	if p == (Params{}) {
		p = DefaultParams()
	}
	if err := p.check(); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the encoded hash, with the
// parameters the hash records. It fails with ErrBadHash for a hash it cannot
// read; a wrong password is (false, nil).
func CheckPassword(encoded, password string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// decodeHash parses a PHC argon2id string.
func decodeHash(s string) (p Params, salt, key []byte, err error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("auth: %w: %s", ErrBadHash, why)
	}
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return bad("not an argon2id PHC string")
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	var seen [3]bool
	for kv := range strings.SplitSeq(f[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, perr := strconv.ParseUint(v, 10, 32)
		if !ok || perr != nil {
			return bad("bad parameter " + strconv.Quote(kv))
		}
		switch k {
		case "m":
			p.MemoryKiB, seen[0] = uint32(n), true
		case "t":
			p.Time, seen[1] = uint32(n), true
		case "p":
			if n > 255 {
				return bad("too many threads")
			}
			p.Threads, seen[2] = uint8(n), true
		default:
			return bad("unknown parameter " + strconv.Quote(k))
		}
	}
	if seen != [3]bool{true, true, true} {
		return bad("missing parameter")
	}
	if salt, err = b64.DecodeString(f[4]); err != nil {
		return bad("salt: " + err.Error())
	}
	if key, err = b64.DecodeString(f[5]); err != nil {
		return bad("hash: " + err.Error())
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return bad(err.Error())
	}
	return p, salt, key, nil
}

// check keeps parameters within the bounds CheckPassword accepts.
func (p Params) check() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d out of 1..%d", p.Time, maxTime)
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("threads %d out of 1..%d", p.Threads, maxThreads)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("memory %d KiB out of %d..%d", p.MemoryKiB, 8*uint32(p.Threads), maxMemoryKiB)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of %d..%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("hash length %d out of %d..%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// ValidPassword checks a new password's length: at least MinPasswordLen
// characters, at most MaxPasswordLen bytes, valid UTF-8.
func ValidPassword(pw string) error {
	if !utf8.ValidString(pw) || utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return fmt.Errorf("auth: %w: want %d to %d bytes", ErrBadPassword, MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

// ValidUsername checks a new username: 1–32 characters of a–z, 0–9, '.',
// '_' or '-', starting with a letter or digit. Usernames are stored lower case;
// NormalizeUsername is applied first by every function that takes one.
func ValidUsername(name string) error {
	if name == "" || len(name) > 32 {
		return fmt.Errorf("auth: %w", ErrBadUsername)
	}
	for i, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return fmt.Errorf("auth: %w", ErrBadUsername)
		}
	}
	return nil
}

// NormalizeUsername trims spaces and lowers ASCII letters, so that "Admin "
// and "admin" are one user.
func NormalizeUsername(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}
