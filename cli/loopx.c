// SPDX-License-Identifier: GPL-2.0-only
/*
 * loopx - set up and control loop devices, losetup compatible.
 *
 * Works with the loopx module in native mode (/dev/loopxN), in compat
 * mode and with the stock loop driver (/dev/loopN): all of them speak the
 * <linux/loop.h> ABI.  This file only parses the command line and picks
 * the action; see actions.c for the work.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "msg.h"
#include "parse.h"

#ifndef LOOPX_VERSION
#define LOOPX_VERSION	"unknown"
#endif

enum {
	OPT_SIZELIMIT = 0x100,
	OPT_SHOW,
	OPT_RAW,
	OPT_DIO,
	OPT_OUTPUT_ALL,
	OPT_STRICT,
	OPT_WAIT,
	OPT_KEY_FILE,
	OPT_KEY_DESC,
	OPT_KEY_SIZE,
	OPT_TAG,
};

static const struct option long_opts[] = {
	{ "all",		no_argument,		NULL, 'a' },
	{ "set-capacity",	required_argument,	NULL, 'c' },
	{ "detach",		required_argument,	NULL, 'd' },
	{ "detach-all",		no_argument,		NULL, 'D' },
	{ "find",		no_argument,		NULL, 'f' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "associated",		required_argument,	NULL, 'j' },
	{ "json",		no_argument,		NULL, 'J' },
	{ "list",		no_argument,		NULL, 'l' },
	{ "noheadings",		no_argument,		NULL, 'n' },
	{ "offset",		required_argument,	NULL, 'o' },
	{ "output",		required_argument,	NULL, 'O' },
	{ "output-all",		no_argument,		NULL, OPT_OUTPUT_ALL },
	{ "sizelimit",		required_argument,	NULL, OPT_SIZELIMIT },
	{ "sector-size",	required_argument,	NULL, 'b' },
	{ "partscan",		no_argument,		NULL, 'P' },
	{ "read-only",		no_argument,		NULL, 'r' },
	{ "direct-io",		optional_argument,	NULL, OPT_DIO },
	{ "encryption",		required_argument,	NULL, 'e' },
	{ "key-file",		required_argument,	NULL, OPT_KEY_FILE },
	{ "key-desc",		required_argument,	NULL, OPT_KEY_DESC },
	{ "key-size",		required_argument,	NULL, OPT_KEY_SIZE },
	{ "raw",		no_argument,		NULL, OPT_RAW },
	{ "show",		no_argument,		NULL, OPT_SHOW },
	{ "strict",		no_argument,		NULL, OPT_STRICT },
	{ "tag",		required_argument,	NULL, OPT_TAG },
	{ "wait",		no_argument,		NULL, OPT_WAIT },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* Leading ':' so that we word the "missing argument" error ourselves. */
static const char short_opts[] = ":ab:c:d:De:fhj:JlnO:o:PrvV";

