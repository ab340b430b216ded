#!/usr/bin/env bash
# Runs `kaohe demo` as a newcomer would and checks its outputs: every county's PDF exists
# and names the county, the summary exists, every county got exactly one report mail and
# nobody else's, and the broken form got a rejection.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
period=2026-11
start=$(date +%s)
go run ./cmd/kaohe demo --out "$out" --period "$period" | tee "$out/stdout.txt"
echo "demo took $(( $(date +%s) - start )) s (including the build)"
fail=0
no() { echo "demo check FAILED: $*"; fail=1; }
grep -q "济宁经济技术开发区.*未报送" "$out/stdout.txt" || no "league table lacks the silent county as 未报送"
codes=$(grep -E '^code = ' seeds/roster.toml | sed 's/code = "\(.*\)"/\1/')
for code in $codes; do
	name=$(awk -v c="$code" '$0 == "code = \"" c "\"" {getline; sub(/^name = "/, ""); sub(/"$/, ""); print; exit}' seeds/roster.toml)
	email=$(awk -v c="$code" '$0 == "code = \"" c "\"" {found=1} found && /^emails = / {match($0, /"[^"]+"/); print substr($0, RSTART+1, RLENGTH-2); exit}' seeds/roster.toml)
	pdf="$out/reports/$period/$code.pdf"
	[ -s "$pdf" ] || { no "$pdf missing"; continue; }
	pdftotext "$pdf" "$out/page.txt"
	grep -q "$name" "$out/page.txt" || no "$pdf does not name $name"
	n=$(grep -l "^X-Kaohe-Key: report:$period:$code\s*$" "$out"/mail/*.eml | wc -l)
	[ "$n" = 1 ] || no "$name ($code) got $n report mails, want 1"
	for f in $(grep -l "^X-Kaohe-Key: report:$period:$code\s*$" "$out"/mail/*.eml); do
		grep -qi "^To:.*$email" "$f" || no "report for $code went elsewhere: $(grep -i '^To:' "$f")"
	done
done
for f in summary.pdf summary.xlsx; do [ -s "$out/reports/$period/$f" ] || no "$f missing"; done
n=$(grep -l "^X-Kaohe-Kind: reject" "$out"/mail/*.eml | xargs -r grep -li "^To:.*wenshang" | wc -l)
[ "$n" -ge 1 ] || no "汶上县's broken form got no rejection"
n=$(grep -l "^X-Kaohe-Kind: summary" "$out"/mail/*.eml | xargs -r grep -li "^To:.*leaders@" | wc -l)
[ "$n" = 1 ] || no "leaders got $n summaries, want 1"
[ $fail = 0 ] && echo "demo check: ok ($(ls "$out"/reports/$period/*.pdf | wc -l) PDFs, $(ls "$out"/mail/*.eml | wc -l) mails)"
exit $fail
