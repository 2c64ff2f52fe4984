/* Unit tests for lib/shline.c: gk-shell's command language. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gk_err.h"
#include "policy.h"
#include "shline.h"

static const struct gk_sh_vars vars = { "/home/al", "al", "/work", NULL, NULL };

static void
cat(char *out, size_t n, const char *s)
{
	size_t l = strlen(out);

	assert_true(l + strlen(s) < n);
	memcpy(out + l, s, strlen(s) + 1);
}

/*
 * The line parsed and expanded, written out: each word as [word], "|"
 * between commands, the joins as ; && ||, redirections as N<file N>file
 * N>>file N>&M.
 */
static char *
render(const char *line, int flags)
{
	static char out[4096];
	struct gk_sh_line l;
	char err[256], **argv, *f, tmp[600];
	size_t argc, i, j, k;

	out[0] = '\0';
	if (gk_sh_parse(line, strlen(line), &l, err, sizeof(err)) != 0) {
		snprintf(out, sizeof(out), "error: %s", err);
		return out;
	}
	for (i = 0; i < l.npipes; i++) {
		if (i > 0)
			cat(out, sizeof(out), l.pipes[i].join == GK_SH_AND ?
			    " && " : l.pipes[i].join == GK_SH_OR ? " || " : " ; ");
		for (j = 0; j < l.pipes[i].ncmds; j++) {
			const struct gk_sh_cmd *c = &l.pipes[i].cmds[j];

			if (j > 0)
				cat(out, sizeof(out), " | ");
			assert_int_equal(gk_sh_expand(c->words, c->nwords, &vars,
			    flags, &argv, &argc, err, sizeof(err)), 0);
			for (k = 0; k < argc; k++) {
				snprintf(tmp, sizeof(tmp), "[%s]", argv[k]);
				cat(out, sizeof(out), tmp);
			}
			assert_null(argv[argc]);
			gk_strv_free(argv, argc);
			for (k = 0; k < c->nredirs; k++) {
				const struct gk_sh_redir *r = &c->redirs[k];

				if (r->op == GK_SH_DUP) {
					snprintf(tmp, sizeof(tmp), " %d>&%d", r->fd,
					    r->dupfd);
				} else {
					assert_int_equal(gk_sh_expand_one(&r->target,
					    &vars, flags, &f, err, sizeof(err)), 0);
					snprintf(tmp, sizeof(tmp), " %d%s%s", r->fd,
					    r->op == GK_SH_IN ? "<" : r->op ==
					    GK_SH_OUT ? ">" : ">>", f);
					free(f);
				}
				cat(out, sizeof(out), tmp);
			}
		}
	}
	gk_sh_line_free(&l);
	return out;
}

static void
t_words_and_quotes(void **state)
{
	(void)state;
	assert_string_equal(render("ls -l  /tmp", 0), "[ls][-l][/tmp]");
	assert_string_equal(render("  echo\t'a b'  \"c d\" e\\ f", 0),
	    "[echo][a b][c d][e f]");
	assert_string_equal(render("echo 'it''s' \"x\"y'z'", 0),
	    "[echo][its][xyz]");
	assert_string_equal(render("echo \"a\\\"b\\\\c\\$d\\x\"", 0),
	    "[echo][a\"b\\c$d\\x]");
	assert_string_equal(render("echo '$HOME \\n'", 0), "[echo][$HOME \\n]");
	assert_string_equal(render("echo '' \"\"", 0), "[echo][][]");
	assert_string_equal(render("echo a\\\nb \\\n c", 0), "[echo][ab][c]");
	assert_string_equal(render("echo a#b # a comment", 0), "[echo][a#b]");
	assert_string_equal(render("# only a comment", 0), "");
	assert_string_equal(render("   ", 0), "");
	assert_string_equal(render("echo $ a$ \"$\"", 0), "[echo][$][a$][$]");
	assert_string_equal(render("echo {a,b} !x", 0), "[echo][{a,b}][!x]");
}

