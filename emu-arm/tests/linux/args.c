/* Prints argv and one environment variable, and checks the auxiliary vector. */
#include "nolibc.h"

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PAGESZ 6
#define AT_ENTRY 9
#define AT_HWCAP 16
#define AT_RANDOM 25
#define AT_EXECFN 31
#define AT_PLATFORM 15

extern char _start[];

int main(int argc, char **argv, char **envp) {
    puts_("argc=");
    putnum(argc);
    puts_("\n");
    for (int i = 0; i < argc; i++) {
        puts_("argv[");
        putnum(i);
        puts_("]=");
        puts_(argv[i]);
        puts_("\n");
    }
    char **e = envp;
    for (; *e; e++)
        if (sprefix(*e, "EMU_TEST=")) {
            puts_(*e);
            puts_("\n");
        }
    int unset_seen = 0;
    for (char **f = envp; *f; f++)
        if (sprefix(*f, "EMU_UNSET_ME="))
            unset_seen = 1;
    check("unset-env removed", !unset_seen);
    u64 *aux = (u64 *)(e + 1);
    u64 pagesz = 0, entry = 0, hwcap = 0, phent = 0, phdr = 0;
    const char *platform = "", *execfn = "";
    u8 *random = 0;
    for (; aux[0] != AT_NULL; aux += 2) {
        switch (aux[0]) {
        case AT_PAGESZ: pagesz = aux[1]; break;
        case AT_ENTRY: entry = aux[1]; break;
        case AT_HWCAP: hwcap = aux[1]; break;
        case AT_PHENT: phent = aux[1]; break;
        case AT_PHDR: phdr = aux[1]; break;
        case AT_PLATFORM: platform = (const char *)aux[1]; break;
        case AT_EXECFN: execfn = (const char *)aux[1]; break;
        case AT_RANDOM: random = (u8 *)aux[1]; break;
        }
    }
    check("AT_PAGESZ", pagesz == 4096);
    check("AT_ENTRY", entry == (u64)_start);
    check("AT_HWCAP fp+asimd", (hwcap & 3) == 3);
    check("AT_PHENT", phent == 56);
    /* The program headers start with the ELF header's e_phoff bytes in: check one. */
    check("AT_PHDR", phdr != 0 && *(u32 *)phdr != 0);
    check("AT_PLATFORM", seq(platform, "aarch64"));
    check("AT_EXECFN", slen(execfn) > 0);
    int nonzero = 0;
    for (int i = 0; random && i < 16; i++)
        nonzero |= random[i];
    check("AT_RANDOM", random && nonzero);
    check("sp aligned", ((u64)argv & 7) == 0 && (((u64)(argv - 1)) & 15) == 0);
    return failures;
}
