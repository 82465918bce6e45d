/* stack_dump: a probe, not a reference program. Prints the initial stack
 * Linux built for it: rsp, argc, each argv/envp pointer and string, and
 * every auxv entry (type value, strings for AT_EXECFN/AT_PLATFORM, the
 * AT_RANDOM address), and the initial program break. Built twice, as
 * ET_EXEC (stack_dump) and as a static PIE (stack_dump_pie).
 * test/programs/loader.test.ts runs both natively under `setarch -R env -i` and
 * compares with what src/loader computes. */
#include "../lib/sys.h"

static void line(const char *label, unsigned long v)
{
	put_str(label);
	put_str(" ");
	put_hex(v);
	put_str("\n");
}

int main(int argc, char **argv, char **envp)
{
	unsigned long *sp = (unsigned long *)argv - 1;
	line("rsp", (unsigned long)sp);
	line("brk", sys_brk(0));
	line("argc", argc);
	for (int i = 0; i < argc; i++) {
		line("argv", (unsigned long)argv[i]);
		put_str("  ");
		put_str(argv[i]);
		put_str("\n");
	}
	char **e = envp;
	for (; *e; e++) {
		line("envp", (unsigned long)*e);
		put_str("  ");
		put_str(*e);
		put_str("\n");
	}
	for (unsigned long *aux = (unsigned long *)(e + 1);; aux += 2) {
		put_str("auxv ");
		put_udec(aux[0]);
		put_str(" ");
		put_hex(aux[1]);
		put_str("\n");
		if (aux[0] == 15 || aux[0] == 31) {	/* AT_PLATFORM, AT_EXECFN */
			put_str("  ");
			put_str((const char *)aux[1]);
			put_str("\n");
		}
		if (aux[0] == 0)
			break;
	}
	return 0;
}