static void usage(void)
{
	fputs("\nUsage:\n"
	      " " LX_PROG " [options] [<loopdev>]\n"
	      " " LX_PROG " [options] -f | <loopdev> <file>\n"
	      "\n"
	      "Set up and control loop devices of the loopx module or the stock loop driver.\n"
	      "\n"
	      "Options:\n"
	      " -a, --all                     list every bound device\n"
	      " -d, --detach <loopdev>...     detach the given devices\n"
	      " -D, --detach-all              detach every bound device\n"
	      "     --strict                  with -d/-D: detach now or fail, saying who holds it\n"
	      "     --wait                    with -d/-D: wait until nobody else holds it, then detach\n"
	      " -f, --find                    use (or print) the first free device\n"
	      " -c, --set-capacity <loopdev>  re-read the size of the backing file\n"
	      " -j, --associated <file>       list the devices bound to <file>\n"
	      "     --tag <tag>               list the devices whose binding carries <tag>\n"
	      "\n"
	      " -o, --offset <num>            data starts <num> bytes into the file\n"
	      "     --sizelimit <num>         use at most <num> bytes of the file\n"
	      " -b, --sector-size <num>       logical sector size of the device\n"
	      " -P, --partscan                scan the device for partitions\n"
	      " -r, --read-only               make the device read-only\n"
	      "     --direct-io[=<on|off>]    bypass the page cache for the backing file\n"
	      " -e, --encryption <cipher>     encrypt the file: aes-xts-plain64, ... or xor\n"
	      "     --key-file <file>         the raw key for --encryption (up to 32 bytes)\n"
	      "     --key-desc <desc>         or a logon key of the kernel keyring\n"
	      "     --key-size <num>          that key's size in bytes (default 64)\n"
	      "     --tag <tag>               name the binding, for --tag listings (loopx)\n"
	      "     --show                    print the device name after setting it up\n"
	      " -v, --verbose                 describe each step on stderr\n"
	      "\n"
	      " -J, --json                    list in JSON\n"
	      " -l, --list                    list as a table (all devices or <loopdev>)\n"
	      " -n, --noheadings              leave out the table header\n"
	      " -O, --output <cols>           columns to list (+<cols> adds to the defaults)\n"
	      "     --output-all              list every column\n"
	      "     --raw                     list without alignment, values escaped\n"
	      "\n"
	      " -h, --help                    show this help and exit\n"
	      " -V, --version                 show the version and exit\n"
	      "\n"
	      "Arguments:\n"
	      " <num> may be followed by the suffixes K, M, G, T, P, E (powers of 1024),\n"
	      " optionally spelt KiB, MiB, ..., or KB, MB, GB, TB, PB, EB (powers of 1000).\n"
	      "\n"
	      "Columns for --list:\n", stdout);
	show_help_columns(stdout);
	fputs("\n"
	      "Devices are /dev/loopxN with the loopx module in native mode and\n"
	      "/dev/loopN with loopx in compat mode or the stock loop driver.\n"
	      "\n"
	      "For more details see loopx(8).\n", stdout);
}

/* The long name of an option, for messages. */
static const char *opt_name(int c)
{
	const struct option *lo;

	for (lo = long_opts; lo->name; lo++)
		if (lo->val == c)
			return lo->name;
	return "?";
}

static __u64 size_arg(int c, const char *arg)
{
	__u64 v;
	int ret = parse_size(arg, &v);

	if (ret == -ERANGE)
		lx_usage_err("--%s: invalid size '%s': %s", opt_name(c), arg,
			     strerror(ERANGE));
	if (ret)
		lx_usage_err("--%s: invalid size '%s'", opt_name(c), arg);
	return v;
}

/*
 * Like losetup, at most one of these may be given, and the list output
 * options do not combine with the ones that change devices.
 */
static void set_action(int *act, int c)
{
	if (*act && *act != c)
		lx_usage_err("--%s and --%s are mutually exclusive",
			     opt_name(*act), opt_name(c));
	*act = c;
}

struct cmdline {
	struct lx_opts o;
	int act;		/* a, c, d, D, f, j or 0 */
	int list_opt;		/* first list-output option seen */
	const char *devarg;	/* -c */
	const char *assoc;	/* -j */
	const char *outarg;	/* -O */
	int output_all;
	char **detach;		/* -d arguments and positionals */
	int ndetach;
	char **pos;		/* positional arguments */
	int npos;
};

/* Any of the options that select --list output, and what they add. */
static void set_list_opt(struct cmdline *cl, int c, const char *arg)
{
	struct show_opts *out = &cl->o.out;
	enum show_format fmt = SHOW_TABLE;

	if (c == 'J')
		fmt = SHOW_JSON;
	else if (c == OPT_RAW)
		fmt = SHOW_RAW;
	else if (c == 'O')
		cl->outarg = arg;
	else if (c == OPT_OUTPUT_ALL)
		cl->output_all = 1;

	if (fmt != SHOW_TABLE) {
		if (out->format != SHOW_TABLE && out->format != fmt)
			lx_usage_err("--json and --raw are mutually exclusive");
		out->format = fmt;
	}
	if (!cl->list_opt)
		cl->list_opt = c;
	cl->o.list = 1;
}

/* What the driver would refuse with EINVAL, said before asking it. */
static void check_tag(const char *tag)
{
	if (!*tag)
		lx_usage_err("--tag: a tag cannot be empty");
	if (strlen(tag) > LOOPX_TAG_MAX)
		lx_usage_err("--tag: a tag is at most %d bytes", LOOPX_TAG_MAX);
	if (strchr(tag, '\n'))
		lx_usage_err("--tag: a tag cannot contain a newline");
}

