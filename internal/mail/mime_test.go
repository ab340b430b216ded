package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeXLSX is the attachment body the fixtures in testdata/ carry.
func fakeXLSX(tag string) []byte {
	return append([]byte("PK\x03\x04"), bytes.Repeat([]byte("fake-xlsx:"+tag+";"), 8)...)
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseMessage(t *testing.T) {
	type att struct {
		name, ctype    string
		data           []byte
		size           int64
		inline, nested bool
		tooLarge       bool
	}
	const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	tests := []struct {
		file      string
		max       int64
		messageID string
		from      string
		fromName  string
		subject   string
		text      string // prefix
		atts      []att
	}{
		{
			file: "gbk_rfc2047.eml", max: 1 << 20,
			messageID: "<gbk2047@county.example>", from: "rencheng@county.example", fromName: "任城区委组织部",
			subject: "任城区十月进度表", text: "请查收附件。",
			atts: []att{{name: "任城区.xlsx", ctype: xlsxType, data: fakeXLSX("2047")}},
		},
		{
			file: "gbk_rfc2231.eml", max: 1 << 20,
			messageID: "<gbk2231@county.example>", from: "rencheng@county.example", fromName: "任城区委组织部",
			subject: "兖州区报送", text: "see attachment",
			atts: []att{
				{name: "兖州区乡村振兴进度表.xlsx", ctype: xlsxType, data: fakeXLSX("2231")},
				{name: "说明.txt", ctype: "application/octet-stream", data: []byte("\xcb\xb5\xc3\xf7")},
			},
		},
		{
			file: "inline_xlsx.eml", max: 1 << 20,
			messageID: "<inline@county.example>", from: "rencheng@county.example",
			subject: "曲阜市 进度表", text: "",
			atts: []att{{name: "曲阜市.xlsx", ctype: xlsxType, data: fakeXLSX("inline"), inline: true}},
		},
		{
			file: "forwarded.eml", max: 1 << 20,
			messageID: "<fwd@county.example>", from: "rencheng@county.example",
			subject: "Fwd: 邹城市报表", text: "转发邹城市的报表。",
			atts: []att{{name: "zoucheng.xlsx", ctype: xlsxType, data: fakeXLSX("nested"), nested: true}},
		},
		{
			file: "octet_name.eml", max: 1 << 20,
			messageID: "<octet@county.example>", from: "rencheng@county.example",
			subject: "report", text: "report attached",
			atts: []att{{name: "weishan.xlsx", ctype: "application/octet-stream", data: fakeXLSX("octet")}},
		},
		{
			file: "no_attachment.eml", max: 1 << 20,
			messageID: "<none@county.example>", from: "rencheng@county.example",
			subject: "没有附件", text: "本月没有附件，下周补报。",
		},
		{
			file: "oversize.eml", max: 1024,
			messageID: "<big@county.example>", from: "rencheng@county.example",
			subject: "big", text: "big one",
			atts: []att{{name: "big.xlsx", ctype: "application/octet-stream", size: 4096, tooLarge: true}},
		},
		{
			file: "raw8bit_gbk.eml", max: 1 << 20,
			messageID: "<raw8@county.example>", from: "rencheng@county.example",
			subject: "泗水县进度",
			atts:    []att{{name: "泗水县.xlsx", ctype: "application/octet-stream", data: fakeXLSX("raw")}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := ParseMessage(readFixture(t, tt.file), tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if p.MessageID != tt.messageID || p.From != tt.from || p.Subject != tt.subject {
				t.Errorf("got id %q from %q subject %q, want %q %q %q", p.MessageID, p.From, p.Subject, tt.messageID, tt.from, tt.subject)
			}
			if tt.fromName != "" && p.FromName != tt.fromName {
				t.Errorf("FromName = %q, want %q", p.FromName, tt.fromName)
			}
			if !strings.HasPrefix(p.Text, tt.text) || (tt.text == "" && p.Text != "") {
				t.Errorf("Text = %q, want prefix %q", p.Text, tt.text)
			}
			if p.Date.IsZero() {
				t.Errorf("Date not parsed")
			}
			if len(p.Attachments) != len(tt.atts) {
				t.Fatalf("%d attachments, want %d: %+v", len(p.Attachments), len(tt.atts), p.Attachments)
			}
			for i, want := range tt.atts {
				got := p.Attachments[i]
				if got.Filename != want.name || got.ContentType != want.ctype || got.Inline != want.inline || got.Nested != want.nested || got.TooLarge != want.tooLarge {
					t.Errorf("attachment %d = {%q %q inline=%v nested=%v tooLarge=%v}, want %+v", i, got.Filename, got.ContentType, got.Inline, got.Nested, got.TooLarge, want)
				}
				if got.Err != nil {
					t.Errorf("attachment %d: %v", i, got.Err)
				}
				if !bytes.Equal(got.Data, want.data) {
					t.Errorf("attachment %d data = %q, want %q", i, got.Data, want.data)
				}
				wantSize := want.size
				if wantSize == 0 {
					wantSize = int64(len(want.data))
				}
				if got.Size != wantSize {
					t.Errorf("attachment %d size = %d, want %d", i, got.Size, wantSize)
				}
			}
		})
	}
}

func TestParseMessageTwenty(t *testing.T) {
	p, err := ParseMessage(readFixture(t, "twenty.eml"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 20 {
		t.Fatalf("%d attachments, want 20", len(p.Attachments))
	}
	for i, a := range p.Attachments {
		name := fmt.Sprintf("file%02d.xlsx", i+1)
		if a.Filename != name || !bytes.Equal(a.Data, fakeXLSX(fmt.Sprintf("n%02d", i+1))) {
			t.Errorf("attachment %d = %q %q", i, a.Filename, a.Data)
		}
	}
}

func TestParseMessageMalformed(t *testing.T) {
	tests := map[string]string{
		"truncated multipart": "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nabc",
		"deep nesting":        strings.Repeat("Content-Type: message/rfc822\r\n\r\n", 40) + "x",
		"header too big":      "X-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\nbody",
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseMessage([]byte(raw), 0)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestParseMessageBadBase64(t *testing.T) {
	raw := "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" +
		"Content-Type: application/octet-stream; name=a.xlsx\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"!!!not base64!!!\r\n--x--\r\n"
	p, err := ParseMessage([]byte(raw), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Err == nil || p.Attachments[0].Data != nil {
		t.Fatalf("attachments = %+v, want one with Err set", p.Attachments)
	}
}

func TestRawParam(t *testing.T) {
	tests := []struct{ header, name, want string }{
		{`attachment; filename="a b.xlsx"`, "filename", "a b.xlsx"},
		{`attachment; filename*=UTF-8''%E4%B8%AD.xlsx`, "filename", "中.xlsx"},
		{`attachment; filename*=GBK''%D6%D0.xlsx`, "filename", "中.xlsx"},
		{`attachment; filename*=gb18030'zh'%D6%D0.xlsx`, "filename", "中.xlsx"},
		{`attachment; filename*1*=%CE%C4.xlsx; filename*0*=GBK''%D6%D0`, "filename", "中文.xlsx"},
		{`attachment; filename*0="a;b"; filename*1=".xlsx"`, "filename", "a;b.xlsx"},
		{`attachment; filename="=?GBK?B?1tA=?=.xlsx"`, "filename", "中.xlsx"},
		{`attachment; filename=plain.xlsx; size=3`, "filename", "plain.xlsx"},
		{`attachment; name="x"`, "filename", ""},
		{`application/octet-stream; name="q\"uote.xlsx"`, "name", `q"uote.xlsx`},
	}
	for _, tt := range tests {
		if got := rawParam(tt.header, tt.name); got != tt.want {
			t.Errorf("rawParam(%q, %q) = %q, want %q", tt.header, tt.name, got, tt.want)
		}
	}
}

func FuzzParseMessage(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, name := range files {
		f.Add(readFixture(f, filepath.Base(name)))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := ParseMessage(raw, 4096)
		if err != nil {
			if p != nil {
				t.Fatal("non-nil result with error")
			}
			return
		}
		for _, a := range p.Attachments {
			if a.TooLarge && a.Data != nil {
				t.Fatal("TooLarge attachment with data")
			}
			if int64(len(a.Data)) > 4096 {
				t.Fatalf("attachment of %d bytes over the cap", len(a.Data))
			}
			if strings.ContainsAny(a.Filename, "/\\") {
				t.Fatalf("filename %q holds a path", a.Filename)
			}
		}
	})
}

// benchMessage is a form submission: a short text and a 60 KB xlsx.
func benchMessage() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 60<<10)
	for i := range data {
		data[i] = byte(r.UintN(256))
	}
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	b.WriteString("From: =?GBK?B?yM6zx8f4?= <rencheng@county.example>\r\nTo: kaohe@jining.example\r\n" +
		"Subject: =?GBK?B?yM6zx8f4?=\r\nDate: Mon, 02 Nov 2026 09:15:00 +0800\r\nMessage-ID: <bench@county.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"bb\"\r\n\r\n--bb\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n请查收。\r\n--bb\r\n" +
		"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n" +
		"Content-Disposition: attachment; filename*=GBK''%D6%D0.xlsx\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--bb--\r\n")
	return []byte(b.String())
}

func BenchmarkParseMessage(b *testing.B) {
	raw := benchMessage()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := ParseMessage(raw, 25<<20)
		if err != nil || len(p.Attachments) != 1 || len(p.Attachments[0].Data) != 60<<10 {
			b.Fatalf("parse: %v %+v", err, p)
		}
	}
}
