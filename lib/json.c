/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <errno.h>
#include <string.h>

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	struct json_doc *d;
};

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len &&
	       (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
		p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static int new_tok(struct parser *p, enum json_type type)
{
	struct json_tok *t;

	if (p->d->ntok >= JSON_MAX_TOKENS) {
		errno = E2BIG;
		return -1;
	}
	t = &p->d->tok[p->d->ntok];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->start = (uint32_t)p->pos;
	return p->d->ntok++;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static int parse_string(struct parser *p)
{
	int idx;

	p->pos++; /* opening quote */
	idx = new_tok(p, JSON_STRING);
	if (idx < 0)
		return -1;
	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->s[p->pos];

		if (c == '"') {
			p->d->tok[idx].end = (uint32_t)p->pos;
			p->pos++;
			return idx;
		}
		if (c < 0x20)
			break;
		if (c == '\\') {
			p->d->tok[idx].escaped = true;
			if (++p->pos >= p->len)
				break;
			c = (unsigned char)p->s[p->pos];
			if (c == 'u') {
				int i;

				if (p->len - p->pos < 5)
					break;
				for (i = 1; i <= 4; i++)
					if (!is_hex(p->s[p->pos + i]))
						goto bad;
				p->pos += 4;
			} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
				break;
			}
		}
		p->pos++;
	}
bad:
	errno = EINVAL;
	return -1;
}

static int parse_number(struct parser *p)
{
	size_t start = p->pos, digits;
	int idx = new_tok(p, JSON_NUMBER);

	if (idx < 0)
		return -1;
	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	digits = p->pos;
	if (p->pos < p->len && p->s[p->pos] == '0') {
		p->pos++;
	} else {
		while (p->pos < p->len && p->s[p->pos] >= '0' &&
		       p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos == digits)
		goto bad;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		digits = ++p->pos;
		while (p->pos < p->len && p->s[p->pos] >= '0' &&
		       p->s[p->pos] <= '9')
			p->pos++;
		if (p->pos == digits)
			goto bad;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len &&
		    (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		digits = p->pos;
		while (p->pos < p->len && p->s[p->pos] >= '0' &&
		       p->s[p->pos] <= '9')
			p->pos++;
		if (p->pos == digits)
			goto bad;
	}
	p->d->tok[idx].start = (uint32_t)start;
	p->d->tok[idx].end = (uint32_t)p->pos;
	return idx;
bad:
	errno = EINVAL;
	return -1;
}

static int parse_literal(struct parser *p, const char *word,
			 enum json_type type)
{
	size_t n = strlen(word);
	int idx;

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) {
		errno = EINVAL;
		return -1;
	}
	idx = new_tok(p, type);
	if (idx < 0)
		return -1;
	p->pos += n;
	p->d->tok[idx].end = (uint32_t)p->pos;
	return idx;
}

static int parse_value(struct parser *p, int depth);

static int parse_container(struct parser *p, int depth, bool object)
{
	char close = object ? '}' : ']';
	int idx = new_tok(p, object ? JSON_OBJECT : JSON_ARRAY);
	uint32_t count = 0;

	if (idx < 0)
		return -1;
	if (depth >= JSON_MAX_DEPTH) {
		errno = EOVERFLOW;
		return -1;
	}
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		goto done;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				goto bad;
			if (parse_string(p) < 0)
				return -1;
			/* A key is a leaf: its subtree ends right after it. */
			p->d->tok[p->d->ntok - 1].next = (uint32_t)p->d->ntok;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				goto bad;
			p->pos++;
		}
		if (parse_value(p, depth + 1) < 0)
			return -1;
		count++;
		skip_ws(p);
		if (p->pos >= p->len)
			goto bad;
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == close) {
			p->pos++;
			break;
		}
		goto bad;
	}
done:
	p->d->tok[idx].count = count;
	p->d->tok[idx].end = (uint32_t)p->pos;
	return idx;
bad:
	errno = EINVAL;
	return -1;
}

static int parse_value(struct parser *p, int depth)
{
	int idx;

	skip_ws(p);
	if (p->pos >= p->len) {
		errno = EINVAL;
		return -1;
	}
	switch (p->s[p->pos]) {
	case '{':
		idx = parse_container(p, depth, true);
		break;
	case '[':
		idx = parse_container(p, depth, false);
		break;
	case '"':
		idx = parse_string(p);
		break;
	case 't':
		idx = parse_literal(p, "true", JSON_TRUE);
		break;
	case 'f':
		idx = parse_literal(p, "false", JSON_FALSE);
		break;
	case 'n':
		idx = parse_literal(p, "null", JSON_NULL);
		break;
	default:
		idx = parse_number(p);
		break;
	}
	if (idx >= 0)
		p->d->tok[idx].next = (uint32_t)p->d->ntok;
	return idx;
}

