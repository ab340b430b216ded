package corpus

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"unicode/utf16"
)

// minimalPDF is a one-page PDF with a line of text.
func minimalPDF() []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	content := "BT /F1 18 Tf 72 760 Td (Rencheng progress form) Tj ET"
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

// minimalPNG is a valid 1×1 grey PNG.
func minimalPNG() []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		b.WriteString(typ)
		c.Write([]byte(typ))
		b.Write(data)
		c.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	chunk("IHDR", []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0})
	// zlib stream of the one scanline: filter 0, pixel 0x80 (stored block).
	chunk("IDAT", []byte{0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0x00, 0x80, 0x00, 0x81, 0x00, 0x81})
	chunk("IEND", nil)
	return b.Bytes()
}

// minimalJPEG is the start of a JPEG (enough for any sniffer; not a full picture).
func minimalJPEG() []byte {
	b := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00}
	b = append(b, bytes.Repeat([]byte{0x00}, 200)...)
	return append(b, 0xFF, 0xD9)
}

// OLE2 compound file constants (MS-CFB).
const (
	cfbFree       = 0xFFFFFFFF
	cfbEndOfChain = 0xFFFFFFFE
	cfbFATSect    = 0xFFFFFFFD
	cfbNoStream   = 0xFFFFFFFF
	cfbSector     = 512
)

// oleHeaderOnly is the 8-byte OLE2 signature, as vbaProject.bin starts.
func oleHeaderOnly() []byte { return []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} }

// encryptedOLE2 is what Excel writes for a workbook with an open password: an OLE2
// compound file (version 3, 512-byte sectors) holding an EncryptionInfo stream (agile
// encryption descriptor) and an EncryptedPackage stream (the encrypted zip; here
// pseudo-random bytes). Both streams are 4096 bytes or more, so they live in regular
// sectors and the file needs no mini stream.
func encryptedOLE2() []byte {
	info := new(bytes.Buffer)
	binary.Write(info, binary.LittleEndian, uint16(4)) // version 4.4: agile
	binary.Write(info, binary.LittleEndian, uint16(4))
	binary.Write(info, binary.LittleEndian, uint32(0x40))
	info.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" +
		`<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">` +
		`<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>` +
		`<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">` +
		`<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>` +
		`</keyEncryptor></keyEncryptors></encryption>`)
	infoData := make([]byte, 4096)
	copy(infoData, info.Bytes())
	pkg := make([]byte, 8192)
	binary.LittleEndian.PutUint64(pkg, 39324) // the size of the plain package
	x := uint32(2463534242)
	for i := 8; i < len(pkg); i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		pkg[i] = byte(x)
	}
	// Sectors: 0 FAT, 1 directory, 2.. EncryptionInfo, then EncryptedPackage.
	infoStart, infoN := uint32(2), uint32(len(infoData)/cfbSector)
	pkgStart, pkgN := infoStart+infoN, uint32(len(pkg)/cfbSector)
	nSect := pkgStart + pkgN

	var out bytes.Buffer
	le := func(v any) { binary.Write(&out, binary.LittleEndian, v) }
	// Header.
	out.Write(oleHeaderOnly())
	out.Write(make([]byte, 16)) // CLSID
	le(uint16(0x003E))          // minor version
	le(uint16(0x0003))          // major version 3
	le(uint16(0xFFFE))          // byte order
	le(uint16(9))               // sector shift: 512
	le(uint16(6))               // mini sector shift: 64
	out.Write(make([]byte, 6))  // reserved
	le(uint32(0))               // directory sectors (0 for version 3)
	le(uint32(1))               // FAT sectors
	le(uint32(1))               // first directory sector
	le(uint32(0))               // transaction signature
	le(uint32(4096))            // mini stream cutoff
	le(uint32(cfbEndOfChain))   // first mini FAT sector
	le(uint32(0))               // mini FAT sectors
	le(uint32(cfbEndOfChain))   // first DIFAT sector
	le(uint32(0))               // DIFAT sectors
	le(uint32(0))               // DIFAT[0]: the FAT is sector 0
	for range 108 {
		le(uint32(cfbFree))
	}
	// FAT.
	fat := make([]uint32, cfbSector/4)
	for i := range fat {
		fat[i] = cfbFree
	}
	fat[0], fat[1] = cfbFATSect, cfbEndOfChain
	chain := func(start, n uint32) {
		for i := range n {
			fat[start+i] = start + i + 1
		}
		fat[start+n-1] = cfbEndOfChain
	}
	chain(infoStart, infoN)
	chain(pkgStart, pkgN)
	_ = nSect
	le(fat)
	// Directory: root, EncryptionInfo, EncryptedPackage, unused.
	entry := func(name string, typ byte, left, right, child, start uint32, size uint64) {
		var n [64]byte
		u := utf16.Encode([]rune(name))
		for i, c := range u {
			binary.LittleEndian.PutUint16(n[2*i:], c)
		}
		out.Write(n[:])
		if name == "" {
			le(uint16(0))
		} else {
			le(uint16(2 * (len(u) + 1)))
		}
		out.WriteByte(typ)
		out.WriteByte(1) // black
		le(left)
		le(right)
		le(child)
		out.Write(make([]byte, 16+4+8+8)) // CLSID, state, times
		le(start)
		le(size)
	}
	entry("Root Entry", 5, cfbNoStream, cfbNoStream, 1, cfbEndOfChain, 0)
	// Siblings are ordered by name length, then name: EncryptionInfo < EncryptedPackage.
	entry("EncryptionInfo", 2, cfbNoStream, 2, cfbNoStream, infoStart, uint64(len(infoData)))
	entry("EncryptedPackage", 2, cfbNoStream, cfbNoStream, cfbNoStream, pkgStart, uint64(len(pkg)))
	entry("", 0, cfbNoStream, cfbNoStream, cfbNoStream, 0, 0)
	out.Write(infoData)
	out.Write(pkg)
	return out.Bytes()
}
