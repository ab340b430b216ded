package templates

import (
	"archive/zip"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// Sheet protection.
//
// excelize's ProtectSheet with AlgorithmName "SHA-512" draws a random salt and hashes the
// password 100,000 times for every sheet of every form (~25 ms a sheet, 5 sheets a form).
// The password is derived from the secret, so the hash is computed once per secret here,
// with a salt derived from the secret as well, and written into the sheets'
// <sheetProtection> elements as the workbook is zipped (protectZip): Build protects each
// sheet with excelize without a password, and the zip writer adds the algorithm, hash,
// salt and spin count to the element. Excel, WPS and LibreOffice then ask for that
// password to unprotect the sheet, exactly as with excelize's own hash (ECMA-376 Part 1,
// 18.3.1.85, the "ISO password hash": H0 = SHA-512(salt ‖ UTF-16LE(password)),
// Hn+1 = SHA-512(Hn ‖ uint32le(n)) for n < spinCount).

// protectSpinCount is the number of hash rounds, as Excel writes it.
const protectSpinCount = 100000

// protection is the computed <sheetProtection> password attributes of a secret.
type protection struct {
	hash, salt string // base64
}

// protections caches the protection of each secret (key: the secret as a string).
var protections sync.Map

// protectionOf returns the protection attributes of a secret, computing them the first
// time.
func protectionOf(secret []byte) protection {
	if p, ok := protections.Load(string(secret)); ok {
		return p.(protection)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("kaohe-sheet-protection-salt"))
	salt := m.Sum(nil)[:16]
	p := protection{
		hash: base64.StdEncoding.EncodeToString(isoPasswordHash(protectPassword(secret), salt, protectSpinCount)),
		salt: base64.StdEncoding.EncodeToString(salt),
	}
	protections.Store(string(secret), p)
	return p
}

// isoPasswordHash is the SHA-512 password hash of ECMA-376 sheet protection.
func isoPasswordHash(password string, salt []byte, spin int) []byte {
	h := sha512.New()
	h.Write(salt)
	var u [2]byte
	for _, c := range utf16.Encode([]rune(password)) {
		binary.LittleEndian.PutUint16(u[:], c)
		h.Write(u[:])
	}
	var buf [sha512.Size + 4]byte
	key := h.Sum(buf[:0])
	for i := range spin {
		binary.LittleEndian.PutUint32(buf[sha512.Size:], uint32(i))
		h.Reset()
		h.Write(buf[:])
		key = h.Sum(buf[:0])
	}
	return bytes.Clone(key)
}

// protectSheets sets the protection of the sheets (no password yet: see protectZip).
func protectSheets(f *excelize.File, sheets []string) error {
	for _, s := range sheets {
		if err := f.ProtectSheet(s, &excelize.SheetProtectionOptions{
			SelectLockedCells:   true,
			SelectUnlockedCells: true,
			FormatColumns:       true,
			FormatRows:          true,
		}); err != nil {
			return err
		}
	}
	return nil
}

// writeProtected writes the workbook with the secret's password hash added to every
// <sheetProtection> element that has none. It returns excelize's error writing, or an
// error if not exactly sheets worksheets were given the password.
func writeProtected(f *excelize.File, secret []byte, sheets int) ([]byte, error) {
	p := protectionOf(secret)
	attrs := fmt.Sprintf(`<sheetProtection algorithmName="SHA-512" hashValue="%s" saltValue="%s" spinCount="%d" `, p.hash, p.salt, protectSpinCount)
	var buf bytes.Buffer
	var pz *protectZip
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		pz = &protectZip{zw: zip.NewWriter(w), attrs: []byte(attrs)}
		return pz
	})
	defer f.SetZipWriter(func(w io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, err
	}
	if pz == nil || pz.patched != sheets {
		return nil, fmt.Errorf("protecting sheets: %d of %d sheets given the password", pz.count(), sheets)
	}
	return buf.Bytes(), nil
}

// protectZip is an excelize.ZipWriter that adds the password attributes to a worksheet's
// <sheetProtection> element as the worksheet is written.
type protectZip struct {
	zw    *zip.Writer
	attrs []byte // `<sheetProtection algorithmName=… ` (with its trailing space)

	sheet   bytes.Buffer // the worksheet being written
	w       io.Writer    // its zip entry, nil when no worksheet is pending
	patched int          // worksheets given the password
}

var sheetProtectionTag = []byte("<sheetProtection ")

func (z *protectZip) count() int {
	if z == nil {
		return 0
	}
	return z.patched
}

// flush writes the pending worksheet, patched.
func (z *protectZip) flush() error {
	if z.w == nil {
		return nil
	}
	w, b := z.w, z.sheet.Bytes()
	z.w = nil
	defer z.sheet.Reset()
	i := bytes.Index(b, sheetProtectionTag)
	if i >= 0 {
		end := bytes.IndexByte(b[i:], '>')
		if end < 0 {
			return errors.New("protecting sheets: unterminated <sheetProtection>")
		}
		if !bytes.Contains(b[i:i+end], []byte("hashValue=")) && !bytes.Contains(b[i:i+end], []byte(" password=")) {
			if _, err := w.Write(b[:i]); err != nil {
				return err
			}
			if _, err := w.Write(z.attrs); err != nil {
				return err
			}
			b = b[i+len(sheetProtectionTag):]
			z.patched++
		}
	}
	_, err := w.Write(b)
	return err
}

// Create implements excelize.ZipWriter.
func (z *protectZip) Create(name string) (io.Writer, error) {
	if err := z.flush(); err != nil {
		return nil, err
	}
	w, err := z.zw.Create(name)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml") {
		z.w = w
		return &z.sheet, nil
	}
	return w, nil
}

// AddFS implements excelize.ZipWriter.
func (z *protectZip) AddFS(fsys fs.FS) error {
	if err := z.flush(); err != nil {
		return err
	}
	return z.zw.AddFS(fsys)
}

// Close implements excelize.ZipWriter.
func (z *protectZip) Close() error {
	if err := z.flush(); err != nil {
		return err
	}
	return z.zw.Close()
}
