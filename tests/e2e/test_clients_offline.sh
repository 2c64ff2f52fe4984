#!/bin/sh
# gk-approve and gk-audit without a daemon: key files, exit statuses when
# the daemon is unreachable, and gk-audit --db / verify --db on a small
# audit store built by a helper compiled here against libgk (so its hashes
# and signatures are the library's own). Speaks TAP.
set -u
B=${GK_BUILD:?GK_BUILD must name the build directory}
SRC=${GK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
APPROVE=$B/gk-approve
AUDIT=$B/gk-audit
T=$(mktemp -d "${TMPDIR:-/tmp}/gk-clients.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
unset GK_SOCKET
NOSOCK=$T/no-daemon.sock
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
notok() { # notok DESC [FILE...]: FILEs shown as diagnostics
	n=$((n + 1)); echo "not ok $n - $1"; shift
	for f in "$@"; do [ -f "$f" ] && sed 's/^/#   /' "$f" | head -20; done
}
check() { # check DESC CONDITION-COMMAND...
	d=$1; shift
	if "$@"; then ok "$d"; else notok "$d" "$T/out" "$T/err"; fi
}
run() { # run CMD...: stdin /dev/null, output in $T/out and $T/err, status in $rc
	"$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
}
has() { grep -q -- "$1" "$2"; }
rc_has() { [ "$rc" -eq "$1" ] && has "$2" "$3"; } # rc_has STATUS PATTERN FILE
mode() { stat -c %a "$1"; }

# keygen ------------------------------------------------------------------

run "$APPROVE" keygen --key "$T/k1"
check "keygen exits 0" [ "$rc" -eq 0 ]
check "keygen prints one line: ed25519: and 64 lower-case hex" \
    sh -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -Eqx "ed25519:[0-9a-f]{64}" "$1"' \
    - "$T/out"
check "key file is mode 0600" [ "$(mode "$T/k1")" = 600 ]
check "key file starts with the format line, unencrypted off a terminal" \
    [ "$(head -n 1 "$T/k1")" = "gatekeeper-approver-key v1" ]
check "the secret key is not on stdout" \
    sh -c '! grep -q "$(sed -n "s/^seed //p" "$1")" "$2"' - "$T/k1" "$T/out"
cp "$T/k1" "$T/k1.orig"
cp "$T/out" "$T/k1.pub"

run "$APPROVE" keygen --key "$T/k1"
check "keygen refuses to overwrite an existing key (exit 1)" [ "$rc" -eq 1 ]
check "the existing key file is unchanged" cmp -s "$T/k1" "$T/k1.orig"
check "keygen says it will not overwrite" has "not overwriting" "$T/err"

run "$APPROVE" keygen --key "$T/k2"
check "two keygens make two different keys" \
    sh -c '! cmp -s "$1" "$2"' - "$T/out" "$T/k1.pub"

mkdir -p "$T/home"
run env HOME="$T/home" "$APPROVE" keygen
check "keygen default path: ~/.config/gatekeeper/approver.key, 0600" \
    [ "$rc" -eq 0 -a "$(mode "$T/home/.config/gatekeeper/approver.key" 2>/dev/null)" = 600 ]
check "keygen creates ~/.config/gatekeeper with mode 0700" \
    [ "$(mode "$T/home/.config/gatekeeper")" = 700 ]

ln -s "$T/k1" "$T/klink"
run "$APPROVE" keygen --key "$T/klink"
check "keygen does not write through a symlink" \
    sh -c '[ "$1" -eq 1 ] && cmp -s "$2" "$3"' - "$rc" "$T/k1" "$T/k1.orig"

if command -v script >/dev/null 2>&1; then
	printf 'correct horse\ncorrect horse\n' |
	    script -qec "'$APPROVE' keygen --key '$T/kenc'" /dev/null \
	    >"$T/out" 2>"$T/err"
	check "keygen on a terminal encrypts the key with a passphrase" \
	    [ "$(head -n 1 "$T/kenc" 2>/dev/null)" = \
	    "gatekeeper-approver-key v1 encrypted" ]
	check "an encrypted key file holds no plain seed, and is 0600" \
	    sh -c '! grep -q "^seed " "$1" && [ "$(stat -c %a "$1")" = 600 ]' \
	    - "$T/kenc"
	check "the passphrase is not written to the key file" \
	    sh -c '! grep -q "correct horse" "$1"' - "$T/kenc"
else
	skip "keygen on a terminal encrypts the key" "no script(1)"
	skip "an encrypted key file holds no plain seed" "no script(1)"
	skip "the passphrase is not written to the key file" "no script(1)"
fi

# key files as approve reads them (checked before the daemon is asked) ---

OTP=ccccccccccccbdefghijklnrtuvcbdefghijklnrtuvc
cp "$T/k1.orig" "$T/k644"
chmod 0644 "$T/k644"
run "$APPROVE" -s "$NOSOCK" approve 1 --otp - --key "$T/k644"
check "approve refuses a key file of mode 0644 (exit 1)" [ "$rc" -eq 1 ]
check "... and says why, naming the mode" has "0644" "$T/err"

cp "$T/k1.orig" "$T/k640"
chmod 0640 "$T/k640"
run "$APPROVE" -s "$NOSOCK" approve 1 --otp - --key "$T/k640"
check "approve refuses a group-readable key file (0640)" [ "$rc" -eq 1 ]

run "$APPROVE" -s "$NOSOCK" approve 1 --otp - --key "$T/klink"
check "approve refuses a key file that is a symlink" [ "$rc" -eq 1 ]

printf 'not a key\n' >"$T/kjunk"
chmod 0600 "$T/kjunk"
run "$APPROVE" -s "$NOSOCK" approve 1 --otp - --key "$T/kjunk"
check "approve refuses a file that is not a key" [ "$rc" -eq 1 ]

# a public key that does not belong to the secret one
awk 'NR == 2 { print "public ed25519:" substr("0000000000000000000000000000000000000000000000000000000000000000", 1, 64); next } { print }' \
    "$T/k1.orig" >"$T/kswap"
chmod 0600 "$T/kswap"
run "$APPROVE" -s "$NOSOCK" approve 1 --otp - --key "$T/kswap"
check "approve refuses a key whose public half does not match" [ "$rc" -eq 1 ]

run "$APPROVE" -s "$NOSOCK" approve 1 --otp - --key "$T/k1"
check "approve with a good 0600 key and no daemon: exit 69" [ "$rc" -eq 69 ]
run "$APPROVE" -s "$NOSOCK" approve 1 --otp "$OTP" --key "$T/k1"
check "an OTP on the command line is refused before anything (exit 2)" \
    [ "$rc" -eq 2 ]
check "the OTP is never printed" sh -c '! grep -q "$1" "$2" "$3"' - "$OTP" \
    "$T/out" "$T/err"

# daemon unreachable, usage --------------------------------------------------

for c in "list" "list --json" "show 1" "deny 1 --otp - --key KEY"; do
	# shellcheck disable=SC2086
	run "$APPROVE" -s "$NOSOCK" $(echo "$c" | sed "s|KEY|$T/k1|")
	check "gk-approve $c without a daemon: exit 69" [ "$rc" -eq 69 ]
done
run env GK_SOCKET="$NOSOCK" "$APPROVE" list
check "gk-approve reads \$GK_SOCKET" rc_has 69 "$NOSOCK" "$T/err"
run "$APPROVE" -s "$NOSOCK" frobnicate
check "gk-approve unknown command: exit 2" [ "$rc" -eq 2 ]
run "$APPROVE" -s "$NOSOCK" show notanumber
check "gk-approve show with a bad id: exit 2" [ "$rc" -eq 2 ]
for c in "" "checkpoint" "verify" "--json --limit 3"; do
	# shellcheck disable=SC2086
	run "$AUDIT" -s "$NOSOCK" $c
	check "gk-audit ${c:-(query)} without a daemon: exit 69" [ "$rc" -eq 69 ]
done
run "$AUDIT" --since yesterday --db /nonexistent
check "gk-audit with a bad time: exit 2" [ "$rc" -eq 2 ]

# a small audit store ---------------------------------------------------------

cat >"$T/mkdb.c" <<'EOF'
/* mkdb DB ANCHOR: a store with 5 chained audit records, one request, a
 * daemon key and a signed checkpoint of the last record (also written to
 * ANCHOR as a checkpoint line). Times are fixed: T0 + 60 * (seq - 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>
#include "audit.h"
#include "canon.h"
#include "escape.h"
#include "reqrow.h"

#define T0 1700000000

static sqlite3 *db;
static uint8_t prev[GK_DIGEST_LEN];
static int64_t seq;

static void
die(const char *what)
{
	fprintf(stderr, "mkdb: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void
add(const char *event, int64_t uid, const char *user, int64_t req,
    const char *session, const char *command, const char *detail)
{
	struct gk_audit_rec r;
	sqlite3_stmt *st;

	memset(&r, 0, sizeof(r));
	r.seq = ++seq;
	r.time = T0 + 60 * (seq - 1);
	r.event = event;
	r.uid = uid;
	r.user = user;
	r.request = req;
	r.session = session;
	r.command = command;
	r.detail = detail;
	memcpy(r.prev, prev, GK_DIGEST_LEN);
	if (gk_audit_hash(&r) != 0)
		die("hash");
	if (sqlite3_prepare_v2(db, "INSERT INTO audit(seq, time, event, uid, "
	    "user, request, session, command, detail, prev, hash) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		die("prepare");
	sqlite3_bind_int64(st, 1, r.seq);
	sqlite3_bind_int64(st, 2, r.time);
	sqlite3_bind_text(st, 3, event, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, uid);
	sqlite3_bind_text(st, 5, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, req);
	sqlite3_bind_text(st, 7, session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, command, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, r.prev, GK_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, r.hash, GK_DIGEST_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		die("insert audit");
	sqlite3_finalize(st);
	memcpy(prev, r.hash, GK_DIGEST_LEN);
}

static void
bind_list(sqlite3_stmt *st, int i, size_t n, char *const *v)
{
	struct gk_buf b;

	gk_buf_init(&b, 65536);
	if (gk_strlist_encode(&b, n, v) != 0)
		die("encode");
	sqlite3_bind_blob(st, i, b.data, (int)b.len, SQLITE_TRANSIENT);
	gk_buf_free(&b);
}

int
main(int argc, char **argv)
{
	char *rargv[] = { "rm", "-rf", "/srv/backup/old" };
	char *paths[] = { "/srv/backup/old" };
	char *members[] = { "carol", "dave" };
	struct gk_request_fields f;
	struct gk_checkpoint c;
	struct gk_buf m;
	sqlite3_stmt *st;
	uint8_t dpk[32], dsk[64], dg[GK_DIGEST_LEN];
	char hex[2 * GK_DIGEST_LEN + 1], fpr[GK_FINGERPRINT_LEN + 1];
	char detail[512], line[512], *cmd;
	FILE *fp;

	if (argc != 3 || sodium_init() < 0)
		return 2;
	if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    sqlite3_exec(db, gk_schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		die("schema");
	crypto_sign_keypair(dpk, dsk);
	if (sqlite3_prepare_v2(db, "INSERT INTO meta VALUES ('daemon_pubkey', ?)",
	    -1, &st, NULL) != SQLITE_OK)
		die("meta");
	sqlite3_bind_blob(st, 1, dpk, 32, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		die("meta");
	sqlite3_finalize(st);

	memset(&f, 0, sizeof(f));
	f.host_id = "testhost";
	f.number = 1;
	randombytes_buf(f.nonce, GK_NONCE_LEN);
	f.uid = 1000;
	f.user = "alice";
	f.argc = 3;
	f.argv = rargv;
	f.exe_path = "/usr/bin/rm";
	memset(f.exe_hash, 0x5a, GK_DIGEST_LEN);
	f.cwd = "/home/alice";
	f.npaths = 1;
	f.paths = paths;
	f.run_as = "root";
	f.rule = "backup-delete";
	f.reason = "";
	f.created = T0 + 180;
	f.expires = T0 + 3780;
	if (gk_request_digest(&f, dg) != 0)
		die("digest");
	if (sqlite3_prepare_v2(db, "INSERT INTO requests(" GK_REQROW_COLUMNS
	    ", output) VALUES (1, 'pending', ?, ?, 1000, 'alice', ?, ?, ?, ?, ?, "
	    "'root', 'backup-delete', 2, 'storage', ?, '', ?, ?, 0, 0, ?, NULL, "
	    "'ssh=127.0.0.1 tty=pts/0', NULL)", -1, &st, NULL) != SQLITE_OK)
		die("prepare request");
	sqlite3_bind_text(st, 1, f.host_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, f.nonce, GK_NONCE_LEN, SQLITE_STATIC);
	bind_list(st, 3, 3, rargv);
	sqlite3_bind_text(st, 4, f.exe_path, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, f.exe_hash, GK_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, f.cwd, -1, SQLITE_STATIC);
	bind_list(st, 7, 1, paths);
	bind_list(st, 8, 2, members);
	sqlite3_bind_int64(st, 9, f.created);
	sqlite3_bind_int64(st, 10, f.expires);
	sqlite3_bind_blob(st, 11, dg, GK_DIGEST_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		die("insert request");
	sqlite3_finalize(st);

	if ((cmd = gk_escape_argv(3, rargv)) == NULL)
		return 1;
	gk_hex(dg, GK_DIGEST_LEN, hex);
	gk_fingerprint(dg, fpr);
	/* As the daemon writes it: verify checks digest= and state=. */
	snprintf(detail, sizeof(detail), "rule=backup-delete action=approve "
	    "need=2 set=storage fingerprint=%s digest=%s state=pending", fpr, hex);
	add("session-open", 1000, "alice", 0, "ssh=127.0.0.1 tty=pts/0", "", "");
	add("local", 1000, "alice", 0, "ssh=127.0.0.1 tty=pts/0", "'ls' '-l'",
	    "status=0");
	add("policy-deny", 1001, "bob\n\x1b[2Jevil", 0, "", "'sh' '-c' 'id'",
	    "rule=interpreters");
	add("request", 1000, "alice", 1, "ssh=127.0.0.1 tty=pts/0", cmd, detail);
	add("reload", -1, "", 0, "", "", "policies=3 \xff");

	memset(&c, 0, sizeof(c));
	c.seq = seq;
	c.time = T0 + 600;
	memcpy(c.hash, prev, GK_DIGEST_LEN);
	memcpy(c.key, dpk, 32);
	gk_buf_init(&m, 4096);
	if (gk_checkpoint_message(&m, c.seq, c.hash, c.time) != 0)
		return 1;
	crypto_sign_detached(c.sig, NULL, m.data, m.len, dsk);
	gk_buf_free(&m);
	if (sqlite3_prepare_v2(db, "INSERT INTO checkpoints VALUES (?, ?, ?, ?)",
	    -1, &st, NULL) != SQLITE_OK)
		die("checkpoint");
	sqlite3_bind_int64(st, 1, c.seq);
	sqlite3_bind_blob(st, 2, c.hash, GK_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c.time);
	sqlite3_bind_blob(st, 4, c.sig, 64, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		die("checkpoint");
	sqlite3_finalize(st);
	if (gk_checkpoint_format(&c, line, sizeof(line)) != 0 ||
	    (fp = fopen(argv[2], "w")) == NULL)
		return 1;
	fprintf(fp, "%s\n", line);
	fclose(fp);
	free(cmd);
	return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}
EOF
CC=${CC:-cc}
LIBS="$(pkg-config --libs libsodium sqlite3) -lyubikey"
# shellcheck disable=SC2086
if $CC -std=c11 -D_GNU_SOURCE -I"$SRC/lib" $(pkg-config --cflags libsodium sqlite3) \
    -o "$T/mkdb" "$T/mkdb.c" "$B/libgk.a" $LIBS >"$T/cc.err" 2>&1 ||
    $CC -std=c11 -D_GNU_SOURCE -fsanitize=address,undefined -I"$SRC/lib" \
    $(pkg-config --cflags libsodium sqlite3) -o "$T/mkdb" "$T/mkdb.c" \
    "$B/libgk.a" $LIBS >"$T/cc.err" 2>&1; then
	have_mkdb=1
	ok "test helper mkdb builds against libgk"
else
	have_mkdb=0
	notok "test helper mkdb builds against libgk" "$T/cc.err"
fi

fresh() { # fresh NAME: a new store in $T/NAME.db, its anchor in $T/NAME.anchor
	rm -f "$T/$1.db" "$T/$1.anchor"
	"$T/mkdb" "$T/$1.db" "$T/$1.anchor"
}

if [ "$have_mkdb" = 1 ] && fresh good; then
	DB=$T/good.db

	run "$AUDIT" verify --db "$DB"
	check "verify --db on an intact store: exit 0" [ "$rc" -eq 0 ]
	check "... and says intact with the record count" has "intact: 5 records" "$T/out"

	run "$AUDIT" verify --db "$DB" --anchor "$T/good.anchor"
	check "verify --db --anchor on an intact store: exit 0" [ "$rc" -eq 0 ]
	check "... and says the anchor matches" has "anchor" "$T/out"

	run "$AUDIT" -s "$NOSOCK" verify --db "$DB"
	check "verify --db does not need the daemon" [ "$rc" -eq 0 ]

	# --db queries
	run "$AUDIT" --db "$DB" --json
	check "--db --json: exit 0, one line per record" \
	    [ "$rc" -eq 0 -a "$(wc -l <"$T/out")" -eq 5 ]
	ok_fields=1
	while IFS= read -r l; do
		for k in seq time event uid user request session command detail; do
			case $l in *"\"$k\":"*) ;; *) ok_fields=0 ;; esac
		done
		case $l in *'"prev":'* | *'"hash":'*) ok_fields=0 ;; esac
		case $l in '{"seq":'*'}') ;; *) ok_fields=0 ;; esac
	done <"$T/out"
	check "--json: every record has all the columns but prev and hash" \
	    [ "$ok_fields" = 1 ]
	check "--json: the command line is included" \
	    has "\"command\":\"'rm' '-rf' '/srv/backup/old'\"" "$T/out"
	check "--json: numbers are numbers, a missing uid is -1" \
	    has '"seq":5,"time":1700000240,"event":"reload","uid":-1,' "$T/out"
	check "--json: control characters as \\u00XX" \
	    has '"user":"bob\\u000a\\u001b\[2Jevil"' "$T/out"
	check "--json: an invalid UTF-8 byte as \\ufffd" \
	    has '"detail":"policies=3 \\ufffd"' "$T/out"
	check "--json: no raw control character in the output" \
	    sh -c '! LC_ALL=C grep -q "[[:cntrl:]]" "$1"' - "$T/out"

	run "$AUDIT" --db "$DB"
	check "--db table: a header and 5 lines" \
	    [ "$rc" -eq 0 -a "$(wc -l <"$T/out")" -eq 6 ]
	check "--db table: the header" \
	    sh -c 'head -n 1 "$1" | grep -Eq "^SEQ +TIME +EVENT +USER +REQ +COMMAND +DETAIL$"' \
	    - "$T/out"
	check "--db table: times as local YYYY-MM-DD HH:MM:SS" \
	    sh -c 'sed -n 2p "$1" | grep -Eq "^ *1  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  "' \
	    - "$T/out"
	check "--db table: no raw control character (only line ends)" \
	    sh -c '! LC_ALL=C tr -d "\n" <"$1" | LC_ALL=C grep -q "[[:cntrl:]]"' \
	    - "$T/out"
	check "--db table: a strange user name is shown quoted and escaped" \
	    has "'bob\\\\n\\\\e\[2Jevil'" "$T/out"

	seqs() { sed 's/^{"seq":\([0-9]*\),.*/\1/' "$T/out" | tr '\n' ' '; }
	run "$AUDIT" --db "$DB" --json --limit 2
	check "--limit 2 keeps the newest two, oldest first" [ "$(seqs)" = "4 5 " ]
	run "$AUDIT" --db "$DB" --json --user alice
	check "--user alice" [ "$(seqs)" = "1 2 4 " ]
	run "$AUDIT" --db "$DB" --json --event request
	check "--event request" [ "$(seqs)" = "4 " ]
	run "$AUDIT" --db "$DB" --json --request 1
	check "--request 1" [ "$(seqs)" = "4 " ]
	run "$AUDIT" --db "$DB" --json --since 1700000060 --until 1700000180
	check "--since/--until in epoch seconds, both inclusive" \
	    [ "$(seqs)" = "2 3 4 " ]
	run "$AUDIT" --db "$DB" --json --since 1d
	check "--since 1d (an age): no record is that recent" [ "$rc" -eq 0 -a ! -s "$T/out" ]
	run "$AUDIT" --db "$DB" --json --user alice --limit 1 --since 2023-01-01
	check "filters and --limit combine" [ "$(seqs)" = "4 " ]

	# WAL store read by someone who cannot write beside it
	if command -v sqlite3 >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 &&
	    [ "$(id -u)" = 0 ]; then
		mkdir "$T/wal"
		cp "$DB" "$T/wal/w.db"
		sqlite3 "$T/wal/w.db" 'PRAGMA journal_mode=WAL;' >/dev/null
		chmod 0755 "$T" "$T/wal"
		chmod 0644 "$T/wal/w.db"
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		    "$AUDIT" verify --db "$T/wal/w.db" </dev/null >"$T/out" 2>"$T/err"
		rc=$?
		check "verify --db on a WAL store in a read-only directory" \
		    [ "$rc" -eq 0 ]
	else
		skip "verify --db on a WAL store in a read-only directory" \
		    "needs root, setpriv and sqlite3"
	fi
