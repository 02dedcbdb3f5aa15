/* SPDX-License-Identifier: MIT */
/* vm-config: make a VM's config disk from a text file of key=value lines
 * (lib/guestcfg.h), or print the lines of one. The file is checked
 * completely before anything is written, and the disk replaces OUT
 * atomically: written to a new file beside it, synced, renamed. */
#include "cli.h"
#include "guestcfg.h"
#include "util.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR 512

static const char usage[] =
    "usage: vm-config [-n] FILE OUT\n"
    "       vm-config -p DISK\n"
    "Check FILE, lines key=value as septa-init reads them, and write OUT,\n"
    "a config disk for a VM's blk/ directory: the \"" GUESTCFG_HEADER "\"\n"
    "line, FILE's lines, zeros up to a multiple of 512 bytes.\n"
    "  -n  only check FILE; write nothing\n"
    "  -p  print the lines of the config disk DISK\n"
    "Exit codes: 0 done, 1 invalid FILE or DISK (nothing written),\n"
    "100 usage, 111 system error (cannot read or write).\n";

/* A disk as the guest reads it: at most GUESTCFG_FILE_MAX bytes before the
 * padding. One byte more tells a file that is too long. */
static char data[GUESTCFG_FILE_MAX + 1];
static char disk[GUESTCFG_FILE_MAX]; /* a multiple of SECTOR */
static struct guestcfg cfg;

/* Read path into data, without the NUL bytes at its end (a disk's
 * padding). read(2), not pread(2), so that FILE may be a pipe. */
static size_t load(const char *path, bool is_disk)
{
	char errbuf[GUESTCFG_ERR_MAX];
	size_t len = 0;
	ssize_t n = 1;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		err(SEPTA_EXIT_SYS, "%s", path);
	while (len < sizeof(data) && n != 0) {
		n = read(fd, data + len, sizeof(data) - len);
		if (n < 0 && errno != EINTR)
			err(SEPTA_EXIT_SYS, "%s", path);
		if (n > 0)
			len += (size_t)n;
	}
	close(fd);
	/* A disk may be larger than what the guest reads of it. */
	if (!is_disk && len > GUESTCFG_FILE_MAX)
		errx(SEPTA_EXIT_BADDEF, "%s: longer than %d bytes", path,
		     GUESTCFG_FILE_MAX);
	guestcfg_init(&cfg);
	if (guestcfg_parse(&cfg, data, len, path, is_disk, errbuf,
			   sizeof(errbuf)) < 0)
		errx(SEPTA_EXIT_BADDEF, "%s", errbuf);
	while (len > 0 && data[len - 1] == '\0')
		len--;
	return len;
}

/* The lines after the header line, if data starts with one. */
static const char *body(size_t len, size_t *blen)
{
	size_t h = strlen(GUESTCFG_HEADER);

	if (!guestcfg_is_disk(data, len)) {
		*blen = len;
		return data;
	}
	if (len > h)
		h++; /* its newline */
	*blen = len - h;
	return data + h;
}

static int print(const char *path)
{
	size_t len, blen;
	const char *b;

	len = load(path, true);
	b = body(len, &blen);
	if (fwrite(b, 1, blen, stdout) != blen || fflush(stdout) != 0)
		err(SEPTA_EXIT_SYS, "stdout");
	return 0;
}

/* The disk image for data: header, lines, a final newline if the last
 * line has none, zeros. Its size, or exit 1 when it is too long. */
static size_t make_disk(const char *path, size_t len)
{
	size_t blen, n, h = strlen(GUESTCFG_HEADER);
	const char *b = body(len, &blen);

	n = h + 1 + blen + (blen > 0 && b[blen - 1] != '\n');
	if (n > sizeof(disk))
		errx(SEPTA_EXIT_BADDEF,
		     "%s: longer than %d bytes with the \"%s\" line", path,
		     GUESTCFG_FILE_MAX, GUESTCFG_HEADER);
	memcpy(disk, GUESTCFG_HEADER "\n", h + 1);
	memcpy(disk + h + 1, b, blen);
	if (h + 1 + blen < n)
		disk[n - 1] = '\n';
	return (n + SECTOR - 1) / SECTOR * SECTOR;
}

/* Write size bytes of disk to a new file beside out, sync it and rename
 * it over out. On failure the new file is removed and out is untouched. */
static void write_disk(const char *out, size_t size)
{
	char tmp[4096];
	const char *what = "write";
	struct stat st;
	size_t done = 0;
	int fd;

	/* rename would replace a device node or a link, not write to it. */
	if (lstat(out, &st) == 0 && !S_ISREG(st.st_mode))
		errx(SEPTA_EXIT_BADDEF, "%s: not a regular file", out);
	if (fmt(tmp, sizeof(tmp), "%s.tmp%ld", out, (long)getpid()) < 0)
		errx(SEPTA_EXIT_USAGE, "%s: path too long", out);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		err(SEPTA_EXIT_SYS, "%s: create a temporary file", out);
	while (done < size) {
		ssize_t n = write(fd, disk + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		done += (size_t)n;
	}
	what = "fsync";
	if (fsync(fd) < 0)
		goto fail;
	what = "close";
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	what = "rename";
	if (rename(tmp, out) < 0)
		goto fail;
	return;
fail:
	warn("%s: %s", out, what);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	exit(SEPTA_EXIT_SYS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool check = false, show = false;
	size_t len, size;
	int c;

	while ((c = getopt_long(argc, argv, "nph", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			check = true;
			break;
		case 'p':
			show = true;
			break;
		case 'h':
			cli_usage(usage, 0);
		default:
			cli_usage(usage, SEPTA_EXIT_USAGE);
		}
	}
	if (show) {
		if (check || argc - optind != 1)
			cli_usage(usage, SEPTA_EXIT_USAGE);
		return print(argv[optind]);
	}
	if (argc - optind != 2)
		cli_usage(usage, SEPTA_EXIT_USAGE);
	len = load(argv[optind], false);
	size = make_disk(argv[optind], len);
	if (!check)
		write_disk(argv[optind + 1], size);
	return 0;
}