static void parse_args(int argc, char **argv, struct cmdline *cl)
{
	struct lx_opts *o = &cl->o;
	__u64 v;
	int c;

	cl->detach = calloc((size_t)argc, sizeof(*cl->detach));
	if (!cl->detach) {
		lx_err(NULL, "cannot parse arguments", -ENOMEM);
		exit(1);
	}

	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'a':
		case 'D':
		case 'f':
			set_action(&cl->act, c);
			break;
		case 'c':
			set_action(&cl->act, c);
			cl->devarg = optarg;
			break;
		case 'd':
			set_action(&cl->act, c);
			cl->detach[cl->ndetach++] = optarg;
			break;
		case 'j':
			set_action(&cl->act, c);
			cl->assoc = optarg;
			break;
		case 'J':
		case 'l':
		case 'O':
		case OPT_RAW:
		case OPT_OUTPUT_ALL:
			set_list_opt(cl, c, optarg);
			break;
		case 'n':
			o->out.noheadings = 1;
			break;
		case 'o':
			o->offset = size_arg(c, optarg);
			o->use_offset = 1;
			break;
		case OPT_SIZELIMIT:
			o->sizelimit = size_arg(c, optarg);
			o->use_sizelimit = 1;
			break;
		case 'b':
			v = size_arg(c, optarg);
			if (v > 0xffffffffULL)
				lx_usage_err("--%s: invalid size '%s': %s",
					     opt_name(c), optarg,
					     strerror(ERANGE));
			o->bsize = (__u32)v;
			o->use_bsize = 1;
			break;
		case OPT_DIO:
			o->set_dio = 1;
			o->dio_on = 1;
			if (optarg && parse_switch(optarg, &o->dio_on))
				lx_usage_err("--direct-io: invalid argument '%s' (expected on or off)",
					     optarg);
			break;
		case 'e':
			o->encryption = optarg;
			break;
		case OPT_KEY_FILE:
			o->key_file = optarg;
			break;
		case OPT_KEY_DESC:
			o->key_desc = optarg;
			break;
		case OPT_KEY_SIZE:
			v = size_arg(c, optarg);
			if (!v || v > 64)
				lx_usage_err("--key-size: %s bytes: expected 1 to 64",
					     optarg);
			o->key_size = (unsigned int)v;
			break;
		case 'P':
			o->partscan = 1;
			break;
		case 'r':
			o->read_only = 1;
			break;
		case OPT_SHOW:
			o->show = 1;
			break;
		case OPT_STRICT:
			o->strict = 1;
			break;
		case OPT_TAG:
			check_tag(optarg);
			o->tag = optarg;
			break;
		case OPT_WAIT:
			o->wait = 1;
			break;
		case 'v':
			lx_verbose = 1;
			break;
		case 'h':
			usage();
			exit(0);
		case 'V':
			printf(LX_PROG " from loopx " LOOPX_VERSION "\n");
			exit(0);
		case ':':
			lx_usage_err("option '%s' requires an argument",
				     argv[optind - 1]);
		default:
			if (optopt)
				lx_usage_err("invalid option -- '%c'", optopt);
			lx_usage_err("unrecognized option '%s'",
				     argv[optind - 1]);
		}
	}
	cl->pos = argv + optind;
	cl->npos = argc - optind;
}

static void check_list_opts(struct cmdline *cl)
{
	struct show_opts *out = &cl->o.out;
	char bad[64];

	if (cl->list_opt && (cl->act == 'c' || cl->act == 'd' ||
			     cl->act == 'D' || cl->act == 'f'))
		lx_usage_err("--%s and --%s are mutually exclusive",
			     opt_name(cl->list_opt), opt_name(cl->act));

	/* -O wins over --output-all, but "-O +COLS" adds to it */
	if (cl->output_all)
		show_all_columns(out);
	if (cl->outarg &&
	    show_parse_columns(cl->outarg, out, bad, sizeof(bad)))
		lx_usage_err("unknown column: %s", bad);
}

enum mode {
	M_ATTACH,
	M_FIND,
	M_LIST,
	M_SHOW_ONE,
	M_MODIFY,
	M_CAPACITY,
	M_DETACH,
	M_DETACH_ALL,
};

static void no_positionals(const struct cmdline *cl)
{
	if (cl->npos)
		lx_usage_err("unexpected argument '%s'", cl->pos[0]);
}

