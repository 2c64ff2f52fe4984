/*
 * libFuzzer target: a peer's byte stream cut into frames, each decoded as
 * a message (gk_msg_decode), then every field read the way the daemon's
 * handler for that type reads it (the table below follows
 * gatekeeperd/requests.c and session.c, and the clients' readers of the
 * daemon's answers), checking what the getters promise, and finally the
 * message built again from its fields and decoded back to the same thing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"
#include "buf.h"
#include "frame.h"
#include "gk_err.h"
#include "msg.h"
#include "proto.h"

enum kind { STR, U64, STRV, BYTES, COUNT };

struct getter {
	uint8_t		 type;
	const char	*key;
	enum kind	 kind;
	uint64_t	 max;	/* U64: the bound; BYTES: the length */
};

#define ID_MAX	((uint64_t)INT64_MAX)

static const struct getter getters[] = {
	{ GK_T_RUN, "arg", STRV, 0 }, { GK_T_RUN, "cwd", STR, 0 },
	{ GK_T_RUN, "reason", STR, 0 }, { GK_T_RUN, "user", STR, 0 },
	{ GK_T_RUN, "run_as", STR, 0 }, { GK_T_RUN, "authorize", COUNT, 0 },
	{ GK_T_RUN, "ssh", STR, 0 }, { GK_T_RUN, "tty", STR, 0 },
	{ GK_T_RUN, "session", STR, 0 }, { GK_T_RUN, "pipeline", STR, 0 },
	{ GK_T_WAIT, "id", U64, ID_MAX }, { GK_T_CANCEL, "id", U64, ID_MAX },
	{ GK_T_SHOW, "id", U64, ID_MAX },
	{ GK_T_DECIDE, "id", U64, ID_MAX }, { GK_T_DECIDE, "decision", STR, 0 },
	{ GK_T_DECIDE, "otp", STR, 0 }, { GK_T_DECIDE, "reason", STR, 0 },
	{ GK_T_DECIDE, "sig", BYTES, 64 },
	{ GK_T_DECIDE, "time", U64, (uint64_t)INT64_MAX },
	{ GK_T_ENROLL, "name", STR, 0 }, { GK_T_ENROLL, "pubkey", STR, 0 },
	{ GK_T_ENROLL, "yubikey", STR, 0 },
	{ GK_T_ENROLL, "uid", U64, (uint64_t)UINT32_MAX - 1 },
	{ GK_T_REVOKE, "name", STR, 0 },
	{ GK_T_AUDIT, "user", STR, 0 }, { GK_T_AUDIT, "event", STR, 0 },
	{ GK_T_AUDIT, "request", U64, ID_MAX },
	{ GK_T_AUDIT, "since", U64, (uint64_t)INT64_MAX },
	{ GK_T_AUDIT, "until", U64, (uint64_t)INT64_MAX },
	{ GK_T_AUDIT, "limit", U64, (uint64_t)INT64_MAX },
	{ GK_T_VERIFY, "anchor", STR, 0 },
	{ GK_T_SESSION, "phase", STR, 0 }, { GK_T_SESSION, "user", STR, 0 },
	{ GK_T_SESSION, "session", STR, 0 }, { GK_T_SESSION, "service", STR, 0 },
	{ GK_T_SESSION, "ruser", STR, 0 }, { GK_T_SESSION, "rhost", STR, 0 },
	{ GK_T_SESSION, "tty", STR, 0 },
	/* the daemon's answers, as the clients read them */
	{ GK_T_ERROR, "code", STR, 0 }, { GK_T_ERROR, "message", STR, 0 },
	{ GK_T_OK, "message", STR, 0 },
	{ GK_T_DECISION, "action", STR, 0 }, { GK_T_DECISION, "why", STR, 0 },
	{ GK_T_DECISION, "exe", STR, 0 }, { GK_T_DECISION, "rule", STR, 0 },
	{ GK_T_REQUEST, "id", U64, ID_MAX }, { GK_T_REQUEST, "approver", STRV, 0 },
	{ GK_T_PROGRESS, "approvals", U64, 1000 }, { GK_T_PROGRESS, "by", STR, 0 },
	{ GK_T_OUTPUT, "stream", U64, 2 }, { GK_T_OUTPUT, "data", COUNT, 0 },
	{ GK_T_EXIT, "status", U64, 255 }, { GK_T_END, "state", STR, 0 },
	{ GK_T_ITEM, "arg", STRV, 0 }, { GK_T_ITEM, "member", STRV, 0 },
	{ GK_T_ITEM, "path", STRV, 0 }, { GK_T_ITEM, "seq", U64, ID_MAX },
	{ GK_T_ITEM, "exe_hash", STR, 0 }, { GK_T_ITEM, "nonce", STR, 0 },
};

static void
check(int ok)
{
	if (!ok)
		abort();
}

static const struct gk_field *
first(const struct gk_msg *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->f[i].key, key) == 0)
			return &m->f[i];
	return NULL;
}

