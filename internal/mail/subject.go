package mail

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// subjectChunk is the most UTF-8 bytes one encoded word of a subject carries: 39 bytes
// are 52 base64 characters, and with "=?UTF-8?B?" and "?=" 64, so "Subject: " and the
// first word fit one 78-character line, and every continuation line too.
const subjectChunk = 39

// encodeSubject returns the Subject header's value, folded, as written after "Subject: ":
// plain when it is short printable ASCII, otherwise RFC 2047 "B" encoded words of whole
// characters, the first on the Subject line itself. go-mail's own folding puts a long
// first encoded word on the next line, so the value unfolds with a leading space that
// several mail clients show.
func encodeSubject(s string) string {
	if len(s) <= 60 && isPlainASCII(s) {
		return s
	}
	var words []string
	for s != "" {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > subjectChunk {
				break
			}
			n += size
		}
		// Not mime.BEncoding.Encode: it leaves a chunk that needs no encoding as it is,
		// and the folding white space before it would then be part of the subject.
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	// Adjacent encoded words separated by folding white space decode without it (RFC 2047 §6.2).
	return strings.Join(words, "\r\n ")
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return !strings.Contains(s, "=?")
}