static void
t_operators(void **state)
{
	(void)state;
	assert_string_equal(render("a; b && c || d", 0),
	    "[a] ; [b] && [c] || [d]");
	assert_string_equal(render("a;b&&c||d", 0), "[a] ; [b] && [c] || [d]");
	assert_string_equal(render("a | b | c", 0), "[a] | [b] | [c]");
	assert_string_equal(render("a|b&&c", 0), "[a] | [b] && [c]");
	assert_string_equal(render("a\nb\n\nc;", 0), "[a] ; [b] ; [c]");
	assert_string_equal(render("echo 'a;b' \"c|d\" e\\&f", 0),
	    "[echo][a;b][c|d][e&f]");
}

static void
t_redirections(void **state)
{
	(void)state;
	assert_string_equal(render("sort < in > out", 0),
	    "[sort] 0<in 1>out");
	assert_string_equal(render("echo hi >>log 2>err", 0),
	    "[echo][hi] 1>>log 2>err");
	assert_string_equal(render("cmd 2>&1 | less", 0), "[cmd] 2>&1 | [less]");
	assert_string_equal(render("cmd >&2", 0), "[cmd] 1>&2");
	assert_string_equal(render(">out echo x", 0), "[echo][x] 1>out");
	assert_string_equal(render("echo a2>x", 0), "[echo][a2] 1>x");
	assert_string_equal(render("echo 2 >x", 0), "[echo][2] 1>x");
	assert_string_equal(render("echo '2'>x", 0), "[echo][2] 1>x");
	assert_string_equal(render("cat <'my file'", 0), "[cat] 0<my file");
	assert_string_equal(render("echo > ~/out", 0), "[echo] 1>/home/al/out");
}

static void
t_expansion(void **state)
{
	(void)state;
	assert_string_equal(render("echo $HOME ${USER} \"$PWD/x\" '$PWD'", 0),
	    "[echo][/home/al][al][/work/x][$PWD]");
	assert_string_equal(render("echo ~ ~/a a~ '~' \"~\" ~root/x", 0),
	    "[echo][/home/al][/home/al/a][a~][~][~][/root/x]");
	assert_string_equal(render("echo ~nosuchuser9/x", 0),
	    "[echo][~nosuchuser9/x]");
	assert_string_equal(render("echo x$USER$HOME", 0), "[echo][xal/home/al]");
	/* An expanded value is never split or globbed. */
	{
		struct gk_sh_vars v = { "/h me/*", "al", "/", NULL, NULL };
		struct gk_sh_line l;
		char err[100], **argv;
		size_t argc;

		assert_int_equal(gk_sh_parse("ls $HOME ~", 10, &l, err,
		    sizeof(err)), 0);
		assert_int_equal(gk_sh_expand(l.pipes[0].cmds[0].words, 3, &v, 0,
		    &argv, &argc, err, sizeof(err)), 0);
		assert_int_equal(argc, 3);
		assert_string_equal(argv[1], "/h me/*");
		assert_string_equal(argv[2], "/h me/*");
		gk_strv_free(argv, argc);
		gk_sh_line_free(&l);
	}
}

/* gk_sh_vars.fill: home and user are filled in on first use only. */
struct lazy {
	char	home[32], user[32];
	int	calls;
};

static void
lazy_fill(void *ctx)
{
	struct lazy *z = ctx;

	z->calls++;
	snprintf(z->home, sizeof(z->home), "/home/lz");
	snprintf(z->user, sizeof(z->user), "lz");
}

/* The words of line expanded with lazily filled vars, joined by spaces;
 * *calls the number of fills. */
static void
lazy_expand(const char *line, char *out, size_t n, int *calls)
{
	struct lazy z = { "", "", 0 };
	struct gk_sh_vars v = { z.home, z.user, "/w", lazy_fill, &z };
	struct gk_sh_line l;
	char err[100], **argv;
	size_t argc, i;

	assert_int_equal(gk_sh_parse(line, strlen(line), &l, err, sizeof(err)),
	    0);
	assert_int_equal(gk_sh_expand(l.pipes[0].cmds[0].words,
	    l.pipes[0].cmds[0].nwords, &v, 0, &argv, &argc, err, sizeof(err)),
	    0);
	out[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			cat(out, n, " ");
		cat(out, n, argv[i]);
	}
	gk_strv_free(argv, argc);
	gk_sh_line_free(&l);
	*calls = z.calls;
}