static void
read_as_handler(const struct gk_msg *m, const struct getter *g)
{
	const struct gk_field *f = first(m, g->key);
	const char *s;
	uint8_t raw[64];
	uint64_t v;
	char **sv;
	size_t n, i, k;
	int r;

	switch (g->kind) {
	case STR:
		s = gk_msg_str(m, g->key);
		if (f == NULL || memchr(f->val, '\0', f->len) != NULL)
			check(s == NULL);
		else
			check(s == f->val && strlen(s) == f->len);
		break;
	case U64:
		v = g->max + 1;
		r = gk_msg_u64(m, g->key, g->max, &v);
		if (r == 0) {
			check(f != NULL && v <= g->max);
			check(f->len > 0 && f->len <= 20 && strspn(f->val,
			    "0123456789") == f->len);
		} else if (r == GK_ERR_NOTFOUND)
			/* absent, or holding a NUL (gk_msg_str's NULL) */
			check(f == NULL || memchr(f->val, '\0', f->len) != NULL);
		else
			check(r == GK_ERR_FORMAT || r == GK_ERR_LIMIT);
		break;
	case STRV:
		sv = gk_msg_strv(m, g->key, &n);
		check(n == gk_msg_count(m, g->key));
		if (sv == NULL)
			break;		/* a NUL somewhere, or no memory */
		for (i = k = 0; i < m->n; i++) {
			if (strcmp(m->f[i].key, g->key) != 0)
				continue;
			check(sv[k] == m->f[i].val);
			check(strlen(sv[k]) == m->f[i].len);
			k++;
		}
		check(k == n && sv[n] == NULL);
		free(sv);
		break;
	case BYTES:
		r = gk_msg_bytes(m, g->key, raw, (size_t)g->max);
		if (r == 0)
			check(f != NULL && f->len == g->max &&
			    memcmp(raw, f->val, f->len) == 0);
		else
			check(f == NULL ? r == GK_ERR_NOTFOUND :
			    f->len != g->max);
		break;
	case COUNT:
		n = gk_msg_count(m, g->key);
		check((n > 0) == (f != NULL));
		break;
	}
}

/* Built again from its fields, the message decodes to the same fields. */
static void
round_trip(const struct gk_msg *m)
{
	struct gk_buf out, payload;
	struct gk_msg b, d;
	uint8_t type;
	size_t i;
	int r;

	gk_msg_begin(&b, m->type);
	for (i = 0; i < m->n; i++)
		if ((r = gk_msg_add(&b, m->f[i].key, m->f[i].val,
		    m->f[i].len)) != 0) {
			check(r == GK_ERR_ALLOC && gk_fa_failed());
			gk_msg_free(&b);
			return;
		}
	gk_buf_init(&out, GK_FRAME_HDR + GK_FRAME_MAX);
	if ((r = gk_msg_finish(&b, &out)) != 0) {
		/* The fields fit one frame when they came in one. */
		check(r == GK_ERR_ALLOC && gk_fa_failed());
		gk_msg_free(&b);
		gk_buf_free(&out);
		return;
	}
	check(gk_frame_next(&out, &type, &payload) == 0);
	check(type == m->type && gk_buf_avail(&out) == 0);
	if ((r = gk_msg_decode(&d, type, &payload)) != 0) {
		check(r == GK_ERR_ALLOC && gk_fa_failed());
		gk_buf_free(&out);
		return;
	}
	check(d.n == m->n);
	for (i = 0; i < d.n; i++) {
		check(strcmp(d.f[i].key, m->f[i].key) == 0);
		check(d.f[i].len == m->f[i].len);
		check(memcmp(d.f[i].val, m->f[i].val, d.f[i].len) == 0);
	}
	gk_msg_free(&d);
	gk_buf_free(&out);
}

int
gk_fuzz_one(const uint8_t *data, size_t size)
{
	struct gk_buf in, payload;
	struct gk_msg m;
	uint8_t type;
	size_t i, k;
	int r;

	gk_buf_view(&in, data, size);
	while (gk_frame_next(&in, &type, &payload) == 0) {
		if ((r = gk_msg_decode(&m, type, &payload)) != 0) {
			check(r == GK_ERR_SHORT || r == GK_ERR_LIMIT ||
			    r == GK_ERR_FORMAT ||
			    (r == GK_ERR_ALLOC && gk_fa_failed()));
			/* Refused: nothing is left allocated. */
			check(m.n == 0 && m.f == NULL);
			continue;
		}
		check(m.type == type && m.n <= GK_MSG_MAX_FIELDS);
		for (i = 0; i < m.n; i++) {
			k = strlen(m.f[i].key);
			check(k > 0 && k <= GK_MSG_MAX_KEY);
			check(strspn(m.f[i].key,
			    "abcdefghijklmnopqrstuvwxyz0123456789_") == k);
			check(m.f[i].val[m.f[i].len] == '\0');
		}
		for (i = 0; i < sizeof(getters) / sizeof(getters[0]); i++)
			if (getters[i].type == type)
				read_as_handler(&m, &getters[i]);
		round_trip(&m);
		gk_msg_free(&m);
	}
	return 0;
}
