/*
 * ingest.h — `pilotlight ingest`: the device gateway of centralized
 * monitoring (集中監視), a process of its own (ingest.c has the design).
 */
#ifndef PL_MONITOR_INGEST_H
#define PL_MONITOR_INGEST_H

/* `pilotlight ingest` entry point (argv without the subcommand). */
int ingest_main(int argc, char **argv);

#endif
