package jobs

import (
	"mime"

	"github.com/emersion/go-message/charset"
)

// mimeDecoder decodes RFC 2047 words in any charset go-message knows (GBK, GB18030, …).
type mimeDecoder struct{}

func (mimeDecoder) decode(s string) string {
	dec := mime.WordDecoder{CharsetReader: charset.Reader}
	if out, err := dec.DecodeHeader(s); err == nil {
		return out
	}
	return s
}
