/* main.c - the renkei command: global options and dispatch to one file per subcommand. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("renkei %s\n", RK_VERSION);
        return 0;
    }
    fprintf(stderr, "renkei: no command given; try 'renkei --help'\n");
    return 2;
}
