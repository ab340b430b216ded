package mail

import (
	"bytes"
	"io"
	"mime"
	"sort"
	"strconv"
	"strings"

	"github.com/emersion/go-message"
)

// rawParam returns the decoded value of parameter name in a raw
// Content-Type or Content-Disposition value, or "" if absent. It understands
// the plain form (name="v"), RFC 2047 words inside the value, and the RFC
// 2231 forms in any charset: name*=GBK”%D6%D0, continuations name*0=…,
// name*1*=…. It is the fallback for what mime.ParseMediaType drops: RFC 2231
// values in charsets other than UTF-8, and whole headers with a syntax slip.
func rawParam(header, name string) string {
	header = strings.NewReplacer("\r\n", "", "\n", "", "\r", "").Replace(header)
	name = strings.ToLower(name)

	type section struct {
		idx      int
		extended bool
		value    string
	}
	var (
		plain, ext string
		havePlain  bool
		haveExt    bool
		sections   []section
	)
	params := splitParams(header)
	for _, kv := range params[min(1, len(params)):] { // params[0] is the media type
		eq := strings.IndexByte(kv, '=')
		if eq < 0 {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(kv[:eq]))
		val := unquote(strings.TrimSpace(kv[eq+1:]))
		switch {
		case key == name:
			plain, havePlain = val, true
		case key == name+"*":
			ext, haveExt = val, true
		case strings.HasPrefix(key, name+"*"):
			rest := key[len(name)+1:]
			extended := strings.HasSuffix(rest, "*")
			rest = strings.TrimSuffix(rest, "*")
			idx, err := strconv.Atoi(rest)
			if err != nil || idx < 0 || idx > 999 {
				continue
			}
			sections = append(sections, section{idx, extended, val})
		}
	}

	if haveExt {
		if v, ok := decode2231(ext, true); ok {
			return v
		}
	}
	if len(sections) > 0 {
		sort.SliceStable(sections, func(i, j int) bool { return sections[i].idx < sections[j].idx })
		var (
			buf     bytes.Buffer
			charset string
		)
		for i, s := range sections {
			if s.idx != i {
				break // a gap: keep what is contiguous
			}
			v := s.value
			if s.extended {
				if i == 0 {
					parts := strings.SplitN(v, "'", 3)
					if len(parts) == 3 {
						charset, v = parts[0], parts[2]
					}
				}
				buf.Write(percentDecode(v))
			} else {
				buf.WriteString(v)
			}
		}
		if s, ok := toUTF8(charset, buf.Bytes()); ok {
			return s
		}
	}
	if havePlain {
		return decodeWords(plain)
	}
	return ""
}

// decode2231 decodes charset'lang'%XX… (first says whether the value
// carries the charset prefix).
func decode2231(v string, first bool) (string, bool) {
	charset := ""
	if first {
		parts := strings.SplitN(v, "'", 3)
		if len(parts) != 3 {
			return "", false
		}
		charset, v = parts[0], parts[2]
	}
	return toUTF8(charset, percentDecode(v))
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if b, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				out = append(out, byte(b))
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

// toUTF8 converts b from charset (empty: UTF-8, or GB18030 if b is not
// valid UTF-8) to a UTF-8 string.
func toUTF8(charset string, b []byte) (string, bool) {
	cs := strings.ToLower(strings.TrimSpace(charset))
	if cs == "" || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" {
		return fixRaw8bit(string(b)), true
	}
	if message.CharsetReader == nil {
		return "", false
	}
	r, err := message.CharsetReader(cs, bytes.NewReader(b))
	if err != nil {
		return "", false
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", false
	}
	return string(out), true
}

// decodeWords decodes RFC 2047 encoded words, which many clients put inside
// quoted filename parameters although RFC 2047 forbids it.
func decodeWords(s string) string {
	dec := mime.WordDecoder{CharsetReader: message.CharsetReader}
	if out, err := dec.DecodeHeader(s); err == nil {
		return out
	}
	return s
}

// splitParams splits a header value on semicolons outside quoted strings.
func splitParams(s string) []string {
	var (
		out     []string
		cur     strings.Builder
		inQuote bool
		escaped bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\' && inQuote:
			escaped = true
		case c == '"':
			inQuote = !inQuote
		case c == ';' && !inQuote:
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	out = append(out, cur.String())
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		}
		return b.String()
	}
	return s
}
