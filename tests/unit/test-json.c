/* SPDX-License-Identifier: MIT */
/* json.c: the strict reader, the accessors and the string writer. */
#include "check.h"
#include "json.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static struct json_doc doc;
static char big[16384];

/* Parse a NUL-terminated document. */
static int parse(const char *s)
{
	errno = 0;
	return json_parse(&doc, s, strlen(s));
}

/* True when s is rejected with errno e. */
static bool rejects(const char *s, int e)
{
	return parse(s) == -1 && errno == e;
}

/* True when s parses and its first value has type t. */
static bool parses_as(const char *s, enum json_type t)
{
	return parse(s) == 0 && doc.ntok >= 1 && doc.tok[0].type == t;
}

/* Unescape the single string document s into out. */
static bool str_is(const char *s, const char *want)
{
	char out[256];

	if (parse(s) < 0 || json_str(&doc, 0, out, sizeof(out)) < 0)
		return false;
	return strcmp(out, want) == 0;
}

/* n nested arrays: [[[...]]]. */
static const char *nested(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		big[i] = '[';
		big[2 * n - 1 - i] = ']';
	}
	big[2 * n] = '\0';
	return big;
}

/* An array of n zeros: n + 1 values. */
static const char *array_of(int n)
{
	size_t o = 0;
	int i;

	big[o++] = '[';
	for (i = 0; i < n; i++) {
		if (i)
			big[o++] = ',';
		big[o++] = '0';
	}
	big[o++] = ']';
	big[o] = '\0';
	return big;
}

/* An object of n members "0":0, "1":0, ...: 2n + 1 values. */
static const char *object_of(int n)
{
	size_t o = 0;
	int i;

	big[o++] = '{';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%s\"%d\":0",
				      i ? "," : "", i);
	big[o++] = '}';
	big[o] = '\0';
	return big;
}

