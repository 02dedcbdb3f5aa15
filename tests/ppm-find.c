/* SPDX-License-Identifier: MIT */
/* ppm-find: where a colour is in a screenshot. Reads a binary PPM (P6,
 * maxval 255, as pngtopnm writes it) and prints how many pixels have the
 * colour and their bounding box; with -r, also how many text rows the box
 * holds. The desktop tests find a window by its background colour with it.
 * No library of ours: it must build and run anywhere the tests do. */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bounds on what we read: a screenshot is far smaller. */
#define PPM_MAX_SIDE   16384
#define PPM_MAX_PIXELS (64L * 1024 * 1024)

#define EXIT_FOUND     0
#define EXIT_NOT_FOUND 1
#define EXIT_USAGE     100
#define EXIT_SYS       111

static const char usage[] =
    "usage: ppm-find [-r] FILE RRGGBB [TOLERANCE]\n"
    "Count the pixels of colour RRGGBB (each channel within TOLERANCE,\n"
    "0-255, default 0) in the P6 PPM FILE (- for standard input) and print\n"
    "\"N X0 Y0 X1 Y1\": their count and bounding box, or \"0 - - - -\".\n"
    "  -r  also print the number of text rows in the box: runs of pixel\n"
    "      rows that hold pixels of another colour\n"
    "Exit codes: 0 found, 1 not found, 100 usage, 111 unreadable image.\n";

struct image {
	long width, height;
	unsigned char *rgb;
};

struct box {
	long count, x0, y0, x1, y1;
};

static void usage_exit(int status)
{
	fputs(usage, status ? stderr : stdout);
	exit(status);
}

/* number_parse: a decimal in [min, max] with nothing after it, or -1. */
static long number_parse(const char *s, long min, long max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	return v;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* colour_parse: RRGGBB (an optional leading # is allowed) into rgb. */
static int colour_parse(const char *s, unsigned char rgb[3])
{
	int i, hi, lo;

	if (*s == '#')
		s++;
	if (strlen(s) != 6)
		return -1;
	for (i = 0; i < 3; i++) {
		hi = hex_digit(s[2 * i]);
		lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		rgb[i] = (unsigned char)(hi * 16 + lo);
	}
	return 0;
}

/* header_number: the next decimal of a PPM header, after white space and
 * comments; -1 when there is none or it is over max. */
static long header_number(FILE *f, long max)
{
	long v = 0;
	int c, digits = 0;

	for (;;) {
		c = getc(f);
		if (c == '#') {
			while (c != '\n' && c != EOF)
				c = getc(f);
		} else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			break;
		}
	}
	while (c >= '0' && c <= '9') {
		v = v * 10 + (c - '0');
		if (v > max)
			return -1;
		digits++;
		c = getc(f);
	}
	/* One white space character ends the number (and the header). */
	if (!digits || (c != ' ' && c != '\t' && c != '\n' && c != '\r'))
		return -1;
	return v;
}

/* image_read: a P6 image with maxval 255 from f; -1 with a message. */
static int image_read(FILE *f, const char *name, struct image *im)
{
	long maxval;
	size_t size;

	if (getc(f) != 'P' || getc(f) != '6') {
		warnx("%s: not a binary PPM (P6)", name);
		return -1;
	}
	im->width = header_number(f, PPM_MAX_SIDE);
	im->height = header_number(f, PPM_MAX_SIDE);
	maxval = header_number(f, 65535);
	if (im->width < 1 || im->height < 1 || maxval < 0) {
		warnx("%s: bad PPM header (or over %dx%d)", name, PPM_MAX_SIDE,
		      PPM_MAX_SIDE);
		return -1;
	}
	if (maxval != 255) {
		warnx("%s: maxval %ld, only 255 is read", name, maxval);
		return -1;
	}
	if (im->width * im->height > PPM_MAX_PIXELS) {
		warnx("%s: %ldx%ld is too large", name, im->width, im->height);
		return -1;
	}
	size = (size_t)(im->width * im->height) * 3;
	im->rgb = malloc(size);
	if (!im->rgb) {
		warn("%s", name);
		return -1;
	}
	if (fread(im->rgb, 1, size, f) != size) {
		if (ferror(f))
			warn("read %s", name);
		else
			warnx("%s: truncated image", name);
		free(im->rgb);
		return -1;
	}
	return 0;
}

static int pixel_matches(const unsigned char *p, const unsigned char rgb[3],
			 int tolerance)
{
	int i;

	for (i = 0; i < 3; i++)
		if (abs((int)p[i] - (int)rgb[i]) > tolerance)
			return 0;
	return 1;
}

static const unsigned char *pixel_at(const struct image *im, long x, long y)
{
	return im->rgb + (y * im->width + x) * 3;
}

static void box_find(const struct image *im, const unsigned char rgb[3],
		     int tolerance, struct box *b)
{
	long x, y;

	b->count = 0;
	b->x0 = b->y0 = LONG_MAX;
	b->x1 = b->y1 = -1;
	for (y = 0; y < im->height; y++) {
		for (x = 0; x < im->width; x++) {
			if (!pixel_matches(pixel_at(im, x, y), rgb, tolerance))
				continue;
			b->count++;
			if (x < b->x0)
				b->x0 = x;
			if (x > b->x1)
				b->x1 = x;
			if (y < b->y0)
				b->y0 = y;
			b->y1 = y;
		}
	}
}

/* text_rows: the runs of pixel rows inside the box that hold a pixel of
 * another colour (a line of text, a cursor, a window on top). */
static long text_rows(const struct image *im, const unsigned char rgb[3],
		      int tolerance, const struct box *b)
{
	long x, y, rows = 0;
	int in_text = 0, marked;

	for (y = b->y0; y <= b->y1; y++) {
		marked = 0;
		for (x = b->x0; x <= b->x1 && !marked; x++)
			marked =
			    !pixel_matches(pixel_at(im, x, y), rgb, tolerance);
		if (marked && !in_text)
			rows++;
		in_text = marked;
	}
	return rows;
}

int main(int argc, char **argv)
{
	struct image im;
	struct box b;
	unsigned char rgb[3];
	const char *name;
	long tolerance = 0;
	int c, rows = 0, rc;
	FILE *f;

	while ((c = getopt(argc, argv, "rh")) != -1) {
		switch (c) {
		case 'r':
			rows = 1;
			break;
		case 'h':
			usage_exit(0);
			break;
		default:
			usage_exit(EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 3 || colour_parse(argv[1], rgb) < 0)
		usage_exit(EXIT_USAGE);
	if (argc == 3 && (tolerance = number_parse(argv[2], 0, 255)) < 0)
		usage_exit(EXIT_USAGE);

	name = argv[0];
	if (strcmp(name, "-") == 0) {
		f = stdin;
		name = "standard input";
	} else if (!(f = fopen(name, "rbe"))) {
		err(EXIT_SYS, "open %s", name);
	}
	if (image_read(f, name, &im) < 0)
		return EXIT_SYS;
	if (f != stdin)
		fclose(f);

	box_find(&im, rgb, (int)tolerance, &b);
	if (b.count == 0) {
		printf("0 - - - -%s\n", rows ? " -" : "");
		rc = EXIT_NOT_FOUND;
	} else {
		printf("%ld %ld %ld %ld %ld", b.count, b.x0, b.y0, b.x1, b.y1);
		if (rows)
			printf(" %ld", text_rows(&im, rgb, (int)tolerance, &b));
		putchar('\n');
		rc = EXIT_FOUND;
	}
	free(im.rgb);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EXIT_SYS, "write standard output");
	return rc;
}
