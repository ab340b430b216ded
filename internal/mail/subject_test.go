package mail

import (
	"bufio"
	"bytes"
	"context"
	"mime"
	"net/textproto"
	"strings"
	"testing"
)

// TestSubjectDecodesWithoutLeadingSpace sends mails through the embedded SMTP sink and
// reads the Subject header of each message as received, raw: the first encoded word is on
// the Subject line (not folded right after "Subject:"), no line is longer than 78
// characters, and the unfolded, decoded value is the subject exactly, with no leading
// space.
func TestSubjectDecodesWithoutLeadingSpace(t *testing.T) {
	subjects := []string{
		"【考核报告】济宁经济技术开发区2026年11月乡村振兴重点工作考核结果",
		"【提醒】中共济宁高新区党工委组织部：2026年11月进展表尚未报送，截止时间2026年11月25日18时",
		"【回执】任城区2026年11月进展表已收到（第2版）",
		"Short ASCII subject",
		"Re: 【请填报】𠀀 and 😀 outside the BMP, mixed with ASCII words that go on for a while",
	}
	sink := startTestSink(t, SinkOptions{})
	var msgs []Outgoing
	for i, s := range subjects {
		o := testOutgoing(i + 1)
		o.Subject = s
		msgs = append(msgs, o)
	}
	var r results = map[int]error{}
	if err := NewSender(sinkConfig(t, sink), testLogger(t)).SendBatch(context.Background(), msgs, r.each); err != nil {
		t.Fatal(err)
	}
	got := sink.Messages()
	if len(got) != len(subjects) {
		t.Fatalf("%d messages, want %d", len(got), len(subjects))
	}
	for i, m := range got {
		head, _, _ := bytes.Cut(m.Data, []byte("\r\n\r\n"))
		var raw []string
		in := false
		for _, l := range strings.Split(string(head), "\r\n") {
			switch {
			case strings.HasPrefix(l, "Subject:"):
				in = true
			case in && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")):
			default:
				in = false
			}
			if in {
				raw = append(raw, l)
				if len(l) > 78 {
					t.Errorf("subject %d: line of %d characters: %q", i, len(l), l)
				}
			}
		}
		if len(raw) == 0 {
			t.Fatalf("message %d: no Subject header in %q", i, head)
		}
		if raw[0] == "Subject:" || strings.HasPrefix(raw[0], "Subject:  ") || !strings.HasPrefix(raw[0], "Subject: ") {
			t.Errorf("subject %d: first line %q: the value must start on it after one space", i, raw[0])
		}
		tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(head, "\r\n\r\n"...))))
		h, err := tp.ReadMIMEHeader()
		if err != nil {
			t.Fatal(err)
		}
		// Unfold as RFC 5322 says (remove CRLF only), then decode: no trimming here.
		unfolded := strings.TrimPrefix(strings.ReplaceAll(strings.Join(raw, "\r\n"), "\r\n", ""), "Subject:")
		unfolded = strings.TrimPrefix(unfolded, " ") // the one space after the colon
		dec, err := new(mime.WordDecoder).DecodeHeader(unfolded)
		if err != nil {
			t.Fatalf("subject %d: decode %q: %v", i, unfolded, err)
		}
		if dec != subjects[i] {
			t.Errorf("subject %d decodes to %q, want %q", i, dec, subjects[i])
		}
		if d2, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); d2 != subjects[i] {
			t.Errorf("subject %d via textproto: %q", i, d2)
		}
	}
}
