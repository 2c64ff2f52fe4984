#!/bin/sh
# Runs every test against the programs in build dir $1 and prints the
# summary. Each test program speaks TAP ("ok ..." / "not ok ..." lines); a
# program that exits non-zero without a "not ok" line counts as one failure.
# The last line is "N passed, N failed"; exit 1 when anything failed.
set -u
B=${1:-build}
export GK_BUILD=$(cd "$B" && pwd)
export GK_SRC=$(cd "$(dirname "$0")/.." && pwd)
export CMOCKA_MESSAGE_OUTPUT=TAP
log=$B/tests/log
mkdir -p "$log"
pass=0
fail=0

run_one() { # run_one NAME CMD...
	name=$1; shift
	# shellcheck disable=SC2254
	case $name in ${GK_ONLY:-*}) ;; *) return 0 ;; esac
	out=$log/$name.out
	timeout 900 "$@" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$out"
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name ran no test" >>"$out"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -gt 0 ]; then
		echo "FAIL $name: $p passed, $f failed (log: $out)"
		grep -E '^not ok|^# ' "$out" | head -40 | sed 's/^/    /'
	else
		echo "ok   $name: $p passed"
	fi
}

for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
for t in "$B"/tests/replay_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t"); n=${n#replay_}
	run_one "replay_$n" "$t" "$GK_SRC/tests/fuzz/corpus/$n"
done
for t in "$GK_SRC"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	case $(basename "$t") in lib.sh) continue ;; esac
	run_one "e2e_$(basename "$t" .sh)" sh "$t"
done
for t in "$GK_SRC"/tests/adversarial/test_*.sh; do
	[ -f "$t" ] || continue
	run_one "adv_$(basename "$t" .sh)" sh "$t"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