int json_parse(struct json_doc *d, const char *buf, size_t len)
{
	struct parser p = {buf, len, 0, d};

	d->buf = buf;
	d->ntok = 0;
	if (len >= UINT32_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	if (parse_value(&p, 0) < 0)
		return -1;
	skip_ws(&p);
	if (p.pos != len) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int json_get(const struct json_doc *d, int obj, const char *key)
{
	const struct json_tok *o;
	uint32_t i, k;

	if (obj < 0 || obj >= d->ntok || d->tok[obj].type != JSON_OBJECT) {
		errno = EINVAL;
		return -1;
	}
	o = &d->tok[obj];
	k = (uint32_t)obj + 1;
	for (i = 0; i < o->count; i++) {
		uint32_t v = k + 1;

		if (json_str_eq(d, (int)k, key))
			return (int)v;
		k = d->tok[v].next;
	}
	errno = ENOENT;
	return -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

static unsigned read_u4(const char *s)
{
	return (unsigned)(hexval(s[0]) << 12 | hexval(s[1]) << 8 |
			  hexval(s[2]) << 4 | hexval(s[3]));
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode the string character at s[*i] (end: the closing quote) into
 * out, advance *i past it, and return its length in bytes (1 to 4). The
 * parser has checked the escapes, so this cannot run past end. */
static size_t decode_char(const char *s, size_t *i, size_t end, char out[4])
{
	size_t k = *i;
	unsigned cp;

	out[0] = s[k];
	*i = k + 1;
	if (s[k] != '\\')
		return 1;
	*i = k + 2;
	switch (s[k + 1]) {
	case 'b':
		out[0] = '\b';
		return 1;
	case 'f':
		out[0] = '\f';
		return 1;
	case 'n':
		out[0] = '\n';
		return 1;
	case 'r':
		out[0] = '\r';
		return 1;
	case 't':
		out[0] = '\t';
		return 1;
	case 'u':
		break;
	default:
		out[0] = s[k + 1];
		return 1;
	}
	cp = read_u4(s + k + 2);
	*i = k + 6;
	if (cp >= 0xd800 && cp < 0xdc00 && k + 12 <= end && s[k + 6] == '\\' &&
	    s[k + 7] == 'u') {
		unsigned lo = read_u4(s + k + 8);

		if (lo >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			*i = k + 12;
		}
	}
	/* A lone surrogate or NUL has no place in a C string: replace it. */
	if ((cp >= 0xd800 && cp < 0xe000) || cp == 0)
		cp = 0xfffd;
	return put_utf8(out, cp);
}

int json_str(const struct json_doc *d, int idx, char *out, size_t size)
{
	const struct json_tok *t;
	size_t i, o = 0;

	if (idx < 0 || idx >= d->ntok || d->tok[idx].type != JSON_STRING) {
		errno = EINVAL;
		return -1;
	}
	t = &d->tok[idx];
	for (i = t->start; i < t->end;) {
		char tmp[4];
		size_t n = decode_char(d->buf, &i, t->end, tmp);

		if (o + n >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(out + o, tmp, n);
		o += n;
	}
	if (o >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[o] = '\0';
	return 0;
}

bool json_str_eq(const struct json_doc *d, int idx, const char *s)
{
	const struct json_tok *t;
	size_t i, o = 0, len = strlen(s);

	if (idx < 0 || idx >= d->ntok || d->tok[idx].type != JSON_STRING)
		return false;
	t = &d->tok[idx];
	/* Compare while decoding: no copy, so no length limit. */
	for (i = t->start; i < t->end;) {
		char tmp[4];
		size_t n = decode_char(d->buf, &i, t->end, tmp);

		if (o + n > len || memcmp(s + o, tmp, n) != 0)
			return false;
		o += n;
	}
	return o == len;
}

int json_bool(const struct json_doc *d, int idx, bool *out)
{
	if (idx < 0 || idx >= d->ntok ||
	    (d->tok[idx].type != JSON_TRUE && d->tok[idx].type != JSON_FALSE)) {
		errno = EINVAL;
		return -1;
	}
	*out = d->tok[idx].type == JSON_TRUE;
	return 0;
}

int json_int(const struct json_doc *d, int idx, int64_t *out)
{
	const struct json_tok *t;
	uint64_t v = 0, limit;
	uint32_t i;
	bool neg;

	if (idx < 0 || idx >= d->ntok || d->tok[idx].type != JSON_NUMBER) {
		errno = EINVAL;
		return -1;
	}
	t = &d->tok[idx];
	i = t->start;
	neg = d->buf[i] == '-';
	if (neg)
		i++;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < t->end; i++) {
		unsigned dgt;

		if (d->buf[i] < '0' || d->buf[i] > '9') {
			errno = EINVAL; /* fraction or exponent */
			return -1;
		}
		dgt = (unsigned)(d->buf[i] - '0');
		if (v > (limit - dgt) / 10) {
			errno = ERANGE;
			return -1;
		}
		v = v * 10 + dgt;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int json_quote(char *out, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (size < 3)
		goto full;
	out[o++] = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char tmp[6];
		size_t n = 0;

		if (c == '"' || c == '\\') {
			tmp[n++] = '\\';
			tmp[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			tmp[n++] = '\\';
			tmp[n++] = 'u';
			tmp[n++] = '0';
			tmp[n++] = '0';
			tmp[n++] = hex[c >> 4];
			tmp[n++] = hex[c & 15];
		} else {
			tmp[n++] = (char)c;
		}
		if (o + n + 2 > size)
			goto full;
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o++] = '"';
	out[o] = '\0';
	return 0;
full:
	errno = ENAMETOOLONG;
	return -1;
}