static void
t_lazy_vars(void **state)
{
	char out[256];
	int calls;

	(void)state;
	lazy_expand("echo a '~' \"~\" $PWD a~", out, sizeof(out), &calls);
	assert_string_equal(out, "echo a ~ ~ /w a~");
	assert_int_equal(calls, 0);
	lazy_expand("echo ~/x", out, sizeof(out), &calls);
	assert_string_equal(out, "echo /home/lz/x");
	assert_true(calls >= 1);
	lazy_expand("echo \"$USER\"", out, sizeof(out), &calls);
	assert_string_equal(out, "echo lz");
	assert_true(calls >= 1);
	lazy_expand("echo x$HOME", out, sizeof(out), &calls);
	assert_string_equal(out, "echo x/home/lz");
	assert_true(calls >= 1);
}

static void
t_globbing(void **state)
{
	char dir[] = "/tmp/gk-shline.XXXXXX", path[128], line[256];
	const char *files[] = { "a.txt", "b.txt", "c.log", ".hidden.txt",
	    "s p.txt" };
	FILE *f;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		assert_non_null(f = fopen(path, "w"));
		fclose(f);
	}
	snprintf(line, sizeof(line), "ls %s/*.txt", dir);
	snprintf(path, sizeof(path), "[ls][%s/a.txt][%s/b.txt][%s/s p.txt]", dir,
	    dir, dir);
	assert_string_equal(render(line, 0), path);
	/* Quoted glob characters are literal; no match keeps the word. */
	snprintf(line, sizeof(line), "ls '%s/*.txt' %s/\\*.txt %s/*.none", dir,
	    dir, dir);
	snprintf(path, sizeof(path), "[ls][%s/*.txt][%s/*.txt][%s/*.none]", dir,
	    dir, dir);
	assert_string_equal(render(line, 0), path);
	snprintf(line, sizeof(line), "ls %s/?.log %s/[ab].txt", dir, dir);
	snprintf(path, sizeof(path), "[ls][%s/c.log][%s/a.txt][%s/b.txt]", dir,
	    dir, dir);
	assert_string_equal(render(line, 0), path);
	/* NOGLOB leaves patterns alone. */
	snprintf(line, sizeof(line), "ls %s/*.txt", dir);
	snprintf(path, sizeof(path), "[ls][%s/*.txt]", dir);
	assert_string_equal(render(line, GK_SH_NOGLOB), path);
	/* A redirection that globs to two files is ambiguous. */
	{
		struct gk_sh_line l;
		char err[200], *out;

		snprintf(line, sizeof(line), "echo > %s/*.txt", dir);
		assert_int_equal(gk_sh_parse(line, strlen(line), &l, err,
		    sizeof(err)), 0);
		assert_int_equal(gk_sh_expand_one(&l.pipes[0].cmds[0].redirs[0].
		    target, &vars, 0, &out, err, sizeof(err)), GK_ERR_FORMAT);
		assert_non_null(strstr(err, "ambiguous redirect"));
		gk_sh_line_free(&l);
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Each refused line, and a word of the message it must give. */
static void
t_errors(void **state)
{
	static const char *bad[][2] = {
		{ "echo 'abc", "unterminated ' quote" },
		{ "echo \"abc", "unterminated \" quote" },
		{ "echo abc\\", "backslash ends" },
		{ "echo $(id)", "command substitution" },
		{ "echo \"$(id)\"", "command substitution" },
		{ "echo `id`", "command substitution" },
		{ "echo \"`id`\"", "command substitution" },
		{ "echo $SHELL", "$SHELL: gk-shell expands only" },
		{ "echo ${PATH}", "$PATH: gk-shell expands only" },
		{ "echo \"$IFS\"", "$IFS" },
		{ "echo $?", "$? is not supported" },
		{ "echo $$", "$$ is not supported" },
		{ "echo $1", "$1 is not supported" },
		{ "echo ${HOME", "unterminated ${" },
		{ "echo ${}", "not a variable name" },
		{ "echo ${a b}", "not a variable name" },
		{ "sleep 1 &", "background" },
		{ "a & b", "background" },
		{ "(id)", "subshells" },
		{ "f() { id; }", "subshells" },
		{ "cat <<EOF", "here-documents" },
		{ "diff <(a) b", "process substitution" },
		{ "tee >(a)", "process substitution" },
		{ "a |& b", "|&" },
		{ "| a", "| needs a command before" },
		{ "a |", "| needs a command after" },
		{ "a | | b", "| needs a command before" },
		{ "&& a", "&& needs a command before" },
		{ "a &&", "&& needs a command after" },
		{ "a || ; b", "|| needs a command after" },
		{ "a && && b", "&& needs a command after" },
		{ "a ;; b", ";;" },
		{ "echo >", "needs a file name" },
		{ "echo > | b", "needs a file name" },
		{ "echo >& file", "file descriptor number" },
		{ "echo 2>&12", "file descriptor number" },
		{ "> out", "redirection needs a command" },
		{ "> out | b", "redirection needs a command" },
	};
	size_t i;
	const char *r;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = render(bad[i][0], 0);
		if (strncmp(r, "error: ", 7) != 0 || strstr(r, bad[i][1]) == NULL)
			fail_msg("line %zu (%s) gave \"%s\", wanted an error "
			    "with \"%s\"", i, bad[i][0], r, bad[i][1]);
	}
}

