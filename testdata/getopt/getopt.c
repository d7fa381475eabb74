/*
 * Oracle for cli/getopt_test.go: parses its argv with glibc's getopt_long,
 * using strace 6.1's optstring and long options (re-typed from
 * cli/strace_options.go), and reports what getopt_long returned.
 *
 * Output, one line each:
 *   opt -C            a short option, no argument
 *   opt --NAME        a long option (full name, even if abbreviated)
 *   ... =HEX          appended when optarg is set (HEX may be empty)
 *   operand =HEX      each operand left after the options
 *   error             getopt_long returned '?'; its message is on stderr
 *   not glibc         (exit status 3) built against another C library
 * Strings are hex-encoded so that any byte survives the trip.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>

/* Values for long-only options; spellings of one option share a value. */
enum {
	V_DAEMONIZE = 0x100,
	V_FOLLOW_FORKS,
	V_OUTPUT_SEPARATELY,
	V_TIMESTAMPS,
	V_STRINGS_IN_HEX,
	V_PIDNS_TRANSLATION,
	V_SECCOMP_BPF,
	V_TIPS,
	V_TRACE,
	V_ABBREV,
	V_VERBOSE,
	V_RAW,
	V_SIGNALS,
	V_STATUS,
	V_READ,
	V_WRITE,
	V_FAULT,
	V_INJECT,
	V_KVM,
	V_QUIET,
	V_DECODE_FDS,
	V_DECODE_PIDS,
	V_SECONTEXT,
};

static const char shortopts[] =
	"+a:Ab:cCdDe:E:fFhiI:kno:O:p:P:qrs:S:tTu:U:vVwxX:yYzZ";

static const struct option longopts[] = {
	{"columns", required_argument, NULL, 'a'},
	{"output-append-mode", no_argument, NULL, 'A'},
	{"detach-on", required_argument, NULL, 'b'},
	{"summary-only", no_argument, NULL, 'c'},
	{"summary", no_argument, NULL, 'C'},
	{"debug", no_argument, NULL, 'd'},
	{"daemonize", optional_argument, NULL, V_DAEMONIZE},
	{"daemonised", optional_argument, NULL, V_DAEMONIZE},
	{"daemonized", optional_argument, NULL, V_DAEMONIZE},
	{"env", required_argument, NULL, 'E'},
	{"follow-forks", no_argument, NULL, V_FOLLOW_FORKS},
	{"output-separately", no_argument, NULL, V_OUTPUT_SEPARATELY},
	{"help", no_argument, NULL, 'h'},
	{"instruction-pointer", no_argument, NULL, 'i'},
	{"interruptible", required_argument, NULL, 'I'},
	{"stack-traces", no_argument, NULL, 'k'},
	{"syscall-number", no_argument, NULL, 'n'},
	{"output", required_argument, NULL, 'o'},
	{"summary-syscall-overhead", required_argument, NULL, 'O'},
	{"attach", required_argument, NULL, 'p'},
	{"trace-path", required_argument, NULL, 'P'},
	{"relative-timestamps", optional_argument, NULL, 'r'},
	{"string-limit", required_argument, NULL, 's'},
	{"summary-sort-by", required_argument, NULL, 'S'},
	{"absolute-timestamps", optional_argument, NULL, V_TIMESTAMPS},
	{"timestamps", optional_argument, NULL, V_TIMESTAMPS},
	{"syscall-times", optional_argument, NULL, 'T'},
	{"user", required_argument, NULL, 'u'},
	{"summary-columns", required_argument, NULL, 'U'},
	{"no-abbrev", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{"summary-wall-clock", no_argument, NULL, 'w'},
	{"strings-in-hex", optional_argument, NULL, V_STRINGS_IN_HEX},
	{"const-print-style", required_argument, NULL, 'X'},
	{"pidns-translation", no_argument, NULL, V_PIDNS_TRANSLATION},
	{"successful-only", no_argument, NULL, 'z'},
	{"failed-only", no_argument, NULL, 'Z'},
	{"failing-only", no_argument, NULL, 'Z'},
	{"seccomp-bpf", no_argument, NULL, V_SECCOMP_BPF},
	{"tips", optional_argument, NULL, V_TIPS},
	{"trace", required_argument, NULL, V_TRACE},
	{"abbrev", required_argument, NULL, V_ABBREV},
	{"verbose", required_argument, NULL, V_VERBOSE},
	{"raw", required_argument, NULL, V_RAW},
	{"signals", required_argument, NULL, V_SIGNALS},
	{"status", required_argument, NULL, V_STATUS},
	{"read", required_argument, NULL, V_READ},
	{"write", required_argument, NULL, V_WRITE},
	{"fault", required_argument, NULL, V_FAULT},
	{"inject", required_argument, NULL, V_INJECT},
	{"kvm", required_argument, NULL, V_KVM},
	{"quiet", optional_argument, NULL, V_QUIET},
	{"silent", optional_argument, NULL, V_QUIET},
	{"silence", optional_argument, NULL, V_QUIET},
	{"decode-fds", optional_argument, NULL, V_DECODE_FDS},
	{"decode-pids", required_argument, NULL, V_DECODE_PIDS},
	{"secontext", optional_argument, NULL, V_SECONTEXT},
	{NULL, 0, NULL, 0},
};

static void print_hex(const char *s)
{
	putchar('=');
	for (; *s; s++)
		printf("%02x", (unsigned char) *s);
}

int main(int argc, char **argv)
{
#ifndef __GLIBC__
	/* Only glibc's getopt_long is the reference; tell the test to skip. */
	puts("not glibc");
	return 3;
#endif
	for (;;) {
		int idx = -1;
		int c = getopt_long(argc, argv, shortopts, longopts, &idx);

		if (c == -1)
			break;
		if (c == '?') {
			puts("error");
			return 1;
		}
		if (idx >= 0)
			printf("opt --%s", longopts[idx].name);
		else
			printf("opt -%c", c);
		if (optarg)
			print_hex(optarg);
		putchar('\n');
	}
	for (; optind < argc; optind++) {
		fputs("operand ", stdout);
		print_hex(argv[optind]);
		putchar('\n');
	}
	return 0;
}
