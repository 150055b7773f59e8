package config

import (
	"strconv"
	"strings"
)

// lineIndex maps the keys of a TOML file, in full ("sip.phones[1].user"),
// to the line they are on. A table's key maps to its header's line; an
// array of tables counts its elements from 0, as errors name them.
type lineIndex map[string]int

// find returns the line of key or, when the file does not have it (a key
// left to its default), of the nearest table it is in; 0 if none.
func (ix lineIndex) find(key string) int {
	for key != "" {
		if n, ok := ix[key]; ok {
			return n
		}
		cut := max(strings.LastIndexByte(key, '.'), strings.LastIndexByte(key, '['))
		if cut < 0 {
			return 0
		}
		key = key[:cut]
	}
	return 0
}

// keyLines indexes text's keys. It reads only what a person writes on a
// line of its own: [table] and [[array]] headers and key = value lines; a
// key inside an inline table or a multi-line value maps to the line of the
// key holding it. The text has already been decoded, so it is valid TOML.
func keyLines(text string) lineIndex {
	ix := lineIndex{}
	seen := func(key string, n int) {
		if _, ok := ix[key]; !ok {
			ix[key] = n
		}
	}
	table := ""
	count := map[string]int{} // elements of each array of tables so far
	inString := false         // inside a """ or ''' string
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		if strings.Count(line, `"""`)%2 == 1 || strings.Count(line, `'''`)%2 == 1 {
			inString = !inString
			if !inString {
				continue
			}
		} else if inString {
			continue
		}
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "[["):
			path := keyPath(strings.TrimPrefix(line, "[["), "]]")
			if path == "" {
				continue
			}
			table = path + "[" + strconv.Itoa(count[path]) + "]"
			count[path]++
			seenPrefixes(path, n, seen)
			seen(table, n)
		case strings.HasPrefix(line, "["):
			path := keyPath(strings.TrimPrefix(line, "["), "]")
			if path == "" {
				continue
			}
			table = path
			seenPrefixes(path, n, seen)
		default:
			k := keyPath(line, "=")
			if k == "" {
				continue
			}
			if table != "" {
				seen(unindexed(table)+"."+k, n) // as toml names an unknown key
				k = table + "." + k
			}
			seen(k, n)
		}
	}
	return ix
}

// seenPrefixes marks path and every table above it ("ivr", "ivr.flows") as
// first seen on line n, unless seen before.
func seenPrefixes(path string, n int, seen func(string, int)) {
	for i := range len(path) {
		if path[i] == '.' {
			seen(path[:i], n)
		}
	}
	seen(path, n)
}

// keyPath reads a dotted key from the start of s up to end, outside quotes,
// and returns it unquoted and joined with "."; "" if s holds none.
func keyPath(s, end string) string {
	var parts []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			if c == '\\' && quote == '"' && i+1 < len(s) {
				i++
				c = s[i]
			}
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
		case strings.HasPrefix(s[i:], end):
			parts = append(parts, strings.TrimSpace(cur.String()))
			for _, p := range parts {
				if p == "" {
					return ""
				}
			}
			return strings.Join(parts, ".")
		case c == '.':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		case c == '#' || c == '{' || c == '[' || c == ',':
			return ""
		default:
			cur.WriteByte(c)
		}
	}
	return ""
}

// unindexed is table without its array indexes: "a.b[1].c[0]" is "a.b.c".
func unindexed(table string) string {
	if !strings.Contains(table, "[") {
		return table
	}
	var b strings.Builder
	skip := false
	for _, c := range table {
		switch {
		case c == '[':
			skip = true
		case c == ']':
			skip = false
		case !skip:
			b.WriteRune(c)
		}
	}
	return b.String()
}
