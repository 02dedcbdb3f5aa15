/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for json.c: parse the input, then run every accessor
 * on every token and check what the reader promises about its tokens. */
#include "json.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct json_doc doc, doc2;
static char out[4096], quoted[6 * sizeof(out) + 3], back[sizeof(out)];

static void must(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz-json: invariant failed: %s\n", what);
		abort();
	}
}

/* Walk the children of container idx through their next links. */
static void check_container(int idx)
{
	const struct json_tok *t = &doc.tok[idx];
	uint32_t i, k = (uint32_t)idx + 1;

	for (i = 0; i < t->count; i++) {
		must(k < t->next, "child inside its parent's subtree");
		if (t->type == JSON_OBJECT) {
			must(doc.tok[k].type == JSON_STRING, "key is a string");
			must(doc.tok[k].next == k + 1, "key is a leaf");
			k++;
			must(k < t->next, "member value inside the object");
		}
		k = doc.tok[k].next;
	}
	must(k == t->next, "children end where the subtree ends");
}

static void check_token(int idx, size_t size)
{
	const struct json_tok *t = &doc.tok[idx];
	int64_t v;
	bool b;
	int r;

	must(t->next > (uint32_t)idx && t->next <= (uint32_t)doc.ntok,
	     "next after the token, within the document");
	must(t->start <= t->end && t->end <= size, "span inside the input");
	if (t->type == JSON_ARRAY || t->type == JSON_OBJECT)
		check_container(idx);
	else
		must(t->next == (uint32_t)idx + 1, "scalar is a leaf");

	r = json_bool(&doc, idx, &b);
	must((r == 0) == (t->type == JSON_TRUE || t->type == JSON_FALSE),
	     "json_bool works on booleans only");
	if (json_int(&doc, idx, &v) == 0) {
		char num[32];

		snprintf(num, sizeof(num), "%" PRId64, v);
		must(t->type == JSON_NUMBER, "json_int on numbers only");
		/* "-0" is the one integer spelt differently. */
		must((t->end - t->start == strlen(num) &&
		      memcmp(doc.buf + t->start, num, strlen(num)) == 0) ||
			 (v == 0 && t->end - t->start == 2),
		     "json_int value matches its text");
	}
	if (t->type == JSON_OBJECT) {
		uint32_t i, k = (uint32_t)idx + 1;

		json_get(&doc, idx, "return");
		for (i = 0; i < t->count; i++) {
			/* Looking a key up finds a member with that key:
			 * this one or an earlier duplicate. */
			/* (json_str_eq, which json_get uses, gives up on
			 * escaped keys of 256 bytes or more.) */
			if (json_str(&doc, (int)k, out, sizeof(out)) == 0 &&
			    strlen(out) < 256) {
				int g = json_get(&doc, idx, out);

				must(g > idx && g <= (int)k + 1 &&
					 json_str_eq(&doc, g - 1, out),
				     "json_get finds every key");
			}
			k = doc.tok[k + 1].next;
		}
	}
	if (json_str(&doc, idx, out, sizeof(out)) == 0) {
		size_t n = strlen(out);

		must(t->type == JSON_STRING, "json_str on strings only");
		if (n < 256)
			must(json_str_eq(&doc, idx, out),
			     "json_str_eq agrees with json_str");
		/* Writing it back and reading it again gives the same
		 * bytes. */
		must(json_quote(quoted, sizeof(quoted), out) == 0,
		     "json_quote fits 6 bytes per byte");
		must(json_parse(&doc2, quoted, strlen(quoted)) == 0 &&
			 doc2.ntok == 1 && doc2.tok[0].type == JSON_STRING,
		     "json_quote output parses");
		must(json_str(&doc2, 0, back, sizeof(back)) == 0 &&
			 strcmp(back, out) == 0,
		     "json_quote round trip");
	}
	/* Small buffers only ever fail cleanly. */
	json_str(&doc, idx, out, 1);
	json_str(&doc, idx, out, 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int i;

	if (json_parse(&doc, (const char *)data, size) < 0)
		return 0;
	must(doc.ntok >= 1 && doc.ntok <= JSON_MAX_TOKENS, "token count");
	must(doc.tok[0].next == (uint32_t)doc.ntok, "root spans everything");
	for (i = 0; i < doc.ntok; i++)
		check_token(i, size);
	json_get(&doc, -1, "a");
	json_get(&doc, doc.ntok, "a");
	return 0;
}
