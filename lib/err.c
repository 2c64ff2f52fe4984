#include "gk_err.h"

const char *
gk_strerror(int err)
{
	switch (err) {
	case GK_OK:		return "success";
	case GK_ERR_INTERNAL:	return "internal error";
	case GK_ERR_ALLOC:	return "out of memory";
	case GK_ERR_LIMIT:	return "size limit exceeded";
	case GK_ERR_SHORT:	return "truncated input";
	case GK_ERR_FORMAT:	return "malformed input";
	case GK_ERR_SYSTEM:	return "system error";
	case GK_ERR_UNSAFE:	return "unsafe file or directory";
	case GK_ERR_POLICY:	return "policy error";
	case GK_ERR_NOTFOUND:	return "not found";
	case GK_ERR_DENIED:	return "permission denied";
	case GK_ERR_PROTOCOL:	return "protocol error";
	case GK_ERR_VERSION:	return "unsupported protocol version";
	case GK_ERR_OTP:	return "one-time password refused";
	case GK_ERR_SIGNATURE:	return "bad signature";
	case GK_ERR_DB:		return "database error";
	case GK_ERR_EXISTS:	return "already exists";
	case GK_ERR_STATE:	return "not allowed in this state";
	case GK_ERR_CHANGED:	return "changed since approval";
	}
	return "unknown error";
}