/* Incomplete lines (more input may finish them) are GK_ERR_SHORT; the
 * same words in the middle of a line are GK_ERR_FORMAT. */
static void
t_incomplete(void **state)
{
	static const char *shortl[] = { "echo 'a", "echo \"a", "echo a\\",
	    "echo a\\\n", "echo a \\\n",
	    "a |", "a &&", "a ||", "a && b |" };
	static const char *wrong[] = { "a | ; b", "a && ; b", "a || ; b",
	    "| a", "a >", "$(x" };
	struct gk_sh_line l;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(shortl) / sizeof(shortl[0]); i++)
		if (gk_sh_parse(shortl[i], strlen(shortl[i]), &l, err,
		    sizeof(err)) != GK_ERR_SHORT)
			fail_msg("%s: not seen as incomplete", shortl[i]);
	for (i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		if (gk_sh_parse(wrong[i], strlen(wrong[i]), &l, err,
		    sizeof(err)) != GK_ERR_FORMAT)
			fail_msg("%s: not seen as wrong", wrong[i]);
}

static void
t_nul_and_limits(void **state)
{
	struct gk_sh_line l;
	char err[200], *big;
	size_t n;

	(void)state;
	assert_int_equal(gk_sh_parse("echo a\0b", 8, &l, err, sizeof(err)),
	    GK_ERR_FORMAT);
	assert_non_null(strstr(err, "NUL"));
	/* Exactly at the word cap parses; one more word is refused. */
	n = GK_SH_WORDS_MAX;
	assert_non_null(big = malloc(2 * n + 4));
	for (size_t i = 0; i < n; i++)
		memcpy(big + 2 * i, "x ", 2);
	big[2 * n] = '\0';
	assert_int_equal(gk_sh_parse(big, strlen(big), &l, err, sizeof(err)), 0);
	assert_int_equal(l.pipes[0].cmds[0].nwords, n);
	gk_sh_line_free(&l);
	memcpy(big + 2 * n, "y", 2);
	assert_int_equal(gk_sh_parse(big, strlen(big), &l, err, sizeof(err)),
	    GK_ERR_LIMIT);
	free(big);
	assert_non_null(big = calloc(1, GK_SH_LINE_MAX + 2));
	memset(big, 'a', GK_SH_LINE_MAX + 1);
	assert_int_equal(gk_sh_parse(big, GK_SH_LINE_MAX + 1, &l, err,
	    sizeof(err)), GK_ERR_LIMIT);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_words_and_quotes),
		cmocka_unit_test(t_operators),
		cmocka_unit_test(t_redirections),
		cmocka_unit_test(t_expansion),
		cmocka_unit_test(t_lazy_vars),
		cmocka_unit_test(t_globbing),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_incomplete),
		cmocka_unit_test(t_nul_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