fi
if [ "$have_mkdb" != 1 ]; then
	notok "no audit store to test gk-audit --db with"
fi

# tampering -----------------------------------------------------------------

if [ "$have_mkdb" = 1 ] && command -v sqlite3 >/dev/null 2>&1; then
	fresh edit
	sqlite3 "$T/edit.db" "UPDATE audit SET detail = 'status=1' WHERE seq = 2"
	run "$AUDIT" verify --db "$T/edit.db"
	check "one column edited: verify exits 1" [ "$rc" -eq 1 ]
	check "... naming the record" has "record 2" "$T/out"

	fresh edit2
	sqlite3 "$T/edit2.db" "UPDATE audit SET user = 'mallory' WHERE seq = 4"
	run "$AUDIT" verify --db "$T/edit2.db"
	check "another column edited: exit 1 naming record 4" \
	    rc_has 1 "record 4" "$T/out"

	# Same bytes, but a BLOB: the hash would match, while SQL's
	# user = 'carl' no longer finds the record.
	fresh blob
	sqlite3 "$T/blob.db" "UPDATE audit SET user = CAST(user AS BLOB) WHERE seq = 4"
	run "$AUDIT" verify --db "$T/blob.db"
	check "a text column turned BLOB: exit 1 naming record 4" \
	    rc_has 1 "record 4" "$T/out"

	fresh req
	sqlite3 "$T/req.db" "UPDATE requests SET cwd = '/' WHERE id = 1"
	run "$AUDIT" verify --db "$T/req.db"
	check "a request row edited: exit 1 naming the request" \
	    rc_has 1 "request 1" "$T/out"

	fresh del
	sqlite3 "$T/del.db" "DELETE FROM audit WHERE seq = 3"
	run "$AUDIT" verify --db "$T/del.db"
	check "a record deleted: exit 1 naming a record" rc_has 1 "record" "$T/out"

	fresh trunc
	sqlite3 "$T/trunc.db" "DELETE FROM checkpoints; DELETE FROM audit WHERE seq = 5"
	run "$AUDIT" verify --db "$T/trunc.db"
	check "truncated with its checkpoint: exit 1 without an anchor too, record 1 not covered" \
	    rc_has 1 "record 1: not covered by a signed checkpoint" "$T/out"
	run "$AUDIT" verify --db "$T/trunc.db" --anchor "$T/trunc.anchor"
	check "... but the anchor catches it: exit 1 naming record 5" \
	    rc_has 1 "record 5" "$T/out"

	printf 'gatekeeper-checkpoint nonsense\n' >"$T/bad.anchor"
	run "$AUDIT" verify --db "$T/good.db" --anchor "$T/bad.anchor"
	check "a malformed anchor: exit 1" [ "$rc" -eq 1 ]
	run "$AUDIT" verify --db "$T/good.db" --anchor "$T/edit.anchor"
	check "an anchor from another store: exit 1" [ "$rc" -eq 1 ]
else
	for d in "one column edited" "another column edited" "text turned BLOB" \
	    "request row edited" \
	    "record deleted" "truncation"; do
		skip "$d" "needs the mkdb helper and the sqlite3 CLI"
	done
fi

run "$AUDIT" verify --db "$T/does-not-exist.db"
check "verify --db on a missing file: exit 2" [ "$rc" -eq 2 ]

echo "1..$n"
