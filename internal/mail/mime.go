package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // GBK, GB18030, Big5 … in headers and bodies; without it they stay encoded silently
	gomail "github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// ErrMalformed is wrapped by ParseMessage when the message cannot be parsed
// at all (broken header block, broken MIME structure, nesting too deep).
var ErrMalformed = errors.New("malformed message")

const (
	maxNesting   = 16      // multipart and message/rfc822 levels
	maxTextBytes = 1 << 20 // the text/plain body kept in Parsed.Text
)

// Parsed is what kaohe needs from a received message.
type Parsed struct {
	// MessageID is the Message-ID with its angle brackets ("<id@host>"), ready
	// for In-Reply-To; empty if the message has none.
	MessageID string
	// From is the bare address of the first From mailbox, lower-case.
	From     string
	FromName string
	Subject  string
	Date     time.Time // zero if missing or unparsable
	// Text is the first text/plain part that is not an attachment, decoded
	// to UTF-8 (at most 1 MiB).
	Text        string
	Attachments []Attachment
}

// Attachment is one file found anywhere in the message.
type Attachment struct {
	Filename    string // decoded to UTF-8; may be empty for unnamed attachments
	ContentType string // lower-case media type, e.g. "application/octet-stream"
	Data        []byte // nil when TooLarge or Err is set
	Size        int64  // decoded size in bytes (also when TooLarge)
	Inline      bool   // Content-Disposition: inline
	Nested      bool   // found inside an attached message/rfc822
	TooLarge    bool   // larger than the maxAttachment given to ParseMessage
	Err         error  // the part's body could not be decoded (bad base64, …)
}

// ParseMessage parses a raw RFC 5322 message and collects its sender,
// subject, first text part and all attachments: parts with
// Content-Disposition attachment, parts with a filename or name parameter
// (inline ones included, and application/octet-stream with only name=), and
// everything inside attached message/rfc822 parts (Nested). Headers and
// filenames in RFC 2047 and RFC 2231 forms are decoded in any charset known
// to golang.org/x/text (GBK and GB18030 included), continuations too; raw
// 8-bit GBK headers are decoded as GB18030.
//
// An attachment whose decoded size exceeds maxAttachment is kept as metadata
// only (Data nil, TooLarge true); its body is streamed, never held in memory.
// maxAttachment <= 0 means no limit. A part whose body cannot be decoded is
// kept with Err set; the rest of the message is still read.
//
// It returns an error wrapping ErrMalformed if the header or the MIME
// structure is unreadable. It never panics.
func ParseMessage(raw []byte, maxAttachment int64) (p *Parsed, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: parser panic: %v", ErrMalformed, r)
		}
	}()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	h := gomail.Header{Header: e.Header}
	p = &Parsed{}
	if id, err := h.MessageID(); err == nil && id != "" {
		p.MessageID = "<" + id + ">"
	} else if v := strings.TrimSpace(h.Get("Message-Id")); v != "" {
		p.MessageID = v // unparsable, keep it verbatim for logs and threading
	}
	p.Subject = headerText(e.Header, "Subject")
	if addrs, err := h.AddressList("From"); err == nil && len(addrs) > 0 {
		p.From = strings.ToLower(addrs[0].Address)
		p.FromName = fixRaw8bit(addrs[0].Name)
	} else if v := h.Get("From"); v != "" {
		p.From = strings.ToLower(strings.Trim(lastAddrGuess(v), "<> "))
	}
	if d, err := h.Date(); err == nil {
		p.Date = d
	}
	w := walker{p: p, max: maxAttachment}
	if err := w.walk(e, 0, false); err != nil {
		return nil, err
	}
	return p, nil
}

// lastAddrGuess pulls something address-like out of a From header that
// net/mail refused, so that the operator at least sees who it was.
func lastAddrGuess(v string) string {
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return v[i+1 : i+j]
		}
	}
	for _, f := range strings.Fields(v) {
		if strings.Contains(f, "@") {
			return f
		}
	}
	return ""
}

type walker struct {
	p   *Parsed
	max int64
}

func (w *walker) walk(e *message.Entity, depth int, nested bool) error {
	if depth > maxNesting {
		return fmt.Errorf("%w: MIME nesting deeper than %d", ErrMalformed, maxNesting)
	}
	mediaType, ctParams, ctErr := e.Header.ContentType()
	if ctErr != nil || mediaType == "" {
		mediaType = "text/plain"
	}
	mediaType = strings.ToLower(mediaType)

	if mr := e.MultipartReader(); mr != nil {
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil && part == nil {
				return fmt.Errorf("%w: multipart: %v", ErrMalformed, err)
			}
			if err := w.walk(part, depth+1, nested); err != nil {
				return err
			}
		}
	}

	disp, dParams, dErr := e.Header.ContentDisposition()
	disp = strings.ToLower(disp)
	if mediaType == "message/rfc822" || mediaType == "message/global" {
		inner, err := message.Read(e.Body)
		if err != nil && inner == nil {
			return fmt.Errorf("%w: attached message: %v", ErrMalformed, err)
		}
		return w.walk(inner, depth+1, true)
	}

	filename := dParams["filename"]
	if filename == "" {
		filename = ctParams["name"]
	}
	if filename == "" || dErr != nil || ctErr != nil || !utf8.ValidString(filename) {
		// mime.ParseMediaType drops RFC 2231 values in charsets other than
		// UTF-8 and gives up on the whole header for small syntax slips:
		// read the parameters ourselves.
		if f := rawParam(e.Header.Get("Content-Disposition"), "filename"); f != "" {
			filename = f
		} else if f := rawParam(e.Header.Get("Content-Type"), "name"); f != "" {
			filename = f
		}
	}
	filename = cleanFilename(fixRaw8bit(filename))

	if disp != "attachment" && filename == "" {
		if mediaType == "text/plain" && w.p.Text == "" {
			b, err := io.ReadAll(io.LimitReader(e.Body, maxTextBytes))
			if err == nil {
				w.p.Text = fixRaw8bit(string(b))
			}
		}
		return nil
	}

	a := Attachment{
		Filename:    filename,
		ContentType: mediaType,
		Inline:      disp == "inline",
		Nested:      nested,
	}
	if w.max > 0 {
		b, err := io.ReadAll(io.LimitReader(e.Body, w.max+1))
		a.Size = int64(len(b))
		switch {
		case err != nil:
			a.Err = err
		case a.Size > w.max:
			rest, err := io.Copy(io.Discard, e.Body)
			a.Size += rest
			a.TooLarge = true
			a.Err = err
		default:
			a.Data = b
		}
	} else {
		b, err := io.ReadAll(e.Body)
		a.Size = int64(len(b))
		if err != nil {
			a.Err = err
		} else {
			a.Data = b
		}
	}
	w.p.Attachments = append(w.p.Attachments, a)
	return nil
}

// headerText decodes an unstructured header field (RFC 2047 words in any
// known charset, or raw 8-bit GBK).
func headerText(h message.Header, key string) string {
	v, err := h.Text(key)
	if err != nil {
		v = h.Get(key)
	}
	return strings.TrimSpace(fixRaw8bit(v))
}

// fixRaw8bit decodes s as GB18030 if it is not valid UTF-8: Chinese mail
// clients still send raw GBK headers and filenames.
func fixRaw8bit(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	if d, err := simplifiedchinese.GB18030.NewDecoder().String(s); err == nil {
		return d
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// cleanFilename keeps only the last path element and drops control
// characters, so a filename can never name a path.
func cleanFilename(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return s
}