static void test_types(void)
{
	int64_t v;
	bool b;

	CHECK("json-null", parses_as("null", JSON_NULL));
	CHECK("json-true", parses_as("true", JSON_TRUE));
	CHECK("json-false", parses_as("false", JSON_FALSE));
	CHECK("json-number-zero", parses_as("0", JSON_NUMBER));
	CHECK("json-number-negative", parses_as("-12", JSON_NUMBER));
	CHECK("json-number-fraction", parses_as("3.25", JSON_NUMBER));
	CHECK("json-number-exponent", parses_as("1e10", JSON_NUMBER));
	CHECK("json-number-exponent-signed",
	      parses_as("-0.5E-3", JSON_NUMBER) &&
		  parses_as("2e+3", JSON_NUMBER));
	CHECK("json-string", parses_as("\"abc\"", JSON_STRING));
	CHECK("json-string-empty", parses_as("\"\"", JSON_STRING) &&
				       doc.tok[0].start == 1 &&
				       doc.tok[0].end == 1);
	CHECK("json-array-empty",
	      parses_as("[]", JSON_ARRAY) && doc.tok[0].count == 0);
	CHECK("json-object-empty",
	      parses_as("{}", JSON_OBJECT) && doc.tok[0].count == 0);
	CHECK("json-array-count",
	      parses_as("[1, \"a\", null, [2], {}]", JSON_ARRAY) &&
		  doc.tok[0].count == 5 && doc.ntok == 7);
	CHECK("json-object-count",
	      parses_as("{\"a\": 1, \"b\": [true]}", JSON_OBJECT) &&
		  doc.tok[0].count == 2);
	CHECK("json-surrounding-whitespace",
	      parses_as(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n ", JSON_OBJECT));
	CHECK("json-next-skips-subtree", parse("[[1,[2,3]],4]") == 0 &&
					     doc.tok[1].next == 6 &&
					     doc.tok[6].type == JSON_NUMBER);
	CHECK("json-number-tok-span", parse(" -12.5e3 ") == 0 &&
					  doc.tok[0].start == 1 &&
					  doc.tok[0].end == 8);
	CHECK("json-bool-true",
	      parse("true") == 0 && json_bool(&doc, 0, &b) == 0 && b);
	CHECK("json-bool-false",
	      parse("false") == 0 && json_bool(&doc, 0, &b) == 0 && !b);
	errno = 0;
	CHECK("json-bool-not-bool-einval", parse("0") == 0 &&
					       json_bool(&doc, 0, &b) == -1 &&
					       errno == EINVAL);
	errno = 0;
	CHECK("json-bool-bad-index-einval", parse("true") == 0 &&
						json_bool(&doc, 1, &b) == -1 &&
						errno == EINVAL);
	errno = 0;
	CHECK("json-int-not-number-einval", parse("\"1\"") == 0 &&
						json_int(&doc, 0, &v) == -1 &&
						errno == EINVAL);
}

static void test_strings(void)
{
	char out[16];

	CHECK("json-str-plain", str_is("\"hello\"", "hello"));
	CHECK("json-str-escape-quote", str_is("\"a\\\"b\"", "a\"b"));
	CHECK("json-str-escape-backslash", str_is("\"a\\\\b\"", "a\\b"));
	CHECK("json-str-escape-slash", str_is("\"a\\/b\"", "a/b"));
	CHECK("json-str-escape-controls",
	      str_is("\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t"));
	CHECK("json-str-escape-u0041", str_is("\"\\u0041\"", "A"));
	CHECK("json-str-escape-u-uppercase-hex",
	      str_is("\"\\u00E9\\u00e9\"", "\xc3\xa9\xc3\xa9"));
	CHECK("json-str-escape-u-2-byte", str_is("\"\\u00e9\"", "\xc3\xa9"));
	CHECK("json-str-escape-u-3-byte",
	      str_is("\"\\u20ac\"", "\xe2\x82\xac"));
	CHECK("json-str-surrogate-pair-4-byte",
	      str_is("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80"));
	CHECK("json-str-surrogate-pair-max",
	      str_is("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf"));
	CHECK("json-str-lone-high-surrogate-fffd",
	      str_is("\"a\\ud83db\"", "a\xef\xbf\xbd"
				      "b"));
	CHECK("json-str-lone-high-surrogate-at-end-fffd",
	      str_is("\"\\ud83d\"", "\xef\xbf\xbd"));
	CHECK("json-str-lone-low-surrogate-fffd",
	      str_is("\"\\ude00\"", "\xef\xbf\xbd"));
	CHECK("json-str-high-surrogate-then-non-low",
	      str_is("\"\\ud83d\\u0041\"", "\xef\xbf\xbd"
					   "A"));
	CHECK("json-str-u0000-fffd", str_is("\"a\\u0000b\"", "a\xef\xbf\xbd"
							     "b"));
	CHECK("json-str-raw-utf8-kept", str_is("\"\xc3\xa9\"", "\xc3\xa9"));
	CHECK("json-str-escaped-flag", parse("[\"a\", \"\\n\"]") == 0 &&
					   !doc.tok[1].escaped &&
					   doc.tok[2].escaped);

	errno = 0;
	CHECK("json-str-exact-fit", parse("\"abc\"") == 0 &&
					json_str(&doc, 0, out, 4) == 0 &&
					strcmp(out, "abc") == 0);
	errno = 0;
	CHECK("json-str-truncation-enametoolong",
	      parse("\"abcd\"") == 0 && json_str(&doc, 0, out, 4) == -1 &&
		  errno == ENAMETOOLONG);
	errno = 0;
	CHECK("json-str-truncation-multibyte-enametoolong",
	      parse("\"ab\\u20ac\"") == 0 && json_str(&doc, 0, out, 5) == -1 &&
		  errno == ENAMETOOLONG);
	errno = 0;
	CHECK("json-str-empty-size-0-enametoolong",
	      parse("\"\"") == 0 && json_str(&doc, 0, out, 0) == -1 &&
		  errno == ENAMETOOLONG);
	errno = 0;
	CHECK("json-str-not-string-einval",
	      parse("[1]") == 0 && json_str(&doc, 1, out, sizeof(out)) == -1 &&
		  errno == EINVAL);
	errno = 0;
	CHECK(
	    "json-str-bad-index-einval",
	    parse("\"a\"") == 0 && json_str(&doc, 5, out, sizeof(out)) == -1 &&
		errno == EINVAL && json_str(&doc, -1, out, sizeof(out)) == -1);

	CHECK("json-str-eq-plain",
	      parse("\"abc\"") == 0 && json_str_eq(&doc, 0, "abc") &&
		  !json_str_eq(&doc, 0, "ab") && !json_str_eq(&doc, 0, "abcd"));
	CHECK("json-str-eq-escaped",
	      parse("\"a\\u0062c\"") == 0 && json_str_eq(&doc, 0, "abc"));
	CHECK("json-str-eq-not-string",
	      parse("1") == 0 && !json_str_eq(&doc, 0, "1"));

	/* An escaped string of 256 bytes or more, equal to s. json_str_eq
	 * unescapes into a 256-byte buffer and answers false when that
	 * does not fit, so json_get cannot find such a key either. */
	{
		static char want[301];
		size_t o = 0;

		memset(want, 'a', 300);
		want[300] = '\0';
		big[o++] = '"';
		big[o++] = '\\';
		big[o++] = 'n';
		memset(big + o, 'a', 299);
		o += 299;
		big[o++] = '"';
		big[o] = '\0';
		want[0] = '\n';
		CHECK("json-str-eq-long-escaped-string",
		      parse(big) == 0 && json_str_eq(&doc, 0, want));
	}
}

static void test_get(void)
{
	const char *s =
	    "{\"a\": {\"b\": {\"c\": 7}}, \"list\": [1, {\"x\": 1}],"
	    " \"k\\u0065y\": \"v\", \"last\": null}";
	int a, b, c, list, v;
	int64_t n;

	CHECK("json-get-parse", parse(s) == 0);
	a = json_get(&doc, 0, "a");
	b = json_get(&doc, a, "b");
	c = json_get(&doc, b, "c");
	CHECK("json-get-nested",
	      a > 0 && b > a && c > b && json_int(&doc, c, &n) == 0 && n == 7);
	list = json_get(&doc, 0, "list");
	CHECK("json-get-after-nested-member",
	      list > 0 && doc.tok[list].type == JSON_ARRAY &&
		  doc.tok[list].count == 2);
	v = json_get(&doc, 0, "key");
	CHECK("json-get-escaped-key", v > 0 && json_str_eq(&doc, v, "v"));
	v = json_get(&doc, 0, "last");
	CHECK("json-get-last-member", v > 0 && doc.tok[v].type == JSON_NULL);
	errno = 0;
	CHECK("json-get-key-of-inner-object-not-found",
	      json_get(&doc, 0, "c") == -1 && errno == ENOENT);
	errno = 0;
	CHECK("json-get-missing-enoent",
	      json_get(&doc, 0, "nope") == -1 && errno == ENOENT);
	errno = 0;
	CHECK("json-get-value-not-key-enoent",
	      parse("{\"a\": \"b\"}") == 0 && json_get(&doc, 0, "b") == -1 &&
		  errno == ENOENT);
	errno = 0;
	CHECK("json-get-empty-object-enoent",
	      parse("{}") == 0 && json_get(&doc, 0, "a") == -1 &&
		  errno == ENOENT);
	errno = 0;
	CHECK("json-get-non-object-einval", parse("[\"a\", 1]") == 0 &&
						json_get(&doc, 0, "a") == -1 &&
						errno == EINVAL);
	errno = 0;
	CHECK("json-get-bad-index-einval",
	      parse("{}") == 0 && json_get(&doc, 3, "a") == -1 &&
		  errno == EINVAL && json_get(&doc, -1, "a") == -1);
}

static bool int_is(const char *s, int64_t want)
{
	int64_t v = 0;

	return parse(s) == 0 && json_int(&doc, 0, &v) == 0 && v == want;
}

static bool int_fails(const char *s, int e)
{
	int64_t v = 0;

	if (parse(s) < 0)
		return false;
	errno = 0;
	return json_int(&doc, 0, &v) == -1 && errno == e;
}

static void test_int(void)
{
	CHECK("json-int-zero", int_is("0", 0));
	CHECK("json-int-negative-zero", int_is("-0", 0));
	CHECK("json-int-42", int_is("42", 42));
	CHECK("json-int-negative", int_is("-42", -42));
	CHECK("json-int-max", int_is("9223372036854775807", INT64_MAX));
	CHECK("json-int-min", int_is("-9223372036854775808", INT64_MIN));
	CHECK("json-int-max-plus-1-erange",
	      int_fails("9223372036854775808", ERANGE));
	CHECK("json-int-min-minus-1-erange",
	      int_fails("-9223372036854775809", ERANGE));
	CHECK("json-int-2-pow-64-erange",
	      int_fails("18446744073709551616", ERANGE));
	CHECK("json-int-huge-erange",
	      int_fails("99999999999999999999999999999", ERANGE));
	CHECK("json-int-fraction-einval", int_fails("1.5", EINVAL));
	CHECK("json-int-integral-fraction-einval", int_fails("1.0", EINVAL));
	CHECK("json-int-exponent-einval", int_fails("1e3", EINVAL));
}

static bool quote_is(const char *s, const char *want)
{
	char out[128];

	return json_quote(out, sizeof(out), s) == 0 && strcmp(out, want) == 0;
}

static void test_quote(void)
{
	char out[8];

	CHECK("json-quote-plain", quote_is("abc", "\"abc\""));
	CHECK("json-quote-empty", quote_is("", "\"\""));
	CHECK("json-quote-quote", quote_is("a\"b", "\"a\\\"b\""));
	CHECK("json-quote-backslash", quote_is("a\\b", "\"a\\\\b\""));
	CHECK("json-quote-newline", quote_is("a\nb", "\"a\\u000ab\""));
	CHECK("json-quote-control-chars",
	      quote_is("\x01\x1f\t", "\"\\u0001\\u001f\\u0009\""));
	CHECK("json-quote-del", quote_is("\x7f", "\"\\u007f\""));
	CHECK("json-quote-utf8-kept", quote_is("\xc3\xa9", "\"\xc3\xa9\""));
	CHECK("json-quote-roundtrip",
	      json_quote(big, sizeof(big), "q\"\\\n\x01z") == 0 &&
		  str_is(big, "q\"\\\n\x01z"));
	CHECK("json-quote-exact-fit",
	      json_quote(out, sizeof(out), "abcde") == 0 &&
		  strcmp(out, "\"abcde\"") == 0);
	errno = 0;
	CHECK("json-quote-too-small-enametoolong",
	      json_quote(out, sizeof(out), "abcdef") == -1 &&
		  errno == ENAMETOOLONG);
	errno = 0;
	CHECK("json-quote-escape-too-small-enametoolong",
	      json_quote(out, sizeof(out), "\x01") == -1 &&
		  errno == ENAMETOOLONG);
	errno = 0;
	CHECK("json-quote-empty-size-2-enametoolong",
	      json_quote(out, 2, "") == -1 && errno == ENAMETOOLONG);
	CHECK("json-quote-empty-size-3",
	      json_quote(out, 3, "") == 0 && strcmp(out, "\"\"") == 0);
}

static void test_rejects(void)
{
	CHECK("json-reject-empty-input", rejects("", EINVAL));
	CHECK("json-reject-whitespace-only", rejects(" \t\r\n ", EINVAL));
	CHECK("json-reject-trailing-garbage", rejects("{} x", EINVAL));
	CHECK("json-reject-two-values", rejects("1 2", EINVAL));
	CHECK("json-reject-literal-prefix", rejects("truex", EINVAL));
	CHECK("json-reject-unterminated-string", rejects("\"abc", EINVAL));
	CHECK("json-reject-unterminated-escape", rejects("\"abc\\", EINVAL));
	CHECK("json-reject-short-u-escape", rejects("\"\\u12\"", EINVAL));
	CHECK("json-reject-u-escape-at-end", rejects("\"\\u123", EINVAL));
	CHECK("json-reject-non-hex-u-escape", rejects("\"\\u12g4\"", EINVAL));
	CHECK("json-reject-control-char-in-string",
	      rejects("\"a\nb\"", EINVAL) && rejects("\"\x01\"", EINVAL));
	CHECK("json-reject-tab-in-string", rejects("\"a\tb\"", EINVAL));
	CHECK("json-reject-bad-escape", rejects("\"\\x41\"", EINVAL) &&
					    rejects("\"\\a\"", EINVAL) &&
					    rejects("\"\\U0041\"", EINVAL));
	CHECK("json-reject-single-quotes", rejects("'a'", EINVAL));
	CHECK("json-reject-leading-zero", rejects("01", EINVAL));
	CHECK("json-reject-leading-zero-negative", rejects("-01", EINVAL));
	CHECK("json-reject-leading-zero-in-array", rejects("[01]", EINVAL));
	CHECK("json-reject-trailing-dot", rejects("1.", EINVAL));
	CHECK("json-reject-leading-dot", rejects(".5", EINVAL));
	CHECK("json-reject-lone-minus", rejects("-", EINVAL));
	CHECK("json-reject-plus-sign", rejects("+1", EINVAL));
	CHECK("json-reject-exponent-no-digits",
	      rejects("1e", EINVAL) && rejects("1e+", EINVAL));
	CHECK("json-reject-hex-number", rejects("0x10", EINVAL));
	CHECK("json-reject-bare-word", rejects("hello", EINVAL));
	CHECK("json-reject-nan-infinity",
	      rejects("NaN", EINVAL) && rejects("Infinity", EINVAL));
	CHECK("json-reject-truncated-literal", rejects("tru", EINVAL) &&
						   rejects("nul", EINVAL) &&
						   rejects("f", EINVAL));
	CHECK("json-reject-capitalised-literal", rejects("True", EINVAL));
	CHECK("json-reject-trailing-comma-array", rejects("[1,]", EINVAL));
	CHECK("json-reject-trailing-comma-object",
	      rejects("{\"a\":1,}", EINVAL));
	CHECK("json-reject-leading-comma", rejects("[,1]", EINVAL));
	CHECK("json-reject-double-comma", rejects("[1,,2]", EINVAL));
	CHECK("json-reject-missing-comma", rejects("[1 2]", EINVAL));
	CHECK("json-reject-missing-colon", rejects("{\"a\" 1}", EINVAL));
	CHECK("json-reject-missing-value", rejects("{\"a\":}", EINVAL));
	CHECK("json-reject-non-string-key", rejects("{1:2}", EINVAL));
	CHECK("json-reject-bare-key", rejects("{a:1}", EINVAL));
	CHECK("json-reject-unclosed-array", rejects("[1, 2", EINVAL));
	CHECK("json-reject-unclosed-object", rejects("{\"a\": 1", EINVAL));
	CHECK("json-reject-mismatched-brackets", rejects("[1}", EINVAL));
	CHECK("json-reject-stray-close", rejects("]", EINVAL));
	CHECK("json-reject-nul-byte",
	      json_parse(&doc, "[1,\0]", 5) == -1 && errno == EINVAL);
	CHECK("json-reject-nul-in-string",
	      json_parse(&doc, "\"a\0b\"", 5) == -1 && errno == EINVAL);
	CHECK("json-parse-len-bounds-input",
	      json_parse(&doc, "[1]garbage", 3) == 0 && doc.ntok == 2);
}

static void test_limits(void)
{
	int i;

	CHECK("json-depth-16-accepted",
	      parse(nested(JSON_MAX_DEPTH)) == 0 && doc.ntok == JSON_MAX_DEPTH);
	CHECK("json-depth-17-rejected-eoverflow",
	      rejects(nested(JSON_MAX_DEPTH + 1), EOVERFLOW));
	CHECK("json-depth-1000-rejected-eoverflow",
	      rejects(nested(1000), EOVERFLOW));
	/* Objects count towards the same depth as arrays. */
	big[0] = '\0';
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		strcat(big, "{\"a\":");
	strcat(big, "1");
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		strcat(big, "}");
	CHECK("json-depth-16-objects-accepted", parse(big) == 0);
	big[0] = '\0';
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		strcat(big, "{\"a\":");
	strcat(big, "1");
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		strcat(big, "}");
	CHECK("json-depth-17-objects-rejected-eoverflow",
	      rejects(big, EOVERFLOW));
	/* A scalar at the deepest level does not count as a level. */
	CHECK("json-depth-scalar-inside-16-accepted",
	      parse("[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]") == 0);

	CHECK("json-tokens-1024-accepted",
	      parse(array_of(JSON_MAX_TOKENS - 1)) == 0 &&
		  doc.ntok == JSON_MAX_TOKENS &&
		  doc.tok[0].count == JSON_MAX_TOKENS - 1);
	CHECK("json-tokens-1025-rejected-e2big",
	      rejects(array_of(JSON_MAX_TOKENS), E2BIG));
	CHECK("json-tokens-many-rejected-e2big",
	      rejects(array_of(5000), E2BIG));
	/* Object keys are tokens too: 1 + 2 * 511 = 1023 tokens fit, one
	 * more member needs 1025. */
	CHECK("json-tokens-object-keys-counted",
	      parse(object_of((JSON_MAX_TOKENS - 1) / 2)) == 0 &&
		  doc.ntok == JSON_MAX_TOKENS - 1);
	CHECK("json-tokens-object-last-member-found",
	      json_get(&doc, 0, "510") == JSON_MAX_TOKENS - 2);
	CHECK("json-tokens-object-keys-overflow-e2big",
	      rejects(object_of((JSON_MAX_TOKENS - 1) / 2 + 1), E2BIG));
}

int main(void)
{
	test_types();
	test_strings();
	test_get();
	test_int();
	test_quote();
	test_rejects();
	test_limits();
	return check_done();
}
