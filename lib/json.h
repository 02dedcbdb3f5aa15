/* SPDX-License-Identifier: MIT */
/* A strict JSON reader into a fixed token array, and a string writer.
 *
 * The reader never allocates: a document has at most JSON_MAX_TOKENS values
 * and nests at most JSON_MAX_DEPTH deep, so a peer cannot make us use more
 * memory than the caller's struct json_doc. Tokens point into the caller's
 * buffer, which must outlive the document. */
#ifndef SEPTA_JSON_H
#define SEPTA_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_TOKENS 1024
#define JSON_MAX_DEPTH	16

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_tok {
	enum json_type type;
	uint32_t start; /* first byte; for strings, after the quote */
	uint32_t end;	/* one past the last byte; strings: at the quote */
	uint32_t next;	/* index of the first token after this subtree */
	uint32_t count; /* array elements, or object members */
	bool escaped;	/* string contains backslash escapes */
};

struct json_doc {
	const char *buf;
	int ntok;
	struct json_tok tok[JSON_MAX_TOKENS];
};

/* Parse exactly one JSON value (surrounding whitespace allowed). Returns 0,
 * or -1 with errno EINVAL (syntax), E2BIG (too many values) or EOVERFLOW
 * (nested too deep, or the input is over 4 GiB). */
int json_parse(struct json_doc *d, const char *buf, size_t len);

/* Index of the value of member key in object obj, or -1 (ENOENT if absent,
 * EINVAL if obj is not an object). */
int json_get(const struct json_doc *d, int obj, const char *key);

/* Copy string token idx, unescaped, into out. -1 with EINVAL (not a
 * string), ENAMETOOLONG (does not fit). */
int json_str(const struct json_doc *d, int idx, char *out, size_t size);

/* True when idx is a string equal to s. */
bool json_str_eq(const struct json_doc *d, int idx, const char *s);

/* Boolean or integer value of token idx; -1 with EINVAL on type mismatch,
 * ERANGE when the integer does not fit. */
int json_bool(const struct json_doc *d, int idx, bool *out);
int json_int(const struct json_doc *d, int idx, int64_t *out);

/* Write s as a quoted JSON string into out. -1 with ENAMETOOLONG. */
int json_quote(char *out, size_t size, const char *s);

#endif
