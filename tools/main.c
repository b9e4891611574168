/*
 * main.c: the agrad executable; everything else is in agrad_run (cli.c) so
 * the test runner can call the command in-process.
 */
#include "cli.h"

int main(int argc, char **argv) { return agrad_run(argc, argv, stdin, stdout, stderr); }
