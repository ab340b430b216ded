#!/bin/sh
# Remakes the form fixtures of testdata/forms:
#   blank.xlsx                a form as Build writes it (county 370811, period 2019-08,
#                             secret "test-secret", see templates/templates_test.go)
#   excelize-filled.xlsx      the same form filled by program (RandomFiling seed 1)
#   libreoffice-filled.xlsx   excelize-filled.xlsx opened and saved again by LibreOffice Calc
#   libreoffice-blank.xlsx    blank.xlsx saved again by LibreOffice Calc
#   form.pdf, form-*.png      the filled form rendered by LibreOffice, to look at (not committed)
# Needs libreoffice-calc and poppler-utils (Debian). Run from anywhere.
set -eu
cd "$(dirname "$0")/../.."
go test ./templates -run '^TestWriteFixtures$' -write-fixtures -count=1
dir=testdata/forms
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in excelize-filled blank; do
	cp "$dir/$f.xlsx" "$tmp/$f.xlsx"
	mkdir -p "$tmp/out"
	soffice --headless -env:UserInstallation=file://$tmp/profile \
		--convert-to 'xlsx:Calc MS Excel 2007 XML' --outdir "$tmp/out" "$tmp/$f.xlsx" >/dev/null
	case $f in
	excelize-filled) cp "$tmp/out/$f.xlsx" "$dir/libreoffice-filled.xlsx" ;;
	blank) cp "$tmp/out/$f.xlsx" "$dir/libreoffice-blank.xlsx" ;;
	esac
done
if [ "${RENDER:-0}" = 1 ]; then
	soffice --headless -env:UserInstallation=file://$tmp/profile \
		--convert-to pdf --outdir "$tmp/out" "$dir/excelize-filled.xlsx" >/dev/null
	cp "$tmp/out/excelize-filled.pdf" "$dir/form.pdf"
	pdftoppm -png -r 50 "$dir/form.pdf" "$dir/form"
fi
ls -l "$dir"