static enum mode pick_mode(struct cmdline *cl)
{
	switch (cl->act) {
	case 'f':
		if (cl->npos > 1)
			lx_usage_err("unexpected argument '%s'", cl->pos[1]);
		return cl->npos ? M_ATTACH : M_FIND;
	case 'a':
	case 'j':
		no_positionals(cl);
		return M_LIST;
	case 'c':
		no_positionals(cl);
		return M_CAPACITY;
	case 'D':
		no_positionals(cl);
		return M_DETACH_ALL;
	case 'd':
		while (cl->npos) {
			cl->detach[cl->ndetach++] = *cl->pos++;
			cl->npos--;
		}
		return M_DETACH;
	}

	switch (cl->npos) {
	case 0:
		if (cl->o.list || cl->o.tag)
			return M_LIST;
		lx_usage_err("no loop device specified");
	case 1:
		if (cl->o.set_dio || cl->o.use_bsize)
			return M_MODIFY;
		return M_SHOW_ONE;
	case 2:
		return M_ATTACH;
	default:
		lx_usage_err("unexpected argument '%s'", cl->pos[2]);
	}
}

/* Reject options that mean nothing for the chosen mode, like losetup. */
static void check_mode_opts(const struct cmdline *cl, enum mode mode)
{
	const struct lx_opts *o = &cl->o;
	const char *what = NULL;

	if ((o->strict || o->wait) && mode != M_DETACH && mode != M_DETACH_ALL)
		lx_usage_err("%s is allowed only with --detach or --detach-all",
			     o->strict ? "--strict" : "--wait");
	if (o->tag && mode != M_ATTACH && mode != M_LIST)
		lx_usage_err("--tag is allowed only when setting up or listing devices");
	if (mode == M_ATTACH) {
		if (o->encryption && !!o->key_file == !!o->key_desc)
			lx_usage_err("--encryption needs one of --key-file and --key-desc");
		if (!o->encryption && (o->key_file || o->key_desc))
			lx_usage_err("--key-file and --key-desc need --encryption");
		if (o->key_size && !o->key_desc)
			lx_usage_err("--key-size goes with --key-desc");
		return;
	}
	if (o->read_only)
		what = "--read-only";
	else if (o->partscan)
		what = "--partscan";
	else if (o->use_sizelimit)
		what = "--sizelimit";
	else if (o->encryption)
		what = "--encryption";
	else if (o->key_file)
		what = "--key-file";
	else if (o->key_desc)
		what = "--key-desc";
	else if (o->show && mode != M_FIND)
		what = "--show";
	else if (o->use_offset && cl->act != 'j')
		what = "--offset";	/* which also filters --associated */
	else if (o->use_bsize && mode != M_MODIFY)
		what = "--sector-size";
	else if (o->set_dio && mode != M_MODIFY)
		what = "--direct-io";
	if (what)
		lx_usage_err("%s is allowed only when setting up a device",
			     what);
}

int main(int argc, char **argv)
{
	struct cmdline cl;
	enum mode mode;
	int ret;

	memset(&cl, 0, sizeof(cl));
	show_default_columns(&cl.o.out);

	/* Like losetup 2.38, no arguments at all means --list --all. */
	if (argc == 1) {
		cl.o.list = 1;
		return act_list(&cl.o, NULL);
	}

	parse_args(argc, argv, &cl);
	check_list_opts(&cl);
	mode = pick_mode(&cl);
	check_mode_opts(&cl, mode);

	switch (mode) {
	case M_ATTACH:
		if (cl.act == 'f')
			ret = act_attach(&cl.o, NULL, cl.pos[0]);
		else
			ret = act_attach(&cl.o, cl.pos[0], cl.pos[1]);
		break;
	case M_FIND:
		ret = act_find_free();
		break;
	case M_LIST:
		ret = act_list(&cl.o, cl.assoc);
		break;
	case M_SHOW_ONE:
		ret = act_show_one(&cl.o, cl.pos[0]);
		break;
	case M_MODIFY:
		ret = act_modify(&cl.o, cl.pos[0]);
		break;
	case M_CAPACITY:
		ret = act_set_capacity(cl.devarg);
		break;
	case M_DETACH:
		ret = act_detach(&cl.o, cl.detach, cl.ndetach);
		break;
	default:
		ret = act_detach_all(&cl.o);
		break;
	}
	free(cl.detach);
	return ret;
}
