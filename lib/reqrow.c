#include <stdlib.h>
#include <string.h>

#include "gk_err.h"
#include "policy.h"
#include "reqrow.h"

int
gk_strlist_encode(struct gk_buf *b, size_t n, char *const *v)
{
	return gk_canon_strlist(b, n, v);
}

int
gk_strlist_decode(const void *p, size_t len, char ***vp, size_t *np)
{
	struct gk_buf b;
	uint32_t l;
	uint64_t n, i;
	char **v;
	int r;

	*vp = NULL;
	*np = 0;
	gk_buf_view(&b, p, len);
	if ((r = gk_buf_get_u32(&b, &l)) != 0 || l != 8 ||
	    (r = gk_buf_get_u64(&b, &n)) != 0)
		return r ? r : GK_ERR_FORMAT;
	if (n > gk_buf_avail(&b) / 4)
		return GK_ERR_FORMAT;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return GK_ERR_ALLOC;
	for (i = 0; i < n; i++) {
		if ((r = gk_buf_get_cstring(&b, &v[i], len)) != 0) {
			gk_strv_free(v, i);
			return r;
		}
	}
	if (gk_buf_avail(&b) != 0) {
		gk_strv_free(v, n);
		return GK_ERR_FORMAT;
	}
	*vp = v;
	*np = n;
	return 0;
}

int
gk_request_terms(int64_t need, const char *set_name, size_t nmembers,
    char *const *members, int64_t delay, const char *session,
    uint8_t out[GK_DIGEST_LEN])
{
	struct gk_buf b;
	int r;

	gk_buf_init(&b, 4 * 1024 * 1024);
	if ((r = gk_canon_str(&b, GK_TAG_TERMS)) == 0 &&
	    (r = gk_canon_i64(&b, need)) == 0 &&
	    (r = gk_canon_str(&b, set_name)) == 0 &&
	    (r = gk_canon_strlist(&b, nmembers, members)) == 0 &&
	    (r = gk_canon_i64(&b, delay)) == 0 &&
	    (r = gk_canon_str(&b, session)) == 0)
		gk_digest(&b, out);
	gk_buf_free(&b);
	return r;
}

static char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return strdup(s == NULL ? "" : (const char *)s);
}

static int
col_fixed(sqlite3_stmt *st, int i, uint8_t *out, size_t n)
{
	const void *p = sqlite3_column_blob(st, i);

	if ((size_t)sqlite3_column_bytes(st, i) != n || p == NULL)
		return GK_ERR_FORMAT;
	memcpy(out, p, n);
	return 0;
}

static int
col_list(sqlite3_stmt *st, int i, char ***v, size_t *n)
{
	const void *p = sqlite3_column_blob(st, i);

	return gk_strlist_decode(p == NULL ? "" : p,
	    (size_t)sqlite3_column_bytes(st, i), v, n);
}

int
gk_reqrow_from_stmt(sqlite3_stmt *st, struct gk_reqrow *r)
{
	int e;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->state = col_str(st, 1);
	r->host = col_str(st, 2);
	r->uid = sqlite3_column_int64(st, 4);
	r->user = col_str(st, 5);
	r->exe = col_str(st, 7);
	r->cwd = col_str(st, 9);
	r->run_as = col_str(st, 11);
	r->rule = col_str(st, 12);
	r->need = sqlite3_column_int64(st, 13);
	r->set_name = col_str(st, 14);
	r->reason = col_str(st, 16);
	r->created = sqlite3_column_int64(st, 17);
	r->expires = sqlite3_column_int64(st, 18);
	r->delay = sqlite3_column_int64(st, 19);
	r->run_at = sqlite3_column_int64(st, 20);
	r->status = sqlite3_column_type(st, 22) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 22);
	r->session = col_str(st, 23);
	if (r->state == NULL || r->host == NULL || r->user == NULL ||
	    r->exe == NULL || r->cwd == NULL || r->run_as == NULL ||
	    r->rule == NULL || r->set_name == NULL || r->reason == NULL ||
	    r->session == NULL) {
		gk_reqrow_free(r);
		return GK_ERR_ALLOC;
	}
	/* The digest holds the uid as 32 bits: any other value would be an
	 * edit it cannot see. */
	if (r->uid < 0 || r->uid > (int64_t)UINT32_MAX) {
		gk_reqrow_free(r);
		return GK_ERR_FORMAT;
	}
	if ((e = col_fixed(st, 3, r->nonce, GK_NONCE_LEN)) != 0 ||
	    (e = col_fixed(st, 8, r->exe_hash, GK_DIGEST_LEN)) != 0 ||
	    (e = col_fixed(st, 21, r->digest, GK_DIGEST_LEN)) != 0 ||
	    (e = col_list(st, 6, &r->argv, &r->argc)) != 0 ||
	    (e = col_list(st, 10, &r->paths, &r->npaths)) != 0 ||
	    (e = col_list(st, 15, &r->members, &r->nmembers)) != 0) {
		gk_reqrow_free(r);
		return e;
	}
	return 0;
}

int
gk_reqrow_load(sqlite3 *db, int64_t id, struct gk_reqrow *r)
{
	sqlite3_stmt *st;
	int e;

	memset(r, 0, sizeof(*r));
	if (sqlite3_prepare_v2(db, "SELECT " GK_REQROW_COLUMNS
	    " FROM requests WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return GK_ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	e = sqlite3_step(st);
	if (e == SQLITE_ROW)
		e = gk_reqrow_from_stmt(st, r);
	else
		e = e == SQLITE_DONE ? GK_ERR_NOTFOUND : GK_ERR_DB;
	sqlite3_finalize(st);
	return e;
}

void
gk_reqrow_free(struct gk_reqrow *r)
{
	free(r->state);
	free(r->host);
	free(r->user);
	gk_strv_free(r->argv, r->argc);
	free(r->exe);
	free(r->cwd);
	gk_strv_free(r->paths, r->npaths);
	free(r->run_as);
	free(r->rule);
	free(r->set_name);
	gk_strv_free(r->members, r->nmembers);
	free(r->reason);
	free(r->session);
	memset(r, 0, sizeof(*r));
}

void
gk_reqrow_fields(const struct gk_reqrow *r, struct gk_request_fields *f)
{
	memset(f, 0, sizeof(*f));
	f->host_id = r->host;
	f->number = (uint64_t)r->id;
	memcpy(f->nonce, r->nonce, GK_NONCE_LEN);
	f->uid = (uint32_t)r->uid;
	f->user = r->user;
	f->argc = r->argc;
	f->argv = r->argv;
	f->exe_path = r->exe;
	memcpy(f->exe_hash, r->exe_hash, GK_DIGEST_LEN);
	f->cwd = r->cwd;
	f->npaths = r->npaths;
	f->paths = r->paths;
	f->run_as = r->run_as;
	f->rule = r->rule;
	f->reason = r->reason;
	f->created = r->created;
	f->expires = r->expires;
}

int
gk_path_ids(char *const *paths, size_t n, char ***idsp)
{
	char one[64], **ids;
	size_t i;
	int r;

	*idsp = NULL;
	if ((ids = calloc(n + 1, sizeof(*ids))) == NULL)
		return GK_ERR_ALLOC;
	for (i = 0; i < n; i++) {
		if ((r = gk_path_id(paths[i], one, sizeof(one))) != 0 ||
		    (ids[i] = strdup(one)) == NULL) {
			gk_strv_free(ids, i);
			return r != 0 ? r : GK_ERR_ALLOC;
		}
	}
	*idsp = ids;
	return 0;
}
